"""parse -> clean -> chunk -> embed -> store, one file at a time, each file on its own.

A bad file becomes one line in `errors`; the files around it are ingested as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .chunking import chunk_complaint
from .embedding import embed_texts
from .parsers import expand_paths, read_complaints
from .records import IngestError
from .settings import Settings
from .store import ComplaintStore

WRITE_BATCH = 256  # complaints embedded and written together


@dataclass
class FileReport:
    path: str
    complaints: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    chunks: int = 0
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
            "errors": self.errors,
        }


def ingest_file(path: Path, store: ComplaintStore, settings: Settings) -> FileReport:
    report = FileReport(path=str(path))
    complaints = {c.complaint_id: c for c in read_complaints(path)}  # a repeat inside a file counts once
    report.complaints = len(complaints)
    hashes = {cid: c.content_hash() for cid, c in complaints.items()}
    stored = store.stored_hashes(list(complaints))
    todo = [c for cid, c in complaints.items() if stored.get(cid) != hashes[cid]]
    report.unchanged = len(complaints) - len(todo)

    # Embed and write in batches: batching is where the model's and Chroma's speed is,
    # and a bounded batch keeps memory flat on a large CSV export.
    for start in range(0, len(todo), WRITE_BATCH):
        group = todo[start : start + WRITE_BATCH]
        chunk_lists = [chunk_complaint(c, settings.chunk_tokens, settings.chunk_overlap) for c in group]
        vectors = embed_texts(settings.embed_model_path, [ch.text for chunks in chunk_lists for ch in chunks])
        batch, offset = [], 0
        for complaint, chunks in zip(group, chunk_lists):
            batch.append((complaint, hashes[complaint.complaint_id], chunks, vectors[offset : offset + len(chunks)]))
            offset += len(chunks)
            report.chunks += len(chunks)
            if complaint.complaint_id in stored:
                report.updated += 1
            else:
                report.added += 1
        store.write_complaints(batch)
    return report


def ingest(paths: list[str | Path], settings: Settings | None = None, store: ComplaintStore | None = None,
           progress: Callable[[int, int, str], None] | None = None) -> IngestReport:
    settings = settings or Settings.from_env()
    files, missing = expand_paths(paths)
    report = IngestReport(errors=[{"path": p, "error": e} for p, e in missing])
    store = store or ComplaintStore(settings)
    for done, path in enumerate(files):
        if progress:
            progress(done, len(files), str(path))
        try:
            report.files.append(ingest_file(path, store, settings))
        except IngestError as exc:
            report.files.append(FileReport(path=str(path), error=str(exc)))
            report.errors.append({"path": str(path), "error": str(exc)})
    if progress:
        progress(len(files), len(files), "done")
    return report
