"""Hybrid retrieval, then the decision of which complaints answer the question.

1. Candidates: dense search (Chroma through llama-index) and keyword search (the
   catalog's FTS5 BM25, index/keywords.py) under the same filters, fused by reciprocal
   rank and grouped so that one complaint is one candidate.
2. Topic: first a linear discriminant over the sources' own labels (BBB complaint type,
   CFPB Issue and Sub-issue; assistant/label_model.py) reads which label the question means;
   where it is sure, that label is the topic. Otherwise the labels of the best candidates
   vote, and each voted label is also scored by how close the question is
   to the label's centroid (the mean vector of its complaints, kept by ingest in the
   catalog): the candidates' votes say which labels are near, the centroid says which of
   them the question is about as a whole. A label that wins, above its share of the index,
   is what the question is about: the answer covers every complaint with that label (the
   whole matching set), and cites the best of them.
3. Without such a label the question is answered by the candidates whose similarity
   stands out from the rest; below an absolute floor nothing is relevant and the
   answer says so.

The thresholds are fitted on the dev split of the real-data evaluation
(bench/fit_retrieval.py), never on the sample, and live in `Params`.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections import OrderedDict, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from llama_index.core import VectorStoreIndex
from llama_index.core.schema import QueryBundle
from llama_index.vector_stores.chroma import ChromaVectorStore

from index.catalog import FILTER_OVERFETCH, unit_rows
from index.keywords import terms as keyword_terms
from index.store import ComplaintStore

from . import filters as filtering
from . import label_model
from .results import Evidence

RRF_K = 60  # the usual reciprocal-rank constant: rank 1 scores 1/61
WITHIN_CHUNKS = 20_000  # a filter with at most this many chunks is searched by naming them
# Without a topic label the matching set is the relative cut. When a complaint outside the first
# candidates could still pass it, the search is repeated DEEPEN times as deep, up to DEEPEST
# passages per retriever, so that the count is the index's, not a page's.
DEEPEN = 4
DEEPEST = 800
OVERFETCH_MOST = 4_000  # nearest chunks fetched at most to be filtered by the catalog
# A filter this narrow (in chunks) is scored from its chunks' stored vectors: Chroma's search over
# a few named ids took 116 ms for 30 chunks at 100,000 complaints, reading 30 vectors 2 ms.
EXACT_MOST = 500


@dataclass(frozen=True)
class Params:
    candidates: int = 50  # complaints' passages fetched from each retriever
    abstain_below: float = 0.50  # best cosine under this: nothing in the index addresses the question...
    # ...unless it is at least this and one of the `words_nearest` complaints closest in meaning also
    # holds `words_share` of the question's words, weighted by how rare each is in the index: the
    # two retrievers agree where the cosine alone is unsure.
    words_floor: float = 0.35
    words_nearest: int = 3
    words_share: float = 0.6
    margin: float = 0.10  # without a topic label, keep complaints within this of the best relevance
    keyword_weight: float = 0.2  # relevance = cosine + this x relative keyword score
    voters: int = 8  # best candidates whose labels vote
    label_share: float = 0.1  # a topic label's score (vote share + centroid term) is at least this...
    label_lift: float = 1.0  # ...and its vote share this many times its share of the index...
    label_prior_max: float = 0.5  # ...which is at most this: a label most complaints carry names no topic
    label_cover: float = 0.0  # more labels are added, best first, until they hold this share of votes
    label_fields: tuple[str, ...] = ("sub_issue", "type")  # most specific first
    vote_decay: float = 0.0  # a voter's weight is 1 / rank ** this: 0 all equal, 1 steep
    # A voted label loses this much score per unit of cosine its centroid is further from the
    # question than the closest centroid of the field: 4.0 costs a label 0.2 (most of a
    # vote share) at 0.05 behind. 0 is the vote alone.
    centroid_weight: float = 4.0
    # The labels' discriminant is read first: its most likely label under the filters is the topic
    # when its probability (log-odds divided by the temperature) is at least `label_sure`, per
    # field of `label_fields`; otherwise the votes decide. Fitted on dev with the votes as they are.
    label_sure: tuple[float, ...] = (0.6, 0.4)
    label_temperature: float = 8.0
    label_shrinkage: float = 0.4  # of the labels' covariance toward a sphere (label_model.fit)


PARAMS = Params()


@dataclass
class Candidate:
    complaint_id: str
    fused: float = 0.0
    similarity: float = -1.0
    best_chunk: str = ""
    keyword: float = 0.0  # best BM25 of its passages relative to the query's best, 0..1
    passages: list[tuple[str, str, float]] = field(default_factory=list)  # (section, text, fused), best first


@dataclass
class Topic:
    field: str  # "type" or a label key
    values: list[str]
    share: float  # of the votes, or the discriminant's probability
    lift: float  # that share / share of the index
    by: str = "votes"  # or "discriminant"


@dataclass
class Found:
    evidence: list[Evidence]
    topic: Topic | None
    best_similarity: float
    candidates: list[str]  # ids of the complaints judged relevant among the candidates
    # The question asks for nothing beyond its filters: every complaint under them answers it.
    whole_filter: bool = False
    searched: int = 0  # passages per retriever the relative cut was taken over
    capped: bool = False  # complaints further down could still have passed it: the count is a floor
    # Narrowed to a place or a period: how many the question matches without those filters.
    unnarrowed: int = 0


def _field_value(evidence_complaint, field_name: str) -> str | None:
    if field_name == "type":
        return evidence_complaint.type
    return evidence_complaint.labels.get(field_name)


class HybridRetriever:
    def __init__(self, store: ComplaintStore, embed_model, params: Params = PARAMS):
        self.store = store
        self.embed_model = embed_model
        self.params = params
        vector_store = ChromaVectorStore(chroma_collection=store.chunks)
        self.index = VectorStoreIndex.from_vector_store(vector_store, embed_model=embed_model)
        self._lock = threading.Lock()
        self._prior_cache: OrderedDict = OrderedDict()
        self._centroids: tuple | None = None  # (catalog generation, {field: (values, matrix, LabelModel)})
        # The keyword side of `pool`, run beside the dense search; a few, for the app's concurrent asks.
        self._reader = ThreadPoolExecutor(4, thread_name_prefix="keyword-side")

    # --- step 1: candidates --------------------------------------------------------------
    def _dense(self, question: str, query_vector, filters: dict, n: int, texts: bool = True):
        """(chunk id, complaint id, section, cosine, text) of the n nearest chunks under the filters;
        without `texts` the text is left out (a deeper search that only counts)."""
        if filters:
            # Of the FILTER_OVERFETCH x n nearest chunks, about the filter's share pass it: under
            # 1 / FILTER_OVERFETCH of the index (a company of a few thousand complaints among
            # 100,000) that is fewer than n, so the overfetch would only cost a search and a
            # look-up before searching within the filter anyway.
            hits = self._dense_within(query_vector, filters, n, texts) if self._narrow(filters) else None
            if hits is None:
                # A filter Chroma cannot say (`mentions`) keeps what the catalog passed, however few.
                chroma_can = not any(key in filters for key in filtering.SQL_ONLY)
                hits = self._dense_overfetched(query_vector, filters, n, texts, chroma_can)
            if hits is not None:
                return hits
        if not texts:
            # Ids and distances only; the catalog names each chunk's complaint (the metadata of
            # 800 chunks is most of what Chroma spends on such a query).
            got = self.store.chunks.query(query_embeddings=[list(map(float, query_vector))], n_results=n,
                                          where=filtering.to_chroma_where(filters), include=["distances"])
            owners = self.store.catalog.chunk_owners(got["ids"][0])
            return [(i, owners[i], "complaint", 1.0 - d, "") for i, d in zip(got["ids"][0], got["distances"][0])
                    if i in owners]
        retriever = self.index.as_retriever(similarity_top_k=n, filters=filtering.to_metadata_filters(filters))
        hits = retriever.retrieve(QueryBundle(question, embedding=query_vector))
        text = self.store.texts([h.node.node_id for h in hits])  # Chroma holds vectors, not texts
        # ChromaVectorStore reports exp(-cosine distance); the cosine is what thresholds read.
        return [(h.node.node_id, h.node.metadata.get("complaint_id"), h.node.metadata.get("section", "complaint"),
                 1.0 + math.log(max(h.score or 1e-9, 1e-9)), text.get(h.node.node_id, "")) for h in hits]

    def _narrow(self, filters: dict) -> bool:
        """Whether the filter holds under 1 / FILTER_OVERFETCH of the complaints: one indexed count
        (1-2 ms at 100,000), not the label priors, which a topic's fill search has no use for (54 ms
        warm for a sub-issue there); the index's own total is cached with the priors."""
        _, total = self._priors({})
        return self.store.catalog.count(filtering.to_sql(filters)) * FILTER_OVERFETCH < total

    def _dense_overfetched(self, query_vector, filters: dict, n: int, texts: bool = True, chroma_can: bool = True):
        """The filtered nearest chunks, or None when too few of the nearest pass the filter.

        Chroma's embedded store answers a metadata filter by scanning its metadata table:
        80-250 ms at 180,000 chunks whatever the filter, where the nearest-neighbour search
        itself takes 2 ms. So the FILTER_OVERFETCH x n nearest chunks of all are fetched (ids
        only), the catalog keeps those that pass, and only a narrow filter, which leaves fewer
        than n of them, is handed to Chroma's own (exact) filtering."""
        fetch = min(n * FILTER_OVERFETCH, max(OVERFETCH_MOST, n))
        got = self.store.chunks.query(query_embeddings=[list(map(float, query_vector))], n_results=fetch,
                                      include=["distances"])
        ids, distances = got["ids"][0], got["distances"][0]
        passing = self.store.catalog.chunk_owners(ids, filtering.to_sql(filters))
        kept = [(i, d) for i, d in zip(ids, distances) if i in passing][:n]
        if len(kept) < n and len(ids) == fetch:
            within = self._dense_within(query_vector, filters, n, texts)
            if within is not None or chroma_can:
                return within
        if not texts:
            return [(i, passing[i], "complaint", 1.0 - d, "") for i, d in kept]
        if not kept:
            return []
        stored = self.store.passages([i for i, _ in kept])
        return [_hit(i, *stored[i], d) for i, d in kept if i in stored]

    def _dense_within(self, query_vector, filters: dict, n: int, texts: bool = True):
        """A narrow filter: the search runs over its chunks, named by the catalog (40 ms for a
        company of 1,000 complaints at 100k, where Chroma's metadata filter takes 100-150 ms).
        None (Chroma filters) when the filter holds more than WITHIN_CHUNKS chunks."""
        owners = self.store.catalog.chunks_of(filtering.to_sql(filters), limit=WITHIN_CHUNKS)
        if owners is None:
            return None
        if not owners:
            return []
        ids = list(owners)
        if len(ids) <= EXACT_MOST:
            return self._exact(query_vector, owners, n, texts)
        got = self.store.chunks.query(query_embeddings=[list(map(float, query_vector))], ids=ids,
                                      n_results=min(n, len(ids)), include=["distances"])
        hits = list(zip(got["ids"][0], got["distances"][0]))
        if not texts:
            return [(i, owners[i], "complaint", 1.0 - d, "") for i, d in hits]
        stored = self.store.passages([i for i, _ in hits])
        return [_hit(i, *stored[i], d) for i, d in hits if i in stored]

    def _exact(self, query_vector, owners: dict[str, str], n: int, texts: bool = True):
        """The n nearest of a few named chunks, scored from their stored vectors (an exact search);
        the texts read for those n only."""
        cosine = self._cosines(query_vector, list(owners), {}, {}, texts=False)
        best = sorted(cosine.items(), key=lambda kv: -kv[1])[:n]
        if not texts:
            return [(i, owners[i], "complaint", cosine, "") for i, cosine in best]
        found = self.store.passages([i for i, _ in best])
        return [_hit(i, *found[i], 1.0 - cosine) for i, cosine in best if i in found]

    def candidates(self, question: str, query_vector, filters: dict, n: int | None = None) -> list[Candidate]:
        return self.pool(question, query_vector, filters, n)[0]

    def pool(self, question: str, query_vector, filters: dict, n: int | None = None,
             texts: bool = True) -> tuple[list[Candidate], float]:
        """The candidates, and the highest relevance a complaint outside them could have: read no
        closer than the weakest dense hit, and matching words no better than the weakest keyword
        hit (-inf when the dense search ran out: every passage under the filters was seen)."""
        n = n or self.params.candidates
        # The keyword search, and the read of its hits' stored vectors (the cosines of those the
        # dense search misses), run on a thread beside the dense search: SQLite and a Chroma
        # server's round trips leave the GIL, and each side has a core.
        keyword_side = self._reader.submit(self._keyword_hits, question, n, filtering.to_sql(filters))
        dense = self._dense(question, query_vector, filters, n, texts)
        keyword, vectors = keyword_side.result()
        unseen = -math.inf
        if len(dense) >= n:
            weakest_words = keyword[-1][2] / keyword[0][2] if len(keyword) >= n and keyword[0][2] > 0 else 0.0
            unseen = min(hit[3] for hit in dense) + self.params.keyword_weight * weakest_words

        # Reciprocal-rank fusion, written out: llama-index's QueryFusionRetriever dedupes nodes
        # by content hash and wants an LLM object, and our keyword hits carry ids, not nodes.
        fused: dict[str, float] = defaultdict(float)
        owner, section, cosine, text = {}, {}, {}, {}
        for rank, (chunk, cid, sec, cos, body) in enumerate(dense):
            fused[chunk] += 1.0 / (RRF_K + rank + 1)
            owner[chunk], section[chunk], cosine[chunk], text[chunk] = cid, sec, cos, body
        top_keyword = keyword[0][2] if keyword else 1.0
        keyword_score: dict[str, float] = {}
        for rank, (chunk, cid, score) in enumerate(keyword):
            fused[chunk] += 1.0 / (RRF_K + rank + 1)
            owner.setdefault(chunk, cid)
            keyword_score[chunk] = score / top_keyword if top_keyword > 0 else 0.0
        cosine.update(self._cosines(query_vector, [c for c in fused if c not in cosine], section, text, texts,
                                    vectors))

        by_complaint: dict[str, Candidate] = {}
        # A keyword hit Chroma holds no vector for (a `remove` interrupted between Chroma and the
        # catalog) is left out, as a chunk without a catalog row is.
        for chunk, score in sorted(((c, s) for c, s in fused.items() if c in cosine), key=lambda kv: -kv[1]):
            cand = by_complaint.setdefault(owner[chunk], Candidate(owner[chunk]))
            if not cand.passages:
                cand.best_chunk = chunk
            cand.fused = max(cand.fused, score)
            cand.similarity = max(cand.similarity, cosine[chunk])
            cand.keyword = max(cand.keyword, keyword_score.get(chunk, 0.0))
            cand.passages.append((section.get(chunk, "complaint"), text.get(chunk, ""), score))
        return sorted(by_complaint.values(), key=lambda c: -c.fused), unseen

    def _keyword_hits(self, question: str, n: int, where) -> tuple[list, dict]:
        """The n best keyword hits (chunk, complaint, score), and their stored vectors."""
        hits = self.store.keywords.search(self.store.keywords.query_terms(question), n, where)
        return hits, self.store.vectors([chunk for chunk, _, _ in hits])

    def _cosines(self, query_vector, chunk_ids: list[str], section: dict, text: dict,
                 texts: bool = True, vectors: dict | None = None) -> dict[str, float]:
        """Cosine for keyword-only hits, from their stored vectors (no re-embedding; `vectors` when
        already read); with `texts`, their sections and texts from the catalog into `section` and
        `text`. A chunk Chroma does not hold is left out."""
        if vectors is None:
            vectors = self.store.vectors(chunk_ids)
        ids = [i for i in chunk_ids if i in vectors]
        if not ids:
            return {}
        scores = np.stack([vectors[i] for i in ids]) @ np.asarray(query_vector, dtype=np.float32)
        if texts:
            for i, (_, sec, body) in self.store.passages(ids).items():
                section[i], text[i] = sec, body
        return dict(zip(ids, scores.tolist()))

    def passages_of(self, complaint_ids: list[str], query_vector) -> list[Candidate]:
        """Every passage of a few named complaints, scored by its stored vector's cosine with the
        question, best first: no nearest-neighbour search (Chroma's search restricted to named
        ids took 110 ms at 100,000 complaints for 16 passages; reading them takes a few)."""
        owners = self.store.catalog.chunks_of(filtering.to_sql({"complaint_id": list(complaint_ids)}),
                                              limit=WITHIN_CHUNKS)
        if not owners:
            return []
        section: dict[str, str] = {}
        text: dict[str, str] = {}
        cosine = self._cosines(query_vector, list(owners), section, text)
        by_complaint: dict[str, Candidate] = {}
        for chunk in sorted(cosine, key=lambda c: -cosine[c]):
            cand = by_complaint.setdefault(owners[chunk], Candidate(owners[chunk], fused=cosine[chunk],
                                                                    similarity=cosine[chunk], best_chunk=chunk))
            cand.passages.append((section.get(chunk, "complaint"), text.get(chunk, ""), cosine[chunk]))
        return list(by_complaint.values())

    # --- steps 2 and 3: decisions (pure functions of what was gathered and the params) --------
    def gather(self, question: str, query_vector, filters: dict) -> "Gathered":
        """Everything the decisions read: candidates, their records, and label priors."""
        cands, unseen = self.pool(question, query_vector, filters)
        records = self.store.catalog.complaints([c.complaint_id for c in cands])
        cands = [c for c in cands if c.complaint_id in records]  # chunks of an interrupted write
        priors, total = self._priors(filters)
        best = max((c.similarity for c in cands), default=-1.0)
        unsure = self.params.words_floor <= best < self.params.abstain_below  # only then are the words read
        return Gathered(cands, records, priors, total, self.label_match(query_vector), unseen,
                        self.store.keywords.weights(question) if unsure else {},
                        self.label_scores(query_vector))

    def label_match(self, query_vector) -> dict[str, dict[str, float]]:
        """Cosine of the question with each label's centroid: one small matrix product per field."""
        centroids = self._label_centroids()
        q = np.asarray(query_vector, dtype=np.float32)
        return {f: dict(zip(values, (matrix @ q).tolist())) for f, (values, matrix, _) in centroids.items()
                if len(values)}

    def label_scores(self, query_vector) -> dict[str, dict[str, float]]:
        """The labels' discriminant: each label's log-odds for the question, per field."""
        return {f: model.scores(query_vector) for f, (_, _, model) in self._label_centroids().items()
                if model is not None}

    def gist_vectors(self, complaints) -> dict[str, np.ndarray]:
        """Per complaint, the centroid of its own most specific category (from the cached
        centroids): what a complaint filed under it is typically about, for quoting it where the
        question names no topic. Complaints with no category centroid are left out."""
        centroids = self._label_centroids()
        rows = {f: {v: i for i, v in enumerate(values)} for f, (values, _, _) in centroids.items()}
        out = {}
        for complaint in complaints:
            for f in self.params.label_fields:
                value = complaint.type if f == "type" else complaint.labels.get(f)
                row = rows.get(f, {}).get(value)
                if row is not None and value not in ("", "Unknown"):
                    out[complaint.complaint_id] = centroids[f][1][row]
                    break
        return out

    def _label_centroids(self) -> dict:
        """Per label field, the catalog's centroids and the discriminant fitted from the same sums,
        read once per index change (a few hundred rows and one dim x dim matrix)."""
        generation = self.store.catalog.generation()
        with self._lock:
            if self._centroids is not None and self._centroids[0] == generation:
                return self._centroids[1]
        value = {}
        try:
            scatter = self.store.catalog.vector_scatter()
            for f in self.params.label_fields:
                values, sums, counts = self.store.catalog.label_sums(f)
                value[f] = (values, unit_rows(sums),
                            label_model.fit(values, sums, counts, scatter, self.params.label_shrinkage))
        except sqlite3.OperationalError:
            # An older index on a read-only mount cannot be backfilled: the votes decide alone.
            value = {}
        with self._lock:
            self._centroids = (generation, value)
        return value

    def index_total(self) -> int:
        """Complaints in the whole index (cached with the label priors until it changes)."""
        return self._priors({})[1]

    def scope_total(self, filters: dict) -> int:
        """Complaints under `filters` (the search has already counted them, so cached)."""
        return self._priors(filters)[1]

    def _priors(self, filters: dict) -> tuple[dict, int]:
        """Label counts under the filters: GROUP BYs over the index, cached until it changes."""
        key = (self.store.catalog.generation(), repr(sorted(filters.items())))
        with self._lock:
            if key in self._prior_cache:
                self._prior_cache.move_to_end(key)
                return self._prior_cache[key]
        where = filtering.to_sql(filters)
        value = ({f: self.store.catalog.group_counts(f, where) for f in self.params.label_fields},
                 self.store.catalog.count(where))
        with self._lock:
            self._prior_cache[key] = value
            while len(self._prior_cache) > 256:
                self._prior_cache.popitem(last=False)
        return value

    def search(self, question: str, k: int, filters: dict, query_vector,
               narrowing: tuple[str, ...] = filtering.NARROWING) -> Found:
        """`narrowing`: the filter keys that narrow the set the question's other filters decide
        (`_narrowed`)."""
        about = {key: value for key, value in filters.items() if key not in narrowing}
        if len(about) < len(filters):
            return self._narrowed(question, k, filters, about, query_vector)
        gathered = self.gather(question, query_vector, filters)
        found, topic_filter = decide(gathered, k, self.params)
        if topic_filter is None and found.candidates:
            found.candidates, found.searched, found.capped = self._deepened_cut(question, query_vector, filters,
                                                                               gathered)
        if topic_filter is not None and len(found.evidence) < k:
            # The topic may hold better examples than the first candidates did: search inside it.
            more = self.candidates(question, query_vector, {**filters, **topic_filter}, n=max(2 * k, 16))
            have = {e.complaint.complaint_id for e in found.evidence}
            extra = [c for c in more if c.complaint_id not in have]
            records = self.store.catalog.complaints([c.complaint_id for c in extra])
            found.evidence += [to_evidence(c, records[c.complaint_id])
                               for c in extra if c.complaint_id in records][: k - len(found.evidence)]
        return found

    def _narrowed(self, question: str, k: int, filters: dict, about: dict, query_vector) -> Found:
        """The set the question matches without its place and period (`about`: the other filters),
        narrowed to them: "How many of those were in Texas?" counts a part of the same set, where a
        search among Texas's complaints alone may vote for another label."""
        gathered = self.gather(question, query_vector, about)
        # A part of a set asked for again ("How many of those were at Experian?"): the narrowing
        # words in the question lower the discriminant's probability a little, not the
        # candidates' votes, so the two agreeing keep the last set's label.
        found, topic_filter = decide(gathered, k, self.params, agreeing=True)
        if not found.evidence:
            return found
        if topic_filter is not None:
            found.unnarrowed = self.scope_total({**about, **topic_filter})
            within = {**filters, **topic_filter}
            field, labels = found.topic.field, set(found.topic.values)

            def member(c: Candidate) -> bool:
                return _field_value(gathered.records[c.complaint_id], field) in labels
        else:
            found.candidates, found.searched, found.capped = self._deepened_cut(question, query_vector, about,
                                                                               gathered)
            found.unnarrowed = len(found.candidates)
            within = {**filters, "complaint_id": found.candidates}
            cut = set(found.candidates)

            def member(c: Candidate) -> bool:
                return c.complaint_id in cut
        # The examples: the best candidates already gathered that pass the narrowing filters too,
        # or, where fewer than k do, a search inside the narrowed set.
        passing = self.store.catalog.chunk_owners([c.best_chunk for c in gathered.candidates],
                                                  filtering.to_sql(filters))
        cands = [c for c in gathered.candidates if c.best_chunk in passing and member(c)]
        records = gathered.records
        if len(cands) < k:
            cands = self.candidates(question, query_vector, within, n=max(2 * k, 16))
            records = self.store.catalog.complaints([c.complaint_id for c in cands])
        found.evidence = [to_evidence(c, records[c.complaint_id]) for c in cands if c.complaint_id in records][:k]
        return found

    def _deepened_cut(self, question: str, query_vector, filters: dict, g: "Gathered") -> tuple[list[str], int, bool]:
        """The relative cut's complaints over as much of the index as passes it (to DEEPEST
        passages), how deep it searched, and whether more could still pass."""
        params = self.params
        cut = max(relevance(c, params) for c in g.candidates) - params.margin
        cands, unseen, n = g.candidates, g.unseen, params.candidates
        while unseen >= cut and n < DEEPEST:
            n = min(n * DEEPEN, DEEPEST)
            cands, unseen = self.pool(question, query_vector, filters, n, texts=False)
        return [c.complaint_id for c in cands if relevance(c, params) >= cut], n, unseen >= cut

    def browse(self, question: str, k: int, filters: dict, query_vector) -> Found:
        """A question that asks only for the complaints under its filters ("Which complaints got a
        refund in 2024?"): all of them answer it, and the best-ranked are its examples. No floor:
        the filters, not the words, say what it is about."""
        cands = self.candidates(question, query_vector, filters, n=max(2 * k, 16))
        records = self.store.catalog.complaints([c.complaint_id for c in cands])
        evidence = [to_evidence(c, records[c.complaint_id]) for c in cands if c.complaint_id in records][:k]
        best = max((c.similarity for c in cands), default=-1.0)
        return Found(evidence, None, best, [], whole_filter=bool(evidence))

    def retrieve(self, question: str, k: int = 8, filters: dict | None = None, query_vector=None) -> list[Evidence]:
        query_vector = query_vector or self.embed_model.get_query_embedding(question)
        return self.search(question, k, filters or {}, query_vector).evidence


def _hit(chunk_id: str, owner: str, section: str, text: str, distance: float) -> tuple:
    """A dense hit as `_dense` returns it: the chunk's catalog row and its cosine (1 - Chroma's distance)."""
    return (chunk_id, owner, section, 1.0 - distance, text)


@dataclass
class Gathered:
    candidates: list[Candidate]  # best fused rank first
    records: dict  # complaint_id -> Complaint
    priors: dict[str, dict[str, int]]  # label field -> value -> complaints under the filters
    total: int  # complaints under the filters
    label_match: dict[str, dict[str, float]] = field(default_factory=dict)  # field -> value -> centroid cosine
    unseen: float = -math.inf  # the best relevance a complaint outside the candidates could have
    words: dict[str, float] = field(default_factory=dict)  # the question's words -> their weight (IDF)
    label_scores: dict[str, dict[str, float]] = field(default_factory=dict)  # field -> value -> log-odds


def to_evidence(cand: Candidate, complaint) -> Evidence:
    section, text, _ = cand.passages[0]
    return Evidence(complaint=complaint, quote=text, quote_section=section, score=cand.fused,
                    similarity=cand.similarity, passages=list(cand.passages))


def relevance(cand: Candidate, params: Params) -> float:
    """Meaning and words together: cosine plus the keyword match relative to the best one."""
    return cand.similarity + params.keyword_weight * cand.keyword


def find_topic(voters: list, priors: dict, total: int, params: Params,
               label_match: dict | None = None, label_scores: dict | None = None,
               agreeing: bool = False) -> Topic | None:
    """The label the discriminant is sure the question means, or else the label the best
    candidates share, and the question is closest to, if any. Most specific field first.
    `agreeing`: the discriminant's most likely label is sure enough where the votes choose it too
    (`_narrowed`)."""
    if not voters or not total:
        return None
    voted = _voted_topic(voters, priors, total, params, label_match or {})
    for field_name, sure in zip(params.label_fields, params.label_sure):
        read = label_model.most_likely((label_scores or {}).get(field_name, {}), priors.get(field_name, {}), total,
                                       params.label_temperature, params.label_prior_max)
        if read is None:
            continue
        value, p = read
        if p >= sure or (agreeing and voted is not None and voted.field == field_name and voted.values == [value]):
            return Topic(field_name, [value], share=p, lift=p / (priors[field_name][value] / total),
                         by="discriminant")
    return voted


def _voted_topic(voters: list, priors: dict, total: int, params: Params, label_match: dict) -> Topic | None:
    """The label the best candidates share, and the question is closest to, if any."""
    for field_name in params.label_fields:
        votes: dict[str, float] = defaultdict(float)
        weight = 0.0
        for rank, complaint in enumerate(voters):
            w = 1.0 / (rank + 1) ** params.vote_decay  # the best candidates count more
            weight += w
            value = _field_value(complaint, field_name)
            if value:
                votes[value] += w
        if not votes:
            continue
        prior = priors.get(field_name, {})
        # Votes say which labels are near the question; the centroids say which of them the
        # question is about as a whole (a handful of voters often share a broader neighbour).
        near = label_match.get(field_name, {})
        closest = max(near.values()) if near else 0.0

        def score(value, v):
            behind = closest - near[value] if value in near else (1.0 if near else 0.0)
            return v / weight - params.centroid_weight * behind

        def lift(value, v):
            return (v / weight) / max(prior.get(value, 0) / total, 1e-9)

        ranked = sorted(votes.items(), key=lambda kv: -score(*kv))
        best, best_votes = ranked[0]
        if (score(best, best_votes) < params.label_share or lift(best, best_votes) < params.label_lift
                or prior.get(best, 0) / total > params.label_prior_max):
            continue
        chosen, held = [best], best_votes / weight
        for value, v in ranked[1:]:
            if held >= params.label_cover or lift(value, v) < params.label_lift:
                break
            chosen.append(value)
            held += v / weight
        return Topic(field_name, chosen, share=held, lift=lift(best, best_votes))
    return None


def word_share(complaint, weights: dict[str, float]) -> float:
    """The share of the question's word weight that a complaint's text (narrative and replies) holds."""
    total = sum(weights.values())
    if not total:
        return 0.0
    texts = [complaint.narrative, *(r.text for r in complaint.business_responses),
             *(r.text for r in complaint.customer_answers)]
    held = set(keyword_terms(" ".join(texts)))
    return sum(w for t, w in weights.items() if t in held) / total


def words_agree(g: Gathered, params: Params) -> bool:
    """Whether a complaint among the nearest in meaning also says most of what the question says."""
    nearest = sorted(g.candidates, key=lambda c: -c.similarity)[: params.words_nearest]
    return any(word_share(g.records[c.complaint_id], g.words) >= params.words_share for c in nearest)


def decide(g: Gathered, k: int, params: Params, agreeing: bool = False) -> tuple[Found, dict | None]:
    """Which complaints answer the question, and the topic filter when a label does (`agreeing`:
    see `find_topic`)."""
    cands = g.candidates
    if not cands:
        return Found([], None, -1.0, []), None
    best = max(c.similarity for c in cands)
    if best < params.abstain_below and not (best >= params.words_floor and words_agree(g, params)):
        return Found([], None, best, []), None
    top = max(relevance(c, params) for c in cands)
    # The floor decides whether the index addresses the question at all; which complaints
    # address it is relative to the best one.
    relevant = [c for c in cands if relevance(c, params) >= top - params.margin]
    topic = find_topic([g.records[c.complaint_id] for c in cands[: params.voters]], g.priors, g.total, params,
                       g.label_match, g.label_scores, agreeing)
    if topic is not None:
        chosen = [c for c in cands if _field_value(g.records[c.complaint_id], topic.field) in topic.values][:k]
        topic_filter = {topic.field: topic.values}
    else:
        chosen = relevant[:k]  # in fused order: the two retrievers agreeing is the better ranking
        topic_filter = None
    evidence = [to_evidence(c, g.records[c.complaint_id]) for c in chosen]
    return Found(evidence, topic, best, [c.complaint_id for c in relevant]), topic_filter
