"""Pick the parser for a file, and turn every way a file can be bad into an IngestError."""

from __future__ import annotations

from pathlib import Path

from .clean import clean_complaint
from .outcomes import tag_outcomes
from .parse_bbb import looks_like_bbb, parse_bbb_html, parse_bbb_text
from .parse_cfpb import looks_like_cfpb, parse_cfpb_csv
from .parse_jsonl import parse_jsonl
from .records import Complaint, IngestError

SUFFIXES = {".txt", ".text", ".html", ".htm", ".csv", ".jsonl", ".ndjson"}


def expand_paths(paths: list[str | Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to ingest (folders walked, sorted) and (path, error) for paths that don't exist."""
    files, errors = [], []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not found:
                errors.append((str(path), "folder has no complaint files (.txt, .html, .csv, .jsonl)"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            errors.append((str(path), "no such file or directory"))
    return files, errors


def read_complaints(path: Path) -> list[Complaint]:
    """Parse, clean and tag one file; raises IngestError with a one-line reason."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read: {exc.strerror}") from None
    if not raw.strip():
        raise IngestError("empty file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise IngestError("not UTF-8 text") from None

    try:
        complaints = _parse(text, path)
    except IngestError:
        raise
    except Exception as exc:  # a parser tripping on odd input is still bad input, not a crash
        raise IngestError(f"could not parse: {type(exc).__name__}: {exc}") from None

    for complaint in complaints:
        clean_complaint(complaint)
        if not complaint.narrative:
            raise IngestError(f"complaint #{complaint.position} has an empty narrative")
        complaint.outcomes = tag_outcomes(complaint)
        complaint.assign_id()
    return complaints


def _parse(text: str, path: Path) -> list[Complaint]:
    suffix = path.suffix.lower()
    source = str(path)
    head = text.lstrip()[:1000].lower()
    if suffix in (".html", ".htm") or head.startswith(("<!doctype html", "<html")):
        return parse_bbb_html(text, source)
    elif suffix in (".jsonl", ".ndjson"):
        return parse_jsonl(text, source)
    elif suffix == ".csv" or looks_like_cfpb(text):
        return parse_cfpb_csv(text, source)
    elif looks_like_bbb(text):
        return parse_bbb_text(text, source)
    raise IngestError("no complaints found (expected a BBB complaint page, CFPB CSV or JSON Lines)")


def read_file(path: Path, redact_pii: bool = True):
    """Stand-in until the streaming parsers land: same contract, not yet streaming."""
    yield from read_complaints(Path(path))
