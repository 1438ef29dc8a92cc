"""Filters a question implies: "in 2025", "billing complaints", "unresolved", "denied credit".

Detection is by rule and only ever proposes values the index actually holds
(a type or status that is not in the data is never suggested), so a chip can
always be removed without surprises. The chat shows each one and the answer
says which it used.

`detect` reads them all. Periods, how complaints ended and products have their own readers
(question_periods, question_statuses, question_products); companies, states, the CFPB's other
fields, words to find and words left out are read here, and so are the helpers that take the
read words back out of a question (`leftover`, `without_phrases`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from index.keywords import stop_words, terms

from . import question_periods, question_products, question_statuses
from .filters import RESULT_KEYS
from .implied import KIND_WORDS, Implied, content_words, excluded


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
    # sub-product -> the products it is recorded under
    parents: dict[str, set[str]] = field(default_factory=dict)
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


def _type_head(name: str) -> str | None:
    """"Billing Issues" -> "billing": the word people use for the type."""
    words = re.findall(r"[A-Za-z]+", name)
    if len(words) == 2 and re.fullmatch(KIND_WORDS, words[1], re.I):
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
    # "billing complaints", "complaints about billing", "Which complaints are about delivery?", and
    # "about delivery" where nothing follows it (a follow-up's "(about delivery)")
    extra = [rf"{head}\s+{KIND_WORDS}",
             rf"{KIND_WORDS}\s+(?:(?:are|were|is|was)\s+)?(?:about|with|over|regarding)\s+{head}",
             rf"\babout\s+{head}(?=\s*(?:[?.!,;)]|$))"] if head else []
    return [re.escape(name), *extra]


def _types(q: str, types: list[str]) -> list[Implied]:
    # A category named only by stop words (the CFPB's issue "Other") is never meant by them.
    namable = [t for t in types if set(terms(t)) - stop_words()]
    # "Complaints excluding billing issues": the other types
    return [excluded(q, read, types) for read in _named("type", q, namable, _type_patterns)]


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
    read = Implied("company", named[0] if len(named) == 1 else tuple(sorted(named)),
                   " / ".join([*(match.said or named), *match.left_out]))
    # "other than Equifax", "excluding Wells Fargo", "without Chase": every other company
    return [excluded(q, read, companies, without=True)]


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

    def code(word: str) -> str | None:  # names are matched in any case, codes as capitals
        return said.get(word) or said.get(word.lower())

    hits = []
    # "in NY and CA", "in Virginia, Texas or Ohio", "in California versus Texas"
    # "How do complaints in Texas compare to California?" too
    listed = (rf"{one}(?:\s*(?:,|\band\b|\bor\b|&|\bversus\b|\bvs\b\.?|\bagainst\b|"
              rf"\b(?:compared?|compares)\s+(?:to|with)\b)\s*{one})*")
    for match in re.finditer(rf"\b(?i:in|from|of|outside|excluding|except|besides)\s+(?i:the\s+state\s+of\s+)?{listed}",
                             q):
        codes = [code(w) for w in re.findall(one, match.group(0))]
        hits += [(code, match.group(0)) for code in codes if code]
    # "Which has more complaints, Texas or California?": two or more states' names listed are the
    # states, whatever stands before them (not codes: "OR" and "IN" are words too).
    pair = rf"{one}(?:\s*(?:,\s*(?:and\s+|or\s+)?|\band\b|\bor\b|&|\bversus\b|\bvs\b\.?)\s*{one})+"
    for match in re.finditer(rf"(?<!\w){pair}(?!\w)", q):
        names = re.findall(one, match.group(0))
        if all(len(w) > 2 for w in names) and len({code(w) for w in names} - {None}) > 1:
            hits += [(code(w), match.group(0)) for w in names
                     if code(w) and not any(match.group(0) in h for _, h in hits)]
    alone = re.fullmatch(rf"\s*(?P<state>{one})\s*[?.!]*\s*", q)  # "Texas?": a state, asked alone
    if not hits and alone and len(alone.group("state")) > 2:
        hits = [(code(alone.group("state")), alone.group("state"))]
    if not hits:
        return []
    codes = sorted(dict.fromkeys(code for code, _ in hits))
    read = Implied("state", codes[0] if len(codes) == 1 else tuple(codes),
                   " / ".join(dict.fromkeys(phrase for _, phrase in hits)))
    # "outside California": the preposition is the exclusion; "not in California": before it.
    outside = re.match(r"(?i)(outside|excluding|except|besides)\s+(?:the\s+state\s+of\s+)?", read.phrase)
    if outside:
        read = Implied("state", read.value, read.phrase[outside.end():])
    return [excluded(q, read, states)]


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
# left out is read as the other values (`excluded`); "without" is left alone ("repossession
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
             *question_statuses.read(q, vocabulary.statuses), *question_periods.read(q), *_submitted_via(q, vocabulary.submitted_via),
             *question_statuses.read_outcomes(q, vocabulary.outcomes or None), *_states(q, vocabulary.states), *_tags(q, vocabulary.tags),
             *question_products.read(q, vocabulary.products, vocabulary.sub_products, vocabulary.alike,
                                     parents=vocabulary.parents),
             *_yes_no(q, "consumer_disputed", vocabulary.disputed, _NOT_DISPUTED, _DISPUTED)]
    if not any(i.key in ("product", "sub_product") for i in found):
        found += question_products.read_written(q, vocabulary)
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
    named = question_products.read(text, vocabulary.products, vocabulary.sub_products, vocabulary.alike, whole=True,
                                   parents=vocabulary.parents)
    # In other words only where the text is little more than them ("and car loans?"), else where
    # they are its subject: "the debit card not working" names no product.
    for item in named or question_products.read_written(text, vocabulary, whole=len(content_words(text)) <= 3):
        out += [("product", phrase) for phrase in item.phrase.split(" / ")]
    out += [("state", words) for words in _state_words(text, vocabulary.states)]
    # The CFPB's tags are whom too: "What about older Americans?" after servicemembers.
    out += [("tags", phrase) for item in _tags(text, vocabulary.tags) for phrase in item.phrase.split(" / ")]
    # How they ended narrows which complaints too: "Show me the newest ones" after "How many got
    # relief?" are the newest that got relief.
    for item in [*question_statuses.read(text, vocabulary.statuses), *question_statuses.read_outcomes(text, vocabulary.outcomes or None)]:
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
# gives; "Why was my account closed?" and "closing on a mortgage" are about a closing. As a
# follow-up it ends the clause before the last question's context: "How were they closed (about
# student loans in Texas)?", "...: Which companies?".
_HOW_CLOSED = re.compile(r"(?<=^how\b)(?P<asked>.*?)\bclosed(?=\s*(?:\([^()]*\)\s*)*(?:[?.!:]|$))", re.I | re.S)
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
