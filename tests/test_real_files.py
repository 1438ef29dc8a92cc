"""The real CFPB exports in ../shared/data/cfpb/ parse whole: every narrative row, no junk values."""

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from index.outcomes import CFPB_RESPONSES, outcome_label
from index.parsers import read_file
from index.records import Complaint, RowError

CFPB = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cfpb"
FILES = {  # file -> (rows with a consumer narrative, source format)
    "cfpb_2023-06_export.json": (4339, "cfpb-json"),
    "cfpb_2015-2020_sample.csv": (1532, "cfpb-csv"),
    "cfpb_small_with_index_column.csv": (647, "cfpb-csv"),
}
JUNK = {"none", "nan", "n/a", "null", ""}


@pytest.fixture(scope="module", params=sorted(FILES))
def parsed(request):
    items = list(read_file(CFPB / request.param))
    return request.param, [i for i in items if isinstance(i, Complaint)], [i for i in items if isinstance(i, RowError)]


def test_every_narrative_row_becomes_a_complaint(parsed):
    name, complaints, errors = parsed
    expected, source_format = FILES[name]
    assert (len(complaints), errors) == (expected, [])
    assert {c.source_format for c in complaints} == {source_format}
    assert len({c.complaint_id for c in complaints}) == expected
    assert all(c.external_id and c.external_id.isdigit() for c in complaints)


def test_fields_are_real_values_never_missing_value_spellings(parsed):
    _, complaints, _ = parsed
    for c in complaints:
        date.fromisoformat(c.date)
        assert "1990" < c.date < "2030"
        values = [c.company, c.type, c.status, c.narrative, *c.labels.values()]
        assert not [v for v in values if v.strip().lower() in JUNK], c.external_id
        assert all(isinstance(v, str) for v in c.labels.values())
        assert c.labels["issue"] == c.type
        assert c.business_responses == []  # the CFPB publishes no company text


def test_outcomes_come_from_the_company_response(parsed):
    _, complaints, _ = parsed
    for c in complaints:
        assert c.outcomes == [CFPB_RESPONSES[c.status.lower()]], c.status
    counts = Counter(outcome_label(t) for c in complaints for t in c.outcomes)
    assert counts.most_common(1)[0][0] == "closed with an explanation"
    assert "an adjustment, credit or refund was applied" in counts


def test_public_response_is_a_label_not_a_reply(parsed):
    _, complaints, _ = parsed
    public = [c.labels["company_public_response"] for c in complaints if "company_public_response" in c.labels]
    assert public and all(p.startswith("Company") for p in public)
    assert any("chooses not to provide a public response" in p for p in public)


def test_dates_as_each_file_writes_them(parsed):
    name, complaints, _ = parsed
    months = Counter(c.date[:7] for c in complaints)
    if name == "cfpb_2023-06_export.json":  # 2023-06-05T12:00:00-05:00: the day as written
        assert set(months) == {"2023-05", "2023-06"} and months["2023-06"] > 4000
    else:
        assert all(re.fullmatch(r"\d{4}-\d{2}", m) for m in months) and len(months) > 12
