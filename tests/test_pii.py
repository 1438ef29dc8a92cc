"""Personal data is masked at ingest; dates, amounts, ids and the sources' own masking are not."""

import csv
from pathlib import Path

import pytest

from index.pii import redact

CFPB = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cfpb"


@pytest.mark.parametrize("text, kind, secret", [
    ("Please reply to me at jane.doe+bank@gmail.com, not the old address.", "email", "jane.doe+bank@gmail.com"),
    ("My contact email: M.Smith_1987@mail.example.co.uk", "email", "M.Smith_1987@mail.example.co.uk"),
    ("They kept calling me at (312) 555-0187 every morning.", "phone", "(312) 555-0187"),
    ("Call me back on 312-555-0187 please.", "phone", "312-555-0187"),
    ("my cell is 312.555.0187", "phone", "312.555.0187"),
    ("I called their line 1-800-555-0199 six times.", "phone", "1-800-555-0199"),
    ("I can be reached at +1 312 555 0187 after 5pm.", "phone", "+1 312 555 0187"),
    ("He left a voicemail from 3125550187 yesterday.", "phone", "3125550187"),
    ("My relative abroad, +44 20 7946 0958, got calls too.", "phone", "+44 20 7946 0958"),
    ("They charged my card 4111 1111 1111 1111 twice.", "card", "4111 1111 1111 1111"),
    ("card number 5500-0000-0000-0004 was used without consent", "card", "5500-0000-0000-0004"),
    ("the Amex 3782 822463 10005 was closed", "card", "3782 822463 10005"),
    ("Charged to 4012888888881881 on the same day.", "card", "4012888888881881"),
    ("They published my SSN 219-09-9999 in the letter.", "ssn", "219-09-9999"),
    ("my social security number is 219099999 and they had it", "ssn", "219099999"),
    ("SSN: 219 09 9999", "ssn", "219 09 9999"),
    ("My account number is 004512378890 and it was closed.", "account", "004512378890"),
    ("Acct #: 7781-2203-5569 shows a late payment.", "account", "7781-2203-5569"),
    ("routing 021000021 and checking 12345678901", "account", "021000021"),
    ("Re: loan no. 3830-3883-6 with their servicer", "account", "3830-3883-6"),
    ("Account Info Account number7884332282 Account statusClosed", "account", "7884332282"),
])
def test_each_kind_of_personal_data_is_masked(text, kind, secret):
    masked, counts = redact(text)
    assert secret not in masked
    assert f"[{kind}]" in masked
    assert counts[kind] >= 1
    # The words around it are what a reader needs; they stay.
    assert masked.replace(f"[{kind}]", "").split()[:2] == text.replace(secret, "").split()[:2]


@pytest.mark.parametrize("text", [
    "On 09/24/2019 I paid $1,234.56; on 2019-10-01 another $80.41 and {$16000.00}.",
    "Charges of 1234567.89 dollars, 1,234,567 points and 12.5% interest since 2019 2020 2021.",
    "My complaint number is 7073066 and case # 12345678 was opened on 20190924.",
    "Ship to Springfield, IL 62704 or 62704-1234.",
    "Under 15 U.S.C. 1681-11681x and 15 USC 1692 ( 10 ) and 12 CFR 1016.15 they must stop.",
    "They called at 10:30 am on 4/16/2025 and again between 2019-2020.",
    "XXXX XXXX account number XXXX, phone ( XXXX ) XXXX-XXXX, email XXXX@XXXX.com.",
    "Ms. [redacted] said my account ending in 4321 would be credited.",
    "Book 2494 page 1761 - 1782 dated XX/XX/XXXX, invoice 20153.99000",
    "A 16-digit reference 4111111111111112 that fails the Luhn check.",
    "Tracking 1Z999AA10123456784 and order ABC12345678 arrived.",
])
def test_dates_amounts_ids_and_source_masking_are_untouched(text):
    assert redact(text) == (text, {})


def test_luhn_invalid_sixteen_digits_stay_but_become_an_account_near_the_word():
    assert redact("the payment reference 4111 1111 1111 1112 is wrong")[0] == (
        "the payment reference 4111 1111 1111 1112 is wrong")
    assert redact("my account 4111 1111 1111 1112 is wrong")[0] == "my account [account] is wrong"


def test_the_nearest_word_decides_what_a_long_number_is():
    text = "About my account: complaint 12345678 was closed. My account no. 87654321 was not."
    masked, counts = redact(text)
    assert masked == "About my account: complaint 12345678 was closed. My account no. [account] was not."
    assert counts == {"account": 1}


def test_a_number_takes_only_its_own_digits():
    # Pasted credit reports: the number is followed by the next item or a statute.
    assert redact("Account Number : 1234567890 15 U.S.C 1681 section 602")[0] == (
        "Account Number : [account] 15 U.S.C 1681 section 602")
    assert redact("1. Account number 12345678 2. Account number 87654321")[0] == (
        "1. Account number [account] 2. Account number [account]")
    # Written like a phone number, it is one, even after the word "account".
    assert redact("account inquiry phone number: +1 312 555 0187 ;")[0] == (
        "account inquiry phone number: [phone] ;")


def test_counts_add_up_over_one_text():
    text = ("Email a@b.com or c.d@e.org, call 312-555-0187. Card 4111111111111111, "
            "SSN 219-09-9999, account 1234567890123.")
    masked, counts = redact(text)
    assert counts == {"email": 2, "phone": 1, "card": 1, "ssn": 1, "account": 1}
    assert not any(ch.isdigit() for ch in masked)


def test_real_cfpb_narratives_come_through_untouched():
    # The CFPB masks personal data itself (XXXX) before publishing, so a mask here is almost
    # surely a false positive: a date, an amount, a statute, an id.
    with (CFPB / "cfpb_2015-2020_sample.csv").open(newline="", encoding="utf-8") as fh:
        narratives = [row["Consumer complaint narrative"] for row in csv.DictReader(fh)
                      if row["Consumer complaint narrative"].strip()]
    assert len(narratives) > 1000
    changed = [text for text in narratives if redact(text)[0] != text]
    assert changed == []


def test_hostile_inputs_finish_quickly():
    import time

    start = time.perf_counter()
    for text in ("1" * 100_000, "1-" * 50_000, "+1 " * 30_000, "a@" * 50_000, "account " + "12 " * 30_000):
        redact(text)
    assert time.perf_counter() - start < 5
