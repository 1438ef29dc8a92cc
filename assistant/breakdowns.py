"""The breakdown a question asks of its matching set: "Which states have the most complaints?"
is the set counted by state, "the trend over time" by month, "the fewest" the smallest values.

The words name the index's own fields; where the index holds no values for the field the
question is asked as usual (`Assistant._breakdown_asked`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# "Which states have the most complaints?", "complaints by product": a field named after these.
_BY_FIELD = {"state": "state", "product": "product", "subproduct": "sub_product", "issue": "issue",
             "subissue": "sub_issue", "company": "company", "compani": "company", "tag": "tags", "year": "month",
             "month": "month", "type": "type", "kind": "type", "sort": "type", "outcome": "outcome",
             "status": "status", "statuse": "status", "statu": "status"}
_BY = re.compile(r"(?:\b(?:break|broken|split|group(?:ed)?|sort(?:ed)?|count(?:ed)?)\s+"  # "break them down by state"
                 r"(?:(?:down|up|out)\s+)?(?:(?:them|it|those|these|this|that|the\s+[A-Za-z]+)\s+)?(?:(?:down|up|out)\s+)?"
                 r"(?=by\b|per\b))?"
                 # "the breakdown of statuses", "the distribution of states"
                 r"\b(?:which|what|top|by|per|each|most\s+common|busiest|rank|ranked|ranking|"
                 r"(?:breakdown|distribution|split|mix)\s+(?:of|by)|"
                 r"(?P<all>(?:list\s+)?all(?:\s+the)?|"
                 r"list(?:\s+the)?|how\s+many|(?:the\s+)?number\s+of))\s+(?:[A-Za-z]+\s+|\d+\s+)?"
                 r"(?P<word>states?|products?|sub-?products?|issues?|sub-?issues?|compan(?:y|ies)|tags?|years?|"
                 r"months?|types?|kinds?|sorts?|outcomes?|status(?:es)?)\b", re.I)
# "Who gets the most complaints?", "Where do most complaints come from?", "When did most of them
# happen?": the question word is the field (also after a follow-up's colon: "...: Who charges
# them the most?").
_BY_QUESTION_WORD = re.compile(r"(?:^|:\s)\s*(?P<word>who|where|when)\b(?=.*\b(?:most|peak(?:s|ed)?|spik(?:e|es|ed)|busiest)\b)",
                               re.I)
# "each credit bureau", "Which lender gets the most complaints?": the businesses complained about
# are the companies. Counted per business ("each", "per", "rank") or asked which of them with a
# ranking word after it: "Which bank accounts get frozen?" asks for no breakdown. A word before
# the noun ("debt collectors", "credit bureau") says which businesses: those words stay to be read.
_BUSINESSES = (r"(?P<noun>bureaus?|lenders?|banks?(?!\s+(?:accounts?|cards?|statements?|transfers?|fees?|errors?)\b)|"
               r"servicers?|collectors?|issuers?|agenc(?:y|ies)|firms?|businesses|institutions?|providers?)\b")
_WHICH_BUSINESSES = rf"(?P<which>(?:[A-Za-z]+\s+){{1,2}})?{_BUSINESSES}"
_BY_BUSINESS = (re.compile(rf"\b(?P<ask>(?:each|per|every|across|among|rank|ranked|ranking|top(?:\s+\d{{1,2}})?)\s+"
                           r"(?:the\s+)?)"
                           rf"{_WHICH_BUSINESSES}",
                           re.I),
                re.compile(rf"\b(?P<ask>(?:which|what)\s+){_WHICH_BUSINESSES}"
                           r"(?=.*\b(?:most|fewest|least|worst|best|(?:slow|fast|quick)(?:est|er)|"
                           r"biggest|largest|greatest|sharpest|highest|lowest)\b)", re.I),
                # "Which banks?", "What lenders?" and nothing more (also as a follow-up, after its
                # colon): the set by company
                re.compile(rf"(?:^|:\s)\s*(?P<ask>(?:which|what)\s+){_WHICH_BUSINESSES}(?=\s*[?.!]*\s*$)", re.I))
_QUESTION_WORD_FIELD = {"who": "company", "where": "state", "when": "month"}
# "How long does Equifax take to respond?": the CFPB's own field for it says whether the company
# answered within 15 days. Only the asking words are the phrase: the name between stays a name.
_HOW_LONG = re.compile(r"\b(?P<how>how\s+(?:long|quickly|fast|soon))\b(?:\s+[\w&.'-]+){0,6}?\s+"
                       r"(?P<verb>(?:(?:take|takes|took|taking)\s+(?:[\w&.'-]+\s+){0,3}?to\s+)?"
                       r"(?:respon(?:d|ds|ded|se)|answer(?:s|ed)?|repl(?:y|ies|ied)))\b", re.I)
# "What's the average time for a company to respond?", "the typical response time" ask it too.
_AVERAGE = r"average|typical|usual|mean|median"
_AVERAGE_TIME = re.compile(rf"\b(?P<how>(?:{_AVERAGE})\s+(?:amount\s+of\s+)?time)\b"
                           r"(?:\s+[\w&.'-]+){0,6}?\s+(?P<verb>(?:respond|answer|reply)(?:s|ed)?)\b"
                           rf"|\b(?P<average>{_AVERAGE})\s+(?P<noun>(?:response|reply|answer)\s+times?)\b", re.I)


def business_noun(text: str) -> str | None:
    """The first noun for the businesses complained about in a text ("credit bureaus" -> "bureaus"),
    for a follow-up that says "which one" of them."""
    match = re.search(_BUSINESSES, text or "", re.I)
    return match.group("noun") if match else None


@dataclass(frozen=True)
class Breakdown:
    """A field the question asks the matching set to be counted by, with the words that ask it."""

    field: str
    phrase: str
    fewest: bool = False  # "Which company has the fewest complaints?": the smallest values asked for
    rate: bool = False  # "Which product has the highest rate of monetary relief?": each value's share
    top: int | None = None  # "the top 5 companies": how many values asked for
    every: bool = False  # "How many companies?", "List all states": how many values there are, and as many as shown
    least: int | None = None  # "companies with more than 100 complaints": the values with at least this many
    most: int | None = None  # "... with fewer than 5 complaints": at most this many
    passing: str = ""  # the question's words for that threshold ("more than 100")
    growth: int = 0  # "the biggest jump in 2023": each value's change from the period before (1: rise, -1: fall)
    average: bool = False  # "the average number of complaints per company": the set's count over its values
    # "companies with a timely response rate below 90%": the values whose own rate passes (0..1, inclusive)
    rate_least: float | None = None
    rate_most: float | None = None


# "the most common problems": the category counted; "over time", "the trend": the month.
_BY_RANK = re.compile(r"\b(?:most\s+(?:common|frequent)|top|biggest|main|leading)\s+(?:[A-Za-z]+\s+)?"
                      r"(?:problems?|complaints?|reasons?|issues?)\b"
                      # "What do customers complain about most?", "What are they most upset about?"
                      r"|\b(?:complain(?:s|ed|ing)?|upset|angry|unhappy)\s+about\s+(?:the\s+)?most\b"
                      r"|\bmost\s+(?:often\s+)?(?:complain(?:s|ed)?|upset|angry|unhappy)\s+about\b"
                      # "What are complaints about Capital One mostly about?"
                      r"|\b(?:mostly|mainly|usually|generally|typically)\s+about(?=\s*[?.!]*\s*$)", re.I)
# "What do servicemembers complain about?": what about, with nothing after it but whose or where
# ("... about with student loans?", "... about at Navient?", "... about in Texas?").
_WHAT_ABOUT = re.compile(r"^\s*what\b.*?\b(?P<said>(?:complain(?:s|ed|ing)?|upset|angry|unhappy)\s+about)"
                         r"(?=(?:\s+(?:with|at|in|for)\s+[^?.!]+)?\s*[?.!]*\s*$)", re.I)
# "What were they about?", "What are these complaints about?" (a follow-up: after the last
# question and ": ", or its context in brackets after it): what the set is about, by its categories.
_WHAT_THEY_ARE_ABOUT = re.compile(r"(?:^|:)\s*what\s+(?:are|were|is|was)\s+(?P<said>(?:they|those|these|it|that|the\s+ones|"
                                  r"(?:the|these|those)\s+complaints)\s+(?:mostly\s+|mainly\s+|all\s+)?about)"
                                  r"(?=\s*(?:\([^()]*\)\s*)*[?.!]*\s*$)", re.I)


def what_they_are_about(text: str) -> bool:
    """Whether a text only asks what a set is about ("What were they about?")."""
    return bool(_WHAT_THEY_ARE_ABOUT.search(text))


_BY_TIME = re.compile(r"\b(?:(?:getting|gotten|become|became)\s+(?:better|worse)(?:\s+or\s+(?:better|worse))?"
                      r"|(?:(?:changed?|grown|grew|risen|rose|fallen|fell|increased|decreased)\s+)?"
                      r"over\s+(?:time|the\s+years)|trends?|year\s+(?:by|over)\s+year"
                      r"|(?:increasing|decreasing|rising|falling|growing|declining)\s+(?:number\s+of\s+)?complaints"
                      r"|(?:date|time)\s+(?:range|span|period))\b",
                      re.I)
# "Are mortgage complaints increasing?", "Are complaints about fraud rising?": a question about
# complaints whose last word is that they rise or fall ("Are banks increasing fees?" is not).
_RISING_LAST = re.compile(r"\b(?:increasing|decreasing|rising|falling|growing|declining|improving|worsening)(?=\s*[?.!]*\s*$)",
                          re.I)


# "Which company had the biggest jump in 2023?", "Which states grew the most?": each value's change
# from the period before, the largest rise (or fall) first.
_GROWTH = re.compile(r"\b(?:(?:biggest|largest|greatest|most|fastest|highest|sharpest)\s+"
                     r"(?:(?P<up>jump|increase|rise|growth|spike|surge|gain)|(?P<down>drop|decrease|decline|fall))s?"
                     r"|(?:(?P<grew>grew|grown|increased|rose|risen|jumped|spiked)|"
                     r"(?P<fell>dropped|decreased|declined|fell|fallen))\s+(?:the\s+)?most"
                     # "Which issues are growing the fastest?"
                     r"|(?P<growing>growing|rising|increasing)\s+(?:the\s+)?(?:fastest|most)"
                     r"|(?:falling|declining|shrinking|dropping|decreasing)\s+(?:the\s+)?(?:fastest|most))\b", re.I)


# "What is the average number of complaints per company?", "How many complaints a month on average?"
_MEAN = re.compile(r"\b(?:on\s+)?(?:average|mean|median)\b", re.I)


# "Have mortgage complaints gone up?", "Did Equifax complaints go down in 2020?", "... gone up or
# down?", "How did complaints about debt collection change?": said of complaints (the words before
# it), a question of their trend.
_CHANGED = re.compile(r"\b(?:(?:go|goes|going|gone|went)\s+(?:up|(?P<down>down))(?:\s+or\s+(?:up|down))?|"
                      r"increase[ds]?|rise[sn]?|rose|"
                      r"grow[sn]?|grew|(?P<fall>decrease[ds]?|fall(?:en|s)?|fell|drop(?:ped|s)?|decline[ds]?)|change[ds]?)"
                      r"(?=\s*(?:[?.!]|$|(?:in|during|since|from|between|after|before|over|this|last)\b))", re.I)


_FEWEST = re.compile(r"\b(?:fewest|(?<!\bat\s)least)\b", re.I)


# "the highest rate of monetary relief", "most likely to give relief": each value's share of its
# own complaints, not its count (matching.whole_set, where the set is narrowed by how it ended).
# "Which companies are slowest to respond?": the share of each one's complaints answered late.
_SPEED = (r"(?:slow|fast|quick)(?:est|er)(?=\s+(?:to|at|in)\s+(?:respon|answer|repl))"
          r"|(?<![\w-])(?:respon|answer|repl)\w*\s+(?:the\s+)?(?:slow|fast|quick)(?:est|er)")
_RATE = re.compile(r"\b(?:(?P<high>highest|biggest|largest|best|worst|top|most\s+likely|more\s+likely|most\s+often|"
                   rf"higher|bigger|larger|greater|better|worse|more\s+often|{_SPEED})|"
                   r"(?P<low>lowest|smallest|least\s+likely|less\s+likely|least\s+often|lower|smaller|less\s+often))"
                   r"(?:\s+(?:rates?|shares?|percentages?|proportions?|fractions?|odds|chances?))?\b", re.I)
_COMPARED_RATES = re.compile(r"\bcompar(?:e|es|ed|ing)\b.*?\b(?:rates?|shares?|percentages?)\b"
                             r"|\b(?:rates?|shares?|percentages?)\b.*?\bcompar(?:e|es|ed|ing)\b", re.I)
# "the relief rate by company", "the share with monetary relief for each product": a rate asked per value.
_RATE_WORD = re.compile(r"\b(?:rates?|shares?|percent(?:ages?)?|proportions?|fractions?)\b", re.I)
_PER_VALUE = re.compile(r"(?:by|per|each|every|across)\b", re.I)
_RATE_NOUN = re.compile(rf"\b(?:rates?|shares?|percentages?|proportions?|fractions?|odds|chances?|likely|often|"
                        rf"{_SPEED})\b", re.I)


# "a timely response rate below 90%", "a relief share of at least 10 percent": a rate that passes.
_RATE_PASSING = re.compile(r"\b(?:rates?|shares?|percentages?|proportions?)\s+(?:(?:is|are|was|were|of)\s+)?"
                           r"(?P<op>below|under|(?:less|lower|more|higher|greater)\s+than|above|over|at\s+least|"
                           r"at\s+most)\s+(?P<n>\d{1,3}(?:\.\d+)?)\s*(?:%|percent\b)", re.I)


def _rate_passing(question: str) -> tuple[str, float | None, float | None, bool] | None:
    """(phrase, least, most, the low end asked) of a rate threshold the question sets, if any."""
    match = _RATE_PASSING.search(question)
    if not match:
        return None
    op, n = " ".join(match.group("op").lower().split()), float(match.group("n")) / 100
    low = op in ("below", "under", "less than", "lower than", "at most")
    exact = op in ("at least", "at most")
    # Below 90% leaves 90% out; at most 90% keeps it.
    bound = n if exact else n - 1e-9 if low else n + 1e-9
    return match.group(0), None if low else bound, bound if low else None, low


_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_NUMBER = rf"(?P<n>\d{{1,2}}|{'|'.join(_NUMBER_WORDS)})"
NUMBER_WORDS = _NUMBER.replace("?P<n>", "?:")  # the same, for another module's pattern
_HOW_MANY = re.compile(rf"\b(?:top|which|what|the)\s+{_NUMBER}\b", re.I)
_NUMBER_BEFORE = re.compile(rf"\b{_NUMBER}\s+$", re.I)
MOST_SHOWN = 20  # values an answer lists at most, whatever number is asked


# "List the companies with more than 100 complaints", "states with fewer than 10 complaints": the
# values whose count passes; a field named right before it is the breakdown where no other words ask one.
# "Which states had no complaints?" is at most 0: values the set lacks (matching.whole_set).
_THRESHOLD = re.compile(r"(?:\b(?P<word>states?|products?|sub-?products?|issues?|sub-?issues?|compan(?:y|ies)|tags?|"
                        r"years?|months?|types?)\s+)?"
                        r"\b(?:(?:with|having|that\s+(?:have|has|had|got|get)|which\s+(?:have|has|had))\s+)?"
                        r"(?:(?P<op>more\s+than|over|above|at\s+least|(?:fewer|less)\s+than|under|below|at\s+most)\s+"
                        r"(?P<n>\d{1,3}(?:,\d{3})+|\d+)|(?P<none>no|zero))\s+complaints?\b"
                        # "Which states had none?" (of the last set's complaints)
                        r"|\b(?:have|has|had|got|get|with)\s+(?P<nothing>none)(?=\s*[?.!]*\s*$)"
                        # "Which companies had no untimely responses?": none of the set the words between read
                        r"|\b(?:have|has|had|got|get|with)\s+(?P<none_of>no|zero)\s+(?:[\w-]+\s+){1,2}?"
                        r"(?:complaints?|responses?)\b", re.I)


def _threshold(question: str) -> tuple[str, str | None, int | None, int | None, str] | None:
    """(phrase, field word, least, most, the words for the threshold) of a count threshold the
    question sets, if any."""
    match = _THRESHOLD.search(question)
    if not match:
        return None
    none = match.group("none") or match.group("nothing") or match.group("none_of")
    if none:  # "Which states had no complaints?": the values with none
        return match.group(0), match.group("word"), None, 0, none.lower()
    n, op = int(match.group("n").replace(",", "")), " ".join(match.group("op").lower().split())
    least = n + 1 if op in ("more than", "over", "above") else n if op == "at least" else None
    most = n - 1 if op in ("fewer than", "less than", "under", "below") else n if op == "at most" else None
    return match.group(0), match.group("word"), least, most, f"{op} {match.group('n')}"


# "Which has the higher relief rate, Equifax or TransUnion?": "which" with no field after it asks
# which of the values the question names.
_BARE_WHICH = re.compile(r"(?:^|[:;,]|\bso)\s*(?:which|who)(?:\s+one)?(?:\s+of\s+[^?.!]*?)?"
                         r"(?=\s+(?:has|had|have|gets?|got|gives?|gave|is|was|are|"
                         r"were|does|did|sees?|saw|receives?|received)\b)", re.I)


def breakdown_asked(question: str, named_field: str | None = None) -> Breakdown | None:
    """`named_field`: the field of which the question names a few values (the companies of "...,
    Equifax or TransUnion?"), what a bare "Which has ..." asks of."""
    question = question or ""
    asked = _breakdown(question)
    if asked is None and named_field:
        # Or a rate compared between them: "Does Navient or Nelnet have a lower relief rate?"
        said = _BARE_WHICH.search(question) or (_RATE.search(question) if _RATE_NOUN.search(question) else None)
        asked = Breakdown(named_field, re.sub(r"^[:;,\s]+", "", said.group(0))) if said else None
    threshold = _threshold(question)
    if threshold and asked is None and threshold[1]:
        named = _breakdown(f"by {threshold[1]}")
        asked = named and Breakdown(named.field, threshold[0])
    if asked is None:
        return None
    if threshold and asked.field not in ("month", "timely_response"):
        said, _, least, most, passing = threshold
        phrase = asked.phrase if said in asked.phrase else f"{asked.phrase} / {said}"
        asked = Breakdown(asked.field, phrase, least=least, most=most, passing=passing, every=True)
    number = _HOW_MANY.search(asked.phrase)
    if number is None:  # "the three biggest problems": the number right before the words asking
        first = asked.phrase.split(" / ")[0]
        at = question.find(first)
        number = _NUMBER_BEFORE.search(question[:at]) if at > 0 else None
    n = _number(number.group("n")) if number else 0
    top = min(n, MOST_SHOWN) if n > 0 else None
    rate = _RATE.search(question) if _RATE_NOUN.search(question) else None
    rate = rate or _COMPARED_RATES.search(question)  # "Compare relief rates across the bureaus": each one's
    if rate is None and _PER_VALUE.match(asked.phrase):  # "the relief rate by company": each one's own
        rate = _RATE_WORD.search(question)
    phrase = f"{asked.phrase} / {rate.group(0)}" if rate and rate.group(0) not in asked.phrase else asked.phrase
    passing_rate = _rate_passing(question) if asked.field not in ("month", "timely_response") else None
    if passing_rate:
        phrase = f"{phrase} / {passing_rate[0]}"
    growth = _GROWTH.search(question) if asked.field != "month" else None
    if asked.growth and not growth:  # a question of change, said as such (`_CHANGED`)
        return asked
    if growth:
        phrase = f"{phrase} / {growth.group(0)}"
    mean = _MEAN.search(question) if asked.field != "timely_response" and not (rate or growth) else None
    if mean:
        phrase = f"{phrase} / {mean.group(0)}"
    if passing_rate:  # the values that pass, as many as there are, the low end first where it is asked
        return Breakdown(asked.field, phrase, fewest=passing_rate[3], top=MOST_SHOWN, every=True, rate=True,
                         passing=passing_rate[0], rate_least=passing_rate[1], rate_most=passing_rate[2])
    return Breakdown(asked.field, phrase, fewest=bool(_FEWEST.search(question) or (rate and rate.groupdict().get("low"))),
                     top=MOST_SHOWN if asked.every and top is None else top, every=asked.every,
                     rate=bool(rate) and not growth, least=asked.least, most=asked.most, passing=asked.passing,
                     growth=(1 if growth.group("up") or growth.group("grew") or growth.group("growing") else -1)
                     if growth else 0,
                     average=bool(mean))


# "What is the status breakdown for ...?": the field named before the noun
_FIELD_BREAKDOWN = re.compile(r"\b(?P<word>state|product|sub-?product|issue|sub-?issue|company|tag|year|month|type|"
                              r"outcome|status)\s+(?:breakdown|distribution|split|mix)\b", re.I)


def _breakdown(question: str) -> Breakdown | None:
    match = _BY.search(question) or _FIELD_BREAKDOWN.search(question)
    business = None if match else next(filter(None, (p.search(question) for p in _BY_BUSINESS)), None)
    if business:
        said = f"{business.group('ask').strip()} / {business.group('noun')}" if business.group("which") else None
        return Breakdown("company", said or business.group(0))
    how_long = None if match else _HOW_LONG.search(question) or _AVERAGE_TIME.search(question)
    if how_long:
        said = [how_long.group(g) for g in ("how", "verb", "average", "noun") if how_long.groupdict().get(g)]
        return Breakdown("timely_response", " / ".join(said))
    asking = _BY_QUESTION_WORD.search(question) if not match else None
    if asking:
        return Breakdown(_QUESTION_WORD_FIELD[asking.group("word").lower()], asking.group("word"))
    if not match:
        for pattern, field in ((_BY_RANK, "issue"), (_BY_TIME, "month")):
            said = [m.group(0) for m in pattern.finditer(question)]
            if said:  # "the trend ... over time": every phrase that asks it is a word of asking
                return Breakdown(field, " / ".join(dict.fromkeys(said)))
        about = _WHAT_ABOUT.search(question) or _WHAT_THEY_ARE_ABOUT.search(question)
        if about:
            return Breakdown("issue", about.group("said"))
        rising = _RISING_LAST.search(question)
        if rising and re.search(r"\bcomplaints?\b", question[:rising.start()], re.I):
            return Breakdown("month", rising.group(0))
        changed = _CHANGED.search(question)
        if changed and re.search(r"\bcomplaints?\b", question[:changed.start()], re.I):
            # "Did complaints about identity theft increase in 2023?": by month, and against the
            # period before (matching._growth)
            falls = changed.group("down") or changed.group("fall")
            return Breakdown("month", changed.group(0), growth=-1 if falls else 1)
        return None
    word = re.sub(r"[^a-z]", "", match.group("word").lower())
    stem = word[:-3] + "y" if word.endswith("ies") else word.rstrip("s") if not word.endswith("ss") else word
    field = _BY_FIELD.get(stem) or _BY_FIELD.get(word.rstrip("s"))
    return Breakdown(field, match.group(0), every=bool(match.groupdict().get("all"))) if field else None


# "the 3 most recent complaints about Chase", "the latest Equifax complaints": the set's newest
# are its examples; "the oldest complaint", "the earliest ones" its oldest. Only where complaints
# are what is newest ("my latest statement" is a topic).
_NEWEST = re.compile(r"\b(?:(?:the\s+)?(?P<n>\d{1,2})\s+)?(?P<end>most\s+recent|latest|newest|(?<=the\s)last|oldest|"
                     r"earliest|(?<=the\s)first)\s+(?:(?P<m>\d{1,2})\s+)?(?:[A-Za-z&.'-]+\s+){0,3}?"
                     r"(?P<noun>complaints?|cases?|ones?)\b", re.I)


@dataclass(frozen=True)
class Newest:
    """The question asks for the set's newest (or, with `oldest`, its oldest) complaints as its
    examples, `top` of them (0: as many as usual), in the words `phrase`."""

    phrase: str
    top: int = 0
    oldest: bool = False


def newest_asked(question: str) -> Newest | None:
    match = _NEWEST.search(question or "")
    # "the first one" after a list is the first value listed (followup._TOP_ONE), not the oldest
    if not match or (match.group("noun").lower() == "one" and match.group("end").lower() in ("first", "last")):
        return None
    number = match.group("n") or match.group("m")
    # "the oldest complaint", "the newest one": one; "the latest complaints": as many as usual
    one = match.group("noun").lower() in ("complaint", "case", "one")
    top = min(int(number), MOST_SHOWN) if number else 1 if one else 0
    return Newest(match.group(0), top, oldest=match.group("end").lower() in ("oldest", "earliest", "first"))


# "Show 5 complaints about escrow shortages", "give me 10 examples": that many of the closest
# complaints cited, where no end of the set is asked for.
_SHOWN = re.compile(rf"\b(?:show|list|give|find|cite|pull|see|read)\s+(?:me\s+|us\s+)?(?:up\s+to\s+)?{_NUMBER}\s+"
                    r"(?:[A-Za-z&.'-]+\s+){0,3}?(?:complaints|examples|cases)\b", re.I)


@dataclass(frozen=True)
class Shown:
    """The question asks for `top` examples, in the words `phrase`."""

    phrase: str
    top: int


def shown_asked(question: str) -> Shown | None:
    match = _SHOWN.search(question or "")
    n = match and _number(match.group("n"))
    if not n:
        return None
    return Shown(match.group(0), min(n, MOST_SHOWN))


def _number(said: str) -> int:
    """"3" or "three" -> 3."""
    return int(said) if said.isdigit() else _NUMBER_WORDS[said.lower()]
