"""Remove page noise from parsed complaint texts; never changes what a person wrote."""

from __future__ import annotations

import re

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
_MASK_RUN = re.compile(r"\*{2,}(?:[ \t]*\*+)*|(?<![\w*])\*(?![\w*])")
REDACTED = "[redacted]"


def collapse_masks(text: str) -> str:
    """`*** ******` (BBB's masking of names, places, ids) becomes one `[redacted]`."""
    return _MASK_RUN.sub(REDACTED, text)


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


def clean_complaint(c: Complaint, redact_pii: bool = True) -> Complaint:
    c.narrative = tidy(c.narrative)
    c.business_responses = [Reply(r.date, tidy(r.text)) for r in c.business_responses]
    c.customer_answers = [Reply(r.date, tidy(r.text)) for r in c.customer_answers]
    c.company = " ".join(c.company.split())
    c.type = " ".join((c.type or "Unknown").split())
    c.status = " ".join((c.status or "Unknown").split())
    return c
