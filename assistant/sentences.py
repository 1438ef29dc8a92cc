"""Sentences of complaint texts, ranked by how well they answer the question."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9$])|\n{2,}")

# Letter furniture of business responses: true, but says nothing about the policy.
_BOILERPLATE = re.compile(
    r"^(this letter is in response|regards|sincerely|corporate escalations|charter communications$"
    r"|better business bureau:?$|complaint:|\[redacted\]$)"
    r"|representative provided .{0,40}(direct )?contact information"
    r"|contacted .{0,60} (and|to) discuss(ed)? the above information",
    re.I,
)


def split_sentences(text: str) -> list[str]:
    out = []
    for part in _SPLIT.split(text):
        part = " ".join(part.split())
        if len(part) >= 3:
            out.append(part)
    return out


def is_boilerplate(sentence: str) -> bool:
    return bool(_BOILERPLATE.search(sentence.strip()))


def substantive(text: str) -> list[str]:
    return [s for s in split_sentences(text) if not is_boilerplate(s)]


class _VectorCache:
    """Sentence vectors are reused across questions: the same complaints come back often."""

    def __init__(self, size: int = 20000):
        self.size = size
        self.data: OrderedDict[str, list[float]] = OrderedDict()
        self.lock = threading.Lock()

    def vectors(self, sentences: list[str], embed_model) -> list[list[float]]:
        with self.lock:
            missing = list(dict.fromkeys(s for s in sentences if s not in self.data))
        fresh = dict(zip(missing, embed_model.get_text_embedding_batch(missing))) if missing else {}
        with self.lock:
            self.data.update(fresh)
            for s in sentences:
                self.data.move_to_end(s)
            out = [self.data[s] for s in sentences]
            while len(self.data) > self.size:
                self.data.popitem(last=False)
        return out


_cache = _VectorCache()


def rank(query_vector: list[float], sentences: list[str], embed_model) -> list[tuple[float, int, str]]:
    """(cosine, position, sentence), best first."""
    if not sentences:
        return []
    vectors = _cache.vectors(sentences, embed_model)
    scored = [(float(sum(a * b for a, b in zip(query_vector, v))), i, s)
              for i, (s, v) in enumerate(zip(sentences, vectors))]
    return sorted(scored, key=lambda x: x[0], reverse=True)
