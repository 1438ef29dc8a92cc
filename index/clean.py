"""Make parsed complaint texts safe to store and show: page noise out, control characters out,
absurd tokens bounded, the sources' masking made uniform, personal data masked (index/pii.py).
Never rewords what a person wrote."""

from __future__ import annotations

import re
from collections import Counter

from .pii import redact
from .records import Complaint, Reply

# The status legend BBB repeats inside every complaint block.
_LEGEND_LINES = {
    "Complaint statuses",
    "Resolved:",
    "The complainant verified the issue was resolved to their satisfaction.",
    "Unresolved:",
    "The business responded to the dispute but failed to make a good faith effort to resolve it.",
    "Answered:",
    "The business addressed the issues within the complaint, but the consumer either a) did "
    "not accept the response, OR b) did not notify BBB as to their satisfaction.",
    "Unanswered:",
    "The business failed to respond to the dispute.",
    "Unpursuable:",
    "BBB is unable to locate the business.",
}
REDACTED = "[redacted]"
# BBB masks each character of a name, place or id with `*`, word by word: `*** ** *****`.
# A run of 3+ is always masking; a run of 1-2 only when it stands alone after a space or at a
# line start, so markdown's `**bold**` and `**Note:**` keep their asterisks.
_STAR = r"(?:\*{3,}|(?<!\S)\*{1,2}(?![\w*]))"
_STAR_MASK = re.compile(_STAR + r"(?:[ \t]+(?:\*{3,}|\*{1,2}(?![\w*])))*")
# The CFPB masks with `XXXX` runs: `XXXX XXXX`, `XX/XX/XXXX`, and glued to a word when the
# consumer pasted a form (`Account numberXXXX`); no word holds four capital X. A date that
# keeps its year (`XX/XX/2019`) still says when, so it stays as written.
_X_MASK = re.compile(r"(?<![\w/])X{2,}(?:(?:[ \t]+[/-]?|[/-])[ \t]*X{2,})*/?(?![\w/])|X{4,}")
_REPEATED = re.compile(r"\[redacted\](?:[ \t]*\[redacted\])+")

# What a missing value looks like once a spreadsheet or a JSON export has written it out.
MISSING = frozenset({"", "none", "nan", "null", "n/a", "na", "-"})

# Bidi overrides and isolates can reorder what a reader sees around them; zero-width
# characters hide inside words; C0/C1 controls (NUL...) have no business in text.
_INVISIBLE = dict.fromkeys(
    [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0),
     0x00AD, 0x061C, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, *range(0x202A, 0x202F),
     0x2060, 0x2061, 0x2062, 0x2063, 0x2064, *range(0x2066, 0x206A), 0xFEFF])
_INVISIBLE[0x85] = "\n"  # NEL, a line break in Latin-1 text
# A longer "word" is no word (a pasted blob, a base64 attachment, an attack on the chunker):
# one 100k-character token would otherwise become hundreds of chunks.
MAX_WORD_CHARS = 64
# Scripts written without spaces (Chinese, Japanese, Thai...) make long "words" of whole
# sentences; those are bounded at a paragraph's length instead.
MAX_SPACELESS_CHARS = 1000
_LONG_WORD = re.compile(r"\S{%d,}" % (MAX_WORD_CHARS + 1))
_SPACELESS_SCRIPT = re.compile("[\u0e00-\u0eff\u1000-\u109f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
                               "\uac00-\ud7af\uf900-\ufaff]")


def collapse_masks(text: str) -> str:
    """`*** ******` (BBB) and `XXXX XXXX` (CFPB) masking becomes one `[redacted]`."""
    text = _X_MASK.sub(REDACTED, _STAR_MASK.sub(REDACTED, text))
    return _REPEATED.sub(REDACTED, text)


def strip_invisible(text: str) -> str:
    return text.translate(_INVISIBLE)


def bound_words(text: str) -> str:
    def cut(m: re.Match) -> str:
        word = m.group()
        limit = MAX_SPACELESS_CHARS if _SPACELESS_SCRIPT.search(word) else MAX_WORD_CHARS
        return word if len(word) <= limit else word[:limit] + "…"

    return _LONG_WORD.sub(cut, text)


def is_missing(value: str | None) -> bool:
    return value is None or value.strip().lower() in MISSING


def _is_letterhead(line: str) -> bool:
    # Business responses open with the masked letterhead: a line of nothing but `*` runs.
    visible = line.replace(" ", "")
    return len(visible) >= 20 and visible.count("*") / len(visible) > 0.9


def tidy(text: str) -> str:
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line not in _LEGEND_LINES and not _is_letterhead(line)]
    paragraphs, current = [], []
    for line in lines:
        if line:
            current.append(" ".join(line.split()))
        elif current:
            paragraphs.append(" ".join(current) if _is_prose(current) else "\n".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current) if _is_prose(current) else "\n".join(current))
    return collapse_masks("\n\n".join(paragraphs)).strip()


def _is_prose(lines: list[str]) -> bool:
    # Letters keep their short lines ("Regards," / "Corporate Escalations"); prose rejoins.
    return all(len(line) > 60 for line in lines[:-1])


def clean_text(text: str | None, redact_pii: bool = True, counts: Counter | None = None) -> str:
    """One complaint text made safe to store; "" for a missing value ("None", "nan", "N/A")."""
    if is_missing(text):
        return ""
    text = bound_words(tidy(strip_invisible(text)))
    if is_missing(text):
        return ""
    if redact_pii:
        text, found = redact(text)
        if counts is not None:
            counts.update(found)
    return text


def _clean_field(value: str | None) -> str:
    value = "" if is_missing(value) else " ".join(bound_words(strip_invisible(value)).split())
    return value or "Unknown"


def clean_complaint(c: Complaint, redact_pii: bool = True, counts: Counter | None = None) -> Complaint:
    """Clean every text of `c` in place; replies that say nothing ("None") are dropped.
    `counts`, when given, adds up the personal data masked, by kind."""
    c.narrative = clean_text(c.narrative, redact_pii, counts)
    c.business_responses = _clean_replies(c.business_responses, redact_pii, counts)
    c.customer_answers = _clean_replies(c.customer_answers, redact_pii, counts)
    c.company = " ".join(strip_invisible(c.company or "").split())
    c.type = _clean_field(c.type)
    c.status = _clean_field(c.status)
    # The source's own labels become filters and breakdowns: kept as found, but not hidden text.
    c.labels = {k: strip_invisible(v) if isinstance(v, str) else v for k, v in c.labels.items()}
    return c


def _clean_replies(replies: list[Reply], redact_pii: bool, counts: Counter | None) -> list[Reply]:
    cleaned = (Reply(r.date, clean_text(r.text, redact_pii, counts)) for r in replies)
    return [r for r in cleaned if r.text]
