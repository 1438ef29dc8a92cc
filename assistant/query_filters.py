"""Filters a question implies: "in 2025", "billing complaints", "unresolved", "denied credit".

Detection is by rule and only ever proposes values the index actually holds
(a type or status that is not in the data is never suggested), so a chip can
always be removed without surprises. The chat shows each one and the answer
says which it used.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from collections.abc import Callable
import dataclasses
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from index import outcomes as _outcome_rules
from index.keywords import stop_words, terms

from .filters import ALL_OF, RESULT_KEYS, period_words

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
_IN = re.compile(rf"(?<!quarter\s)(?<!half\s)\b(?:in|during|for|of|from)\s+{_when()}\b{_END}", re.I)
# "2019 complaints about Chase", or a period alone ("2019?", "March 2019?"); not "my 2019 Honda",
# a model year.
_PERIOD_OF = re.compile(rf"\b{_when()}(?=\s+complaints?\b)", re.I)
_PERIOD_ALONE = re.compile(rf"{_when()}(?=\s*[?.!]*$)", re.I)  # matched at the stripped question's start
_SINCE = re.compile(rf"\b(?P<op>since|after|starting(?:\s+(?:in|from))?)\s+{_when()}\b", re.I)
_UNTIL = re.compile(rf"\b(?P<op>before|until|till|through|up\s+to)\s+{_when()}\b", re.I)
_BETWEEN = re.compile(rf"\b(?:between|from)\s+{_when('1')}\s+(?:and|to|-|until|through)\s+{_when('2')}\b", re.I)
# "in 2019 versus 2023", "2019 and 2023": two periods compared, each on its own (`periods`), not
# the years between them; "in 2019 to 2023" is one range.
_TWO_PERIODS = re.compile(rf"\b(?:in|during|for|from|compare)\s+{_when('1')}\s+"
                          rf"(?P<join>and|or|versus|vs\.?|against|with|to|compared\s+(?:to|with))\s+"
                          rf"(?:(?:in|during|for)\s+)?{_when('2')}\b", re.I)

# Statuses that mean the customer got what they asked for: BBB's "Resolved" and the CFPB's
# "Closed with ... relief". "Unresolved" is every other status the index holds.
RESOLVED_STATUSES = {"resolved", "closed with monetary relief", "closed with non-monetary relief",
                     "closed with relief"}

_KIND_WORDS = r"(?:complaints?|issues?|problems?|cases?)"
# Words that say what is asked for, not what about (stemmed): "show me the complaints customers filed".
_ASKING = frozenset(terms("complaint complaints complain complained issue issues problem problems case cases "
                          "customer customers consumer consumers people ppl folks person anyone anybody someone "
                          "everyone ones "
                          "show list find kind kinds sort sorts summary summarize summarise overview "
                          # how many values are asked for ("the three biggest problems")
                          "three four five six seven eight nine ten "
                          "give tell count "
                          "many number get got filed submitted often percent percentage company companies "
                          "business businesses came come sent happen happened happening say says said saw "
                          # the businesses of a kind are the companies ("mortgage servicers")
                          "servicer servicers lender lenders issuer issuers provider providers firm firms "
                          "mention mentions mentioned ever usually typically generally really actually "
                          "always sometimes also outcome outcomes "
                          # the newest are examples the answer picks, not a topic ("the latest complaints")
                          "recent recently latest newest "
                          # how the set was dealt with is what every answer reports (matching.py)
                          "handle handled handles handling respond responded responds response responses treat "
                          "treated treats deal deals dealt resolve resolves "
                          # a ranking or a trend is a breakdown of the set, not a topic
                          "common frequent frequently trend trends pattern patterns upset angry unhappy worst worse "
                          "best better rank ranked "
                          "highest lowest biggest largest smallest likely "
                          "ranking increasing decreasing rising falling growing declining grew grow grows grown "
                          "growth peak peaks peaked spike spikes spiked jump jumps jumped volume volumes change "
                          "changed changes going "
                          # a comparison is answered by the sets' own breakdowns
                          "differently compare compared comparison versus vs fewest least two both "
                          "share proportion fraction "
                          # the whole index, said as such ("How many complaints are in the index?")
                          "index database dataset total overall altogether cover covers covered include "
                          "includes included contain contains"))

# Not right after a negation ("never got a refund" says the opposite).
_UNNEGATED = r"(?<!n't\s)(?<!not\s)(?<!never\s)"
# A negation or a refusal before the verb: "didn't get", "refused to give".
_REFUSING = r"(?:\w+n't|not|never|refused\s+to|declined\s+to)"
# Whom something was given or refused to: "refund anyone", "never refunded me".
_WHOM = r"(?:anyone|anybody|someone|people|customers?|consumers?|borrowers?|them|him|her|me|us)"
# One word between the customer and the verb ("customers who accepted"), never a negation.
_NOT_NEGATED = r"(?:(?!not\b|never\b|\w+n't\b)\w+\s+)?"
# What the customer answered, read with the verb so that none of it is left to search.
_WHAT_ANSWERED = r"(?:\s+(?:the\s+|its\s+|their\s+)?(?:business(?:'s)?\s+)?(?:resolution|response|offer|answer))?"

# outcome tag -> phrasings that name it. Kept to phrasings that state the outcome,
# not the topic: "refund" alone is a topic, "got a refund" is an outcome.
_OUTCOME_PHRASES: dict[str, tuple[str, ...]] = {
    "credit_denied": (
        r"\b(?:denied|refused|declined|rejected|no)\s+(?:a\s+|the\s+|any\s+)?(?:credits?|refunds?|adjustments?)\b",
        rf"\b{_REFUSING}\s+(?:get|got|receive|received|give|gave|issue|issued|grant|"
        r"granted)\s+(?:me\s+|us\s+|them\s+)?(?:a\s+|an\s+|the\s+|any\s+)?(?:credits?|refunds?|adjustments?)\b",
        r"\b(?:credits?|refunds?|adjustments?)\s+(?:(?:was|were|got|being)\s+)?(?:denied|refused|declined)\b",
        rf"\b{_REFUSING}\s+refund(?:ed)?\s+{_WHOM}\b",
        rf"\b{_REFUSING}\s+(?:get|got|receive|received|give|gave|return|returned)\s+"
        r"(?:\w+\s+){0,2}?money\s+back\b",
    ),
    "adjustment_applied": (
        # Not after a negation: "never got a refund" is the opposite (credit_denied above).
        rf"{_UNNEGATED}(?<!to\s)\b(?:got|get|gets|received|give|gives|gave|giving|given|issued|issue|issues|"
        r"applied|apply|applies|granted|grant|grants)\s+(?:a\s+|an\s+|any\s+)?(?:credits?|refunds?|adjustments?)\b",
        # "the highest rate of adjustments", "the share of refunds"
        r"\b(?:rates?|shares?|percentage|proportion|fraction|number)\s+of\s+(?:credits|refunds|adjustments)\b",
        # "Did Spectrum ever refund anyone?": the verb, with whom it was refunded to.
        rf"{_UNNEGATED}(?<!to\s)\brefund(?:s|ed)?\s+{_WHOM}\b",
        r"\b(?:credits?|refunds?|adjustments?)\s+(?:(?:was|were)\s+)?(?:applied|issued|granted)\b",
        rf"{_UNNEGATED}(?<!to\s)\b(?:got|get|gets|getting|received|give|gives|gave|giving|given|"
        r"returned|with)\s+(?:\w+\s+){0,2}?money\s+back\b",
    ),
    "policy_cited": (
        r"\b(?:cited|cite|citing|quoted|pointed\s+to|invoked)\s+(?:a\s+|the\s+|their\s+|its\s+)?polic(?:y|ies)\b",
        r"\bpolic(?:y|ies)\s+(?:(?:was|were)\s+)?cited\b",
    ),
    "documentation_required": (
        r"\b(?:asked|required|requested|demanded)\s+(?:for\s+)?(?:documents|documentation|proof)\b",
        r"\b(?:documents|documentation|proof)\s+(?:(?:was|were)\s+)?(?:required|requested)\b",
    ),
    "promotion_applied": (
        r"\b(?:promotions?|discounts?)\s+(?:(?:was|were)\s+)?(?:applied|added|offered|given)\b",
        r"\b(?:got|received|offered|given)\s+(?:a\s+)?(?:promotions?|discounts?)\b",
    ),
    "coaching": (r"\bcoach(?:ing|ed|es)?\b|\bretrain(?:ing|ed|s)?\b",),
    "no_business_response": (
        r"\bno\s+(?:business\s+)?(?:response|reply)\b|\b(?:never|didn't|did\s+not|failed\s+to)\s+(?:respond|reply)\b",
    ),
    "customer_accepted": (
        rf"\b(?:customers?|consumers?)\s+{_NOT_NEGATED}accept(?:ed)?{_WHAT_ANSWERED}\b"
        r"|\baccepted\s+(?:the\s+)?(?:resolution|response|offer)\b",
    ),
    "customer_rejected": (
        rf"\b(?:customers?|consumers?)\s+{_NOT_NEGATED}reject(?:ed)?{_WHAT_ANSWERED}\b"
        r"|\brejected\s+(?:the\s+)?(?:resolution|response|offer)\b",
    ),
}
_OUTCOME_RES = {
    name: [re.compile(p, re.I) for p in (*patterns, r"\b" + name.replace("_", r"[\s_]") + r"\b")]
    for name, patterns in _OUTCOME_PHRASES.items()
}


@dataclass(frozen=True)
class Implied:
    """One filter read from the question, with the words it came from."""

    key: str  # a filter key of assistant.filters.KEYS
    value: str | tuple[str, ...]
    phrase: str
    shown: str = ""  # what the chip calls the value, where the stored values are not it

    @property
    def chip(self) -> str:
        """The chip text; also its identity in the UI, so it names key and value."""
        values = self.value if isinstance(self.value, tuple) else (self.value,)
        if self.key == "outcome":
            values = tuple(_outcome_words(v) for v in values)
        joined = " and " if self.key in ALL_OF else " or "  # outcomes and mentions: all of them must hold
        return f"{_KEY_NAMES.get(self.key, self.key)}: {self.shown or joined.join(values)} (“{self.phrase}”)"


_KEY_NAMES = {"company": "Company", "type": "Type", "status": "Status", "outcome": "Outcome", "since": "From",
              "until": "To", "outside": "Outside", "periods": "Periods", "state": "State", "tags": "Tags",
              "mentions": "Mentions", "mentions_any": "Mentions",
              "mentions_none": "Not mentioning",
              "product": "Product", "timely_response": "Timely response", "consumer_disputed": "Consumer disputed",
              "sub_product": "Sub-product", "complaint_id": "Complaint", "submitted_via": "Submitted via"}


def _outcome_words(tag: str) -> str:
    label = getattr(_outcome_rules, "outcome_label", None)
    text = label(tag) if label else _outcome_rules.VOCABULARY.get(tag, ("", tag.replace("_", " ")))[1]
    return text[:1].upper() + text[1:]


@dataclass
class Vocabulary:
    """What the index holds, so that only real values are proposed."""

    companies: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)  # the State field's codes (CFPB: "TX")
    tags: list[str] = field(default_factory=list)  # the Tags field's values ("Older American, Servicemember")
    timely: list[str] = field(default_factory=list)  # the CFPB's "Timely response?" values ("Yes", "No")
    disputed: list[str] = field(default_factory=list)  # the CFPB's "Consumer disputed?" values
    submitted_via: list[str] = field(default_factory=list)  # the CFPB's "Submitted via" values ("Web", "Referral")
    # Of those two yes/no fields, each that some complaints lack, with the values recorded: a
    # share of one is of the complaints where it was recorded (matching.whole_set).
    recorded: dict[str, list[str]] = field(default_factory=dict)
    products: list[str] = field(default_factory=list)  # the CFPB's Product values
    sub_products: list[str] = field(default_factory=list)
    # product -> the products that are the same category under another name (`products_alike`)
    alike: dict[str, list[str]] = field(default_factory=dict)
    # Complaints per product whose text writes some words side by side (Catalog.phrase_by), and
    # complaints per product: "car loans" is the product it is written in far beyond its share.
    product_usage: Callable | None = None
    product_counts: dict[str, int] = field(default_factory=dict)
    # The API's own company rule (Assistant.companies_in): the chips, the CLI and the API then
    # read a company name in a question the same way.
    companies_in: Callable | None = None
    # The keyword index's own test (KeywordIndex.distinctive): a word most passages use ("credit"
    # in bank complaints) is no word to find, and counting its tens of thousands is slow.
    distinctive: Callable | None = None
    distinctive_phrase: Callable | None = None  # the same test for words side by side
    # The source's own complaint ids the index holds -> its complaint ids (Catalog.ids_of_external).
    complaint_ids: Callable | None = None

    @classmethod
    def from_stats(cls, stats: dict) -> "Vocabulary":
        return cls(companies=list(stats.get("by_company", {})), types=list(stats.get("by_type", {})),
                   statuses=list(stats.get("by_status", {})), outcomes=list(stats.get("by_outcome", {})),
                   states=list(stats.get("by_state", {})), tags=list(stats.get("by_tags", {})),
                   products=list(stats.get("by_product", {})), sub_products=list(stats.get("by_sub_product", {})))


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
# Someone telling their own story ("they have called me for the past two years") says how long
# it went on, not which complaints to read.
_FIRST_PERSON = re.compile(r"\b(?:i|me|my|mine|i'm|i've|we|us|our)\b", re.I)
# ... but "show me", "can I see", "I'd like to see" are someone asking, not telling.
_ASKING_FIRST_PERSON = re.compile(r"\b(?:show|tell|give|find|get|send|list|let|help)\s+(?:me|us)\b"
                                  r"|\b(?:can|could|may|should|do|shall)\s+(?:i|we)\b"
                                  r"|\b(?:i|we)(?:'d|\s+would|\s+want|\s+need)\s+(?:like\s+)?to\s+(?:see|know|read|find)\b", re.I)


def _telling(q: str) -> bool:
    """Whether the question tells someone's own story ("my dispute is still in progress")."""
    return bool(_FIRST_PERSON.search(_ASKING_FIRST_PERSON.sub(" ", q)))


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

    if _telling(q):
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
    found = _dates(text or "")
    return (found[0].phrase, {i.key: i.value for i in found}) if found else None


# "Equifax complaints not in 2023", "excluding 2019", "other than those from 2020": a period left out.
_OUTSIDE = re.compile(rf"\b(?:not|excluding|except(?:\s+for)?|outside(?:\s+of)?|other\s+than(?:\s+(?:those|ones))?|"
                      rf"apart\s+from|besides|but\s+not)\s+(?:(?:in|during|for|from|of)\s+)?{_when()}\b{_END}", re.I)


def _dates(q: str) -> list[Implied]:
    outside = _OUTSIDE.search(q)
    if outside:  # read before the periods: its "in 2023" is no period asked
        start, end = _range(outside)
        rest = q[:outside.start()] + " " * len(outside.group(0)) + q[outside.end():]
        return [Implied("outside", (start, end), outside.group(0), shown=f"{start} to {end}"), *_dates(rest)]
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
    match = _IN.search(q) or _PERIOD_OF.search(q) or _PERIOD_ALONE.match(q.strip())
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


def _type_head(name: str) -> str | None:
    """"Billing Issues" -> "billing": the word people use for the type."""
    words = re.findall(r"[A-Za-z]+", name)
    if len(words) == 2 and re.fullmatch(_KIND_WORDS, words[1], re.I):
        return words[0].lower()
    return None


def _named(key: str, q: str, names: list[str], patterns_of) -> list[Implied]:
    """One chip for the index values the question names (by any of their patterns)."""
    hits = []
    for name in names:
        for pattern in patterns_of(name):
            match = re.search(rf"\b{pattern}\b", q, re.I)
            if match:
                hits.append((name, match.group(0)))
                break
    if not hits:
        return []
    value = hits[0][0] if len(hits) == 1 else tuple(sorted(n for n, _ in hits))
    return [Implied(key, value, " / ".join(p for _, p in hits))]


def _type_patterns(name: str) -> list[str]:
    head = _type_head(name)
    extra = [rf"{head}\s+{_KIND_WORDS}", rf"{_KIND_WORDS}\s+(?:about|with|over|regarding)\s+{head}"] if head else []
    return [re.escape(name), *extra]


def _types(q: str, types: list[str]) -> list[Implied]:
    # A category named only by stop words (the CFPB's issue "Other") is never meant by them.
    namable = [t for t in types if set(terms(t)) - stop_words()]
    # "Complaints excluding billing issues": the other types
    return [_excluded(q, read, types) for read in _named("type", q, namable, _type_patterns)]


def _statuses(q: str, statuses: list[str]) -> list[Implied]:
    words = _content_words(q)
    stop = stop_words()
    own_terms = {s: [t for t in terms(s) if t not in stop] for s in statuses}
    shared = Counter(t for ts in own_terms.values() for t in set(ts))  # statuses that hold each word
    read = (_status_words(q, statuses) or _status_by_name(q, words, own_terms, shared)
            or _status_by_head(q, words, own_terms, shared) or _status_received(q, own_terms, shared))
    # "the monetary relief rate": the rate of that status is asked, not a topic "rate"
    return [dataclasses.replace(i, phrase=rate.group(0)) if (rate := re.search(
        re.escape(i.phrase) + r"\s+rates?\b", q)) else i for i in read]


# "got relief", and from the company's side "gives relief", "resolves the most complaints with relief"
_RECEIVED = re.compile(rf"{_UNNEGATED}\b(?:got|get|gets|getting|received?|receiving|given|obtained|"
                       r"gives?|gave|giving|provid(?:e|es|ed|ing)|grant(?:s|ed|ing)?|offer(?:s|ed|ing)?|"
                       # "close complaints with explanation": the closing verb is the status's word too
                       r"(?:(?:clos|resolv)(?:e|es|ed|ing)\s+"
                       r"(?:(?:the\s+)?(?:most\s+)?(?:complaints?|cases|them|it|ones)\s+)?)?with)\s+"
                       r"(?:(?:any|some|a|an|the)\s+)?(?P<word>[A-Za-z-]+)\b", re.I)


# "Which company has the lowest relief rate?": the rate of a status, as analysts say it
_STATUS_RATE = re.compile(r"\b(?P<word>[A-Za-z-]+)\s+rates?\b", re.I)
# ... or "the rate of relief", "the share of getting relief"
_RATE_OF = re.compile(r"\b(?:rates?|shares?|percentages?|odds)\s+of\s+(?:(?:getting|receiving|giving|granting)\s+)?"
                      r"(?:(?:any|some|a|an|the)\s+)?(?P<word>[A-Za-z-]+)\b", re.I)


def _status_received(q: str, own_terms: dict[str, list[str]], shared: Counter) -> list[Implied]:
    """"Which ones got relief?": every status holding the word received, where that word is one
    of a few statuses' own (CFPB: "Closed with monetary relief", "... non-monetary relief"); its
    rate ("the relief rate") too."""
    for match in [*_RECEIVED.finditer(q), *_STATUS_RATE.finditer(q), *_RATE_OF.finditer(q)]:
        word = (terms(match.group("word")) or [""])[0]
        if not 0 < shared[word] * 2 <= len(own_terms):
            continue
        named = sorted(s for s, ts in own_terms.items() if word in ts)
        # One status that says more than the word ("Untimely response") is not what receiving
        # it means ("How many got a response?"); several that share it are its kinds.
        if len(named) == 1 and any(t != word and shared[t] * 2 <= len(own_terms) for t in own_terms[named[0]]):
            continue
        return [Implied("status", named[0] if len(named) == 1 else tuple(named), match.group(0))]
    return []


def _content_words(q: str) -> list[tuple[re.Match, str]]:
    """The question's words that are not stop words, each with its stem."""
    stop = stop_words()
    words = [(m, (terms(m.group(0)) or [""])[0]) for m in re.finditer(r"[A-Za-z0-9]+", q)]
    return [(m, t) for m, t in words if t and t not in stop]


_NEGATED_BEFORE = re.compile(r"(?:\b(?:no|not|without)|\w+n't)\s+(?:\w+\s+){0,2}$", re.I)
_ENDING_STEMS = frozenset(terms("resolved ended concluded finished"))
_NEVER_BEFORE = re.compile(r"\bnever\s+(?:\w+\s+){0,2}$", re.I)
_ENDED_WITH = re.compile(r"\b(?:end(?:ed|s|ing)?|finish(?:ed|es)?|conclud(?:ed|es))\s+(?:up\s+)?(?:with|in)\s+$", re.I)


def _status_by_name(q: str, words: list, own_terms: dict[str, list[str]], shared: Counter) -> list[Implied]:
    """A status the index holds, named by the words that set it apart from the other statuses,
    side by side: "monetary relief" names the CFPB's "Closed with monetary relief" ("closed" is
    shared by most statuses). Two such words at least: one alone ("explanation", "relief") is
    as often the question's topic ("closed without explanation", "debt relief"). Negated ("closed
    without monetary relief", "didn't get monetary relief") it names the other statuses that
    share its head word."""
    stems = [t for _, t in words]
    hits = []  # (words in the name, first word, last word, status, where the phrase starts, negated)
    for status, status_terms in own_terms.items():
        own = [t for t in status_terms if shared[t] * 2 <= len(own_terms)]
        if len(own) < 2:
            continue
        for i in range(len(stems) - len(own) + 1):
            if stems[i:i + len(own)] == own:
                before = q[:words[i][0].start()]
                if _NEVER_BEFORE.search(before):
                    break  # "Which companies never gave monetary relief?" asks of companies, not complaints
                # The status's shared words just before it belong to the phrase ("close the
                # complaint with monetary relief"), so that they leave the question with it; so
                # does a negation, and how it ended ("ended with monetary relief").
                shared_before = [j for j in range(max(0, i - 3), i) if stems[j] in status_terms and stems[j] not in own]
                start = shared_before[0] if shared_before else i
                negated = _NEGATED_BEFORE.search(before)
                ended = _ENDED_WITH.search(q[:words[start][0].start()])
                at = negated.start() if negated else ended.start() if ended else words[start][0].start()
                hits.append((len(own), start, i + len(own) - 1, status, min(at, words[start][0].start()),
                             bool(negated)))
                break
    chosen: list[tuple] = []
    for hit in sorted(hits, key=lambda h: -h[0]):  # "non-monetary relief" before "monetary relief"
        if all(hit[2] < other[1] or hit[1] > other[2] for other in chosen):
            chosen.append(hit)
    if not chosen or (len(chosen) > 1 and any(h[5] for h in chosen)):
        return []  # a negated status beside another: no one reading of the two
    chosen.sort(key=lambda h: h[1])
    names = [h[3] for h in chosen]
    if chosen[0][5]:
        head = max(own_terms[names[0]], key=lambda t: shared[t])  # "closed"
        names = [s for s, ts in own_terms.items() if head in ts and s != names[0]]
        if not names:
            return []
    phrase = " / ".join(q[at:words[b][0].end()] for _, _, b, _, at, _ in chosen)
    return [Implied("status", names[0] if len(names) == 1 else tuple(sorted(names)), phrase)]


_NEGATION = re.compile(r"\b(?:no|not|never|without)\b|n't", re.I)


def _status_by_head(q: str, words: list, own_terms: dict[str, list[str]], shared: Counter) -> list[Implied]:
    """Every status named by its head word and one word of its own, side by side: "closed with
    relief" names both of the CFPB's "Closed with monetary relief" and "... non-monetary relief";
    "closed with explanation" its one status; "closed without relief" the closed ones without it.
    The head word is the one most statuses share."""
    stems = [t for _, t in words]
    # A verb of ending stands for the head word: "resolved with relief", "ended with relief".
    common = max(shared, key=shared.get, default="")
    for i in range(len(stems) - 1):
        j = i + 2 if stems[i + 1] == "without" and i + 2 < len(stems) else i + 1
        head, word = stems[i], stems[j]
        if head in _ENDING_STEMS and not shared[head]:
            head = common
        if shared[head] * 2 <= len(own_terms) or not 0 < shared[word] * 2 <= len(own_terms):
            continue
        # "Which complaints were closed without relief?": the statuses of that head without it. Not
        # where someone tells what happened to them ("My account was closed with no explanation").
        negated = bool(_NEGATION.search(q[words[i][0].end():words[j][0].start()]))
        if negated and _telling(q):
            continue
        named = sorted(s for s, ts in own_terms.items()
                       if head in ts and (word in ts[ts.index(head) + 1:]) != negated)
        if named:
            phrase = q[words[i][0].start():words[j][0].end()]
            return [Implied("status", named[0] if len(named) == 1 else tuple(named), phrase)]
    return []


_COUNTED_RESOLVED = re.compile(r"^\s*(?:how\s+many|which|what\s+(?:share|percent(?:age)?|fraction|proportion))\b.*?"
                               r"(?:(?P<said>\b(?:were|was|are|is|got|get|been|marked)\s+"
                               r"(?:(?:marked|actually|finally)\s+)?"
                               r"resolved)"
                               # "How many did Spectrum resolve?", "... did the business actually resolve?"
                               r"|\b(?:did|does|do|has|have)\b.*?\b(?P<verb>(?:(?:actually|finally)\s+)?resolved?))"
                               # a follow-up's context in brackets after it: "Which ones were resolved (Navient)?"
                               r"\s*(?:\([^()]*\)\s*)*[?.!]*\s*$", re.I | re.S)
# "Were any resolved?", "Have any of them been resolved?"
_ANY_RESOLVED = re.compile(r"^\s*(?:were|was|are|is|have|has|had)\s+any(?:\s+of\s+(?:them|those|these))?"
                           r"(?:\s+(?:been|actually|finally|ever))*\s+(?P<said>resolved)"
                           r"\s*(?:\([^()]*\)\s*)*[?.!]*\s*$", re.I)


# "resolved in the consumer's favor", "decided in their favour": what the customer asked for.
_IN_FAVOR = re.compile(r"\b(?:(?:resolved|closed|decided|settled|ended)\s+)?in\s+(?:the\s+)?(?:their|his|her|"
                       r"(?:consumer|customer|borrower|complainant)(?:s|'s|\u2019s|s')?)\s+favou?r\b", re.I)


def _status_words(q: str, statuses: list[str]) -> list[Implied]:
    by_lower = {s.lower(): s for s in statuses}
    # The CFPB's status for a complaint not closed yet; "still open" and "open complaints" too,
    # where the index holds it (every other CFPB status is a closing).
    match = None if _telling(q) else re.search(rf"\b(?:still\s+)?in\s+progress\b|\bstill\s+open\b|"
                                               rf"\bopen\s+{_KIND_WORDS}", q, re.I)
    if match and "in progress" in by_lower:
        return [Implied("status", by_lower["in progress"], match.group(0))]
    match = match or re.search(rf"\b(?:(?:still\s+)?(?:unresolved|not\s+(?:yet\s+)?resolved)|still\s+open|"
                               rf"open\s+{_KIND_WORDS})\b", q, re.I)
    if match:
        if "unresolved" in by_lower:
            return [Implied("status", by_lower["unresolved"], match.group(0))]
        others = tuple(sorted(s for s in statuses if s.lower() not in RESOLVED_STATUSES))
        if others and len(others) < len(statuses):
            return [Implied("status", others[0] if len(others) == 1 else others, match.group(0))]
        return []
    # "resolved" alone is usually a verb ("how were they resolved?"); ask for the adjective, or
    # for the ones that were, counted or listed ("How many complaints were resolved?").
    # Where no status is called "Resolved" (the CFPB's), the ones where the customer got what they
    # asked for are ("How many complaints were resolved?", "... resolved in the consumer's favor?").
    match = (re.search(rf"\b(?:resolved\s+(?:{_KIND_WORDS}|ones)|only\s+(?:the\s+)?resolved)\b", q, re.I)
             or _COUNTED_RESOLVED.search(q) or _ANY_RESOLVED.search(q) or _IN_FAVOR.search(q))
    resolved = ([by_lower["resolved"]] if "resolved" in by_lower
                else sorted(s for s in statuses if s.lower() in RESOLVED_STATUSES))
    if match and resolved:
        said = match.groupdict()
        return [Implied("status", resolved[0] if len(resolved) == 1 else tuple(resolved),
                        said.get("said") or said.get("verb") or match.group(0))]
    match = re.search(r"\bunanswered\b", q, re.I)
    if match and "unanswered" in by_lower:
        return [Implied("status", by_lower["unanswered"], match.group(0))]
    return []


def _company_patterns(name: str) -> list[str]:
    first = re.findall(r"[A-Za-z0-9&']+", name)[:1]
    return [re.escape(name)] + ([re.escape(first[0])] if first and len(first[0]) >= 4 else [])


def _companies(q: str, companies: list[str], companies_in: Callable | None = None) -> list[Implied]:
    # With one company in the index, naming it narrows nothing: no chip.
    if len(companies) < 2:
        return []
    if companies_in is None:
        return _named("company", q, companies, _company_patterns)
    match = companies_in(q)
    named = match.companies
    if not named:
        return []
    read = Implied("company", named[0] if len(named) == 1 else tuple(sorted(named)), " / ".join(match.said or named))
    # "other than Equifax", "excluding Wells Fargo", "without Chase": every other company
    return [_excluded(q, read, companies, without=True)]


@lru_cache(maxsize=1)
def _state_names() -> dict[str, str]:
    """USPS code -> state or territory name, from us_states.tsv beside this module."""
    rows = Path(__file__).with_name("us_states.tsv").read_text(encoding="utf-8").splitlines()
    return {code: name for name, code in (r.split("\t") for r in rows if r.strip() and not r.startswith("#"))}


def state_codes() -> list[str]:
    """Every US state and territory's USPS code, as CFPB exports write the State field."""
    return sorted(_state_names())


def _state_spellings(states: list[str], codes: bool = True) -> tuple[dict[str, str], str]:
    """Each way a held state can be written -> its code, and the pattern of one of them: names in
    any case, codes (with `codes`) only as capitals that are no English stop word ("OR", "ME",
    "IN" are words), never followed by a capitalised word ("Texas Capital Bank"). Longest first,
    so that "West Virginia" is not read as "Virginia"."""
    names = _state_names()
    said: dict[str, str] = {}
    for code in states:
        if code in names:
            said[names[code].lower()] = code
            if codes and code.lower() not in stop_words():
                said[code] = code
    one = "|".join(w if w.isupper() else f"(?i:{re.escape(w)})" for w in sorted(said, key=len, reverse=True))
    return said, rf"(?<![\w-])(?:{one})(?![\w-])(?!\s*[-&]?\s*[A-Z][a-z])"


def _states(q: str, states: list[str]) -> list[Implied]:
    """"complaints from Texas" (or "from TX", "in NY and CA") -> state TX, for codes the index
    holds. Only after "in", "from" or "of", codes not in a question written in capitals."""
    shouted = sum(c.isupper() for c in q) > sum(c.islower() for c in q)
    said, one = _state_spellings(states, codes=not shouted)
    if not said:
        return []
    hits = []
    # "in NY and CA", "in Virginia, Texas or Ohio", "in California versus Texas"
    # "How do complaints in Texas compare to California?" too
    listed = (rf"{one}(?:\s*(?:,|\band\b|\bor\b|&|\bversus\b|\bvs\b\.?|\bagainst\b|"
              rf"\b(?:compared?|compares)\s+(?:to|with)\b)\s*{one})*")
    for match in re.finditer(rf"\b(?i:in|from|of|outside|excluding|except|besides)\s+(?i:the\s+state\s+of\s+)?{listed}",
                             q):
        codes = [said.get(w) or said.get(w.lower()) for w in re.findall(one, match.group(0))]
        hits += [(code, match.group(0)) for code in codes if code]
    # "Which has more complaints, Texas or California?": two or more states' names listed are the
    # states, whatever stands before them (not codes: "OR" and "IN" are words too).
    pair = rf"{one}(?:\s*(?:,\s*(?:and\s+|or\s+)?|\band\b|\bor\b|&|\bversus\b|\bvs\b\.?)\s*{one})+"
    for match in re.finditer(rf"(?<!\w){pair}(?!\w)", q):
        names = re.findall(one, match.group(0))
        if all(len(w) > 2 for w in names) and len({said.get(w) or said.get(w.lower()) for w in names} - {None}) > 1:
            hits += [(said.get(w) or said.get(w.lower()), match.group(0)) for w in names
                     if (said.get(w) or said.get(w.lower())) and not any(match.group(0) in h for _, h in hits)]
    if not hits:
        return []
    codes = sorted(dict.fromkeys(code for code, _ in hits))
    read = Implied("state", codes[0] if len(codes) == 1 else tuple(codes),
                   " / ".join(dict.fromkeys(phrase for _, phrase in hits)))
    # "outside California": the preposition is the exclusion; "not in California": before it.
    outside = re.match(r"(?i)(outside|excluding|except|besides)\s+(?:the\s+state\s+of\s+)?", read.phrase)
    if outside:
        read = Implied("state", read.value, read.phrase[outside.end():])
    return [_excluded(q, read, states)]


# "complaints filed via the web", "How many came in by referral?": the CFPB's "Submitted via" field,
# named after a verb of sending a complaint (a topic such as "harassed by phone" is not how it came).
_SENT = (r"\b(?:submitted|filed|sent|made|lodged|received|c[oa]me\s+in|arrived|entered)\s+"
         r"(?:\w+\s+){0,2}?(?:via|by|through|over|using|from|as)\s+(?:(?:the|a|an)\s+)?")


def _said(q: str, names, before: str = r"\b") -> list[tuple[str, str]]:
    """(name, the question's words for it) for each name the question says after `before`, its
    words apart by any space, plural or not."""
    hits = []
    for name in names:
        match = re.search(before + r"\s+".join(re.escape(w) for w in name.split()) + r"s?\b", q, re.I)
        if match:
            hits.append((name, match.group(0)))
    return hits


@lru_cache(maxsize=1)
def submission_channels() -> list[str]:
    """The CFPB's "Submitted via" values, from cfpb_submitted_via.txt beside this module."""
    rows = Path(__file__).with_name("cfpb_submitted_via.txt").read_text(encoding="utf-8").splitlines()
    return [r.strip() for r in rows if r.strip() and not r.startswith("#")]


def _submitted_via(q: str, values: list[str]) -> list[Implied]:
    hits = _said(q, values, _SENT)
    if not hits:
        return []
    chosen = sorted(v for v, _ in hits)
    return [Implied("submitted_via", chosen[0] if len(chosen) == 1 else tuple(chosen), " / ".join(p for _, p in hits))]


def _tags(q: str, values: list[str]) -> list[Implied]:
    """"older Americans" -> every Tags value holding "Older American" (the CFPB joins several tags
    in one value: "Older American, Servicemember"), for tags the index holds."""
    hits = _said(q, dict.fromkeys(t.strip() for v in values for t in (v or "").split(",") if t.strip()))
    if not hits:
        return []
    holding = sorted(v for v in values if any(tag in [t.strip() for t in v.split(",")] for tag, _ in hits))
    return [Implied("tags", holding[0] if len(holding) == 1 else tuple(holding), " / ".join(p for _, p in hits),
                    shown=" or ".join(tag for tag, _ in hits))]


# Words that make a product's name the question's subject ("mortgage companies", "credit card
# complaints", "problems with student loans") rather than a passing mention ("it hurt my credit
# report", asked about a debt collector).
_SUBJECT_AFTER = re.compile(r"\s*(?:complaints?|issues?|problems?|cases?|compan(?:y|ies)|lenders?|servicers?|"
                            r"providers?|issuers?|firms?|industry|products?|borrowers?|holders?)\b", re.I)
# Who did it is the subject too: "treated differently by debt collectors", "the share of untimely
# responses for debt collectors" (an agent noun only: "paid by credit card" is how, not who).
# So is a business counted or ranked: "each debt collector", "Which debt collectors get the most ...".
_BY_AGENT = re.compile(r"\b(?:(?:by|for)\s+(?:(?:the|their|my|your|some|many|most)\s+)?|(?:each|every|per|which|what|across|among|"
                       r"rank(?:ed)?|top(?:\s+\d{1,2})?)\s+(?:the\s+)?(?:(?:two|three|four|five|\d{1,2})\s+)?)$"
                       # and the one a yes/no question asks about: "Do credit bureaus ever give monetary relief?",
                       # "How often do debt collectors sue?" ("How do debt collectors respond when ..." is
                       # left a topic's words: read as the product it voted a narrower label on dev)
                       r"|^\s*(?:how\s+often\s+)?(?:do|does|did|are|were|can|will|"
                       r"would|should|have|has)\s+(?:(?:the|most|some|many|all|any)\s+)?$", re.I)
# "for" and "in" only after the words for complaints or how common they are: "the most common issue
# for credit cards", "Which issues are most common for mortgages?", "top sub-issues in credit
# reporting", not "I applied for a mortgage" or "in Texas".
_SUBJECT_BEFORE = re.compile(r"(?:\b(?:about|with|over|regarding|involving|concerning|under|within|excluding|except|"
                             r"besides|outside|other\s+than|apart\s+from|but\s+not)|"
                             r"\b(?:complaints?|issues?|problems?|worst|best|most|fewest|least|common|frequent|typical|"
                             r"usual|rates?|shares?|percentages?|proportions?|there)\s+(?:for|in)|"
                             # "Which sub-products of checking accounts ...": the field asked of it
                             r"\b(?:sub-?products?|sub-?issues?|issues?|problems?|types?|kinds?)\s+of)\s+"
                             r"(?:(?:a|an|the|their|my|"
                             r"your|his|her|our)\s+)?"
                             # whose products: "issues for Capital One credit cards", "about Chase's mortgages"
                             r"(?:(?-i:[A-Z][\w&.-]*)(?:'s|\u2019s)?\s+){0,3}$", re.I)


_SERVICES = terms("services")[0]
_LISTED = re.compile(r"\s*(?:,\s*(?:(?:and|or)\s+)?|(?:and|or|&|versus|vs\.?|against)\s+)(?:the\s+)?", re.I)
_KIND_OF = frozenset(terms("type kind"))


@lru_cache(maxsize=4096)  # the index's values, stemmed again on every question otherwise
def _product_parts(value: str, single_word: bool) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """"Payday loan, title loan, or personal loan" -> each name it lists, with its stems. A
    one-word name is read only where it is the whole value and `single_word` allows it
    ("Mortgage"): a listed one ("Checking", "lease") or a sub-product's ("Loan") is a common word.
    A name that ends in "services" is also said without it ("credit repair companies")."""
    stop = stop_words() | _KIND_OF  # "Other type of mortgage" is named by "mortgage", not "types of mortgage"
    parts = [p.strip() for p in re.split(r",\s*(?:or\s+)?|\s+or\s+", value) if p.strip()]
    out = []
    for part in parts:
        stems = [t for t in terms(part) if t not in stop]
        if len(stems) >= 2 or (stems and single_word and len(parts) == 1):
            out.append((part, tuple(stems)))
        if len(stems) >= 3 and stems[-1] == _SERVICES:
            out.append((part, tuple(stems[:-1])))
    return tuple(out)


def products_alike(pairs: dict[tuple[str, str], int]) -> dict[str, list[str]]:
    """Products that are one category under two names, from (product, sub-product) counts: the
    CFPB renamed its products in 2017 ("Bank account or service" became "Checking or savings
    account") and kept the sub-products ("Checking account"). Two products are alike when most
    complaints of each lie in sub-products they share; a sub-product that merely appears under
    both (a few "Payday loan" debts under "Debt collection") does not make them alike."""
    by_product: dict[str, dict[str, int]] = {}
    for (product, sub), n in pairs.items():
        if product and product != "Unknown":
            by_product.setdefault(product, {})[sub] = n
    out: dict[str, list[str]] = {}
    for a, subs_a in by_product.items():
        for b, subs_b in by_product.items():
            shared = {s for s in subs_a.keys() & subs_b.keys() if s and s != "Unknown"}
            if a == b or not shared:
                continue
            if (sum(subs_a[s] for s in shared) * 2 >= sum(subs_a.values())
                    and sum(subs_b[s] for s in shared) * 2 >= sum(subs_b.values())):
                out.setdefault(a, []).append(b)
    return out


# English's agent nouns that are not a stem plus -er: who makes a loan is a lender ("payday lenders"),
# who does credit reporting a credit bureau ("Which credit bureau has the most complaints?").
_IRREGULAR_AGENTS = {terms("loan")[0]: set(terms("lender lenders")), terms("reporting")[0]: set(terms("bureau bureaus"))}


def _names_part(stems: list[str], part: tuple[str, ...]) -> str:
    """"name" where the question's stems say the name, "agent" where its last word is the noun for
    who does it ("debt collectors" for "Debt collection": the name's stem plus -er or -or, which
    the stemmer keeps apart; "payday lenders" for "Payday loan"), else ""."""
    if tuple(stems[:-1]) != part[:-1]:
        return ""
    last, name = stems[-1], part[-1]
    agents = (name + "er", name + "or") if len(name) >= 4 else ()
    return "name" if last == name else "agent" if last in agents or last in _IRREGULAR_AGENTS.get(name, ()) else ""


# "not about credit reporting", "excluding mortgages", "outside California": the values the index
# holds besides those named.
_EXCLUDING = re.compile(r"(?:\b(?:not|never)|n't)\s+(?:(?:about|for|involving|regarding|concerning|related\s+to|in|from)"
                        r"\s+(?:the\s+)?)?$|\b(?:excluding|except(?:\s+for)?|other\s+than|besides|apart\s+from|"
                        r"outside(?:\s+of)?|but\s+not)\s+(?:the\s+)?(?:(?:state\s+of|in|from)\s+)?$", re.I)


_WITHOUT = re.compile(r"\bwithout\s+(?:the\s+)?$", re.I)


def _excluded(q: str, found: Implied, held: list[str], alike: dict[str, list[str]] | None = None,
              without: bool = False) -> Implied:
    """`found` as the other values the index holds, where the question excludes it ("Complaints not
    about credit reporting"): the phrase then takes in the words that exclude it. Unchanged
    where nothing excludes it, or where nothing else is held. `without`: "without" excludes too
    (a company; "credit cards without an annual fee" are still credit cards)."""
    first = found.phrase.split(" / ")[0]
    start = q.find(first)
    excluding = ((_EXCLUDING.search(q[:start]) or (_WITHOUT.search(q[:start]) if without else None))
                 if start >= 0 else None)
    if not excluding:
        return found
    named = set(found.value if isinstance(found.value, tuple) else (found.value,))
    named |= {b for v in named for b in (alike or {}).get(v, ())}
    others = sorted(v for v in held if v not in named and v not in ("", "Unknown"))
    if not others:
        return found
    said = found.shown or " or ".join(sorted(named))
    return Implied(found.key, others[0] if len(others) == 1 else tuple(others),
                   q[excluding.start():start] + found.phrase, shown=f"not {said}")


def _products(q: str, products: list[str], sub_products: list[str],
              alike: dict[str, list[str]] | None = None, whole: bool = False) -> list[Implied]:
    """"mortgage companies" -> the CFPB product Mortgage; "credit card debt" -> the sub-product
    Credit card debt (the longer name wins over the product inside it); every value that lists
    the name ("credit card": "Credit card" and "Credit card or prepaid card"), for values the
    index holds, and only where the name is the question's subject (`_SUBJECT_AFTER`/`_BEFORE`),
    or with `whole`, where the text is nothing but a subject ("and mortgages?")."""
    words = _content_words(q)
    stems = [t for _, t in words]
    hits, loose = [], []  # (words in the name, first word, last word, key, value, name)
    for key, values in (("product", products), ("sub_product", sub_products)):
        for value in values:
            for name, part in _product_parts(value, key == "product"):
                for i in range(len(stems) - len(part) + 1):
                    j = i + len(part) - 1
                    said = _names_part(stems[i:j + 1], part)
                    before = q[:words[i][0].start()]
                    if said and (whole or _SUBJECT_AFTER.match(q, words[j][0].end()) or _SUBJECT_BEFORE.search(before)
                                 or (said == "agent" and _BY_AGENT.search(before))):
                        hits.append((len(part), i, j, key, value, name))
                        break
                    if said:
                        loose.append((len(part), i, j, key, value, name))
    # "Which gets more complaints, mortgages or student loans?": names listed side by side are
    # the subjects, as a list of states is.
    def listed(a, b) -> bool:
        return a[2] + 1 == b[1] and bool(_LISTED.fullmatch(q[words[a[2]][0].end():words[b[1]][0].start()]))

    # Of one field (a product and a sub-product would be filtered both at once), and only where no
    # name of the list is a subject already ("Compare credit card and checking account complaints"
    # keeps the one it reads).
    hits += [h for h in loose if any(h[3] == o[3] and h[4] != o[4] and (listed(h, o) or listed(o, h))
                                     for o in loose)] if not hits else []
    # A product listed beside one that is a subject is one too: "complaints about student loans or
    # mortgages". Not a sub-product: "credit card" beside "checking account" would be the CFPB's
    # 15 debt collection complaints of that sub-product.
    hits += [h for h in loose if h[3] == "product" and any(
        o[3] == "product" and h[4] != o[4] and (listed(h, o) or listed(o, h)) for o in hits)]
    # Longest first; at one span a product that is that name wins over a sub-product of the same
    # name ("Credit card"), and a sub-product over a product that only lists it among others ("credit
    # repair services" in "Credit reporting, credit repair services, or ...").
    hits.sort(key=lambda h: (-h[0], 0 if h[3] == "product" and h[5] == h[4] else 1 if h[3] == "sub_product" else 2))
    spans: list[tuple[int, int, str]] = []
    chosen: dict[str, list] = {}
    for length, i, j, key, value, name in hits:
        same = [s for s in spans if (s[0], s[1]) == (i, j)]
        if same and same[0][2] != key:
            continue
        if not same and any(not (j < a or i > b) for a, b, _ in spans):
            continue
        if not same:
            spans.append((i, j, key))
        chosen.setdefault(key, []).append((value, name, q[words[i][0].start():words[j][0].end()]))
    out = []
    for key, found in chosen.items():
        values = sorted({v for v, _, _ in found} | ({b for v, _, _ in found for b in (alike or {}).get(v, ())}
                                                     if key == "product" else set()))
        names = list(dict.fromkeys(n for _, n, _ in found))
        read = Implied(key, values[0] if len(values) == 1 else tuple(values),
                       " / ".join(dict.fromkeys(p for _, _, p in found)),
                       shown="" if len(values) == 1 else " or ".join(names[:1] + [
                           n for n in names[1:] if n.lower() != names[0].lower()]))
        out.append(_excluded(q, read, products if key == "product" else sub_products, alike))
    return out


# A phrase's complaints hold a product at least this many times the product's share of the index,
# and at least this many of them: "car loan" is 6 of the 35 complaints that write it in Vehicle loan
# or lease, 9.8x its share; 23 in credit reporting is 1.0x; "old account" is 3 in checking, 3.5x.
# The phrase's first word alone must lean the same way as far (`_products_written`).
PRODUCT_LIFT = 5.0
PRODUCT_LEAST = 3


def _products_written(q: str, vocabulary: Vocabulary, whole: bool = False) -> list[Implied]:
    """"complaints about car loans", "auto loan lenders": two words in a subject's place, the
    last ending one of the index's product names ("loan", "card", "account") and the first in
    none nor capitalised past the question's start (a name: "Synchrony Bank"), read as the product
    whose complaints write them far beyond that product's share of the index (`PRODUCT_LIFT`):
    the index's own usage names the product, not a list of synonyms."""
    usage, counts = vocabulary.product_usage, vocabulary.product_counts
    if usage is None or not counts:
        return []
    named = {t for product in vocabulary.products for t in terms(product)}
    heads = {stems[-1] for product in vocabulary.products for _, stems in _product_parts(product, True)}
    words = _content_words(q)
    total = sum(counts.values())
    for (first, a), (last, b) in zip(words, words[1:]):
        if b not in heads or a in named or (first.start() > 0 and first.group(0)[:1].isupper()):
            continue
        if not (whole or _SUBJECT_AFTER.match(q, last.end()) or _SUBJECT_BEFORE.search(q[:first.start()])):
            continue
        def lift(stems: list[str]) -> dict[str, float]:
            held = usage(stems)
            written = sum(held.values())
            return {p: (n / written) / (counts[p] / total) for p, n in held.items()
                    if counts.get(p) and n >= PRODUCT_LEAST}

        together = lift([a, b])
        best = max(together, key=together.get, default=None)
        # The first word alone leans the same way: "car" is Vehicle loan or lease's 15x its share,
        # "online" leans nowhere ("online accounts" are 3 student loan complaints, 8.9x).
        if (best is not None and together[best] >= PRODUCT_LIFT
                and lift([a]).get(best, 0.0) >= PRODUCT_LIFT):
            values = sorted({best, *vocabulary.alike.get(best, ())})
            return [Implied("product", values[0] if len(values) == 1 else tuple(values),
                            q[first.start():last.end()], shown=best if len(values) > 1 else "")]
    return []


# The CFPB's "Timely response?" field, as people ask about an answer's timing. A late answer is
# "No", one in time "Yes"; the negative is tried first ("not answered on time" holds "answered on
# time"; "fail to" says "not" too). Only answering verbs: "the payment was not posted on time" is a topic.
_ANSWERING = r"(?:respon(?:d|ded|ds|se|ses)|answer(?:ed|s)?|repl(?:ied|ies|y))"
_ANSWERED = r"(?:respond(?:ed|s)?|answer(?:ed|s)?|repl(?:ied|ies|y))"  # verbs only: "my response was on time"
_LATE = re.compile(rf"(?:\bnot|\bnever|\b\w+n't|\bwithout|\bfail(?:s|ed|ing|ures?)?)\s+(?:\w+\s+){{0,2}}?"
                   rf"{_ANSWERED}\s+(?:\w+\s+){{0,2}}?"
                   rf"(?:on|in)\s+time\b|\b(?:late|untimely)\s+{_ANSWERING}\b|\b{_ANSWERED}\s+(?:too\s+)?late\b"
                   # "miss the response deadline", "missed the deadline to respond"
                   rf"|\bmiss(?:ed|es|ing)?\s+(?:the\s+|a\s+|their\s+|its\s+)?(?:{_ANSWERING}\s+deadlines?\b|"
                   rf"deadlines?\s+to\s+{_ANSWERING}\b)"
                   # "took more than 15 days to respond", "took too long to answer"
                   rf"|\b(?:took|take|takes|taking)\s+(?:(?:more\s+than|over|longer\s+than)\s+(?:15|fifteen)\s+days|"
                   rf"too\s+long|longer)\s+to\s+{_ANSWERED}\b"
                   # "Which companies are slowest to respond?", "respond the slowest"
                   rf"|\bslow(?:er|est)?\s+(?:to|at|in)\s+{_ANSWERING}(?:ing)?\b"
                   rf"|\b{_ANSWERED}\s+(?:the\s+)?slow(?:er|est|ly)\b",
                   re.I)
_IN_TIME = re.compile(rf"\b{_ANSWERED}\s+(?:\w+\s+){{0,2}}?(?:on|in)\s+time\b|\btimely\s+{_ANSWERING}\b"
                      rf"|\b(?:fast|quick|prompt)(?:er|est)?\s+(?:to|at|in)\s+{_ANSWERING}(?:ing)?\b"
                      rf"|\b{_ANSWERED}\s+(?:the\s+)?(?:fast|quick|prompt)(?:er|est|ly)?\b", re.I)


# The CFPB's "Consumer disputed?" field (kept until 2017): the consumer disputed the company's
# response. Said of the response, so that "disputed a charge" stays a topic.
_POSSESSIVE = r"[\w&.-]+(?:'s|\u2019s|s')"
_RESPONSE = (rf"(?:(?:the|its|their|a|that)\s+)?(?:(?:company|business|{_POSSESSIVE})\s+)?"
             r"(?:response|resolution|answer)s?")
_NOT_DISPUTED = re.compile(rf"\b(?:not|never|\w+n't)\s+disput(?:e|ed|ing)\s+{_RESPONSE}\b|\bundisputed\s+{_RESPONSE}\b",
                           re.I)
_DISPUTED = re.compile(rf"\bdisput(?:e|ed|es|ing)\s+{_RESPONSE}\b|\b{_RESPONSE}\s+(?:(?:was|were|got)\s+)?disputed\b"
                       # "complaints (that were) disputed by the consumer": the CFPB field's own words;
                       # "a charge disputed by the customer" is what the complaint is about.
                       r"|\b(?:complaints?|ones|cases)\s+(?:(?:that|which|were|was|got|been)\s+){0,2}disputed\s+by\s+"
                       r"(?:the\s+)?(?:consumers?|customers?|borrowers?)\b"
                       # "What percentage of Navient complaints were disputed?": complaints are what was
                       # disputed; "complaints that disputed a charge" are not.
                       r"|\b(?:complaints?|ones|cases)\s+(?:(?:that|which)\s+)?(?:were|was|got|been|are|is)\s+disputed"
                       r"(?=\s*(?:[?.!]|$|(?:in|during|since|before|after|from|at|with|and|or)\b))"
                       # "Which product has the highest dispute rate?": the field's share, as analysts say it
                       r"|\b(?:consumer\s+)?dispute\s+rates?\b", re.I)


def _yes_no(q: str, key: str, values: list[str], no: re.Pattern, yes: re.Pattern) -> list[Implied]:
    """A CFPB yes/no field as the question asks about it: "not answered on time" -> Timely response
    "No", "Did consumers dispute the company's response?" -> Consumer disputed "Yes", where the
    index holds that value. The negative is tried first: it holds the positive's words."""
    held = {v.lower(): v for v in values}
    for pattern, value in ((no, "no"), (yes, "yes")):
        match = pattern.search(q)
        if match:
            # A possessive inside ("TransUnion's response") names a company: the phrase is the
            # words around it, so that taking the phrase out of the question leaves the name.
            parts = [p for p in re.split(rf"\s+{_POSSESSIVE}\s+", match.group(0)) if p]
            return [Implied(key, held[value], " / ".join(parts))] if value in held else []
    return []


def _overlap(q: str, phrase: str, match: re.Match) -> bool:
    """Whether `phrase`, where it stands in `q`, shares words with `match`."""
    return any(m.start() < match.end() and match.start() < m.end()
               for m in re.finditer(re.escape(phrase), q, re.I))


def _outcomes(q: str, known: list[str] | None) -> list[Implied]:
    hits = []
    for name, patterns in _OUTCOME_RES.items():
        if known is not None and name not in known:
            continue
        for pattern in patterns:
            match = pattern.search(q)
            if match:
                hits.append(Implied("outcome", name, match.group(0)))
                break
    return hits


_MENTION = re.compile(r"\bmention(?:s|ed|ing)?\b", re.I)
MENTION_MOST = 3  # more words than this beside "mention" is a topic to search, not words to find


_QUOTED = re.compile(r"[\"\u201c]([^\"\u201c\u201d]{1,80})[\"\u201d]")
PHRASE_MOST = 5  # words in one quoted phrase to find


def _mentions(q: str, found: list[Implied], distinctive: Callable | None = None,
              distinctive_phrase: Callable | None = None, companies: list[str] = ()) -> list[Implied]:
    """"Which complaints mention arbitration?" asks for the word itself: every complaint whose
    text holds it (the keyword index answers exactly), not the complaints that read close. A
    quoted phrase ("credit freeze") is found as written, its words side by side."""
    mention = _MENTION.search(q)
    if not mention or _NEGATED_MENTION.search(q[:mention.start()]):  # "that don't mention it": _left_out
        return []
    quoted = [m.group(1).strip() for m in _QUOTED.finditer(q) if terms(m.group(1))]
    if quoted:
        if not all(len(terms(p)) <= PHRASE_MOST and (distinctive_phrase is None or distinctive_phrase(terms(p)))
                   for p in quoted):
            return []
        return [Implied("mentions", quoted[0].lower() if len(quoted) == 1 else tuple(p.lower() for p in quoted),
                        " / ".join(quoted))]
    # The words to find are the ones after "mention" where there are any: in "How did Charter
    # respond to the ones that mention autopay?" Charter is whom the question is about.
    after = q[_MENTION.search(q).end():]
    wanted = leftover(after, found) or leftover(q, found)
    # On an index of Charter's alone the company's name is no chip, and no word to find beside another.
    if len(companies) == 1:
        wanted = [w for w in wanted if w not in terms(companies[0])] or wanted
    said = words_for(after if leftover(after, found) else q, wanted)
    # A name written as one ("Cash App", "the Fair Credit Reporting Act") is found as written, its
    # words side by side: judged as a phrase, whatever its words' commonness alone.
    name = re.search(r"(?<!\w)" + r"\s+".join(map(re.escape, said)) + r"(?!\w)", q) if len(said) > 1 else None
    as_phrase = [Implied("mentions", " ".join(w.lower() for w in said), name.group(0))] if name else []

    def rare_together(unjudged: bool) -> bool:  # `unjudged`: what holds without the index's statistics
        return (bool(name) and len(said) <= PHRASE_MOST
                and (distinctive_phrase(terms(name.group(0))) if distinctive_phrase else unjudged))

    if all(w[:1].isupper() for w in said) and rare_together(unjudged=True):
        return as_phrase
    if not 1 <= len(wanted) <= MENTION_MOST or (distinctive and len(distinctive(wanted)) < len(wanted)):
        # "mention a police report": words side by side that are rare together, however common
        # one of them is alone ("report"), are found as written.
        return as_phrase if rare_together(unjudged=False) else []
    if not said:
        return []
    value = said[0].lower() if len(said) == 1 else tuple(w.lower() for w in said)
    # "Zelle or Venmo": any one of them.
    alternatives = re.search(r"(?<!\w)" + r"\s*(?:,|\bor\b|,\s*or\b)\s*".join(map(re.escape, said)) + r"(?!\w)", q)
    if len(said) > 1 and alternatives and re.search(r"\bor\b", alternatives.group(0), re.I):
        return [Implied("mentions_any", value, alternatives.group(0), shown=" or ".join(said))]
    return [Implied("mentions", value, " / ".join(said))]


# "Navient complaints not about forbearance", "excluding identity theft", "ones that don't mention
# medical debt": a topic left out, as words its complaints must not write. A product or a state
# left out is read as the other values (`_excluded`); "without" is left alone ("repossession
# without notice" is about the notice).
_ARTICLE = r"(?:(?:the|a|an|any)\s+)?"
# What is left out: one to three words, up to the end or up to a word that begins what comes next
# (or a follow-up's context in brackets: "How were they resolved (Equifax complaints excluding
# identity theft)?").
_NEXT_PART = r"in|from|since|until|before|after|during|at|for|with"  # a place, a period, whom
_WHAT_LEFT = (r"(?P<what>[A-Za-z][\w'-]*(?:\s+[A-Za-z][\w'-]*){0,2}?)"
              rf"(?=\s*(?:[?.!,;()]|$)|\s+(?:{_NEXT_PART}|and|or|nor)\b)")
_LEFT_OUT = re.compile(r"(?:\b(?:not|never)\s+(?:about|involving|regarding|concerning|related\s+to|mentioning)|"
                       r"\b(?:excluding|except(?:\s+for)?|other\s+than|apart\s+from|but\s+not|without\s+mentioning)|"
                       rf"\b(?:do|does|did)(?:\s+not|n't)\s+mention)\s+{_ARTICLE}{_WHAT_LEFT}", re.I)
# "..., overdraft or interest": more of the list, but never a place or a period ("or in Texas").
_LEFT_OUT_MORE = re.compile(r"(?:\s*,\s*(?:or\s+|nor\s+)?|\s+(?:or|nor)\s+)"
                            rf"{_ARTICLE}(?!(?:{_NEXT_PART}|about|not)\b)"
                            rf"{_WHAT_LEFT}", re.I)
_NEGATED_MENTION = re.compile(r"(?:\b(?:not|without)|n't)\s+$", re.I)


def _left_out(q: str, found: list[Implied]) -> list[Implied]:
    """The topic a question leaves out, where no other filter was read from those words."""
    match = _LEFT_OUT.search(q)
    if not match or any(_overlap(q, phrase, match) for i in found for phrase in i.phrase.split(" / ") if phrase):
        return []
    phrases, end = [match.group("what")], match.end()
    while more := _LEFT_OUT_MORE.match(q, end):  # "not about forbearance or deferment": neither
        phrases.append(more.group("what"))
        end = more.end()
    left = []
    for what in phrases:
        said = words_for(what, [t for t in terms(what) if t not in stop_words() and t not in _ASKING])
        if not 1 <= len(said) <= MENTION_MOST:
            return []
        left.append(" ".join(said))  # said together, found together: "identity theft" is one phrase
    value = left[0].lower() if len(left) == 1 else tuple(w.lower() for w in left)
    return [Implied("mentions_none", value, q[match.start():end], shown=" or ".join(left))]


def words_for(question: str, stems) -> list[str]:
    """The question's own words for these stems, each once, in the order it says them."""
    words: dict[str, str] = {}  # stem -> the question's word for it
    for match in re.finditer(r"[A-Za-z0-9][A-Za-z0-9'-]*", question):
        stem = (terms(match.group(0)) or [""])[0]
        if stem in stems:
            words.setdefault(stem, match.group(0))
    return list(words.values())


# "complaint 7093004", "CFPB complaint #3193394 and 3197742", "case number 123456": the source's
# own ids, where the index holds them (five digits or more: "complaints 2023" is a year).
_NUMBER = r"#?\s*\d{5,12}\b"
_COMPLAINT_NUMBERS = re.compile(rf"(?:(?:\bcfpb\s+)?\b(?:complaints?|cases?)\s+(?:(?:id|number|no\.?)s?\s*)?:?\s*|#)(?={_NUMBER})"
                                rf"(?P<ids>{_NUMBER}(?:\s*(?:,|and|&|or)\s*{_NUMBER})*)", re.I)


def complaint_numbers(q: str) -> list[str]:
    """The complaint ids a question names ("complaint 7093004"), held by the index or not."""
    return [n for match in _COMPLAINT_NUMBERS.finditer(q or "") for n in re.findall(r"\d{5,12}", match.group("ids"))]


def _complaint_numbers(q: str, lookup: Callable | None) -> list[Implied]:
    if lookup is None:
        return []
    for match in _COMPLAINT_NUMBERS.finditer(q):
        said = re.findall(r"\d{5,12}", match.group("ids"))
        held = lookup(said)
        if held:
            known = [n for n in said if n in held]
            return [Implied("complaint_id", tuple(sorted(held[n] for n in known)), match.group(0).strip(),
                            shown=", ".join(known))]
    return []


def detect(question: str, vocabulary: Vocabulary) -> list[Implied]:
    q = question or ""
    numbers = _complaint_numbers(q, vocabulary.complaint_ids)
    if numbers:  # complaints named one by one: nothing else of the question narrows them
        return numbers
    found = [*_companies(q, vocabulary.companies, vocabulary.companies_in), *_types(q, vocabulary.types),
             *_statuses(q, vocabulary.statuses), *_dates(q), *_submitted_via(q, vocabulary.submitted_via),
             *_outcomes(q, vocabulary.outcomes or None), *_states(q, vocabulary.states), *_tags(q, vocabulary.tags),
             *_products(q, vocabulary.products, vocabulary.sub_products, vocabulary.alike),
             *_yes_no(q, "consumer_disputed", vocabulary.disputed, _NOT_DISPUTED, _DISPUTED)]
    if not any(i.key in ("product", "sub_product") for i in found):
        found += _products_written(q, vocabulary)
    timely = _yes_no(q, "timely_response", vocabulary.timely, _LATE, _IN_TIME)
    late = re.search(re.escape(timely[0].phrase.split(" / ")[0]), q) if timely else None
    # Not where a status says it already ("untimely response" is a CFPB status, whose complaints
    # all have "No"); "didn't respond in time" answered late: not the outcome "no response" in it.
    if late and not any(i.key == "status" and _overlap(q, i.phrase, late) for i in found):
        found = [i for i in found if not (i.key == "outcome" and _overlap(q, i.phrase, late))] + timely
    # A company's name after "mention" is what the complaints write, not whom they are against:
    # "How many debt collection complaints mention Experian?" (collectors report to it).
    mention = _MENTION.search(q)
    written = [i for i in found if mention and i.key == "company"
               and q.find(i.phrase.split(" / ")[0], mention.end()) >= 0]
    found = [i for i in found if i not in written]
    found += _left_out(q, found)
    return found + _mentions(q, found, vocabulary.distinctive, vocabulary.distinctive_phrase, vocabulary.companies)


def subjects(text: str, vocabulary: Vocabulary) -> list[tuple[str, str]]:
    """(kind, the text's words for it) for the companies, products and states a short text
    names, read as a subject whatever words stand around it: a follow-up such as "and
    TransUnion?", "what about mortgages?" or "and CA?" is nothing but one; and the statuses and
    outcomes it names ("got relief")."""
    out = []
    if vocabulary.companies_in is not None:
        match = vocabulary.companies_in(text)
        out += [("company", words) for words in (match.said if match.companies else [])]
    named = _products(text, vocabulary.products, vocabulary.sub_products, vocabulary.alike, whole=True)
    # In other words only where the text is little more than them ("and car loans?"), else where
    # they are its subject: "the debit card not working" names no product.
    for item in named or _products_written(text, vocabulary, whole=len(_content_words(text)) <= 3):
        out += [("product", phrase) for phrase in item.phrase.split(" / ")]
    out += [("state", words) for words in _state_words(text, vocabulary.states)]
    # How they ended narrows which complaints too: "Show me the newest ones" after "How many got
    # relief?" are the newest that got relief.
    for item in [*_statuses(text, vocabulary.statuses), *_outcomes(text, vocabulary.outcomes or None)]:
        out += [(item.key, phrase) for phrase in item.phrase.split(" / ")]
    return out


def _state_words(text: str, states: list[str]) -> list[str]:
    """The text's own words for the states it names, wherever they stand (`_state_spellings`)."""
    said, one = _state_spellings(states)
    return [m.group(0) for m in re.finditer(one, text)] if said else []


def without_phrases(text: str, implied: list[Implied]) -> str:
    """The text with the words each filter was read from taken out, whole words only (taking
    "car" out leaves "card"). Phrases are found in the text as given, so that two that overlap
    ("highest rate" and "rate of adjustments") both go."""
    return without_words(text, [phrase for item in implied for phrase in item.phrase.split(" / ") if phrase])


def without_words(text: str, phrases: list[str], possessive: bool = False) -> str:
    """`without_phrases` for phrases as strings; with `possessive` a name's "'s" goes with it."""
    tail = r"(?:['’]s)?" if possessive else ""
    spans = [m.span() for phrase in phrases if phrase
             for m in re.finditer(rf"(?<!\w){re.escape(phrase)}{tail}(?!\w)", text)]
    keep = [True] * len(text)
    for start, end in spans:
        keep[start:end] = [False] * (end - start)
    left = "".join(c if kept else " " for c, kept in zip(text, keep))
    # A follow-up's bracketed ending ("(given money back)") taken out leaves "( )", which moves
    # the question's vector enough to flip a close label vote; blanked, the length kept.
    return _EMPTY_BRACKETS.sub(lambda m: " " * len(m.group(0)), left)


_EMPTY_BRACKETS = re.compile(r"\(\s*\)")


# "How are debt collection complaints usually closed?" asks how they ended, which every answer
# gives; "Why was my account closed?" and "closing on a mortgage" are about a closing.
_HOW_CLOSED = re.compile(r"(?<=^how\b)(?P<asked>.*)\bclosed(?=\s*[?.!]*\s*$)", re.I | re.S)
# "What date range does the data cover?", "How many complaints are in the data?": the index, said
# as the data, where no word after makes it a topic ("a data breach", "the data broker").
_THE_DATA = re.compile(r"\b(?:the|this|your|our)\s+data(?:\s*set|base)?\b(?=\s+(?:covers?|includes?|contains?|spans?|"
                       r"holds?|has|have|goes|go|starts?|ends?)\b|\s*[?.!]*\s*$)", re.I)


def leftover(question: str, implied: list[Implied], names: list[str] = ()) -> list[str]:
    """The question's terms once the phrases read as filters, the names of the companies it
    named, English stop words and the words of asking are taken out. Empty when the question
    asks for the filtered complaints themselves ("Which complaints got a refund?")."""
    text = _HOW_CLOSED.sub(lambda m: m.group("asked"), without_phrases(question, implied).strip())
    text = _THE_DATA.sub(" ", text)
    taken = stop_words() | _ASKING | {t for name in names for t in terms(name)}
    # Words of asking alone ("What do customers say?"), a topic together ("customer service").
    kept = {t for m in _SERVICE_TOPIC.finditer(text) for t in terms(m.group(0))}
    return [t for t in terms(text) if t not in taken or t in kept]


_SERVICE_TOPIC = re.compile(r"\bcustomer\s+(?:service|support|care)\b", re.I)


_DATE_KEYS = {"since", "until", "periods"}


def applied(implied: list[Implied], filters: dict) -> list[Implied]:
    """The implied filters that `filters` holds as read (all of their values)."""
    def values(v) -> set[str]:
        return {v} if isinstance(v, str) else set(v or ())

    return [i for i in implied if values(i.value) <= values(filters.get(i.key))]


def not_given(implied: list[Implied], given: dict) -> list[Implied]:
    """The implied filters that a caller's own filters leave standing: a key given wins (a date
    range given wins over both ends read from the words), outcomes add up."""
    keys = {k for k, v in (given or {}).items() if v not in (None, "", [], ())}
    if keys & _DATE_KEYS:
        keys |= _DATE_KEYS
    return [i for i in implied if i.key == "outcome" or i.key not in keys]


# "What percent of Capital One complaints are about credit cards?": the whole named between "of"
# and "complaints", or after "complaints" up to the verb ("of complaints submitted by servicemembers
# were ...", "of mortgage complaints from California were ...").
_SHARE_OF = re.compile(r"\b(?:percent(?:age)?|share|fraction|proportion)\s+of\s+(?:all\s+)?(?:the\s+)?"
                       r"(?:(?P<of>\S.*?)\s+)?(?:complaints|ones|cases)\b", re.I)
# Where the whole ends and the part asked starts: "come from California", "were filed in 2023".
_SHARE_VERB = re.compile(r"\b(?:are|were|is|was|got|get|gets|had|have|has|did|do|does|came|come|comes|ended|end|ends|"
                         r"mention(?:s|ed)?|involve[sd]?|concern(?:s|ed)?|relate[sd]?)\b", re.I)


def share_of(question: str, read: list[Implied], companies_said: list[str] = ()) -> tuple[str, ...]:
    """The filter keys a question names as the whole it asks a share of: those said between
    "percent of" and "complaints" or after it up to the verb ("of Navient's complaints in 2019
    were ...", "of complaints submitted by servicemembers were ..."), and a place or period said
    before the share ("In 2019, what share ..."). Said after the verb they are the part asked
    ("What share of mortgage complaints come from California?": of the mortgage complaints). ()
    where it names none there."""
    question = question or ""
    match = _SHARE_OF.search(question)
    if not match:
        return ()
    verb = _SHARE_VERB.search(question, match.end())
    start, end = match.start("of") if match.group("of") else match.end(), verb.start() if verb else len(question)

    def inside(phrase: str) -> bool:  # said overlapping the whole ("of Texas" for "Texas complaints")
        return any(m.start() < end and m.end() > start for m in re.finditer(re.escape(phrase), question))

    def before(phrase: str) -> bool:
        return any(m.end() <= match.start() for m in re.finditer(re.escape(phrase), question))

    whole = ["company"] * any(inside(words) for words in companies_said)
    whole += [i.key for i in read for phrase in i.phrase.split(" / ") if phrase and inside(phrase)]
    if not whole:
        return ()
    where_when = ("state", "since", "until", "outside", "periods")
    # After the verb a place or period is the part asked where nothing else is ("come from
    # California"), and says when or where the rest happened where something is ("got monetary
    # relief in 2019": of the complaints of 2019).
    asked_else = any(i.key not in where_when and i.key not in whole for i in read)
    return tuple(dict.fromkeys(whole + [i.key for i in read if i.key in where_when and (asked_else or any(
        before(phrase) for phrase in i.phrase.split(" / ") if phrase))]))


def with_endings(read: list[Implied], own: list[Implied]) -> list[Implied]:
    """`read` (from a follow-up's standalone question) with how the follow-up's own words (`own`)
    say its set ended, where `read` does not say it: "Were any resolved?" narrows the last set to
    the resolved ones (followup.narrows_by_ending)."""
    have = {i.key for i in read}
    return read + [i for i in own if i.key in RESULT_KEYS and i.key not in have]


def merge(explicit: dict, implied: list[Implied]) -> dict:
    """Explicit filters (the panel) win over implied ones for the same key; outcomes add up."""
    out = {k: v for k, v in (explicit or {}).items() if v not in (None, "", [], ())}
    for item in implied:
        value = list(item.value) if isinstance(item.value, tuple) else item.value
        if item.key == "outcome":
            have = out.get("outcome") or []
            have = [have] if isinstance(have, str) else list(have)
            out["outcome"] = sorted(set(have) | ({value} if isinstance(value, str) else set(value)))
        elif item.key not in out:
            out[item.key] = value
    return out
