"""How a complaint ended, as a question names it: the statuses the index holds ("monetary
relief", "closed with explanation", "unresolved", "in progress") and the outcomes tagged at ingest
("got a refund", "customer rejected the offer")."""

from __future__ import annotations

import re
from collections import Counter
import dataclasses

from index.keywords import stop_words, terms

from .implied import KIND_WORDS, Implied, content_words, telling


# Statuses that mean the customer got what they asked for: BBB's "Resolved" and the CFPB's
# "Closed with ... relief". "Unresolved" is every other status the index holds.
RESOLVED_STATUSES = {"resolved", "closed with monetary relief", "closed with non-monetary relief",
                     "closed with relief"}


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
        # "How many complaints did the business not respond to?"
        r"\bdid\s+(?:the\s+(?:business|company)|they|it)\s+(?:not|never)\s+(?:respond|reply)\b",
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


def read(q: str, statuses: list[str]) -> list[Implied]:
    words = content_words(q)
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


# "didn't get relief", "did not receive any relief", "got no relief": the customer's side only ("Which
# companies never gave relief?" asks of companies, not of complaints).
_NOT_RECEIVED = re.compile(r"(?:(?:\b\w+n't|\b(?:not|never))\s+(?:get|receive)|\b(?:got|received)\s+no)\s+"
                           r"(?:(?:any|a|an)\s+)?(?P<word>[A-Za-z-]+)\b", re.I)


def _status_received(q: str, own_terms: dict[str, list[str]], shared: Counter) -> list[Implied]:
    """"Which ones got relief?": every status holding the word received, where that word is one
    of a few statuses' own (CFPB: "Closed with monetary relief", "... non-monetary relief"); its
    rate ("the relief rate") too. Not received: every other status."""
    for match in _NOT_RECEIVED.finditer(q):
        word = (terms(match.group("word")) or [""])[0]
        if 0 < shared[word] * 2 <= len(own_terms):
            others = sorted(s for s, ts in own_terms.items() if word not in ts)
            return [Implied("status", others[0] if len(others) == 1 else tuple(others), match.group(0))]
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


_NEGATED_BEFORE = re.compile(r"(?:\b(?:no|not|without)|\w+n't)\s+(?:\w+\s+){0,2}$", re.I)
_ENDING_STEMS = frozenset(terms("resolved ended concluded finished"))
_NEVER_BEFORE = re.compile(r"\bnever\s+(?:\w+\s+){0,2}$", re.I)
_ENDING_VERBS = r"end(?:ed|s|ing)?|finish(?:ed|es)?|conclud(?:ed|es)"
_ENDED_WITH = re.compile(rf"\b(?:{_ENDING_VERBS})\s+(?:up\s+)?(?:with|in)\s+$", re.I)


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
        if negated and telling(q):
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
    match = None if telling(q) else re.search(rf"\b(?:still\s+)?in\s+progress\b|\bstill\s+open\b|"
                                               rf"\bopen\s+{KIND_WORDS}", q, re.I)
    if match and "in progress" in by_lower:
        return [Implied("status", by_lower["in progress"], match.group(0))]
    # "weren't resolved", "haven't been resolved", "never got resolved" too
    match = match or re.search(rf"\b(?:(?:still\s+)?(?:unresolved|not\s+(?:yet\s+)?resolved)|still\s+open|"
                               rf"(?:were|was|are|is|have|has|had)n't\s+(?:yet\s+)?(?:been\s+)?resolved|"
                               rf"never\s+(?:got\s+|been\s+|was\s+|were\s+)?resolved|open\s+{KIND_WORDS})\b", q, re.I)
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
    match = (re.search(rf"\b(?:resolved\s+(?:{KIND_WORDS}|ones)|only\s+(?:the\s+)?resolved)\b", q, re.I)
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


# "end with money back": the verb of ending goes with the outcome, no topic of its own
_ENDING_BEFORE = re.compile(rf"\b(?:{_ENDING_VERBS}|clos(?:e|ed|es|ing)|resolv(?:e|ed|es|ing))\s+(?:up\s+)?$", re.I)


def read_outcomes(q: str, known: list[str] | None) -> list[Implied]:
    hits = []
    for name, patterns in _OUTCOME_RES.items():
        if known is not None and name not in known:
            continue
        for pattern in patterns:
            match = pattern.search(q)
            if match:
                said_with = re.match(r"(?i)(?:with|in)\b", match.group(0))
                ending = _ENDING_BEFORE.search(q[:match.start()]) if said_with else None
                hits.append(Implied("outcome", name, q[ending.start() if ending else match.start():match.end()]))
                break
    return hits
