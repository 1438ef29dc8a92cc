"""Parsing and cleaning the real BBB sample page."""

from collections import Counter

import pytest

from index.parsers import read_complaints
from index.records import IngestError


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


def test_saved_html_page_parses_like_the_text(sample_path, complaints, tmp_path):
    import html

    body = "".join(f"<div>{html.escape(line)}</div>" for line in sample_path.read_text().splitlines())
    page = tmp_path / "page.html"
    page.write_text(f"<!DOCTYPE html><html><head><script>var x = 1;</script></head><body>{body}</body></html>")
    parsed = read_complaints(page)
    assert [c.complaint_id for c in parsed] == [c.complaint_id for c in complaints]


def test_cfpb_csv_and_jsonl(tmp_path):
    csv_file = tmp_path / "cfpb.csv"
    csv_file.write_text(
        "Date received,Product,Sub-product,Issue,Sub-issue,Consumer complaint narrative,Company public response,"
        "Company,State,ZIP code,Tags,Consumer consent provided?,Submitted via,Date sent to company,"
        "Company response to consumer,Timely response?,Consumer disputed?,Complaint ID\n"
        '2024-03-02,Credit card,General-purpose credit card,Fees or interest,Late fee,'
        '"They charged a late fee although I paid on time.",Company has responded to the consumer,'
        "Acme Bank,CA,90001,,Consent provided,Web,2024-03-03,Closed with monetary relief,Yes,N/A,8123456\n"
        '2024-03-05,Credit card,,Other,,,"",Acme Bank,CA,90001,,,Web,2024-03-05,Closed with explanation,Yes,N/A,8123457\n'
    )
    [c] = read_complaints(csv_file)  # the row without a narrative has nothing to retrieve
    assert (c.company, c.date, c.type, c.status) == ("Acme Bank", "2024-03-02", "Fees or interest",
                                                     "Closed with monetary relief")
    assert "adjustment_applied" in c.outcomes
    jsonl = tmp_path / "records.jsonl"
    jsonl.write_text('{"company": "Acme", "date": "2024-05-01", "type": "Billing", "status": "Resolved", '
                     '"narrative": "Charged twice.", "business_response": "A refund was issued."}\n')
    [j] = read_complaints(jsonl)
    assert j.business_responses[0].text == "A refund was issued." and "adjustment_applied" in j.outcomes


@pytest.mark.parametrize("content, message", [
    ("", "empty file"),
    ("Just some notes about my day.\nNothing here.", "no complaints found"),
    ("\xff\xfe\x00bad", "not UTF-8"),
])
def test_bad_files_raise_one_line_errors(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content.encode("latin-1"))
    with pytest.raises(IngestError, match=message) as info:
        read_complaints(path)
    assert "\n" not in str(info.value)


def test_bad_jsonl_line_is_named(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"company": "A", "date": "2024-01-01", "narrative": "x"}\n{oops\n')
    with pytest.raises(IngestError, match="line 2: invalid JSON"):
        read_complaints(path)
