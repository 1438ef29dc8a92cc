"""Mask personal data in complaint text: emails, phone, card, SSN and account numbers.

Shown as `[email]`, `[phone]`, `[card]`, `[ssn]`, `[account]`, like the sources' own masking
(`XXXX`, `***`, `[redacted]`), which is left as it is. Tuned on the real CFPB narratives
(bench/pii_false_positives.py): those are already masked by the CFPB, so every hit there is
either a leak the CFPB missed or a false positive, and dates, money amounts, years, ZIP codes
and complaint ids must come through untouched.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

KINDS = ("email", "card", "ssn", "account", "phone")

# Words that make a long number personal. The nearest one before the number decides, so
# "complaint 12345678 about my account" is a complaint id, "account no. 12345678" an account.
ACCOUNT_WORDS = ("account", "acct", "a/c", "routing", "aba", "loan", "iban", "member number",
                 "member id", "policy number")
SSN_WORDS = ("ssn", "ss#", "ss #", "social security", "social sec", "tax id", "taxpayer id", "itin")
NOT_PERSONAL_WORDS = ("complaint", "case", "ticket", "reference", "ref", "confirmation",
                      "tracking", "order", "invoice", "claim", "docket", "statute", "usc", "u.s.c",
                      "section", "cfr", "fcra", "zip")
CONTEXT_CHARS = 50

# A number glued to these is part of something else: a money amount ($1,234), a decimal or a
# list of figures (1,234.56), a path or URL (/12345678), a date (2019/09/24) or a longer id.
_NOT_BEFORE = r"(?<![\w$€£¥@.,/=+-])"
_NOT_AFTER = r"(?![\w@/]|[.,-]\d)"

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9-]{1,63}"
                    r"(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}(?![\w@])")
# 13-19 digits: unbroken, or in groups of 4 (the last 1-4), or the 4-6-5 / 4-6-4 Amex/Diners
# layout, always with one kind of separator; the Luhn check decides.
_CARD = re.compile(_NOT_BEFORE + r"(?:\d{13,19}|\d{4}(?P<sep>[ -])\d{4}(?:(?P=sep)\d{4}){1,2}"
                   r"(?:(?P=sep)\d{1,4})?|\d{4}(?P<sep2>[ -])\d{6}(?P=sep2)\d{4,5})" + _NOT_AFTER)
_SSN_DASHED = re.compile(_NOT_BEFORE + r"(\d{3})-(\d{2})-(\d{4})" + _NOT_AFTER)
_SSN_PLAIN = re.compile(_NOT_BEFORE + r"(\d{3})[ ]?(\d{2})[ ]?(\d{4})" + _NOT_AFTER)
# Digits, optionally in groups joined by dashes or single spaces (1234-5678-9, 1234 5678 9012);
# after a space, 1-2 digits are what comes next ("Account 12345678 2. Account ...", "Account
# 12345678 15 U.S.C. 1681"), not part of the number. _is_account wants 8 to 30 digits.
# Pasted credit reports glue the label to the number ("Account number7884332282"), so a letter
# may precede it; _is_account then wants that word to be the label.
_LONG_NUMBER = re.compile(r"(?<![\d$€£¥@.,/=+_-])\d+(?:(?:-|[ ](?=\d{3}))\d+)*" + _NOT_AFTER)
_GLUED_LABEL = re.compile(r"(?:number|num|nbr|no|account|acct|loan)$", re.IGNORECASE)
# North American numbers written as phone numbers: (555) 123-4567, 555-123-4567, 555.123.4567,
# +1 555 123 4567, 1-800-555-1234; and international ones written with a leading +. Written
# like that they are phone numbers even next to the word "account".
_PHONE = re.compile(
    r"(?<![\w$€£¥@.,/=+-])"
    r"(?:(?:\+?1[ .-]?)?(?:\([2-9]\d{2}\)[ .-]?|[2-9]\d{2}(?P<sep>[ .-]))[2-9]\d{2}(?(sep)(?P=sep)|[ .-])\d{4}"
    r"|\+[1-9]\d{0,2}(?:[ .-]?\(?\d{1,4}\)?){2,5}\d)" + _NOT_AFTER)
# Ten bare digits that could be a North American number: a phone unless an account (checked
# first) or a complaint, case, order... number.
_PHONE_BARE = re.compile(_NOT_BEFORE + r"\+?1?[2-9]\d{2}[2-9]\d{6}" + _NOT_AFTER)
_ZIP_PLUS_4 = re.compile(r"\d{5}-\d{4}")
_YEAR = re.compile(r"(?:19|20)\d\d")


def redact(text: str) -> tuple[str, Counter]:
    """Text with personal data masked, and how many of each kind were masked."""
    counts: Counter = Counter()
    if not text or not any(ch.isdigit() or ch == "@" for ch in text):
        return text, counts
    text = _sub(_EMAIL, text, "email", counts, _is_email)
    text = _sub(_CARD, text, "card", counts, lambda m, t: _luhn_ok(_digits(m.group())))
    text = _sub(_SSN_DASHED, text, "ssn", counts, _is_ssn_dashed)
    text = _sub(_SSN_PLAIN, text, "ssn", counts, _is_ssn_by_context)
    text = _sub(_PHONE, text, "phone", counts, _is_phone)
    text = _sub(_LONG_NUMBER, text, "account", counts, _is_account)
    text = _sub(_PHONE_BARE, text, "phone", counts, _is_phone)
    return text, counts


def _sub(pattern: re.Pattern, text: str, kind: str, counts: Counter, accept) -> str:
    def replace(m: re.Match) -> str:
        if not accept(m, text):
            return m.group()
        counts[kind] += 1
        return f"[{kind}]"

    return pattern.sub(replace, text)


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit())


def _luhn_ok(digits: str) -> bool:
    if len(set(digits)) == 1:  # 0000000000000000 passes Luhn and is nobody's card
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _is_email(m: re.Match, text: str) -> bool:
    local, _, domain = m.group().partition("@")
    # XXXX@XXXX.com is the CFPB's own masking of an address.
    return not (set(local) <= set("Xx.") or set(domain.rsplit(".", 1)[0]) <= set("Xx.-"))


def _ssn_valid(area: str, group: str, serial: str) -> bool:
    # Numbers the SSA never issues: area 000, 666 or 9xx, group 00, serial 0000.
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _is_ssn_dashed(m: re.Match, text: str) -> bool:
    return _ssn_valid(*m.groups()) and _nearest_word(text, m.start()) != _NOT_PERSONAL


def _is_ssn_by_context(m: re.Match, text: str) -> bool:
    return _ssn_valid(*m.groups()) and _nearest_word(text, m.start()) == _SSN


def _is_account(m: re.Match, text: str) -> bool:
    number = m.group()
    if not 8 <= len(_digits(number)) <= 30 or _ZIP_PLUS_4.fullmatch(number) or _looks_like_date(number):
        return False
    if m.start() and text[m.start() - 1].isalpha() and not _GLUED_LABEL.search(text, 0, m.start()):
        return False  # a product code or reference like "ABC12345678"
    groups = re.split(r"[ -]", number)
    # Years side by side ("2019 2020 2021") or mostly tiny numbers ("1-2-3-4-55") are a list
    # or a range, not one account number written in groups.
    if len(groups) > 1 and (all(_YEAR.fullmatch(g) for g in groups)
                            or sum(len(g) < 3 for g in groups) * 2 > len(groups)):
        return False
    return _nearest_word(text, m.start()) == _ACCOUNT


def _is_phone(m: re.Match, text: str) -> bool:
    digits = _digits(m.group())
    if not 10 <= len(digits) <= 15 or _looks_like_date(digits):
        return False
    # A bare 10-digit run is a phone number only when nothing says it is something else.
    if digits == m.group() and _nearest_word(text, m.start()) == _NOT_PERSONAL:
        return False
    return True


def _looks_like_date(digits: str) -> bool:
    """20190924 or 09242019: a date written without separators."""
    digits = _digits(digits)
    if len(digits) != 8:
        return False
    for y, mo, d in ((digits[:4], digits[4:6], digits[6:]), (digits[4:], digits[:2], digits[2:4])):
        try:
            if 1900 <= int(y) <= 2099:
                date(int(y), int(mo), int(d))
                return True
        except ValueError:
            continue
    return False


_ACCOUNT, _SSN, _NOT_PERSONAL = "account", "ssn", "not_personal"
_CONTEXT_WORDS = sorted(
    [(w, _ACCOUNT) for w in ACCOUNT_WORDS] + [(w, _SSN) for w in SSN_WORDS]
    + [(w, _NOT_PERSONAL) for w in NOT_PERSONAL_WORDS], key=lambda p: -len(p[0]))
_CONTEXT = re.compile(r"(?<![a-z])(" + "|".join(re.escape(w) for w, _ in _CONTEXT_WORDS)
                      + r")(?:s|es)?(?![a-z])", re.IGNORECASE)
_CONTEXT_KIND = dict(_CONTEXT_WORDS)


# "no." and "acct." end abbreviations, not sentences.
_SENTENCE_END = re.compile(r"[\n!?]|(?<!\bno)(?<!\bnbr)(?<!\bnum)(?<!\bacct)(?<!\bsoc)(?<!\bsec)\.\s",
                           re.IGNORECASE)


def _nearest_word(text: str, start: int) -> str | None:
    """The kind of the last context word within CONTEXT_CHARS before `start`, in the same
    sentence or line."""
    window = text[max(0, start - CONTEXT_CHARS):start]
    window = _SENTENCE_END.split(window)[-1]
    found = None
    for m in _CONTEXT.finditer(window):
        found = _CONTEXT_KIND[m.group(1).lower()]
    return found
