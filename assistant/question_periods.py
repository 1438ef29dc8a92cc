"""Periods a question names: "in 2019", "since Q3 2020", "in the last 6 months", "2019 versus
2023", "not in 2023", each as the first and last day it covers."""

from __future__ import annotations

import calendar
import re

from .filters import period_words
from .implied import Implied, telling


_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTH = r"(?P<{g}>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_QUARTERS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": 4}
_QUARTER = (r"(?:q(?P<{g}>[1-4])|(?:the\s+)?(?P<{g}w>" + "|".join(_QUARTERS) + r")\s+quarter(?:\s+of)?)")
_HALF = r"(?:the\s+)?(?P<{g}>first|1st|second|2nd|last)\s+half(?:\s+of)?"
_YEAR = r"(?P<{g}>(?:19|20)\d\d)"


def _when(n: str = "") -> str:
    """A month, a quarter, a half or nothing, then a year; group names suffixed with n."""
    return (rf"(?:{_MONTH.format(g='m' + n)}\s+|{_QUARTER.format(g='q' + n)}\s+|{_HALF.format(g='h' + n)}\s+)?"
            r"(?:of\s+)?" + _YEAR.format(g="y" + n))


_END = r"(?!\s*(?:-|to|and|until|through)\s*(?:\w+\s+)?\d)"  # not the start of a range
# "in April 2025", "from April 2025" (with no end): that whole month.
# Not the "of" inside "since the third quarter of 2019": the quarter belongs to "since".
# "just 2023", "only in 2023", "2023 only": that period too.
_IN = re.compile(rf"(?<!quarter\s)(?<!half\s)\b(?:in|during|for|of|from|just|only)\s+{_when()}\b{_END}", re.I)
_ONLY = re.compile(rf"\b{_when()}\s+only\b", re.I)
# "2019 complaints about Chase", or a period alone ("2019?", "March 2019?"); not "my 2019 Honda",
# a model year.
_PERIOD_OF = re.compile(rf"\b{_when()}(?=\s+complaints?\b)", re.I)
_PERIOD_ALONE = re.compile(rf"{_when()}(?=\s*[?.!]*$)", re.I)  # matched at the stripped question's start
_SINCE = re.compile(rf"\b(?P<op>since|after|starting(?:\s+(?:in|from))?)\s+{_when()}\b", re.I)
_UNTIL = re.compile(rf"\b(?P<op>before|until|till|through|up\s+to)\s+{_when()}\b", re.I)
_BETWEEN = re.compile(rf"\b(?:between|from)\s+{_when('1')}\s+(?:and|to|-|until|through)\s+{_when('2')}\b", re.I)
# "in 2019 versus 2023", "2019 and 2023": two periods compared, each on its own (`periods`), not
# the years between them; "in 2019 to 2023" is one range.
_TWO_PERIODS = re.compile(rf"\b(?:in|during|for|from|compare|just|only)\s+{_when('1')}\s+"
                          rf"(?P<join>and|or|versus|vs\.?|against|with|to|compared\s+(?:to|with))\s+"
                          rf"(?:(?:in|during|for)\s+)?{_when('2')}\b", re.I)


def _month_end(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"


def _range(match: re.Match, n: str = "") -> tuple[str, str]:
    """First and last day of the month, quarter or year a _when() match names."""
    y = int(match.group("y" + n))
    month, quarter, quarter_word = match.group("m" + n), match.group("q" + n), match.group(f"q{n}w")
    if month:
        m = _MONTHS[month.lower().rstrip(".")]
        return f"{y:04d}-{m:02d}-01", _month_end(y, m)
    if quarter or quarter_word:
        q = int(quarter) if quarter else _QUARTERS[quarter_word.lower()]
        return f"{y:04d}-{3 * q - 2:02d}-01", _month_end(y, 3 * q)
    half = match.group("h" + n)
    if half:
        return (f"{y:04d}-01-01", f"{y:04d}-06-30") if half.lower() in ("first", "1st") else \
            (f"{y:04d}-07-01", f"{y:04d}-12-31")
    return f"{y:04d}-01-01", f"{y:04d}-12-31"


def _next_day(day: str) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def _previous_day(day: str) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


_COUNTS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18, "few": 3, "couple": 2}
# "in the last 6 months", "over the past year", "the previous two weeks": a window that ends
# today; "this year", "last month" (no "the"): that calendar period. Read against the clock, not
# against the newest complaint: an answer over an older export says where its dates end.
_RELATIVE = re.compile(r"\b(?:(?:in|during|over|within|from|for)\s+)?(?P<the>the\s+)?(?P<which>last|past|previous)\s+"
                       r"(?:(?P<n>\d{1,3}|" + "|".join(_COUNTS) + r")\s+(?:of\s+)?)?(?P<unit>days?|weeks?|months?|"
                       r"years?)\b", re.I)
_THIS = re.compile(r"\b(?:(?:in|during|from|for)\s+)?(?:this|the\s+current)\s+(?P<unit>month|year)\b", re.I)


def today():
    """The clock the relative periods are read against (a function, so that tests can set it)."""
    from datetime import date

    return date.today()


def _months_back(day, months: int):
    month = day.month - 1 - months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _relative(q: str) -> list[Implied]:
    from datetime import timedelta

    if telling(q):
        return []
    now = today()
    match = _RELATIVE.search(q)
    if match:
        unit = match.group("unit").lower().rstrip("s")
        said = (match.group("n") or "1").lower()
        n = _COUNTS.get(said) or int(said)
        if not match.group("the") and not match.group("n") and match.group("which").lower() == "last" \
                and unit in ("month", "year"):
            # "complaints last year": the calendar year (or month) before this one
            start = (now.replace(year=now.year - 1, month=1, day=1) if unit == "year"
                     else _months_back(now.replace(day=1), 1))
            end = _previous_day((now.replace(month=1, day=1) if unit == "year" else now.replace(day=1)).isoformat())
            return [Implied("since", start.isoformat(), match.group(0)), Implied("until", end, match.group(0))]
        start = (now - timedelta(days=n * (7 if unit == "week" else 1)) if unit in ("day", "week")
                 else _months_back(now, n * (12 if unit == "year" else 1)))
        return [Implied("since", _next_day(start.isoformat()), match.group(0)),
                Implied("until", now.isoformat(), match.group(0))]
    match = _THIS.search(q)
    if match:
        start = now.replace(month=1, day=1) if match.group("unit").lower() == "year" else now.replace(day=1)
        return [Implied("since", start.isoformat(), match.group(0)), Implied("until", now.isoformat(), match.group(0))]
    return []


def period_said(text: str) -> tuple[str, dict[str, str]] | None:
    """The words a text names a period with, and the ends they set ({"since": ..., "until": ...}):
    for a follow-up that names another period in place of the last one's ("And in 2023?")."""
    found = read(text or "")
    return (found[0].phrase, {i.key: i.value for i in found}) if found else None


# "Equifax complaints not in 2023", "excluding 2019", "other than those from 2020": a period left out.
_OUTSIDE = re.compile(rf"\b(?:not|excluding|except(?:\s+for)?|outside(?:\s+of)?|other\s+than(?:\s+(?:those|ones))?|"
                      rf"apart\s+from|besides|but\s+not)\s+(?:(?:in|during|for|from|of)\s+)?{_when()}\b{_END}", re.I)


def read(q: str) -> list[Implied]:
    outside = _OUTSIDE.search(q)
    if outside:  # read before the periods: its "in 2023" is no period asked
        start, end = _range(outside)
        rest = q[:outside.start()] + " " * len(outside.group(0)) + q[outside.end():]
        return [Implied("outside", (start, end), outside.group(0), shown=f"{start} to {end}"), *read(rest)]
    out: list[Implied] = []
    relative = _relative(q)
    if relative:
        return relative
    match = _BETWEEN.search(q)
    if match:  # "between 2023 and 2019" is the same years
        ranges = sorted([_range(match, "1"), _range(match, "2")])
        return [Implied("since", ranges[0][0], match.group(0)), Implied("until", ranges[1][1], match.group(0))]
    match = _TWO_PERIODS.search(q)
    if match:
        ranges = sorted([_range(match, "1"), _range(match, "2")])
        if match.group("join").lower() == "to" or ranges[0][1] >= ranges[1][0]:  # one range, or overlapping
            return [Implied("since", ranges[0][0], match.group(0)),
                    Implied("until", max(ranges[0][1], ranges[1][1]), match.group(0))]
        return [Implied("periods", tuple(f"{first}/{last}" for first, last in ranges), match.group(0),
                        shown=" or ".join(period_words(*r) for r in ranges))]
    match = _IN.search(q) or _ONLY.search(q) or _PERIOD_OF.search(q) or _PERIOD_ALONE.match(q.strip())
    if match:
        start, end = _range(match)
        return [Implied("since", start, match.group(0)), Implied("until", end, match.group(0))]
    match = _SINCE.search(q)
    if match:
        start, end = _range(match)
        out.append(Implied("since", _next_day(end) if match.group("op").lower() == "after" else start,
                           match.group(0)))
    match = _UNTIL.search(q)
    if match:
        start, end = _range(match)
        out.append(Implied("until", _previous_day(start) if match.group("op").lower() == "before" else end,
                           match.group(0)))
    return out
