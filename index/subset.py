"""Which complaints of the files an ingest takes (`ingest --company/--product/--state/--since/--until`).

A user with the CFPB's whole export (millions of rows) wants one company's or one product's
complaints, not a day of embedding everything. The test runs on the parsed row, before cleaning
and embedding, so a row left out costs its parse alone: 27,000 rows/s against 3,500 rows/s cleaned
(the three real CFPB exports zipped, 2 cores).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .records import Complaint, IngestError

_WORD = re.compile(r"\w+")
_ISO_DAY = re.compile(r"\d{4}-\d\d-\d\d$")


def _words(text: str | None) -> tuple[str, ...]:
    return tuple(_WORD.findall((text or "").lower()))


def _holds(value: str | None, wanted: tuple[str, ...]) -> bool:
    """Whether `value`'s words hold `wanted` side by side: "wells fargo" holds in
    "WELLS FARGO & COMPANY", "chase" in "JPMORGAN CHASE & CO.", "citi" not in "CITIBANK, N.A."."""
    words = _words(value)
    return any(words[i:i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1))


@dataclass(frozen=True)
class Subset:
    companies: tuple[str, ...] = ()  # any one of them, by whole words of the company's name
    products: tuple[str, ...] = ()  # the CFPB Product, or the complaint type where there is none
    states: tuple[str, ...] = ()  # two-letter codes, as the CFPB writes them
    since: str | None = None  # YYYY-MM-DD, inclusive
    until: str | None = None

    @classmethod
    def of(cls, companies=(), products=(), states=(), since=None, until=None) -> "Subset":
        """A checked subset; IngestError (one line) for a bad date or a value with no word."""
        for name, day in (("since", since), ("until", until)):
            if day is not None:
                try:
                    date.fromisoformat(day)
                except ValueError:
                    raise IngestError(f"--{name} must be a date as YYYY-MM-DD, got {day!r}") from None
        if since and until and since > until:
            raise IngestError(f"no day is both since {since} and until {until}: the period ends before it starts")
        for name, given in (("company", companies), ("product", products), ("state", states)):
            if any(not _words(v) for v in given):
                raise IngestError(f"--{name} must hold a word, got {[v for v in given if not _words(v)][0]!r}")
        return cls(tuple(companies), tuple(products), tuple(s.strip().upper() for s in states), since, until)

    def __bool__(self) -> bool:
        return bool(self.companies or self.products or self.states or self.since or self.until)

    def keeps(self, c: Complaint) -> bool:
        if self.companies and not any(_holds(c.company, _words(n)) for n in self.companies):
            return False
        if self.products and not any(_holds(c.labels.get("product") or c.type, _words(n)) for n in self.products):
            return False
        if self.states and (c.labels.get("state") or "").strip().upper() not in self.states:
            return False
        if not (self.since or self.until):
            return True
        # An undated complaint is outside any period asked for.
        day = c.date if c.date and _ISO_DAY.match(c.date) else None
        return bool(day) and (not self.since or day >= self.since) and (not self.until or day <= self.until)

    def describe(self) -> str:
        """In words, for the command line's report: "company wells fargo, since 2020-01-01"."""
        parts = [f"{name} {' or '.join(values)}" for name, values in
                 (("company", self.companies), ("product", self.products), ("state", self.states)) if values]
        parts += [f"{name} {day}" for name, day in (("since", self.since), ("until", self.until)) if day]
        return ", ".join(parts)
