"""Plain records that flow through ingest: parse -> clean -> chunk -> embed -> store."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field


@dataclass
class Reply:
    """A dated text inside a complaint: a business response or a customer answer."""

    date: str | None  # ISO YYYY-MM-DD
    text: str


@dataclass
class Complaint:
    company: str
    date: str  # ISO YYYY-MM-DD, the day the complaint was filed
    type: str
    status: str
    narrative: str
    business_responses: list[Reply] = field(default_factory=list)
    customer_answers: list[Reply] = field(default_factory=list)
    source: str = ""  # file it came from
    position: int = 0  # 1-based order inside that file
    source_format: str = ""
    outcomes: list[str] = field(default_factory=list)
    external_id: str | None = None  # the source's own id (CFPB "Complaint ID")
    # The source's own category fields, kept as found (CFPB: product, sub_product, issue,
    # sub_issue, state, tags, submitted_via, timely_response, consumer_disputed,
    # company_public_response). Scalars only: they become Chroma / catalog metadata.
    labels: dict[str, str] = field(default_factory=dict)
    complaint_id: str = ""

    def identity_key(self) -> str:
        """What makes two versions the same complaint: later replies or a new status
        change the content, never the identity."""
        if self.external_id:
            return f"ext|{self.company}|{self.external_id}"
        narrative = " ".join(self.narrative.lower().split())
        return f"{self.company}|{self.date}|{self.type}|{narrative}"

    def assign_id(self) -> "Complaint":
        digest = hashlib.sha256(self.identity_key().encode("utf-8")).hexdigest()
        self.complaint_id = f"c-{digest[:16]}"
        return self

    def content_hash(self) -> str:
        """Changes whenever what a reader sees changes: not where the complaint came from
        (file, position, text or HTML), nor how its lines were wrapped, so the same page
        saved as text and as HTML is the same complaint, unchanged."""

        def words(value):
            if isinstance(value, str):
                return " ".join(value.split())
            if isinstance(value, dict):
                return {k: words(v) for k, v in value.items()}
            if isinstance(value, list):
                return [words(v) for v in value]
            return value

        payload = {k: words(v) for k, v in self.to_dict().items()
                   if k not in ("source", "position", "source_format")}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()[:16]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Complaint":
        data = dict(data)
        data["business_responses"] = [Reply(**r) for r in data.get("business_responses") or []]
        data["customer_answers"] = [Reply(**r) for r in data.get("customer_answers") or []]
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def month(self) -> str:
        return self.date[:7]

    @property
    def date_int(self) -> int:
        return int(self.date.replace("-", ""))


@dataclass
class Chunk:
    """A token-bounded passage of one section of one complaint."""

    chunk_id: str
    complaint_id: str
    section: str  # "complaint" | "business_response" | "customer_answer"
    text: str
    metadata: dict = field(default_factory=dict)


@dataclass
class RowError:
    """A row or record a parser skipped: counted and reported, the rest of the file goes on."""

    line: int  # 1-based line (CSV/JSONL) or record number (JSON array, BBB page); 0: a whole archive member
    error: str

    def describe(self) -> str:
        return f"line {self.line}: {self.error}" if self.line else self.error


class LeftOut:
    """A usable row that the ingest's subset does not take: counted, never an error."""


LEFT_OUT = LeftOut()


class IngestError(Exception):
    """Bad input: reported in one line, the file is skipped, nothing else is lost."""
