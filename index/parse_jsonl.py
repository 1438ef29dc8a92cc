"""JSON Lines of complaint records: one object a line.

A line is either our own record (the fields of `records.Complaint`) or a CFPB record with
its API field names (`complaint_what_happened`, ...); the first object decides for the file.
For our records, `business_responses` / `customer_answers` may be lists of {"date", "text"}
or of strings; `business_response` (one string), `complaint` (for narrative) and `id` are
accepted as shorthands.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TextIO

from .parse_cfpb import NO_NARRATIVES, KeyedRecords, complaint_from_record, looks_like_cfpb
from .records import Complaint, Reply, RowError
from .values import parse_date, present


class RecordReader:
    """Turns decoded JSON objects into complaints, the same way for a JSON array and JSON Lines."""

    def __init__(self, source: str, record_format: str, cfpb_format: str) -> None:
        self.source = source
        self.record_format = record_format  # source_format for our own records
        self.cfpb_format = cfpb_format  # source_format for CFPB records
        self.cfpb: bool | None = None  # decided by the first object
        self._keyed = KeyedRecords()

    def empty_message(self, own: str) -> str:
        """What a file without a usable record means, for the records it had."""
        return NO_NARRATIVES if self.cfpb else own

    def __call__(self, obj, line: int, position: int) -> Complaint | RowError | None:
        if not isinstance(obj, dict):
            return RowError(line, f"expected a JSON object, found {type(obj).__name__}")
        if isinstance(obj.get("_source"), dict):  # a CFPB API search hit wraps the record
            obj = obj["_source"]
        if self.cfpb is None:
            self.cfpb = looks_like_cfpb(obj)
        if self.cfpb:
            return complaint_from_record(self._keyed(obj), line, position, self.source, self.cfpb_format)
        try:
            return _own_record(obj, self.source, position, self.record_format)
        except ValueError as exc:
            return RowError(line, str(exc))


def parse_jsonl(stream: TextIO, source: str = "") -> Iterator[Complaint | RowError]:
    read = RecordReader(source, record_format="jsonl", cfpb_format="jsonl")
    for line_number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield RowError(line_number, f"invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        result = read(obj, line_number, line_number)
        if result is not None:
            yield result
    return read.empty_message("no complaint records in JSON Lines file")


def _text(obj: dict, *names: str) -> str | None:
    for name in names:
        value = obj.get(name)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            if (text := present(value)) is not None:
                return text
    return None


def _replies(value) -> list[Reply]:
    if value is None or (isinstance(value, str) and present(value) is None):
        return []
    if isinstance(value, (str, dict)):
        value = [value]
    if not isinstance(value, list):
        raise ValueError("replies must be strings or {date, text} objects")
    out = []
    for item in value:
        if isinstance(item, str):
            if present(item) is not None:
                out.append(Reply(date=None, text=item))
        elif isinstance(item, dict) and isinstance(item.get("text"), str):
            if present(item["text"]) is None:
                continue
            when = parse_date(item["date"]) if present(item.get("date")) is not None else None
            out.append(Reply(date=when, text=item["text"]))
        else:
            raise ValueError("replies must be strings or {date, text} objects")
    return out


def _own_record(obj: dict, source: str, position: int, source_format: str) -> Complaint:
    narrative = _text(obj, "narrative", "complaint")
    company = _text(obj, "company")
    if company is None:
        raise ValueError("missing company")
    if narrative is None:
        raise ValueError("missing narrative")
    try:
        when = parse_date(obj.get("date"))
    except ValueError as exc:
        raise ValueError(f"date: {exc}") from None
    external = _text(obj, "id", "external_id")
    labels = obj.get("labels") if isinstance(obj.get("labels"), dict) else {}
    return Complaint(
        company=company,
        date=when,
        type=_text(obj, "type") or "Unknown",
        status=_text(obj, "status") or "Unknown",
        narrative=narrative,
        business_responses=_replies(obj.get("business_responses", obj.get("business_response"))),
        customer_answers=_replies(obj.get("customer_answers")),
        source=source,
        position=position,
        source_format=source_format,
        external_id=external,
        labels={str(k): present(v) for k, v in labels.items()
                if isinstance(v, (str, int, float)) and present(v) is not None},
    )
