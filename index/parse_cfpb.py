"""CFPB complaint-database CSV exports (consumerfinance.gov/data-research/consumer-complaints)."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from .records import Complaint, IngestError, Reply

REQUIRED = ("Date received", "Company", "Consumer complaint narrative", "Complaint ID")


def _iso(value: str) -> str:
    value = value.strip()
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    raise IngestError(f"unreadable date {value!r}")


def looks_like_cfpb(text: str) -> bool:
    head = text.lstrip("\ufeff").split("\n", 1)[0]
    return all(name in head for name in REQUIRED)


def parse_cfpb_csv(text: str, source: str = "") -> list[Complaint]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
    if missing:
        raise IngestError(f"not a CFPB export: missing column(s) {', '.join(missing)}")
    complaints = []
    for row_number, row in enumerate(reader, start=2):
        narrative = (row.get("Consumer complaint narrative") or "").strip()
        if not narrative:
            continue  # consumers who did not consent to publish: nothing to retrieve
        try:
            received = _iso(row["Date received"])
        except IngestError as exc:
            raise IngestError(f"row {row_number}: {exc}") from None
        public = (row.get("Company public response") or "").strip()
        sent = (row.get("Date sent to company") or "").strip()
        responses = [Reply(date=_iso(sent) if sent else None, text=public)] if public else []
        complaints.append(
            Complaint(
                company=row["Company"].strip(),
                date=received,
                type=(row.get("Issue") or row.get("Product") or "Unknown").strip(),
                status=(row.get("Company response to consumer") or "Unknown").strip(),
                narrative=narrative,
                business_responses=responses,
                source=source,
                position=row_number - 1,
                source_format="cfpb-csv",
                external_id=row["Complaint ID"].strip() or None,
            )
        )
    if not complaints:
        raise IngestError("CFPB export has no rows with a consumer narrative")
    return complaints
