"""What a question returns: the answer text, its citations, and how long each step took."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from index.records import Complaint

# A citation marker as answers carry it: [n] points at the citation whose ref is n.
CITATION_MARKER = re.compile(r"\[(\d+)\]")


@dataclass
class Evidence:
    """One retrieved complaint, with the passage that matched the question best."""

    complaint: Complaint
    quote: str
    quote_section: str  # "complaint" | "business_response" | "customer_answer"
    score: float  # fused rank score, the order of the evidence list
    similarity: float  # best cosine similarity of any of its passages: how related it is at all
    passages: list[tuple[str, str, float]] = field(default_factory=list)  # (section, text, score)


@dataclass
class Citation:
    ref: int
    complaint_id: str
    company: str
    date: str
    type: str
    status: str
    narrative: str
    business_response: str | None
    customer_answers: list[str]
    outcomes: list[str]
    quote: str
    score: float
    external_id: str | None = None  # the source's own id (CFPB Complaint ID)
    source: str = ""  # file it was ingested from
    position: int = 0  # its order inside that file
    labels: dict = field(default_factory=dict)  # the source's own fields (CFPB product, issue, ...)

    @property
    def identity(self) -> str:
        """How people name the complaint: the source's id, else file and position."""
        if self.external_id:
            return f"CFPB complaint {self.external_id}"
        name = self.source.replace("\\", "/").rsplit("/", 1)[-1]
        return f"{name}, complaint #{self.position}" if name else f"complaint #{self.position}"

    @classmethod
    def from_evidence(cls, ref: int, ev: Evidence) -> "Citation":
        c = ev.complaint
        responses = [r.text for r in c.business_responses if r.text]
        return cls(
            ref=ref,
            complaint_id=c.complaint_id,
            company=c.company,
            date=c.date,
            type=c.type,
            status=c.status,
            narrative=c.narrative,
            business_response="\n\n".join(responses) if responses else None,
            customer_answers=[a.text for a in c.customer_answers if a.text],
            outcomes=list(c.outcomes),
            quote=ev.quote,
            score=round(float(ev.score), 4),
            external_id=c.external_id,
            source=c.source,
            position=c.position,
            labels=dict(c.labels),
        )


@dataclass
class AskResult:
    question: str
    answer: str
    backend: str
    citations: list[Citation]
    timings_ms: dict[str, float]
    filters: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # e.g. what the citation guard did
    guard: dict | None = None
    matching: dict = field(default_factory=lambda: {"count": 0})  # the whole matching set, see matching.py
    implied: list[dict] = field(default_factory=list)  # filters read from the question: key, value, phrase

    def to_dict(self) -> dict:
        out = {
            "question": self.question,
            "answer": self.answer,
            "backend": self.backend,
            "citations": [asdict(c) for c in self.citations],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "filters": self.filters,
            "notes": self.notes,
            "matching": self.matching,
            "implied_filters": self.implied,
        }
        if self.guard is not None:
            out["guard"] = self.guard
        return out
