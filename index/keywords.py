"""The keyword side of hybrid search, behind one small interface.

Words are lower-cased, split on letters and digits, and stemmed (Snowball English via
PyStemmer) at ingest and at question time alike, so "cancellations" meets "cancelled".
The embedded deployment keeps the index in the catalog's SQLite FTS5 table; a
deployment on a Chroma engine with its own BM25 sparse index (Chroma's distributed
version) would implement `KeywordIndex.search` with Chroma's hybrid search instead.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Protocol

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# The sources' own masking ("XXXX", "[redacted]") is not a word anybody searches for.
_MASK = re.compile(r"^x{2,}$|^redacted$")


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def terms(text: str) -> list[str]:
    words = [w for w in _WORD.findall(text.lower()) if not _MASK.match(w)]
    return _stemmer().stemWords(words)


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """NLTK's English stop words, stemmed as `terms` stems: the copy llama-index ships in its
    package (nothing is downloaded)."""
    import llama_index.core

    path = Path(llama_index.core.__file__).parent / "_static" / "nltk_cache" / "corpora" / "stopwords" / "english"
    return frozenset(terms(path.read_text(encoding="utf-8")))


class KeywordIndex(Protocol):
    def search(self, query_terms: list[str], n: int, where) -> list[tuple[str, str, float]]:
        """(chunk_id, complaint_id, score), best first, only passages sharing a term."""


class CatalogKeywords:
    """FTS5 BM25 over the catalog's passages. Terms that occur in a large share of all
    passages are dropped from the query: the index's own statistics decide what is a
    stop word ("account" in a bank's complaints), and it keeps look-ups fast."""

    COMMON = 0.2
    # Below this many passages a term's posting list is short whatever its share.
    ALWAYS_KEEP = 1000

    def __init__(self, catalog):
        self.catalog = catalog
        self._total: tuple = ((), 0)  # (catalog generation, passages then)

    def _passages(self) -> int:
        # count(*) walks an index of every passage: once per change of the index, not per question
        generation = self.catalog.generation()
        if self._total[0] != generation:
            self._total = (generation, self.catalog.passage_count())
        return self._total[1]

    # Ranking costs FTS5 a few microseconds per posting it scores, so a question's terms are
    # taken rarest first until their posting lists hold this many passages: the commonest
    # words, which weigh least in BM25, are what a large index leaves out.
    POSTINGS = 15_000

    def query_terms(self, text: str) -> list[str]:
        wanted = list(dict.fromkeys(terms(text)))
        df = self.catalog.term_frequencies(wanted)
        total = max(self._passages(), 1)
        usable = [t for t in wanted if 0 < df[t] <= max(self.COMMON * total, self.ALWAYS_KEEP)]
        kept, postings = [], 0
        for t in sorted(usable, key=lambda t: df[t]):
            if kept and postings + df[t] > self.POSTINGS:
                break
            kept.append(t)
            postings += df[t]
        return [t for t in usable if t in kept]

    def weights(self, text: str) -> dict[str, float]:
        """The text's words but stop words, each weighted by BM25's IDF over the index's passages:
        a word no passage holds weighs most."""
        wanted = [t for t in dict.fromkeys(terms(text)) if t not in stop_words()]
        df = self.catalog.term_frequencies(wanted)
        total = self._passages()
        return {t: math.log((total - df[t] + 0.5) / (df[t] + 0.5) + 1.0) for t in wanted}

    def distinctive(self, query_terms: list[str]) -> list[str]:
        """The terms under COMMON of all passages use: what a question is about, in the index's own
        words. A term no passage uses counts too: the question asks about something the index lacks."""
        df = self.catalog.term_frequencies(query_terms)
        total = max(self._passages(), 1)
        return [t for t in query_terms if df[t] < self.COMMON * total]

    def distinctive_phrase(self, phrase_terms: list[str]) -> bool:
        """Whether under COMMON of all passages hold these terms side by side ("credit freeze":
        "credit" alone is in half of them): one FTS5 phrase count."""
        return self.catalog.phrase_frequency(phrase_terms) < self.COMMON * max(self._passages(), 1)

    def search(self, query_terms: list[str], n: int, where=("", [])) -> list[tuple[str, str, float]]:
        return self.catalog.keyword_search(query_terms, n, where)
