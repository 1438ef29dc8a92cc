"""Parsing files into complaints: the real BBB sample page, CFPB CSV / JSON, JSON Lines,
and every way a file or a row can be bad."""

import csv
import gzip
import html
import io
import json
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.outcomes import CFPB_RESPONSES, VOCABULARY, outcome_label
from index.parse_bbb import TRUNCATED
from index.parsers import expand_paths, read_complaints, read_file
from index.records import Complaint, IngestError, RowError
from index.values import parse_date

CFPB_HEADER = ("Date received,Product,Sub-product,Issue,Sub-issue,Consumer complaint narrative,"
               "Company public response,Company,State,ZIP code,Tags,Consumer consent provided?,"
               "Submitted via,Date sent to company,Company response to consumer,Timely response?,"
               "Consumer disputed?,Complaint ID")


def split(items):
    complaints = [i for i in items if isinstance(i, Complaint)]
    errors = [i for i in items if isinstance(i, RowError)]
    assert len(complaints) + len(errors) == len(items)
    return complaints, errors


def cfpb_row(**values) -> str:
    row = {name: "" for name in CFPB_HEADER.split(",")}
    row.update({"Date received": "2024-03-02", "Product": "Credit card", "Issue": "Fees or interest",
                "Company": "Acme Bank", "Company response to consumer": "Closed with explanation",
                "Timely response?": "Yes"})
    row.update(values)
    out = io.StringIO()
    csv.writer(out).writerow(list(row.values()))
    return out.getvalue()


@pytest.fixture(scope="module")
def complaints(sample_path):
    return read_complaints(sample_path)


def test_sample_gives_the_ten_complaints_with_their_header_fields(complaints):
    assert len(complaints) == 10
    assert Counter(c.type for c in complaints) == {"Billing Issues": 8, "Order Issues": 1, "Delivery Issues": 1}
    assert Counter(c.status for c in complaints) == {"Resolved": 7, "Answered": 3}
    assert sum(1 for c in complaints if c.business_responses) == 8
    assert min(c.date for c in complaints) == "2025-04-16"
    assert max(c.date for c in complaints) == "2025-04-21"
    assert {c.company for c in complaints} == {"Charter Spectrum"}
    assert [c.position for c in complaints] == list(range(1, 11))
    assert {c.source_format for c in complaints} == {"bbb-text"}


def test_replies_keep_their_dates_and_order(complaints):
    delivery = next(c for c in complaints if c.type == "Delivery Issues")
    assert [r.date for r in delivery.business_responses] == ["2025-04-19"]
    assert [r.date for r in delivery.customer_answers] == ["2025-04-21", "2025-04-22"]
    assert "I am rejecting this response" in delivery.customer_answers[0].text


def test_cleaning_drops_page_noise_and_collapses_masks(complaints):
    for c in complaints:
        texts = [c.narrative] + [r.text for r in c.business_responses + c.customer_answers]
        for text in texts:
            assert "Complaint statuses" not in text
            assert "The complainant verified the issue" not in text
            assert "**" not in text  # every run of masking became [redacted]
            assert "[redacted] [redacted]" not in text
    cancelled = next(c for c in complaints if "$80.41" in c.narrative)
    response = cancelled.business_responses[0].text
    assert response.startswith("This letter is in response")  # masked letterhead line dropped
    assert "Monthly Subscription Service" in response
    assert "Ms. [redacted]" in response


def test_outcome_tags_read_the_replies(complaints):
    by_phrase = {phrase: next(c for c in complaints if phrase in c.narrative)
                 for phrase in ("$108.43", "$80.41", "lower the bill", "modem would be mailed", "cable boxes")}
    assert {"adjustment_applied", "policy_cited", "coaching", "customer_accepted"} <= set(by_phrase["$108.43"].outcomes)
    assert "credit_denied" in by_phrase["lower the bill"].outcomes
    assert "adjustment_applied" not in by_phrase["lower the bill"].outcomes  # "credit adjustment is not warranted"
    assert {"documentation_required", "customer_rejected"} <= set(by_phrase["modem would be mailed"].outcomes)
    assert "no_business_response" in by_phrase["cable boxes"].outcomes


def test_ids_are_content_derived_and_stable(sample_path, complaints, tmp_path):
    again = read_complaints(sample_path)
    assert [c.complaint_id for c in again] == [c.complaint_id for c in complaints]
    assert len({c.complaint_id for c in complaints}) == 10
    moved = tmp_path / "elsewhere.txt"
    moved.write_text(sample_path.read_text())
    assert [c.complaint_id for c in read_complaints(moved)] == [c.complaint_id for c in complaints]


def _html_div_per_line(text: str) -> str:
    body = "".join(f"<div>{html.escape(line)}</div>" for line in text.splitlines())
    return f"<!DOCTYPE html><html><head><script>var x = 1;</script></head><body>{body}</body></html>"


def _html_paragraphs(text: str) -> str:
    """The shape a saved page has: paragraphs in <p>, lines broken with <br>, source
    newlines and indentation that mean nothing, a head, scripts, styles and entities."""
    out = ["<!doctype html>\n<html lang='en'>\n<head>\n  <title>Charter Spectrum | Complaints | BBB</title>\n"
           "  <style>p { margin: 0 }</style>\n  <script>window.dataLayer = [{'page': '<p>Initial Complaint</p>'}];"
           "</script>\n</head>\n<body>\n"]
    for paragraph in text.split("\n\n"):
        lines = [html.escape(line.strip(), quote=False) for line in paragraph.splitlines() if line.strip()]
        if lines:
            out.append("  <p>\n    " + "<br>\n    ".join(lines) + "\n  </p>\n")
    out.append("<noscript>Please enable JavaScript</noscript>\n</body>\n</html>\n")
    return "".join(out)


@pytest.mark.parametrize("shape", [_html_div_per_line, _html_paragraphs])
def test_saved_html_page_gives_the_same_complaints_as_the_text(sample_path, complaints, tmp_path, shape):
    page = tmp_path / "page.html"
    page.write_text(shape(sample_path.read_text()))
    parsed = read_complaints(page)
    assert {c.source_format for c in parsed} == {"bbb-html"}
    # Same ids and same content hashes: ingesting the HTML after the text changes nothing.
    assert [c.complaint_id for c in parsed] == [c.complaint_id for c in complaints]
    assert [c.content_hash() for c in parsed] == [c.content_hash() for c in complaints]
    assert [c.outcomes for c in parsed] == [c.outcomes for c in complaints]


def test_content_hash_sees_a_new_reply_but_not_where_the_complaint_came_from(complaints):
    c = Complaint.from_dict(complaints[0].to_dict())
    before = c.content_hash()
    c.source, c.position, c.source_format = "other.html", 99, "bbb-html"
    assert c.content_hash() == before
    c.customer_answers.append(type(c.customer_answers[0])(date="2025-05-01", text="Still not fixed."))
    assert c.content_hash() != before


def _cut(text: str, marker: str, occurrence: int = 1, after: int = 0) -> str:
    """The text up to the marker's n-th occurrence (-1: the last), plus `after` characters."""
    at = text.rindex(marker) if occurrence == -1 else -1
    for _ in range(max(occurrence, 0)):
        at = text.index(marker, at + 1)
    return text[: at + after]


def test_page_saved_before_it_finished_loading_skips_only_its_cut_last_complaint(sample_path, complaints, tmp_path):
    text = sample_path.read_text()
    cut = tmp_path / "cut.txt"
    cut.write_text(_cut(text, "and find that this resolution is satisfactory", -1))  # mid-sentence, last complaint
    got, errors = split(list(read_file(cut)))
    assert [c.complaint_id for c in got] == [c.complaint_id for c in complaints[:9]]
    assert [(e.line, e.error) for e in errors] == [(467, TRUNCATED)]
    assert "\n" not in TRUNCATED

    # The same page as HTML, cut mid-complaint in the fifth one (the first mention is in a script).
    cut_html = tmp_path / "cut.html"
    cut_html.write_text(_cut(_html_paragraphs(text), "Initial Complaint", occurrence=6, after=1500))
    got, errors = split(list(read_file(cut_html)))
    assert [c.complaint_id for c in got] == [c.complaint_id for c in complaints[:4]]
    assert [e.error for e in errors] == [TRUNCATED]


def test_complete_page_reports_no_truncation_with_any_line_ends(sample_path, complaints, tmp_path):
    assert not [i for i in read_file(sample_path) if isinstance(i, RowError)]
    windows = tmp_path / "windows.txt"
    windows.write_bytes(b"\xef\xbb\xbf" + sample_path.read_bytes().replace(b"\n", b"\r\n"))  # BOM, CRLF
    items = list(read_file(windows))
    assert [c.complaint_id for c in items] == [c.complaint_id for c in complaints]
    assert [c.content_hash() for c in items] == [c.content_hash() for c in complaints]


def test_page_cut_inside_its_only_complaint_is_a_file_error(sample_path, tmp_path):
    text = sample_path.read_text()
    first = text.index("Initial Complaint")
    cut = tmp_path / "one.txt"
    cut.write_text(text[: first + 400])
    with pytest.raises(IngestError, match="no complaints found.*saved before it finished loading"):
        list(read_file(cut))


def test_cfpb_csv_keeps_the_fields_as_labels_and_the_response_as_outcome(tmp_path):
    path = tmp_path / "cfpb.csv"
    path.write_text(
        CFPB_HEADER + "\n"
        + cfpb_row(**{"Consumer complaint narrative": "They charged a late fee although I paid on time.",
                      "Sub-product": "General-purpose credit card", "Sub-issue": "Late fee", "State": "CA",
                      "Company public response": "Company has responded to the consumer and the CFPB and "
                                                 "chooses not to provide a public response",
                      "Company response to consumer": "Closed with monetary relief",
                      "Consumer disputed?": "N/A", "Tags": "Servicemember", "Submitted via": "Web",
                      "Complaint ID": "8123456"})
        + cfpb_row(**{"Consumer complaint narrative": ""})  # not published: nothing to retrieve, no error
    )
    items = list(read_file(path))
    [c] = items
    assert (c.company, c.date, c.type, c.status) == ("Acme Bank", "2024-03-02", "Fees or interest",
                                                     "Closed with monetary relief")
    assert c.external_id == "8123456" and c.source_format == "cfpb-csv"
    assert c.labels == {
        "product": "Credit card", "sub_product": "General-purpose credit card", "issue": "Fees or interest",
        "sub_issue": "Late fee", "state": "CA", "tags": "Servicemember", "submitted_via": "Web",
        "timely_response": "Yes",
        "company_public_response": "Company has responded to the consumer and the CFPB and chooses not "
                                   "to provide a public response",
    }  # "N/A" (consumer disputed) is missing, not a value
    # The CFPB's stock public-response sentence is not something the company wrote.
    assert c.business_responses == []
    assert c.outcomes == ["adjustment_applied"]


@pytest.mark.parametrize("status, tag", sorted(CFPB_RESPONSES.items()))
def test_every_cfpb_response_category_is_an_outcome_never_no_response(tmp_path, status, tag):
    path = tmp_path / "cfpb.csv"
    path.write_text(CFPB_HEADER + "\n" + cfpb_row(**{"Consumer complaint narrative": "I was charged twice.",
                                                      "Company response to consumer": status.capitalize()}))
    [c] = read_complaints(path)
    assert c.outcomes == [tag]
    assert tag in VOCABULARY  # so it has its human label


def test_every_outcome_tag_has_a_human_label():
    for tag in VOCABULARY:
        label = outcome_label(tag)
        assert label and "_" not in label
    assert outcome_label("closed_with_explanation") == "closed with an explanation"
    assert outcome_label("something_new") == "something new"


@pytest.mark.parametrize("written, iso", [
    ("2019/9/24", "2019-09-24"),
    ("01/05/23", "2023-01-05"),
    ("2023-06-05T12:00:00-05:00", "2023-06-05"),
    ("2023-06-05T23:30:00Z", "2023-06-05"),
    ("2024-03-02", "2024-03-02"),
    ("04/21/2025", "2025-04-21"),
    ("4/2/2025", "2025-04-02"),
    ("2024-03-02 14:05:00", "2024-03-02"),
    ("03/02/2024 2:05 PM", "2024-03-02"),
    ("20240302", "2024-03-02"),
    ("Mar 2, 2024", "2024-03-02"),
    ("March 2, 2024", "2024-03-02"),
])
def test_each_date_form_found_in_real_exports(tmp_path, written, iso):
    assert parse_date(written) == iso
    path = tmp_path / "cfpb.csv"
    path.write_text(CFPB_HEADER + "\n" + cfpb_row(**{"Date received": written,
                                                      "Consumer complaint narrative": "Charged twice."}))
    assert [c.date for c in read_complaints(path)] == [iso]


def test_json_lists_and_numbers_become_label_text(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps([{"company": "Acme Bank", "date_received": "2024-03-02", "complaint_id": 8123456,
                                 "complaint_what_happened": "Charged twice.", "tags": ["Older American", None,
                                                                                      "Servicemember"]}]))
    [c] = read_complaints(path)
    assert (c.external_id, c.labels["tags"]) == ("8123456", "Older American, Servicemember")


@pytest.mark.parametrize("written", ["2019/13/24", "02/30/2024", "yesterday", "2024-03-02Tnoon", "12345"])
def test_impossible_dates_are_refused(written):
    with pytest.raises(ValueError, match="date"):
        parse_date(written)


def test_csv_bad_rows_are_skipped_with_their_line_and_the_rest_parses(tmp_path):
    path = tmp_path / "cfpb.csv"
    path.write_text(
        CFPB_HEADER + "\n"
        + cfpb_row(**{"Consumer complaint narrative": "First.\nIt spans\nthree lines.", "Complaint ID": "1"})  # lines 2-4
        + cfpb_row(**{"Consumer complaint narrative": "Bad date.", "Date received": "2019/13/45"})  # line 5
        + cfpb_row(**{"Consumer complaint narrative": "No company.", "Company": "None"})  # line 6
        + cfpb_row(**{"Consumer complaint narrative": "Last one.", "Complaint ID": "4"})  # line 7
    )
    got, errors = split(list(read_file(path)))
    assert [c.external_id for c in got] == ["1", "4"]
    assert [(e.line, e.error) for e in errors] == [(5, "date received: unreadable date '2019/13/45'"),
                                                  (6, "missing company")]


def test_csv_with_a_leading_index_column_and_a_bom(tmp_path):
    path = tmp_path / "cfpb.csv"
    rows = "".join(f"{i}," + cfpb_row(**{"Consumer complaint narrative": f"Complaint {i}."}) for i in (7, 9))
    path.write_bytes(("\ufeff," + CFPB_HEADER + "\n" + rows).encode("utf-8"))
    assert [c.narrative for c in read_complaints(path)] == ["Complaint 7.", "Complaint 9."]


CFPB_JSON = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cfpb" / "cfpb_2023-06_export.json"
MISSING = ["None", "nan", "N/A", "", "NaN", "null"]


@pytest.mark.parametrize("missing", MISSING)
def test_missing_value_spellings_are_missing_in_every_format(tmp_path, missing):
    csv_path = tmp_path / "cfpb.csv"
    csv_path.write_text(CFPB_HEADER + "\n" + cfpb_row(**{
        "Consumer complaint narrative": "Charged twice.", "Company public response": missing,
        "Sub-issue": missing, "Tags": missing, "Consumer disputed?": missing}))
    json_path = tmp_path / "cfpb.json"
    json_path.write_text(json.dumps([{
        "company": "Acme Bank", "date_received": "2024-03-02T12:00:00-05:00", "issue": "Fees or interest",
        "complaint_what_happened": "Charged twice.", "company_response": "Closed with explanation",
        "company_public_response": missing, "sub_issue": missing, "tags": None, "consumer_disputed": missing,
        "complaint_id": "77"}, {"company": "Acme Bank", "date_received": "2024-03-02",
                                "complaint_what_happened": missing}]))
    jsonl_path = tmp_path / "records.jsonl"
    jsonl_path.write_text(json.dumps({"company": "Acme", "date": "2024-05-01", "narrative": "Charged twice.",
                                      "type": missing, "status": missing, "business_response": missing,
                                      "labels": {"state": missing, "product": "Credit card"}}) + "\n")
    for path in (csv_path, json_path, jsonl_path):
        [c] = read_complaints(path)
        assert c.business_responses == []
        assert "company_public_response" not in c.labels and "sub_issue" not in c.labels
        assert "tags" not in c.labels and "consumer_disputed" not in c.labels and "state" not in c.labels
        assert missing not in (c.type, c.status) or missing == ""
        assert "no_business_response" not in c.outcomes or path == jsonl_path
    [j] = read_complaints(jsonl_path)
    assert (j.type, j.status, j.labels) == ("Unknown", "Unknown", {"product": "Credit card"})


def test_cfpb_json_export_with_api_field_names(tmp_path):
    records = [
        {"company": "TRANSUNION INTERMEDIATE HOLDINGS, INC.", "company_public_response": None,
         "company_response": "Closed with non-monetary relief", "complaint_id": "7073120",
         "complaint_what_happened": "The list of accounts below is not mine.", "consumer_disputed": "N/A",
         "date_received": "2023-06-05T12:00:00-05:00", "issue": "Improper use of your report",
         "product": "Credit reporting", "state": "TX", "sub_issue": "None", "sub_product": "Credit reporting",
         "submitted_via": "Web", "tags": None, "timely": "Yes", "zip_code": "79905"},
        {"company": "EQUIFAX, INC.", "complaint_what_happened": "", "date_received": "2023-06-06T12:00:00-05:00"},
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(records, indent=2))
    [c] = read_complaints(path)
    assert (c.company, c.date, c.type, c.status, c.external_id, c.source_format) == (
        "TRANSUNION INTERMEDIATE HOLDINGS, INC.", "2023-06-05", "Improper use of your report",
        "Closed with non-monetary relief", "7073120", "cfpb-json")
    assert c.labels == {"product": "Credit reporting", "sub_product": "Credit reporting",
                        "issue": "Improper use of your report", "state": "TX", "submitted_via": "Web",
                        "timely_response": "Yes"}
    assert c.outcomes == ["non_monetary_relief"]


@pytest.mark.parametrize("name, source_format", [
    ("download", "cfpb-json"), ("download.txt", "cfpb-csv"), ("records", "jsonl")])
def test_format_is_found_from_the_content_when_the_name_does_not_say(tmp_path, name, source_format):
    record = {"company": "Acme Bank", "date_received": "2024-03-02", "complaint_what_happened": "Charged twice."}
    content = {"cfpb-json": json.dumps([record]),
               "cfpb-csv": CFPB_HEADER + "\n" + cfpb_row(**{"Consumer complaint narrative": "Charged twice."}),
               "jsonl": json.dumps(record) + "\n"}[source_format]
    path = tmp_path / name
    path.write_text(content)
    assert [c.source_format for c in read_complaints(path)] == [source_format]


def test_json_array_bad_records_are_skipped_with_their_number(tmp_path):
    good = {"company": "Acme Bank", "date_received": "2024-03-02", "complaint_what_happened": "Charged twice."}
    records = [dict(good, complaint_id="1"), dict(good, date_received="someday"), "not an object",
               dict(good, company=""), dict(good, complaint_id="5")]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(records))
    got, errors = split(list(read_file(path)))
    assert [c.external_id for c in got] == ["1", "5"]
    assert [(e.line, e.error) for e in errors] == [
        (2, "date received: unreadable date 'someday'"), (3, "expected a JSON object, found str"),
        (4, "missing company")]


def test_broken_json_keeps_the_records_before_it(tmp_path):
    good = json.dumps({"company": "Acme Bank", "date_received": "2024-03-02", "complaint_what_happened": "x y"})
    path = tmp_path / "export.json"
    path.write_text(f"[{good}, {good[:-1]}, \"oops\": }}, {good}]")
    got, errors = split(list(read_file(path)))
    assert len(got) == 1
    assert [e.line for e in errors] == [2] and "invalid JSON" in errors[0].error


def test_json_array_read_in_small_blocks_gives_the_same_records(tmp_path, monkeypatch):
    import index.parse_cfpb_json as reader

    records = [{"company": "Acme Bank", "date_received": "2024-03-02", "complaint_id": str(i),
                "complaint_what_happened": f"Complaint number {i} " + "é" * (i * 37)} for i in range(1, 60)]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(records, ensure_ascii=False))
    whole = [c.external_id for c in read_complaints(path)]
    monkeypatch.setattr(reader, "READ_SIZE", 7)  # every element, number and string split across blocks
    assert [c.external_id for c in read_complaints(path)] == whole == [str(i) for i in range(1, 60)]


def test_jsonl_bad_lines_are_skipped_with_their_line_and_the_rest_parses(tmp_path):
    path = tmp_path / "records.jsonl"
    path.write_text(
        '{"company": "Acme", "date": "2024-05-01", "type": "Billing", "status": "Resolved", '
        '"narrative": "Charged twice.", "business_response": "A refund was issued."}\n'
        "{oops\n"
        "\n"
        '{"company": "Acme", "date": "2024-13-01", "narrative": "Bad date."}\n'
        '{"company": "Acme", "date": "2024-05-03", "narrative": "Third."}\n'
    )
    got, errors = split(list(read_file(path)))
    assert [c.narrative for c in got] == ["Charged twice.", "Third."]
    assert got[0].business_responses[0].text == "A refund was issued." and "adjustment_applied" in got[0].outcomes
    assert [e.line for e in errors] == [2, 4]
    assert errors[0].error.startswith("invalid JSON") and "date" in errors[1].error


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"  \n\n\t ", "empty file"),
    (b"Just some notes about my day.\nNothing here.", "no complaints found"),
    (b"\xff\xfe\x00bad", "not UTF-8"),
    ("Initial Complaint".encode("utf-16"), "not UTF-8"),
    ("caf\xe9 Initial Complaint".encode("latin-1"), "not UTF-8"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
])
def test_bad_files_raise_one_line_errors(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(IngestError, match=message) as info:
        list(read_file(path))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("name, content, message", [
    ("empty.json", "[]", "no complaint records in JSON file"),
    ("object.json", '{"a": 1}\n', "no complaint records in JSON Lines"),
    ("none.json", json.dumps([{"company": "A", "date_received": "2024-01-01", "complaint_what_happened": "None"}]),
     "CFPB export has no rows with a consumer narrative"),
    ("cfpb.csv", CFPB_HEADER + "\n" + cfpb_row(), "CFPB export has no rows with a consumer narrative"),
    ("other.csv", "name,age\nann,3\n", "not a CFPB export: missing column"),
    ("pretty.json", json.dumps({"hits": {"hits": [{"_source": {}}]}}, indent=2), "neither an array"),
    ("all_bad.jsonl", '{"company": "A"}\n{"company": "B"}\n', r"2 bad row\(s\); first: line 1: missing"),
])
def test_files_without_a_usable_row(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(IngestError, match=message) as info:
        list(read_file(path))
    assert "\n" not in str(info.value)


def test_non_utf8_byte_after_the_first_block_is_a_one_line_error(tmp_path):
    path = tmp_path / "cfpb.csv"
    good = cfpb_row(**{"Consumer complaint narrative": "Charged twice. " * 20})
    path.write_bytes((CFPB_HEADER + "\n" + good * 400).encode() + cfpb_row(
        **{"Consumer complaint narrative": "caf\xe9"}).encode("latin-1"))
    assert path.stat().st_size > 64 * 1024
    with pytest.raises(IngestError, match="not UTF-8") as info:
        list(read_file(path))
    assert "\n" not in str(info.value)


def _cfpb_file(rows: int, start: int = 1) -> str:
    return CFPB_HEADER + "\n" + "".join(
        cfpb_row(**{"Complaint ID": str(i), "Consumer complaint narrative": f"Charged a fee twice, case {i}."})
        for i in range(start, start + rows))


def test_zipped_and_gzipped_exports_read_as_the_files_they_hold(tmp_path):
    plain = tmp_path / "complaints.csv"
    plain.write_text(_cfpb_file(5))
    expected = [(c.complaint_id, c.narrative) for c in read_complaints(plain)]
    gzipped = tmp_path / "complaints.csv.gz"
    gzipped.write_bytes(gzip.compress(plain.read_bytes()))
    unnamed = tmp_path / "download"  # saved without a suffix: the bytes say it is gzip
    unnamed.write_bytes(gzipped.read_bytes())
    zipped = tmp_path / "complaints.csv.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(plain, "complaints.csv")
        archive.writestr("__MACOSX/._complaints.csv", b"\x00\x05\x16\x07 resource fork")
    for path in (gzipped, unnamed, zipped):
        got = read_complaints(path)
        assert [(c.complaint_id, c.narrative) for c in got] == expected, path.name
        assert {(c.source, c.source_format) for c in got} == {(str(path), "cfpb-csv")}


def test_a_zip_of_several_files_reads_each_and_names_the_member_of_a_bad_row(tmp_path):
    zipped = tmp_path / "exports.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("a/first.csv", _cfpb_file(3) + cfpb_row(**{
            "Date received": "someday", "Consumer complaint narrative": "Charged twice."}))
        archive.writestr("b/notes.txt", "Just some notes about my day.")  # no complaint: skipped and counted
        archive.writestr("c/second.jsonl", json.dumps(
            {"company": "Acme Bank", "date_received": "2024-03-02", "complaint_what_happened": "Late fee."}))
        archive.writestr("README.md", "not a complaint file")
    got, errors = split(list(read_file(zipped)))
    assert len(got) == 4 and {c.source_format for c in got} == {"cfpb-csv", "jsonl"}
    assert [(e.line, e.error.split(": ")[0]) for e in errors] == [(5, "a/first.csv"), (0, "b/notes.txt")]
    assert errors[0].describe().startswith("line 5: a/first.csv: ") and "someday" in errors[0].error
    assert errors[1].describe() == "b/notes.txt: no complaints found (expected a BBB complaint page, CFPB CSV or JSON Lines)"


def test_a_download_cut_short_keeps_the_rows_before_the_cut(tmp_path):
    whole = gzip.compress(_cfpb_file(3000).encode(), compresslevel=1)
    cut = tmp_path / "complaints.csv.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    got, errors = split(list(read_file(cut)))
    assert 500 < len(got) < 3000
    # Every kept row is whole: its narrative ends as written, and the ids run without a gap.
    assert all(c.narrative == f"Charged a fee twice, case {c.external_id}." for c in got)
    assert [int(c.external_id) for c in got] == list(range(1, len(got) + 1))
    assert [e.describe() for e in errors] == ["the compressed file ends early: the rest of it is missing"]


@pytest.mark.parametrize("name, content, message", [
    ("broken.zip", b"PK\x03\x04 and then nothing a zip needs", "not a readable zip archive"),
    ("photos.zip", None, "zip archive holds no complaint files"),
    ("tiny.csv.gz", gzip.compress(b"Date received,Company")[:12], "the compressed file ends early"),
    ("notes.csv.gz", gzip.compress(b"\x00\x01 binary inside"), "binary file"),
])
def test_bad_archives_raise_one_line_errors(tmp_path, name, content, message):
    path = tmp_path / name
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("cat.png", b"\x89PNG")
    else:
        path.write_bytes(content)
    with pytest.raises(IngestError, match=message) as info:
        list(read_file(path))
    assert "\n" not in str(info.value)


def test_a_folder_walk_takes_archives_of_complaint_files_only(tmp_path):
    for name in ("a.csv.gz", "b.zip", "c.json", "d.tar.gz", "e.png", "f.gz"):
        (tmp_path / name).write_bytes(b"x")
    files, errors = expand_paths([tmp_path])
    assert [f.name for f in files] == ["a.csv.gz", "b.zip", "c.json"] and errors == []


_PEAK_RSS = """
import resource, sys
from index.parsers import read_file
from index.records import Complaint
counts = [sum(isinstance(i, Complaint) for i in read_file(sys.argv[1]))]  # warm: imports, regexes
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
counts += [sum(isinstance(i, Complaint) for i in read_file(path)) for path in sys.argv[2:]]
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(counts[1:], (after - before) * 1024)
"""


def test_reading_large_files_holds_one_row_not_the_file(tmp_path, sample_path):
    """~50 MB of CSV rows and ~20 MB of JSON export: the reading process's peak memory
    grows by a small fraction of one file (peak RSS of a child process, as an operator sees
    it; tracemalloc would slow reading 50 MB about fivefold)."""
    import os
    import subprocess
    import sys

    narrative = "I was charged a late fee although I paid on time, and nobody would explain why. " * 60
    big_csv = tmp_path / "big.csv"
    row = cfpb_row(**{"Consumer complaint narrative": narrative, "Company public response": "None"})
    with open(big_csv, "w", encoding="utf-8", newline="") as f:
        f.write(CFPB_HEADER + "\n")
        f.writelines(row for _ in range(10_000))
    big_json = tmp_path / "big.json"
    record = {"company": "Acme Bank", "date_received": "2023-06-05T12:00:00-05:00", "issue": "Fees",
              "complaint_what_happened": narrative, "company_public_response": None, "tags": None}
    with open(big_json, "w", encoding="utf-8") as f:
        f.write("[" + ", ".join(json.dumps(dict(record, complaint_id=str(i))) for i in range(4_000)) + "]")
    size = big_csv.stat().st_size
    assert size > 45 * 2**20 and big_json.stat().st_size > 18 * 2**20
    big_zip = tmp_path / "big.csv.zip"  # as the CFPB's download comes: read as it inflates
    with zipfile.ZipFile(big_zip, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(big_csv, "complaints.csv")

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", _PEAK_RSS, str(sample_path), str(big_csv), str(big_json), str(big_zip)],
                          capture_output=True, text=True, cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    counts, growth = done.stdout.rsplit(" ", 1)
    assert counts == "[10000, 4000, 10000]"
    assert int(growth) < size / 8, f"peak RSS grew {int(growth) / 2**20:.1f} MiB for a {size / 2**20:.0f} MiB file"


# Property-based: whatever a JSON array or a saved HTML page is mangled into, reading it yields
# complaints and row errors or raises one IngestError, and every complaint is whole.

_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(values=st.lists(_JSON_VALUES, max_size=8), read_size=st.integers(1, 40), indent=st.sampled_from([None, 1]))
def test_json_array_reader_returns_exactly_the_elements_at_any_block_size(values, read_size, indent):
    import index.parse_cfpb_json as reader

    original = reader.READ_SIZE
    reader.READ_SIZE = read_size
    try:
        got = list(reader.iter_json_array(io.StringIO(json.dumps(values, indent=indent))))
    finally:
        reader.READ_SIZE = original
    assert got == list(enumerate(values, start=1))


def _mangle(data: bytes, cuts: list[tuple[int, int, bytes]]) -> bytes:
    for at, length, piece in cuts:
        at %= max(len(data), 1)
        data = data[:at] + piece + data[at + length:]
    return data


_CUTS = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 300),
                           st.sampled_from([b"", b"<", b">", b"</p>", b"<br>", b"<script>", b"]", b",", b"{",
                                            b'"', b"\\", b"None", b"\xff", b"\x00", b"Initial Complaint",
                                            "Date:13/45/2025".encode(), "\u202e".encode()])),
                 min_size=1, max_size=5)


def _check_mangled(path, data):
    path.write_bytes(data)
    try:
        items = list(read_file(path))
    except IngestError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    for item in items:
        if isinstance(item, RowError):
            assert item.line >= 1 and item.error and "\n" not in item.error
            continue
        assert item.narrative.strip() and item.company.strip()
        assert date.fromisoformat(item.date) and len(item.date) == 10
        assert item.complaint_id.startswith("c-")


_MANGLE_SETTINGS = settings(max_examples=50, deadline=None, derandomize=True,
                            suppress_health_check=[HealthCheck.function_scoped_fixture])


@_MANGLE_SETTINGS
@given(cuts=_CUTS)
def test_mangled_cfpb_json_export_never_crashes(tmp_path, cuts):
    with open(CFPB_JSON, encoding="utf-8") as f:
        head = f.read(40_000)
    data = head[: head.rindex("}, {") + 1] + "]"  # the export's first records, whole
    _check_mangled(tmp_path / "export.json", _mangle(data.encode(), cuts))


@_MANGLE_SETTINGS
@given(cuts=_CUTS)
def test_mangled_saved_html_page_never_crashes(tmp_path, sample_path, cuts):
    page = _html_paragraphs(sample_path.read_text()).encode()
    _check_mangled(tmp_path / "page.html", _mangle(page, cuts))
