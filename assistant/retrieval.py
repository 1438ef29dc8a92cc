"""Hybrid retrieval: dense (Chroma through llama-index) + BM25, fused by reciprocal rank,
filtered on metadata, then grouped so that one complaint is one piece of evidence."""

from __future__ import annotations

import math
import threading
from collections import defaultdict

from llama_index.core import VectorStoreIndex
from llama_index.core.llms import MockLLM
from llama_index.core.retrievers import QueryFusionRetriever
from llama_index.core.retrievers.fusion_retriever import FUSION_MODES
from llama_index.core.schema import QueryBundle, TextNode
from llama_index.retrievers.bm25 import BM25Retriever
from llama_index.vector_stores.chroma import ChromaVectorStore

from index.store import ComplaintStore

from .expansion import CorpusTerms, Expansion, expand
from .results import Evidence

# Below this cosine similarity a passage is unrelated to the question (all-MiniLM-L6-v2
# puts unrelated English pairs around 0.0-0.2); see README "Relevance floor".
RELEVANCE_FLOOR = 0.30
# Evidence far below the best match is a different topic that merely shares words.
RELATIVE_MARGIN = 0.20
# When the question has topic words, a complaint must contain at least this share of their
# weight (see expansion.py), and at least COVERAGE_MARGIN of the best complaint's share.
MIN_COVERAGE = 0.5
COVERAGE_MARGIN = 0.6


class KeywordRetriever(BM25Retriever):
    """BM25 over `keyword_query` (the question plus the domain words its concepts stand
    for), returning only passages that share a word with it.

    bm25s returns top-k even at score 0, and a metadata filter only zeroes the
    excluded passages' scores: without this cut, filtered-out and unrelated
    passages would still earn reciprocal-rank credit in the fusion.
    """

    keyword_query: str | None = None

    def _retrieve(self, query_bundle):
        query = QueryBundle(self.keyword_query) if self.keyword_query else query_bundle
        return [hit for hit in super()._retrieve(query) if (hit.score or 0.0) > 0.0]


class HybridRetriever:
    def __init__(self, store: ComplaintStore, embed_model):
        self.store = store
        self.embed_model = embed_model
        vector_store = ChromaVectorStore(chroma_collection=store.chunks)
        self.index = VectorStoreIndex.from_vector_store(vector_store, embed_model=embed_model)
        self._lock = threading.Lock()
        self._bm25: BM25Retriever | None = None
        self._bm25_size = -1
        self._terms: CorpusTerms | None = None

    def refresh(self) -> None:
        """Rebuild the keyword index when the chunk collection changed (after an ingest)."""
        with self._lock:
            size = self.store.chunks.count()
            if size == self._bm25_size:
                return
            ids, texts, metas = self.store.all_chunks()
            if ids:
                # Index the words of the passage only: metadata ("company: ...") would match every query.
                nodes = [TextNode(id_=i, text=t, metadata=m, excluded_embed_metadata_keys=list(m))
                         for i, t, m in zip(ids, texts, metas)]
                bm25 = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=len(nodes))
                bm25.bm25.corpus = bm25.corpus  # lets per-query copies share the built index
                self._bm25 = bm25
            else:
                self._bm25 = None
            self._terms = CorpusTerms(self.store.complaints())
            self._bm25_size = size

    def _keyword(self, keyword_query: str, n: int, filters) -> KeywordRetriever | None:
        if self._bm25 is None:
            return None
        try:
            keyword = KeywordRetriever(existing_bm25=self._bm25.bm25, similarity_top_k=min(n, self._bm25_size),
                                       filters=filters)
        except ValueError:  # every chunk filtered out
            return None
        keyword.keyword_query = keyword_query
        return keyword

    def retrieve(self, question: str, k: int = 8, filters=None, candidates: int | None = None,
                 query_vector: list[float] | None = None) -> list[Evidence]:
        self.refresh()
        n = candidates or max(4 * k, 40)
        # Embed the question once; both the dense pass and the fusion pass reuse it.
        bundle = QueryBundle(question, embedding=query_vector or self.embed_model.get_query_embedding(question))
        dense = self.index.as_retriever(similarity_top_k=n, filters=filters)
        dense_hits = dense.retrieve(bundle)
        if not dense_hits:
            return []
        # ChromaVectorStore reports exp(-cosine distance); keep the cosine for the relevance floor.
        cosine = {hit.node.node_id: 1.0 + math.log(max(hit.score or 1e-9, 1e-9)) for hit in dense_hits}
        retrievers = [dense]
        expansion = expand(question)
        keyword = self._keyword(expansion.keyword_query, n, filters)
        if keyword is not None:
            retrievers.append(keyword)
        fusion = QueryFusionRetriever(retrievers, llm=MockLLM(), mode=FUSION_MODES.RECIPROCAL_RANK,
                                      similarity_top_k=n, num_queries=1, use_async=False)
        fused = fusion.retrieve(bundle)
        return self._group(bundle.embedding, fused, cosine, k, expansion)

    def _group(self, query_vector, fused, cosine, k, expansion: Expansion | None = None) -> list[Evidence]:
        by_complaint: dict[str, list] = defaultdict(list)
        for hit in fused:
            by_complaint[hit.node.metadata["complaint_id"]].append(hit)
        missing = [hit.node.node_id for hits in by_complaint.values() for hit in hits
                   if hit.node.node_id not in cosine]
        cosine.update(self._cosines(query_vector, missing))

        records = {c.complaint_id: c for c in self.store.complaints(list(by_complaint))}
        evidence = []
        for cid, hits in by_complaint.items():
            if cid not in records:  # chunks of an interrupted write: no record, not evidence
                continue
            best = max(hits, key=lambda h: h.score or 0.0)
            evidence.append(
                Evidence(
                    complaint=records[cid],
                    quote=best.node.get_content(),
                    quote_section=best.node.metadata.get("section", "complaint"),
                    score=float(best.score or 0.0),
                    similarity=max(cosine.get(h.node.node_id, 0.0) for h in hits),
                    passages=[(h.node.metadata.get("section", ""), h.node.get_content(), float(h.score or 0.0))
                              for h in hits],
                )
            )
        evidence.sort(key=lambda e: e.score, reverse=True)
        if not evidence:
            return []
        if expansion is not None and expansion.informative and self._terms is not None:
            return self._by_coverage(evidence, expansion, k)
        top = max(e.similarity for e in evidence)
        floor = max(RELEVANCE_FLOOR, top - RELATIVE_MARGIN)
        return [e for e in evidence if e.similarity >= floor][:k]

    def _by_coverage(self, evidence: list[Evidence], expansion: Expansion, k: int) -> list[Evidence]:
        """Keep the complaints that talk about what the question asks; rank by that, then by meaning."""
        covered = [(self._terms.coverage(expansion, e.complaint.complaint_id), e) for e in evidence]
        best = max(c for c, _ in covered)
        floor = max(MIN_COVERAGE, COVERAGE_MARGIN * best)
        kept = [(c, e) for c, e in covered if c >= floor and e.similarity >= RELEVANCE_FLOOR - 0.1]
        kept.sort(key=lambda ce: ce[0] + 0.5 * ce[1].similarity, reverse=True)
        return [e for _, e in kept][:k]

    def _cosines(self, q: list[float], chunk_ids: list[str]) -> dict[str, float]:
        """Cosine for keyword-only hits, from their stored vectors (no re-embedding)."""
        if not chunk_ids:
            return {}
        got = self.store.chunks.get(ids=chunk_ids, include=["embeddings"])
        return {i: float(sum(a * b for a, b in zip(q, e))) for i, e in zip(got["ids"], got["embeddings"])}
