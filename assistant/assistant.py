"""The Python API: open an index once, ask many questions.

    from assistant import Assistant
    a = Assistant.open("data/index")
    r = a.ask("Do they waive late fees?", k=8, filters={"company": "Charter Spectrum"})
    r.to_dict()
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from index import ComplaintStore, IngestReport, Settings, ingest
from index.embedding import embed_model
from index.records import Complaint
from index.settings import BACKENDS

from . import filters as filtering
from . import followup
from .answer_evidence import EvidenceAnswerer
from .errors import IndexMissing, UserError
from .results import AskResult, Evidence
from .retrieval import HybridRetriever


class Assistant:
    def __init__(self, settings: Settings, store: ComplaintStore):
        self.settings = settings
        self.store = store
        self.embed_model = embed_model(settings.embed_model_path)
        self.retriever = HybridRetriever(store, self.embed_model)
        self.evidence_answerer = EvidenceAnswerer(self.embed_model)
        self._ingest_lock = threading.Lock()
        self._llm = None  # built on the first LLM question: the evidence path never loads a model

    @classmethod
    def open(cls, home: str | Path | None = None, settings: Settings | None = None,
             create: bool = False) -> "Assistant":
        """Open the index at `home` (default: $COMPLAINT_CHAT_HOME or ./data/index).

        With `create=False` a missing or empty embedded index is a user error:
        there is nothing to answer from until something has been ingested.
        """
        settings = settings or Settings.from_env(home=home)
        if not settings.chroma_host and not create and not Path(settings.home).is_dir():
            raise IndexMissing(f"no index at {settings.home}: run `complaint-chat ingest PATH --index "
                               f"{settings.home}` first")
        return cls(settings, ComplaintStore(settings))

    # --- ingest ----------------------------------------------------------------
    def ingest(self, paths, progress=None) -> IngestReport:
        with self._ingest_lock:
            report = ingest(paths, self.settings, self.store, progress=progress)
        self.retriever.refresh()
        return report

    # --- questions ---------------------------------------------------------------
    def _llm_answerer(self):
        if self._llm is None:
            from .answer_llm import LLMAnswerer

            self._llm = LLMAnswerer(self.settings, self.evidence_answerer, self.embed_model)
        return self._llm

    def retrieve(self, question: str, k: int = 8, filters: dict | None = None) -> list[Evidence]:
        clean = filtering.normalize(filters)
        return self.retriever.retrieve(question, k=k, filters=filtering.to_metadata_filters(clean))

    def ask(self, question: str, k: int = 8, filters: dict | None = None, backend: str | None = None,
            history: list[tuple[str, str]] | None = None) -> AskResult:
        result = None
        for item in self.stream(question, k=k, filters=filters, backend=backend, history=history):
            if isinstance(item, AskResult):
                result = item
        return result

    def stream(self, question: str, k: int = 8, filters: dict | None = None, backend: str | None = None,
               history: list[tuple[str, str]] | None = None) -> Iterator[str | AskResult]:
        """Yields pieces of answer text as they are ready, then the AskResult."""
        question = (question or "").strip()
        if not question:
            raise UserError("the question is empty")
        if k < 1:
            raise UserError("--k must be at least 1")
        backend = backend or self.settings.llm_backend
        if backend not in BACKENDS:
            raise UserError(f"unknown backend {backend!r} (choose from {', '.join(BACKENDS)})")
        if self.store.count() == 0:
            raise IndexMissing(f"the index at {self.settings.home} is empty: run `complaint-chat ingest` first")
        clean = filtering.normalize(filters)
        scope = filtering.describe(clean)
        # A follow-up ("and late fees?") is searched as the standalone question it stands for.
        search = followup.standalone(question, history)

        started = time.perf_counter()
        # Embedded once: retrieval and the answerer's sentence ranking both use it.
        query_vector = self.embed_model.get_query_embedding(search)
        evidence = self.retriever.retrieve(search, k=k, filters=filtering.to_metadata_filters(clean),
                                           query_vector=query_vector)
        retrieved = time.perf_counter()
        if backend == "evidence":
            text, citations = self.evidence_answerer.answer(search, query_vector, evidence, scope)
            yield text
            notes, guard = [], None
        else:
            text, citations, notes, guard = yield from self._llm_answerer().stream(
                backend, question, evidence, query_vector, scope, history=history, standalone=search,
                retrieve=lambda q, vector: self.retriever.retrieve(
                    q, k=k, filters=filtering.to_metadata_filters(clean), query_vector=vector))
        done = time.perf_counter()
        yield AskResult(
            question=question,
            answer=text,
            backend=backend,
            citations=citations,
            timings_ms={"retrieve": (retrieved - started) * 1000, "answer": (done - retrieved) * 1000,
                        "total": (done - started) * 1000},
            filters=clean,
            notes=notes,
            guard=guard,
        )

    # --- browsing ----------------------------------------------------------------
    def complaints(self, filters: dict | None = None, ids: list[str] | None = None) -> list[Complaint]:
        """The stored complaints under `filters` (or these ids), for tables and cards."""
        where = filtering.to_chroma_where(filtering.normalize(filters))
        return self.store.complaints(ids=ids, where=where)

    def stats(self, filters: dict | None = None) -> dict:
        metas = self.store.record_metadatas(filtering.to_chroma_where(filtering.normalize(filters)))
        counts = {name: Counter() for name in ("company", "type", "status", "month", "outcome")}
        for meta in metas:
            for name in ("company", "type", "status", "month"):
                counts[name][meta.get(name, "Unknown")] += 1
            for outcome in filter(None, (meta.get("outcomes") or "").split("|")):
                counts["outcome"][outcome] += 1
        return {"complaints": len(metas),
                **{f"by_{name}": dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
                   for name, c in counts.items()}}
