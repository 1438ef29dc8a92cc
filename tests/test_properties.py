"""Property-based: mangled versions of real files never crash ingest or store a broken complaint.

The real BBB sample page and a small CSV made of the real CFPB export's header and a few of
its rows are mutated (lines deleted, duplicated, swapped; random unicode inserted; the file cut
short; bytes flipped). Whatever comes out, `read_complaints` either returns complaints or raises
IngestError, and every complaint it returns has a narrative and real YYYY-MM-DD dates.
"""

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.clean import clean_text
from index.parsers import read_complaints
from index.pii import redact
from index.records import IngestError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "bbb_charter_spectrum_2025-04.txt"
CFPB = ROOT.parent / "shared" / "data" / "cfpb"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def small_cfpb_csv(name: str, rows: int = 6) -> bytes:
    """A real export's header and its first rows that carry a narrative (some span lines)."""
    with (CFPB / name).open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        narrative = header.index("Consumer complaint narrative")
        kept = [row for row, _ in zip((r for r in reader if r[narrative].strip()), range(rows))]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *kept])
    return out.getvalue().encode("utf-8")


ORIGINALS = {
    "page.txt": SAMPLE.read_bytes(),
    # ISO dates and an unnamed leading index column.
    "export.csv": small_cfpb_csv("cfpb_small_with_index_column.csv"),
    # Dates written 2019/9/24.
    "export_2015.csv": small_cfpb_csv("cfpb_2015-2020_sample.csv"),
}

# Unicode that has broken text pipelines: controls, bidi, zero-width, surrogate-free astral,
# combining marks, quotes and separators that matter to CSV and to the BBB layout.
_NASTY = st.one_of(
    st.text(min_size=1, max_size=8),
    st.sampled_from(["\x00", "\r", "\u2028", "\u202e", "\u200b", "\ufeff", "\"", ",", "\n\n",
                     "Date:", "Date:13/45/2025", "Type:", "Status:", "Initial Complaint",
                     "Business Response", "Customer Answer", "😀", "\u0301", "None", "nan"]),
)


@st.composite
def mutated(draw, original: bytes) -> bytes:
    lines = original.split(b"\n")
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "cut", "flip"]))
        if op == "cut":
            data = b"\n".join(lines)
            lines = data[:draw(st.integers(0, len(data)))].split(b"\n")
            continue
        if not lines:
            lines = [b""]
        i = draw(st.integers(0, len(lines) - 1))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert":
            at = draw(st.integers(0, len(lines[i])))
            piece = draw(_NASTY).encode("utf-8", "surrogatepass")
            lines[i] = lines[i][:at] + piece + lines[i][at:]
        elif op == "flip" and lines[i]:
            at = draw(st.integers(0, len(lines[i]) - 1))
            line = bytearray(lines[i])
            line[at] ^= 1 << draw(st.integers(0, 7))
            lines[i] = bytes(line)
    return b"\n".join(lines)


def check(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        complaints = read_complaints(path)
    except IngestError as exc:
        assert str(exc) and "\n" not in str(exc)  # one line, says something
        return
    for c in complaints:
        assert c.narrative.strip(), f"complaint #{c.position} has no narrative"
        for text in [c.narrative, c.company, c.type, c.status] + [r.text for r in c.business_responses
                                                                  + c.customer_answers]:
            assert not _INVISIBLE.search(text), f"control or bidi character kept: {text!r}"
        assert ISO_DATE.fullmatch(c.date) and date.fromisoformat(c.date), f"bad date {c.date!r}"
        for reply in c.business_responses + c.customer_answers:
            assert reply.date is None or (ISO_DATE.fullmatch(reply.date) and date.fromisoformat(reply.date))
            assert reply.text.strip()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mutants")


@pytest.mark.parametrize("name", [
    "page.txt", "export.csv", "export_2015.csv",
])
def test_the_originals_parse(workdir, name):
    path = workdir / name
    path.write_bytes(ORIGINALS[name])
    assert len(read_complaints(path)) >= 6


_SETTINGS = settings(max_examples=50, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@_SETTINGS
@given(data=mutated(ORIGINALS["page.txt"]))
def test_mutated_bbb_page_never_crashes_or_stores_a_broken_complaint(workdir, data):
    check(workdir / "page.txt", data)


@_SETTINGS
@given(data=mutated(ORIGINALS["export.csv"]))
def test_mutated_cfpb_csv_never_crashes_or_stores_a_broken_complaint(workdir, data):
    check(workdir / "export.csv", data)


@_SETTINGS
@given(data=mutated(ORIGINALS["export_2015.csv"]))
def test_mutated_older_cfpb_csv_never_crashes_or_stores_a_broken_complaint(workdir, data):
    check(workdir / "export_2015.csv", data)


_NUMBERISH = st.lists(st.sampled_from(list("0123456789 -.()/+@$,#:xX\n") + [
    "account ", "ssn ", "call ", "card ", "complaint ", "a", "é", "٣", "４", "\u202e", "XXXX", "***"]),
    max_size=60).map("".join)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(text=st.one_of(_NUMBERISH, st.text(max_size=200)))
def test_redaction_never_fails_adds_nothing_and_is_stable(text):
    masked, counts = redact(text)
    assert redact(masked)[0] == masked  # masking twice masks nothing more
    assert sum(counts.values()) == sum(masked.count(f"[{k}]") - text.count(f"[{k}]") for k in counts)
    if not counts:
        assert masked == text
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned  # cleaning is idempotent: re-ingest changes nothing
