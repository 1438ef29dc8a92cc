"""One filter read from a question (`Implied`), and what every reader of one shares: the words
for complaints, a question's content words, whether it tells someone's own story, and how a
value the question leaves out becomes the other values the index holds."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index import outcomes as _outcome_rules
from index.keywords import stop_words, terms

from .filters import ALL_OF


KIND_WORDS = r"(?:complaints?|issues?|problems?|cases?)"


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


def content_words(q: str) -> list[tuple[re.Match, str]]:
    """The question's words that are not stop words, each with its stem."""
    stop = stop_words()
    words = [(m, (terms(m.group(0)) or [""])[0]) for m in re.finditer(r"[A-Za-z0-9]+", q)]
    return [(m, t) for m, t in words if t and t not in stop]


# Someone telling their own story ("they have called me for the past two years") says how long
# it went on, not which complaints to read.
_FIRST_PERSON = re.compile(r"\b(?:i|me|my|mine|i'm|i've|we|us|our)\b", re.I)
# ... but "show me", "can I see", "I'd like to see" are someone asking, not telling.
_ASKING_FIRST_PERSON = re.compile(r"\b(?:show|tell|give|find|get|send|list|let|help)\s+(?:me|us)\b"
                                  r"|\b(?:can|could|may|should|do|shall)\s+(?:i|we)\b"
                                  r"|\b(?:i|we)(?:'d|\s+would|\s+want|\s+need)\s+(?:like\s+)?to\s+(?:see|know|read|find)\b", re.I)


def telling(q: str) -> bool:
    """Whether the question tells someone's own story ("my dispute is still in progress")."""
    return bool(_FIRST_PERSON.search(_ASKING_FIRST_PERSON.sub(" ", q)))


# "not about credit reporting", "excluding mortgages", "outside California": the values the index
# holds besides those named.
_EXCLUDING = re.compile(r"(?:\b(?:not|never)|n't)\s+(?:(?:about|for|involving|regarding|concerning|related\s+to|in|from)"
                        r"\s+(?:the\s+)?)?$|\b(?:excluding|except(?:\s+for)?|other\s+than|besides|apart\s+from|"
                        r"outside(?:\s+of)?|but\s+not)\s+(?:the\s+)?(?:(?:state\s+of|in|from)\s+)?$", re.I)


_WITHOUT = re.compile(r"\bwithout\s+(?:the\s+)?$", re.I)


def excluding_before(q: str, start: int, without: bool = False) -> re.Match | None:
    """The words that exclude what the question says at `start` ("excluding ", "not about "), if any."""
    if start < 0:
        return None
    return _EXCLUDING.search(q[:start]) or (_WITHOUT.search(q[:start]) if without else None)


def excluded(q: str, found: Implied, held: list[str], alike: dict[str, list[str]] | None = None,
              without: bool = False) -> Implied:
    """`found` as the other values the index holds, where the question excludes it ("Complaints not
    about credit reporting"): the phrase then takes in the words that exclude it. Unchanged
    where nothing excludes it, or where nothing else is held. `without`: "without" excludes too
    (a company; "credit cards without an annual fee" are still credit cards)."""
    first = found.phrase.split(" / ")[0]
    start = q.find(first)
    excluding = excluding_before(q, start, without)
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
