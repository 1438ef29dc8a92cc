"""CFPB complaint-database records (consumerfinance.gov/data-research/consumer-complaints).

One record shape, two spellings of its field names: the CSV export's column titles
("Consumer complaint narrative") and the JSON export / API names
("complaint_what_happened"). `FIELDS` maps both onto one key each; everything else here
reads that key. The CSV reader is here too; the JSON array reader is parse_cfpb_json.py.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from typing import TextIO

from .records import Complaint, IngestError, RowError
from .values import parse_date, present

# key -> the names it goes by (CSV column title first, then the API name).
FIELDS: dict[str, tuple[str, ...]] = {
    "date_received": ("Date received", "date_received"),
    "product": ("Product", "product"),
    "sub_product": ("Sub-product", "sub_product"),
    "issue": ("Issue", "issue"),
    "sub_issue": ("Sub-issue", "sub_issue"),
    "narrative": ("Consumer complaint narrative", "complaint_what_happened"),
    "company_public_response": ("Company public response", "company_public_response"),
    "company": ("Company", "company"),
    "state": ("State", "state"),
    "zip_code": ("ZIP code", "zip_code"),
    "tags": ("Tags", "tags"),
    "consumer_consent_provided": ("Consumer consent provided?", "consumer_consent_provided"),
    "submitted_via": ("Submitted via", "submitted_via"),
    "date_sent_to_company": ("Date sent to company", "date_sent_to_company"),
    "company_response": ("Company response to consumer", "company_response"),
    "timely_response": ("Timely response?", "timely"),
    "consumer_disputed": ("Consumer disputed?", "consumer_disputed"),
    "complaint_id": ("Complaint ID", "complaint_id"),
}
# Without these a record is not a CFPB complaint we can use.
REQUIRED = ("date_received", "company", "narrative")
# The source's own categories, kept on the complaint for filters and counts. The public
# response is a category sentence the CFPB offers the company ("Company has responded to
# the consumer and the CFPB and chooses not to provide a public response"): a label,
# never a business response.
LABELS = ("product", "sub_product", "issue", "sub_issue", "state", "tags", "submitted_via",
          "timely_response", "consumer_disputed", "company_public_response")

_BY_NAME = {name.strip().lower(): key for key, names in FIELDS.items() for name in (key, *names)}
NO_NARRATIVES = "CFPB export has no rows with a consumer narrative"
# Narratives run to tens of kB; the csv module's default field limit (128 kB) would reject
# a legitimate long one, while this bound still keeps one row's memory small.
CSV_FIELD_LIMIT = 16 * 1024 * 1024


def field_keys(names) -> dict[str, str]:
    """{name as found -> our key} for the names we know; unknown names are ignored."""
    keys = {}
    for name in names:
        key = _BY_NAME.get(str(name or "").strip().lower())
        if key and key not in keys.values():
            keys[name] = key
    return keys


def looks_like_cfpb(names) -> bool:
    """Field names (a CSV header or a JSON object's keys) that make a CFPB record."""
    return set(REQUIRED) <= set(field_keys(names).values())


class KeyedRecords:
    """Records whose field names are any of FIELDS' spellings, re-keyed to our keys. The
    name mapping is worked out once per distinct set of names (an export has one)."""

    def __init__(self) -> None:
        self._mappings: dict[tuple, dict[str, str]] = {}

    def __call__(self, record: dict) -> dict:
        names = tuple(record)
        mapping = self._mappings.get(names)
        if mapping is None:
            if len(self._mappings) > 64:  # records with ever-new names: don't grow without bound
                self._mappings.clear()
            mapping = self._mappings[names] = field_keys(names)
        return {key: record[name] for name, key in mapping.items()}


def complaint_from_record(values: dict, line: int, position: int, source: str,
                          source_format: str) -> Complaint | RowError | None:
    """One CFPB record, keyed by our keys (FIELDS), values as found.

    None for a record without a narrative: the consumer did not consent to publish it, so
    there is nothing to retrieve; that is not an error.
    """
    narrative = present(values.get("narrative"))
    if narrative is None:
        return None
    company = present(values.get("company"))
    if company is None:
        return RowError(line, "missing company")
    try:
        received = parse_date(values.get("date_received"))
    except ValueError as exc:
        return RowError(line, f"date received: {exc}")
    labels = {key: text for key in LABELS if (text := present(values.get(key))) is not None}
    return Complaint(
        company=company,
        date=received,
        type=labels.get("issue") or labels.get("product") or "Unknown",
        status=present(values.get("company_response")) or "Unknown",
        narrative=narrative,
        source=source,
        position=position,
        source_format=source_format,
        external_id=present(values.get("complaint_id")),
        labels=labels,
    )


def parse_cfpb_csv(stream: TextIO, source: str = "") -> Iterator[Complaint | RowError]:
    """Rows of a CSV export, one at a time; `stream` must be opened with newline=''.
    Returns (as the generator's value) what an export without a usable row means."""
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(min(CSV_FIELD_LIMIT, sys.maxsize))
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        return NO_NARRATIVES
    except csv.Error as exc:
        raise IngestError(f"line 1: unreadable CSV header ({exc})") from None
    keys = field_keys(header)
    missing = [FIELDS[key][0] for key in REQUIRED if key not in keys.values()]
    if missing:
        raise IngestError(f"not a CFPB export: missing column(s) {', '.join(missing)}")
    # A leading unnamed index column (pandas' to_csv) is just another column we ignore.
    columns = [(i, keys[name]) for i, name in enumerate(header) if name in keys]
    position = 0
    last_line = reader.line_num
    while True:
        first_line = last_line + 1
        try:
            row = next(reader)
        except StopIteration:
            return NO_NARRATIVES
        except csv.Error as exc:
            last_line = reader.line_num
            yield RowError(first_line, f"unreadable CSV row ({exc})")
            continue
        last_line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        position += 1
        if len(row) < len(header):
            # Short rows are real (a cut-off last line, a writer that drops trailing empty
            # cells); the fields they do have are read, a missing required one is reported.
            row = row + [""] * (len(header) - len(row))
        record = {key: row[i] for i, key in columns}
        result = complaint_from_record(record, first_line, position, source, "cfpb-csv")
        if result is not None:
            yield result
