"""Pick the parser for a file, stream its complaints, and turn every way a file can be bad
into a one-line IngestError (a bad row into a RowError; the rest of the file goes on)."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .clean import clean_complaint
from .outcomes import tag_outcomes
from .parse_bbb import looks_like_bbb, parse_bbb_html, parse_bbb_text
from .parse_cfpb import looks_like_cfpb, parse_cfpb_csv
from .parse_cfpb_json import parse_json_array
from .parse_jsonl import parse_jsonl
from .records import LEFT_OUT, Complaint, IngestError, LeftOut, RowError

SUFFIXES = {".txt", ".text", ".html", ".htm", ".csv", ".json", ".jsonl", ".ndjson"}
# The CFPB's database downloads are zipped (complaints.csv.zip); an archive is read member by
# member as it streams, never unpacked to disk or memory.
ARCHIVE_SUFFIXES = {".gz", ".zip"}
UPLOAD_SUFFIXES = SUFFIXES | ARCHIVE_SUFFIXES
CUT_SHORT = "the compressed file ends early"
_GZIP_MAGIC, _ZIP_MAGIC = b"\x1f\x8b", b"PK\x03\x04"
HEAD_BYTES = 64 * 1024  # what format and encoding checks look at before parsing starts
NO_COMPLAINTS = "no complaints found (expected a BBB complaint page, CFPB CSV or JSON Lines)"


def expand_paths(paths: list[str | Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to ingest (folders walked, sorted) and (path, error) for paths that don't exist."""
    files, errors = [], []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and _complaint_file(p.name)
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not found:
                errors.append((str(path), "folder has no complaint files "
                                          "(.txt, .html, .csv, .json, .jsonl, or those zipped or gzipped)"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            errors.append((str(path), "no such file or directory"))
    return files, errors


def read_file(path: Path, redact_pii: bool = True, position: ReadPosition | None = None,
              keep: Callable[[Complaint], bool] | None = None) -> Iterator[Complaint | RowError | LeftOut]:
    """Complaints of one file, cleaned, outcome-tagged and with their ids, one at a time,
    and a RowError for each row skipped. Memory holds one row or complaint, never the file.
    A gzip file is read as the file it holds; a zip archive as its complaint files in turn,
    each row error then named with its member. `position`, if given, follows the bytes read.
    A row `keep` refuses is LEFT_OUT before it is cleaned: it costs its parse alone.

    Raises IngestError (one line) for a file that cannot be used: unreadable, empty, binary,
    not UTF-8, not a format we know, or, once read to the end, without a single usable row.
    """
    path = Path(path)
    members = _members(path, position or ReadPosition(0))
    counts = {"complaints": 0, "errors": 0, "left_out": 0}
    first_error: RowError | None = None
    for member in members:
        try:
            for item in _read_member(member, str(path), redact_pii, counts, keep):
                if isinstance(item, RowError):
                    if len(members) > 1:
                        item = RowError(item.line, f"{member.name}: {item.error}")
                    first_error = first_error or item
                yield item
        except IngestError as exc:
            if len(members) == 1:
                raise
            # One bad member of an archive is like one bad row: counted, and the rest goes on.
            bad = RowError(0, f"{member.name}: {exc}")
            counts["errors"] += 1
            first_error = first_error or bad
            yield bad
    if position:
        position.finish()
    if not counts["complaints"] and not counts["left_out"] and len(members) > 1:
        detail = f" ({counts['errors']} bad row(s) or member(s); first: {first_error.describe()})" if first_error else ""
        raise IngestError(NO_COMPLAINTS + detail)


@dataclass
class ReadPosition:
    """How far reading has got into a file on disk (compressed bytes for an archive): what a
    progress bar's ETA is drawn from."""

    size: int
    _tell: Callable[[], int] | None = None
    _last: int = 0

    def bytes_read(self) -> int:
        try:
            self._last = self._tell() if self._tell else self._last
        except (OSError, ValueError):  # the file was closed: keep where it stood
            pass
        return min(self._last, self.size)

    def follow(self, file: BinaryIO) -> None:
        self._tell = file.tell

    def finish(self) -> None:
        self._tell, self._last = None, self.size


@dataclass
class _Member:
    """One stream of complaint text: a plain file, what a gzip file holds, or a zip member."""

    name: str  # whose suffix says the format
    open: Callable[[], BinaryIO]


def _members(path: Path, position: ReadPosition) -> list[_Member]:
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise IngestError(f"cannot read: {exc.strerror or exc}") from None

    @contextmanager
    def on_disk():
        with open(path, "rb") as f:
            position.follow(f)
            yield f

    @contextmanager
    def gunzipped():
        with on_disk() as f, gzip.GzipFile(fileobj=f) as stream:
            yield stream

    def zipped(name: str):
        @contextmanager
        def opened():
            with on_disk() as f, zipfile.ZipFile(f) as archive, archive.open(name) as stream:
                yield stream
        return opened

    if magic.startswith(_GZIP_MAGIC):
        return [_Member(path.stem if path.suffix.lower() == ".gz" else path.name, gunzipped)]
    if magic == _ZIP_MAGIC:
        try:
            with zipfile.ZipFile(path) as archive:
                # In the archive's own order, so that the read position only moves forward.
                found = sorted((i for i in archive.infolist() if not i.is_dir() and _zipped_complaint_file(i.filename)),
                               key=lambda i: i.header_offset)
        except (zipfile.BadZipFile, OSError) as exc:
            raise IngestError(f"not a readable zip archive: {_one_line(exc)}") from None
        if not found:
            raise IngestError("zip archive holds no complaint files (.txt, .html, .csv, .json, .jsonl)")
        return [_Member(i.filename, zipped(i.filename)) for i in found]
    return [_Member(path.name, on_disk)]


def _complaint_file(name: str) -> bool:
    """A name a folder walk takes: a complaint file, zipped, or gzipped ("x.csv.gz", not "x.tar.gz")."""
    suffixes = [s.lower() for s in Path(name).suffixes[-2:]]
    if not suffixes:
        return False
    if suffixes[-1] == ".gz":
        return len(suffixes) == 2 and suffixes[0] in SUFFIXES
    return suffixes[-1] in SUFFIXES or suffixes[-1] == ".zip"


def _zipped_complaint_file(name: str) -> bool:
    parts = Path(name).parts
    # Finder's resource forks ("__MACOSX/._x.csv") and hidden files are not complaints.
    return (Path(name).suffix.lower() in SUFFIXES and parts[0] != "__MACOSX"
            and not any(part.startswith(".") for part in parts))


def _read_member(member: _Member, source: str, redact_pii: bool, counts: dict,
                 keep: Callable[[Complaint], bool] | None) -> Iterator[Complaint | RowError | LeftOut]:
    head = _head(member)
    kind = _detect(Path(member.name), head)
    complaints = errors = left_out = 0
    first_error: RowError | None = None
    try:
        # newline="" keeps CSV's quoted line breaks intact; the other readers split lines themselves.
        with member.open() as raw, io.TextIOWrapper(raw, encoding="utf-8-sig",
                                                     newline="" if kind == "cfpb-csv" else None) as stream:
            rows = _PARSERS[kind](stream, source)
            while True:
                try:
                    item = next(rows)
                except StopIteration as end:
                    # A parser returns what "nothing usable" means for its format.
                    empty_message = end.value or NO_COMPLAINTS
                    break
                except EOFError:
                    # A download cut short: the whole rows before the cut are kept, as in a cut page.
                    empty_message = CUT_SHORT
                    errors += 1
                    counts["errors"] += 1
                    yield RowError(0, f"{CUT_SHORT}: the rest of it is missing")
                    break
                if isinstance(item, RowError):
                    errors += 1
                    counts["errors"] += 1
                    first_error = first_error or item
                    yield item
                    continue
                if keep is not None and not keep(item):
                    left_out += 1
                    counts["left_out"] += 1
                    yield LEFT_OUT
                    continue
                finished = _finish(item, redact_pii)
                if isinstance(finished, RowError):
                    errors += 1
                    counts["errors"] += 1
                    first_error = first_error or finished
                else:
                    complaints += 1
                    counts["complaints"] += 1
                yield finished
    except IngestError:
        raise
    except UnicodeDecodeError:
        raise IngestError(f"not UTF-8 text past the start of the file (after {complaints} complaints); "
                          "save the file as UTF-8") from None
    except (OSError, zipfile.BadZipFile) as exc:
        raise IngestError(f"cannot read: {getattr(exc, 'strerror', None) or _one_line(exc)}") from None
    except Exception as exc:  # a parser tripping on odd input is still bad input, not a crash
        raise IngestError(f"could not parse: {type(exc).__name__}: {_one_line(exc)}") from None
    if not complaints and not left_out:
        detail = f" ({errors} bad row(s); first: {first_error.describe()})" if first_error else ""
        raise IngestError(empty_message + detail)


def read_complaints(path: Path, redact_pii: bool = True) -> list[Complaint]:
    """The complaints of one file as a list (skipped rows left out); for callers that
    want them all at once. IngestError as in `read_file`."""
    return [c for c in read_file(path, redact_pii) if isinstance(c, Complaint)]


def _finish(complaint: Complaint, redact_pii: bool) -> Complaint | RowError:
    clean_complaint(complaint, redact_pii=redact_pii)
    if not complaint.narrative.strip():
        # Only page noise (a BBB legend, a letterhead) was left; parsers reject blank text earlier.
        return RowError(complaint.position, f"complaint #{complaint.position} has no text after cleaning")
    complaint.outcomes = tag_outcomes(complaint)
    complaint.assign_id()
    return complaint


def _head(member: _Member) -> str:
    """The first block as text, after the checks that make a whole file unusable."""
    try:
        with member.open() as f:
            raw = f.read(HEAD_BYTES)
            # A file that starts with a long run of blank space is not empty if text follows.
            while raw and not raw.strip() and (more := f.read(HEAD_BYTES)):
                raw = more
    except EOFError:
        raise IngestError(CUT_SHORT) from None
    except (OSError, zipfile.BadZipFile) as exc:
        raise IngestError(f"cannot read: {getattr(exc, 'strerror', None) or _one_line(exc)}") from None
    if not raw.strip():
        raise IngestError("empty file")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise IngestError("not UTF-8 text (UTF-16); save the file as UTF-8")
    if b"\x00" in raw:
        raise IngestError("binary file, not text")
    try:
        # Not final: the block may end inside a multi-byte character.
        return codecs.getincrementaldecoder("utf-8-sig")().decode(raw, final=False)
    except UnicodeDecodeError:
        raise IngestError("not UTF-8 text; save the file as UTF-8") from None


def _detect(path: Path, head: str) -> str:
    """The format: the file's suffix when it names one, else what the first block looks like."""
    suffix = path.suffix.lower()
    start = head.lstrip()
    if suffix in (".html", ".htm") or start[:100].lower().startswith(("<!doctype html", "<html")):
        return "bbb-html"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        if start.startswith("["):
            return "json"
        if not _first_line_is_json(start):  # one pretty-printed object, not a line per record
            raise IngestError("JSON file is neither an array of complaint records nor JSON Lines")
        return "jsonl"
    if suffix == ".csv" or _csv_header_is_cfpb(head):
        return "cfpb-csv"
    if looks_like_bbb(head) or suffix in (".txt", ".text"):
        return "bbb-text"  # a page whose first complaint is further in is still found
    if start.startswith("["):
        return "json"
    if start.startswith("{"):
        return "jsonl"
    if not suffix:
        return "bbb-text"
    raise IngestError(NO_COMPLAINTS)


def _first_line_is_json(text: str) -> bool:
    first, newline, _ = text.partition("\n")
    if not newline:  # the first line runs past the first block: let the reader judge it
        return True
    try:
        json.loads(first)
    except ValueError:
        return False
    return True


def _csv_header_is_cfpb(head: str) -> bool:
    first = head.split("\n", 1)[0]
    try:
        return looks_like_cfpb(next(csv.reader([first])))
    except (csv.Error, StopIteration):
        return False


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


_PARSERS = {
    "bbb-html": parse_bbb_html,
    "bbb-text": parse_bbb_text,
    "cfpb-csv": parse_cfpb_csv,
    "json": parse_json_array,
    "jsonl": parse_jsonl,
}
