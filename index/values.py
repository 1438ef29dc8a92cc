"""Field values as real exports write them: missing-value spellings and date forms.

Every parser reads its fields through `present` and `parse_date`, so a `"None"` or a
`2019/9/24` means the same thing in a CSV, a JSON export and a JSON Lines file.
"""

from __future__ import annotations

import re
from datetime import date, datetime

# Spellings that mean "no value" when they are the whole field (pandas and Python
# writers leave "nan" / "None"; the CFPB writes "N/A" for retired fields).
MISSING_VALUES = frozenset({"", "none", "null", "nan", "n/a", "na", "-"})

# Numeric date layouts seen in real exports, with their field order. US exports put the
# month first, so `01/05/23` is 5 January 2023. A time part (`T12:00:00-05:00`,
# ` 12:00 PM`) may follow; the calendar day as written is the filing day, never shifted
# to another time zone.
_NUMERIC_DATES = (
    (re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"), ("y", "m", "d")),  # 2023-06-05, 2019/9/24
    (re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})"), ("m", "d", "y")),  # 04/21/2025, 01/05/23
    (re.compile(r"(\d{4})(\d{2})(\d{2})"), ("y", "m", "d")),  # 20230605
)
_TIME = re.compile(r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp][Mm])?\s*(?:Z|[+-]\d{2}:?\d{2})?)?")
_NAMED_DATES = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%b %d %Y")
_YEARS = range(1900, 2100)


def present(value) -> str | None:
    """The field's text, or None when it is absent or one of the missing-value spellings."""
    if value is None or isinstance(value, dict):
        return None
    if isinstance(value, (list, tuple)):  # JSON exports may list what a CSV joins ("tags")
        parts = [text for item in value if (text := present(item)) is not None]
        return ", ".join(parts) or None
    if isinstance(value, float) and value != value:  # a NaN that reached us as a number
        return None
    text = str(value).strip()
    return None if text.lower() in MISSING_VALUES else text


def parse_date(value) -> str:
    """ISO YYYY-MM-DD for any date form above; ValueError with a short reason otherwise."""
    text = present(value)
    if text is None:
        raise ValueError("missing date")
    for pattern, order in _NUMERIC_DATES:
        match = pattern.match(text)
        if match and _TIME.fullmatch(text, match.end()):
            parts = dict(zip(order, (int(g) for g in match.groups())))
            if len(match.group(order.index("y") + 1)) == 2:
                parts["y"] += 2000 if parts["y"] < 70 else 1900
            return _checked(parts["y"], parts["m"], parts["d"], text)
    for fmt in _NAMED_DATES:
        try:
            day = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return _checked(day.year, day.month, day.day, text)
    raise ValueError(f"unreadable date {_short(text)}")


def _checked(year: int, month: int, day: int, text: str) -> str:
    try:
        found = date(year, month, day)
    except ValueError:
        raise ValueError(f"unreadable date {_short(text)}") from None
    if found.year not in _YEARS:
        raise ValueError(f"date out of range {_short(text)}")
    return found.isoformat()


def _short(text: str, limit: int = 40) -> str:
    """A value quoted in a one-line error: repr'd (no newlines) and bounded."""
    return repr(text if len(text) <= limit else text[:limit] + "...")
