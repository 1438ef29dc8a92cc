"""Text hygiene at ingest: what a hostile or messy complaint text turns into once stored."""

import json
from collections import Counter

from index.chunking import chunk_complaint
from index.clean import MAX_WORD_CHARS, clean_complaint
from index.parsers import read_complaints
from index.records import Complaint, Reply
from index.settings import Settings


def complaint(narrative: str, responses=(), answers=()) -> Complaint:
    return Complaint(company="Acme Bank", date="2024-03-02", type="Billing", status="Resolved",
                     narrative=narrative, business_responses=[Reply("2024-03-04", t) for t in responses],
                     customer_answers=[Reply("2024-03-05", t) for t in answers])


def test_bidi_zero_width_and_control_characters_are_removed():
    c = clean_complaint(complaint(
        "They charged me \u202eeef etal\u202c twice\x00 for the same \u2066month\u2069.\u200b\u200e\ufeff"
        " The bill\x07 said\u061c so.", responses=["We are sorry\x1b[31m for the \u200dconfusion."]))
    assert c.narrative == "They charged me eef etal twice for the same month. The bill said so."
    assert c.business_responses[0].text == "We are sorry[31m for the confusion."
    c = clean_complaint(Complaint(company="Acme\u202e Bank\x00", date="2024-03-02", type="Bill\u200bing",
                                  status="Resolved\u2067", narrative="Charged twice.",
                                  labels={"state": "C\u202eA", "issue": "Late  fee"}))
    assert (c.company, c.type, c.status) == ("Acme Bank", "Billing", "Resolved")
    assert c.labels == {"state": "CA", "issue": "Late  fee"}


def test_line_breaks_are_kept_and_a_tab_is_a_space():
    c = clean_complaint(complaint("Regards,\nJane\n\nSecond\tparagraph."))
    assert c.narrative == "Regards,\nJane\n\nSecond paragraph."


def test_a_giant_word_is_cut_and_cannot_flood_the_index():
    blob = "A" * 100_000
    c = clean_complaint(complaint(f"My statement showed {blob} instead of the amount."))
    word = c.narrative.split()[3]
    assert word == "A" * MAX_WORD_CHARS + "…"
    assert c.narrative.endswith("instead of the amount.")
    assert len(chunk_complaint(c)) == 1  # uncut, this one word was 590 chunks


def test_a_sentence_in_a_script_without_spaces_is_not_cut():
    sentence = "我的账单上重复收取了两次月费，客服说下个月会退款但是一直没有退。" * 3
    assert clean_complaint(complaint(sentence)).narrative == sentence
    assert len(clean_complaint(complaint("账" * 100_000)).narrative) < 1100


def test_markdown_bold_keeps_its_asterisks_and_source_masking_still_collapses():
    c = clean_complaint(complaint(
        "I was **never** told. **Note:** the store in ******* ** said *** and ******** were gone. "
        "Mr. * confirmed."))
    assert c.narrative == ("I was **never** told. **Note:** the store in [redacted] said [redacted] and "
                           "[redacted] were gone. Mr. [redacted] confirmed.")


def test_cfpb_xxxx_masking_becomes_one_redacted_but_a_date_keeps_its_year():
    c = clean_complaint(complaint("On XX/XX/XXXX XXXX XXXX from XXXX called; on XX/XX/2019 I paid {$500.00}."))
    assert c.narrative == "On [redacted] from [redacted] called; on XX/XX/2019 I paid {$500.00}."
    c = clean_complaint(complaint("Account numberXXXX opened XX/XX/ and closed XX/XX/19 at XXX."))
    assert c.narrative == "Account number[redacted] opened [redacted] and closed XX/XX/19 at [redacted]."


def test_replies_that_say_nothing_are_dropped():
    c = clean_complaint(complaint("Charged twice.", responses=["None", " nan ", "N/A", "We refunded it."],
                                  answers=["null", "", "Thanks."]))
    assert [r.text for r in c.business_responses] == ["We refunded it."]
    assert [r.text for r in c.customer_answers] == ["Thanks."]
    assert clean_complaint(complaint("None")).narrative == ""
    c = clean_complaint(Complaint(company="Acme", date="2024-03-02", type="nan", status="None", narrative="x"))
    assert (c.type, c.status) == ("Unknown", "Unknown")


def test_personal_data_is_masked_in_narrative_and_every_reply():
    counts = Counter()
    c = clean_complaint(complaint(
        "Call me at (312) 555-0187 or jane.doe@gmail.com about card 4111 1111 1111 1111.",
        responses=["We called 312-555-0187 and reviewed account number 004512378890."],
        answers=["My SSN 219-09-9999 was in your letter."]), counts=counts)
    assert c.narrative == "Call me at [phone] or [email] about card [card]."
    assert c.business_responses[0].text == "We called [phone] and reviewed account number [account]."
    assert c.customer_answers[0].text == "My SSN [ssn] was in your letter."
    assert counts == {"phone": 2, "email": 1, "card": 1, "account": 1, "ssn": 1}


def test_redact_pii_off_keeps_the_text_as_written(monkeypatch):
    monkeypatch.setenv("REDACT_PII", "0")
    settings = Settings.from_env()
    assert settings.redact_pii is False
    text = "Call me at (312) 555-0187 or jane.doe@gmail.com about card 4111 1111 1111 1111."
    assert clean_complaint(complaint(text), redact_pii=settings.redact_pii).narrative == text


def test_an_ingested_file_stores_no_personal_data(tmp_path):
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps({
        "company": "Acme", "date": "2024-05-01", "type": "Billing", "status": "Resolved",
        "narrative": "Charged twice on card 4111-1111-1111-1111; write to jane.doe@gmail.com.",
        "business_responses": ["None", "A refund was issued; call 1-800-555-0199."]}) + "\n")
    [c] = read_complaints(path)
    assert c.narrative == "Charged twice on card [card]; write to [email]."
    assert [r.text for r in c.business_responses] == ["A refund was issued; call [phone]."]
