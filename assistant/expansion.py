"""Domain query expansion and the evidence test that keeps unrelated complaints out.

With all-MiniLM-L6-v2, similarity alone cannot tell a relevant complaint from a
billing complaint about something else (relevant ~0.35-0.8, unrelated 0.3-0.55 on the
same questions), and it happily matches the letter furniture every business response
shares. Words can: a question about late fees is answered by complaints that talk about
late fees. So a question is read as

  * concepts: domain topics with the many ways customers and businesses phrase them
    (a "mid-cycle cancellation" is "cancelled in the middle of the billing period",
    "no proration", "charged for the entire month", "final bill" ...), or an outcome
    tag from index/outcomes.py ("which complaints got an adjustment?"); and
  * the remaining informative words, weighted by how rare they are in the index.

A complaint's coverage is the share of that weight it contains. Concepts weigh double:
they are what the question is about, the rest is detail. A word that occurs in no
complaint keeps full weight, which is what makes "discounts for military veterans"
unanswerable instead of an answer about discounts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from index.records import Complaint

from . import sentences


@dataclass(frozen=True)
class Concept:
    name: str
    trigger: str  # regex on the question; the words it spans are explained by the concept
    evidence: str = ""  # regex on the complaint's own words
    outcome: str = ""  # or: an outcome tag the complaint carries
    expand: str = ""  # words added to the keyword query

    def matches(self, complaint: Complaint, text: str) -> bool:
        if self.outcome and self.outcome in complaint.outcomes:
            return True
        return bool(self.evidence) and re.search(self.evidence, text, re.I) is not None


_EQUIPMENT = r"(?:equipment|modem|router|phone|cell ?phone|box(?:es)?|receiver|device|order(?:ed)?|package|delivery)"
_CANCEL = r"(?:cancel\w*|disconnect\w*|terminat\w*|clos(?:e|ed|ing) (?:my |the )?account|mov(?:e|ed|ing))"

# Order matters: a narrower concept claims its words before a broader one can
# ("refuse a credit adjustment" is a denial, not an adjustment).
CONCEPTS: tuple[Concept, ...] = (
    Concept("customer_rejected",
            r"\breject\w*\b.{0,40}\b(?:response|resolution|answer|offer)\w*|\b(?:not|un)\s*satisfied\b",
            outcome="customer_rejected", expand="rejecting this response"),
    Concept("credit_denied",
            r"\b(?:refus\w*|den(?:y|ies|ied)|declin\w*|won'?t|not|no)\b(?:\s+\w+){0,3}\s+"
            r"(?:credit(?!\s+card)|adjust\w*|refund\w*)(?:\s+(?:was|is|were)?\s*(?:not\s+)?warranted)?"
            r"|\bnot\s+warranted\b",
            outcome="credit_denied", expand="credit adjustment not warranted"),
    Concept("midcycle_cancellation",
            r"\bmid[- ]?(?:cycle|month|period)\b(?:\s+cancel\w*)?|\bmiddle of (?:the |a )?(?:billing )?(?:cycle|period|month)"
            r"|\bprorat\w*|\bpartial (?:month|bill\w*)|\b(?:whole|full|entire) month\b|\bfinal (?:bill|invoice|statement)s?"
            r"|\bmonthly subscription\b(?:\s+polic\w*)?|\b(?:billed|charged|bill)\b(?:\s+\w+){0,3}\s+after\b(?:\s+\w+){0,3}\s+"
            + _CANCEL + r"(?:\s+or\s+" + _CANCEL + r")?(?:\s+service)?|\b(?:cancel\w*|terminat\w*)(?:\s+or\s+(?:mov\w*|disconnect\w*))?",
            evidence=r"prorat\w*|final bill|monthly subscription|(?:entire|whole|full|another) month"
                     r"|middle of the billing|billing (?:cycle|period)",
            expand="cancel cancellation final bill prorated proration monthly subscription entire month billing period"),
    Concept("late_fee", r"\blate (?:fee|charge|payment)s?\b|\b(?:bounc\w*|returned) (?:check|payment)s?",
            evidence=r"\blate (?:fee|charge|payment)s?|bounc\w*|returned (?:check|payment)",
            expand="late fee late fees check bounced"),
    Concept("autopay", r"\bauto[- ]?pay\w*|\bautomatic (?:payment|billing)s?",
            evidence=r"\bauto[- ]?pay\w*|automatic (?:payment|billing)", expand="autopay auto pay fee"),
    Concept("equipment_missing",
            r"(?:\b" + _EQUIPMENT + r"\b(?:\s+\w+){0,4}?\s+)?\b(?:never|not|didn'?t|did not|wasn'?t|was not)\s+"
            r"(?:\w+\s+)?(?:arriv\w*|deliver\w*|sent|shipped|receiv\w*|show(?:ed|n)? up|came)"
            r"|\bmissing\b(?:\s+from)?(?:\s+(?:the|my|a))?(?:\s+(?:delivery|package|order|box))?|\bempty (?:box|package)",
            evidence=r"\bnever (?:been )?(?:sent|arrived|delivered|received|came|shipped)|\bwas empty\b"
                     r"|\bmissing (?:phone|modem|router|box|equipment|device|package|order|item)"
                     r"|\b(?:equipment|modem|router|phone|box|package|order|device)\w* (?:i|we) (?:did not|didn'?t|never) "
                     r"(?:receive|get)",
            expand="never sent never arrived missing not delivered empty box"),
    Concept("promised_rate",
            r"\bpromo\w*(?:\s+(?:rate|price|offer|discount)s?)?|\bdiscount\w*|\b(?:rate|price)s?\b(?:\s+\w+){0,3}\s+"
            r"(?:honou?r\w*|promis\w*|lock\w*|increas\w*)|\b(?:honou?r\w*|promis\w*)\b(?:\s+\w+){0,3}\s+(?:rate|price)s?"
            r"|\bprice (?:increase|hike)s?|\blocked[- ]in\b",
            evidence=r"promotion\w*|discount|rate (?:was not|wasn'?t) honou?red|permanent rate|locked in"
                     r"|increased (?:my|the) bill",
            expand="promotional rate discount honored promised price increase"),
    Concept("service_at_occupied_address",
            r"\b(?:start\w*|set(?:ting)? up|open\w*|new)\s+(?:\w+\s+){0,2}service\w*(?:\s+at\s+(?:an?|the|my|a new)\s+"
            r"(?:address|location|home|apartment|residence|place))?|\bactive service\b|\bcurrent (?:resident|tenant|occupant)"
            r"|\bsomeone else\W?s? (?:still )?(?:has|account|service)",
            evidence=r"\bstart(?:ing)? (?:\w+ ){0,2}services?\b|\bactive service\b|current resident|still connected",
            expand="starting services location active service current resident"),
    Concept("coaching",
            r"(?:\b(?:agents?|staff|employees?|reps?|representatives?)\s+(?:\w+\s+){0,2})?\b(?:coach\w*|retrain\w*|training)"
            r"(?:\s+or\s+(?:coach\w*|retrain\w*))?",
            outcome="coaching", expand="coaching retraining"),
    Concept("documentation",
            r"\b(?:requir\w*|need\w*|ask\w*|provid\w*|submit\w*)?\s*(?:\w+\s+){0,2}"
            r"(?:documentation|documents?|proof|identification|lease)\b",
            outcome="documentation_required", expand="required documentation"),
    Concept("adjustment",
            r"\b(?:adjust\w*|refund\w*|credit(?!\s+card)\w*|money back|reimburs\w*|waiv\w*)",
            outcome="adjustment_applied", expand="adjustment applied credit refund"),
    Concept("debt_collection", r"\bdebt\b(?:\s+collect\w*)?|\bcollections?\b(?:\s+(?:agency|agencies|company))?",
            evidence=r"\bdebt\b|\bcollection (?:company|agency)|\bcollections\b", expand="debt collector collection"),
    Concept("unauthorized_charge",
            r"\bwithout (?:my |their |the customer'?s? )?(?:permission|consent|authori\w*)|\bunauthori\w*|\bnot authori\w*",
            evidence=r"without (?:my )?(?:permission|consent)|never authori\w*|unauthori\w*|not authori\w*",
            expand="without permission never authorized"),
    Concept("rude_staff", r"\brude\w*|\bdisrespect\w*|\battitude\w*|\bdiscourte\w*|\bcourte\w*",
            evidence=r"\brude\w*|disrespect\w*|attitudes?\b|courtesy", expand="rude attitude courtesy"),
    Concept("disconnected", r"\b(?:disconnect\w*|cut off|shut off|outage\w*|service (?:was|went) out)",
            evidence=r"disconnect\w*|cut off|shut off|(?:internet|service) (?:was|went) out",
            expand="disconnected service out"),
    Concept("equipment_return",
            r"\breturn\w*\b(?:\s+\w+){0,4}\s+(?:box(?:es)?|equipment|modem|router|receiver|device)s?"
            r"|\brent\w*\s+(?:\w+\s+){0,2}(?:box(?:es)?|equipment|modem|router)",
            evidence=r"\breturn\w*\b(?:\s+\w+){0,6}\s+(?:box(?:es)?|equipment|modem|router)"
                     r"|(?:equipment|box(?:es)?)\s+(?:was|were)\s+returned|\brent(?:ing)?\b(?:\s+\w+){0,3}\s+(?:box|equipment)",
            expand="return equipment cable boxes rent"),
)

# Words that carry no topic in a question about complaints.
STOPWORDS = frozenset("""
a about above after again against all also am an and any anyone anything are as at be because been before being
below between both but by can could did do does doing done down during each either else ever every few for from
further get gets getting give given gives go goes going got had has have having he her here hers him his how i if
in into is it its itself just let like made make makes many may me might more most much must my no nor not now of
off on once one only or other our out over own per please same say said says she should show so some such tell than
that the their them then there these they this those through to too under until up us very was way we were what
when where whether which while who whom whose why will with within without would yes yet you your
charter spectrum company companies business businesses complaint complaints complain complained complains
customer customers service services account accounts people person anybody someone somebody happen happens
happened handle handles handled handling mean means meaning know want wanted need needs
offer offers offered provide provides send sent still use used using respond responds responded response deal deals treat case cases issue issues problem problems kind
typically usually often common commonly pattern patterns policy policies similar charge charged charges
charging bill billed billing pay paid paying payment
""".split())

_WORD = re.compile(r"[a-z0-9$][a-z0-9$'.]*[a-z0-9]|[a-z0-9]")


def stem(word: str) -> str:
    """Crude and consistent: both sides go through it, which is all that matters here."""
    word = word.lower().strip("'.").removesuffix("'s")
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: len(word) - len(suffix)] + repl
    return word


def terms(text: str) -> set[str]:
    return {stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1} - {""}


@dataclass
class Expansion:
    question: str
    concepts: list[Concept] = field(default_factory=list)
    words: set[str] = field(default_factory=set)  # informative words no concept explains

    @property
    def keyword_query(self) -> str:
        return " ".join([self.question, *(c.expand for c in self.concepts)])

    @property
    def informative(self) -> bool:
        return bool(self.concepts or self.words)


def expand(question: str) -> Expansion:
    rest = question
    found = []
    for concept in CONCEPTS:
        hit = re.search(concept.trigger, rest, re.I)
        if hit and hit.group(0).strip():
            found.append(concept)
            rest = re.sub(concept.trigger, " ", rest, flags=re.I)
    return Expansion(question=question, concepts=found, words=terms(rest))


class CorpusTerms:
    """Per-complaint words and concept matches, and how rare each is: rebuilt when the index changes."""

    def __init__(self, complaints: list[Complaint]):
        self.n = len(complaints)
        self.complaints = {c.complaint_id: c for c in complaints}
        self.text = {c.complaint_id: _own_words(c) for c in complaints}
        self.words = {cid: terms(text) for cid, text in self.text.items()}
        self.df: dict[str, int] = {}
        for ws in self.words.values():
            for w in ws:
                self.df[w] = self.df.get(w, 0) + 1
        self._concept_df: dict[str, int] = {}
        self._matches: dict[tuple[str, str], bool] = {}

    def has(self, cid: str, concept: Concept) -> bool:
        key = (cid, concept.name)
        if key not in self._matches:
            self._matches[key] = concept.matches(self.complaints[cid], self.text[cid])
        return self._matches[key]

    def idf(self, df: int) -> float:
        # A word no complaint uses weighs as much as one that a single complaint uses: rare enough
        # to sink a complaint that lacks it, not so heavy that one stray word empties every answer.
        return math.log((self.n + 1) / (max(df, 1) + 0.5))

    def concept_weight(self, concept: Concept) -> float:
        if concept.name not in self._concept_df:
            self._concept_df[concept.name] = sum(self.has(cid, concept) for cid in self.complaints)
        return 2.0 * self.idf(self._concept_df[concept.name])

    def coverage(self, expansion: Expansion, cid: str) -> float:
        """Share of the question's weight that complaint `cid` contains (0..1)."""
        if cid not in self.complaints:
            return 0.0
        total = got = 0.0
        for concept in expansion.concepts:
            w = self.concept_weight(concept)
            total += w
            got += w if self.has(cid, concept) else 0.0
        for word in expansion.words:
            w = self.idf(self.df.get(word, 0))
            total += w
            got += w if word in self.words[cid] else 0.0
        return got / total if total else 0.0


def _own_words(c: Complaint) -> str:
    """What the complaint says, without the letter furniture every response shares."""
    parts = [c.narrative, *(r.text for r in c.business_responses), *(r.text for r in c.customer_answers)]
    return " ".join(s for p in parts if p for s in sentences.substantive(p))
