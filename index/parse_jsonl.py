"""JSON Lines of complaint records: one object a line, the fields of `records.Complaint`.

`business_responses` / `customer_answers` may be lists of {"date", "text"} or of
strings; `business_response` (one string) and `id` are accepted as shorthands.
"""

from __future__ import annotations

import json
from datetime import datetime

from .records import Complaint, IngestError, Reply


def _replies(value) -> list[Reply]:
    if value is None:
        return []
    if isinstance(value, (str, dict)):
        value = [value]
    out = []
    for item in value:
        if isinstance(item, str):
            out.append(Reply(date=None, text=item))
        elif isinstance(item, dict) and isinstance(item.get("text"), str):
            out.append(Reply(date=_iso(item.get("date")) if item.get("date") else None, text=item["text"]))
        else:
            raise IngestError("replies must be strings or {date, text} objects")
    return out


def _iso(value) -> str:
    try:
        return datetime.fromisoformat(str(value)[:10]).date().isoformat()
    except ValueError:
        raise IngestError(f"date {value!r} is not YYYY-MM-DD") from None


def parse_jsonl(text: str, source: str = "") -> list[Complaint]:
    complaints = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise IngestError(f"line {line_number}: invalid JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise IngestError(f"line {line_number}: expected a JSON object")
        try:
            complaints.append(_complaint(obj, source, line_number))
        except IngestError as exc:
            raise IngestError(f"line {line_number}: {exc}") from None
    if not complaints:
        raise IngestError("no complaint records in JSON Lines file")
    return complaints


def _complaint(obj: dict, source: str, line_number: int) -> Complaint:
    narrative = obj.get("narrative") or obj.get("complaint")
    for name, value in (("company", obj.get("company")), ("date", obj.get("date")), ("narrative", narrative)):
        if not isinstance(value, str) or not value.strip():
            raise IngestError(f"missing {name}")
    responses = obj.get("business_responses", obj.get("business_response"))
    external = obj.get("id", obj.get("external_id"))
    return Complaint(
        company=obj["company"],
        date=_iso(obj["date"]),
        type=str(obj.get("type") or "Unknown"),
        status=str(obj.get("status") or "Unknown"),
        narrative=narrative,
        business_responses=_replies(responses),
        customer_answers=_replies(obj.get("customer_answers")),
        source=source,
        position=line_number,
        source_format="jsonl",
        external_id=str(external) if external not in (None, "") else None,
    )
