"""parse -> clean -> chunk -> embed -> store, streamed a batch at a time.

Memory is bounded by the batch, never by the file: a parser yields complaints (or
skipped rows) one at a time, and every WRITE_BATCH complaints are chunked, embedded
and written before the next are read. A bad row is counted and named; a bad file
becomes one line in `errors` and the files around it are ingested as usual.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .chunking import chunk_complaint
from .embedding import encode_passages, pick_device
from .encoder_record import claim
from .keywords import terms
from .memory import bound_heap
from .parsers import ReadPosition, expand_paths, read_file
from .records import Complaint, IngestError, LeftOut, RowError
from .sentences import sentence_spans
from .settings import Settings
from .store import ComplaintStore
from .subset import Subset

WRITE_BATCH = 256  # complaints embedded and written together
ROW_ERRORS_SHOWN = 5
LARGE_FILE = 100_000  # complaints in one file past which ingest says it will take a while
LEFT_OUT_TICK = 20_000  # rows left out by a subset between progress reports (a second of parsing)


@dataclass
class FileReport:
    path: str
    format: str = ""
    complaints: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    chunks: int = 0
    rows_skipped: int = 0
    rows_left_out: int = 0  # usable rows the subset asked for (`ingest --company ...`) does not take
    row_errors: list[str] = field(default_factory=list)  # the first few, "line 7: ..."
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class IngestReport:
    files: list[FileReport] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    def _total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    def to_dict(self) -> dict:
        return {
            "files": [asdict(f) for f in self.files],
            "complaints_added": self._total("added"),
            "complaints_updated": self._total("updated"),
            "complaints_unchanged": self._total("unchanged"),
            "chunks": self._total("chunks"),
            "rows_skipped": self._total("rows_skipped"),
            "rows_left_out": self._total("rows_left_out"),
            "errors": self.errors,
        }


@dataclass
class Progress:
    """What a progress bar needs, sent after every batch."""

    path: str
    files_done: int
    files_total: int
    rows: int  # complaints read so far in this call
    chunks: int  # chunks embedded so far in this call
    skipped: int
    elapsed_s: float
    bytes_read: int = 0  # of all the call's files on disk (compressed bytes for an archive)
    bytes_total: int = 0
    left_out: int = 0  # rows the subset does not take

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the pace so far, or None before there is a pace."""
        if not self.bytes_read or not self.bytes_total or not self.elapsed_s:
            return None
        return self.elapsed_s * max(self.bytes_total - self.bytes_read, 0) / self.bytes_read


def prepare(complaints: list[Complaint], settings: Settings, hashes: dict[str, str]) -> list[dict]:
    """Chunk and embed a batch: one row per complaint for `ComplaintStore.write`."""
    chunk_lists = [chunk_complaint(c, settings.chunk_tokens, settings.chunk_overlap) for c in complaints]
    flat = [ch for chunks in chunk_lists for ch in chunks]
    spans = [sentence_spans(ch.text) for ch in flat]
    vectors, span_vectors = encode_passages(settings.embed_model_path, [ch.text for ch in flat], spans,
                                            settings.embed_device, settings.embed_backend, settings.embed_cache)
    rows, offset = [], 0
    for complaint, chunks in zip(complaints, chunk_lists):
        sentences, seen = [], set()
        for j, ch in enumerate(chunks, start=offset):
            for (s, e), vec in zip(spans[j], span_vectors[j]):
                text = " ".join(ch.text[s:e].split())
                key = (ch.metadata["section"], ch.metadata["section_index"], text)
                if key in seen:  # chunks overlap: a sentence in two chunks is one quote candidate
                    continue
                seen.add(key)
                sentences.append((ch.metadata["section"], len(sentences), text, vec))
        rows.append({
            "complaint": complaint,
            "content_hash": hashes[complaint.complaint_id],
            "chunks": chunks,
            "vectors": vectors[offset : offset + len(chunks)],
            "passages": [(ch.chunk_id, ch.metadata["section"], " ".join(terms(ch.text)), ch.text) for ch in chunks],
            "sentences": sentences,
        })
        offset += len(chunks)
    return rows


class _Writer:
    """Writes each embedded batch to Chroma and the catalog, in order; a failed write surfaces
    before the next one starts, so an interrupted ingest re-runs as before.

    With cores to spare (a GPU embeds, or torch leaves CPUs idle) batch N is written in a thread
    while batch N+1 is embedded. Where torch's threads fill every core it runs in line: on 2 cores
    about 1 s of writes per 1,000 chunks slowed the concurrent forward pass by 3-4 s. Embedded
    Chroma's add holds the GIL throughout (a Python loop beside it made no progress), so the
    forward pass, which needs the GIL between its operators, stalls while it runs."""

    def __init__(self, store: ComplaintStore, overlap: bool):
        self.store = store
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer") if overlap else None
        self.pending: Future | None = None
        self.in_flight: dict[str, str] = {}  # id -> content hash of the batch being written

    def stored_hashes(self, ids: list[str]) -> dict[str, str]:
        stored = self.store.stored_hashes(ids)
        stored.update({i: self.in_flight[i] for i in ids if i in self.in_flight})
        return stored

    def submit(self, rows: list[dict]) -> None:
        self.wait()
        if self.pool is None:
            self.store.write(rows)
            return
        self.in_flight = {r["complaint"].complaint_id: r["content_hash"] for r in rows}
        self.pending = self.pool.submit(self.store.write, rows)

    def wait(self) -> None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending.result()  # re-raises what the write raised, KeyboardInterrupt included

    def close(self) -> None:
        try:
            self.wait()
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True)


def _spare_cores(settings: Settings) -> bool:
    """Whether a write can run beside the forward pass without taking a core from it."""
    import torch

    if pick_device(settings.embed_device) != "cpu" and settings.embed_backend == "torch":
        return True
    return (os.cpu_count() or 1) > torch.get_num_threads()


def _write_batch(batch: dict[str, Complaint], writer: _Writer, settings: Settings, report: FileReport) -> int:
    hashes = {cid: c.content_hash() for cid, c in batch.items()}
    stored = writer.stored_hashes(list(batch))
    todo = [c for cid, c in batch.items() if stored.get(cid) != hashes[cid]]
    report.unchanged += len(batch) - len(todo)
    if not todo:
        return 0
    rows = prepare(todo, settings, hashes)
    writer.submit(rows)
    chunks = sum(len(r["chunks"]) for r in rows)
    report.chunks += chunks
    report.updated += sum(1 for c in todo if c.complaint_id in stored)
    report.added += sum(1 for c in todo if c.complaint_id not in stored)
    return chunks


def ingest_file(path: Path, store: ComplaintStore, settings: Settings,
                on_batch: Callable[[FileReport, int], None] | None = None,
                position: ReadPosition | None = None, subset: Subset | None = None) -> FileReport:
    """Ingest one file; `on_batch(report so far, chunks of the batch)` after each batch (and
    after every LEFT_OUT_TICK rows a subset leaves out); `position` follows how far into the
    file reading has got; only the complaints `subset` keeps are ingested."""
    report = FileReport(path=str(path))
    batch: dict[str, Complaint] = {}  # a repeat inside a batch counts once
    writer = _Writer(store, _spare_cores(settings))

    def flush():
        chunks = _write_batch(batch, writer, settings, report)
        batch.clear()
        if on_batch:
            on_batch(report, chunks)

    try:
        for item in read_file(path, redact_pii=settings.redact_pii, position=position,
                              keep=subset.keeps if subset else None):
            if isinstance(item, LeftOut):
                report.rows_left_out += 1
                if on_batch and report.rows_left_out % LEFT_OUT_TICK == 0:
                    on_batch(report, 0)
                continue
            if isinstance(item, RowError):
                report.rows_skipped += 1
                if len(report.row_errors) < ROW_ERRORS_SHOWN:
                    report.row_errors.append(item.describe())
                continue
            report.format = report.format or item.source_format
            if item.complaint_id not in batch:
                report.complaints += 1
                if report.complaints == LARGE_FILE:
                    report.warnings.append(f"more than {LARGE_FILE:,} complaints in one file: on 2 CPU cores ingest "
                                           "runs at about 13 complaints/s (EMBED_DEVICE=cuda is far faster)")
            batch[item.complaint_id] = item
            if len(batch) >= WRITE_BATCH:
                flush()
        if batch:
            flush()
        elif on_batch and report.rows_left_out % LEFT_OUT_TICK:
            on_batch(report, 0)  # the rows left out since the last report
    finally:
        writer.close()
    store.catalog.record_source(str(path), report.format, report.rows_skipped, subset.describe() if subset else "")
    return report


def ingest(paths: list[str | Path], settings: Settings | None = None, store: ComplaintStore | None = None,
           progress: Callable[[int, int, str], None] | None = None,
           on_progress: Callable[[Progress], None] | None = None, subset: Subset | None = None) -> IngestReport:
    """`progress(files_done, files_total, path)` per file (the app's bar); `on_progress`
    after every batch with rows and chunks so far (the command line's bar). With a `subset`
    only the complaints it keeps are ingested; the rest are counted as left out."""
    settings = settings or Settings.from_env()
    bound_heap()
    files, missing = expand_paths(paths)
    report = IngestReport(errors=[{"path": p, "error": e} for p, e in missing])
    store = store or ComplaintStore(settings)
    if files:
        store.check_vectors()
        claim(store.catalog, settings.embed_backend)
    started = time.perf_counter()
    totals = {"rows": 0, "chunks": 0, "skipped": 0, "left_out": 0}
    sizes = [_size(path) for path in files]
    for done, path in enumerate(files):
        if progress:
            progress(done, len(files), str(path))
        base = dict(totals)
        position = ReadPosition(sizes[done])

        def on_batch(file: FileReport, chunks: int, path=path, done=done, base=base, position=position):
            totals["rows"], totals["skipped"] = base["rows"] + file.complaints, base["skipped"] + file.rows_skipped
            totals["left_out"] = base["left_out"] + file.rows_left_out
            totals["chunks"] += chunks
            if on_progress:
                on_progress(Progress(str(path), done, len(files), totals["rows"], totals["chunks"],
                                     totals["skipped"], time.perf_counter() - started,
                                     sum(sizes[:done]) + position.bytes_read(), sum(sizes), totals["left_out"]))

        try:
            # The resolved path names the source: `remove` and `sources` must not depend on the cwd.
            report.files.append(ingest_file(path.resolve(), store, settings, on_batch, position, subset))
        except IngestError as exc:
            report.files.append(FileReport(path=str(path.resolve()), error=str(exc)))
            report.errors.append({"path": str(path), "error": str(exc)})
    if progress:
        progress(len(files), len(files), "done")
    return report


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
