"""Sentences of complaint texts, ranked by how well they answer the question."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n{2,}")
# A split after these is no sentence end: "Ms. [redacted]", "1. 5 years", "a.m. on".
_NO_END = re.compile(r"(?:\b(?:mr|mrs|ms|dr|st|no|vs|etc|inc|jr|sr|e\.g|i\.e|a\.m|p\.m|approx)|\b\w)\.[\"')\]]*$", re.I)

# Letter furniture of business responses: true, but says nothing about the policy.
_BOILERPLATE = re.compile(
    r"^(this letter is in response|regards|sincerely|corporate escalations|charter communications$"
    r"|better business bureau:?$|complaint:|\[redacted\]$)"
    r"|representative provided .{0,40}(direct )?contact information"
    r"|contacted .{0,60} (and|to) discuss(ed)? the above information",
    re.I,
)


def split_sentences(text: str) -> list[str]:
    """Sentences as people write them in complaints: lower-case starts and " ." included."""
    out: list[str] = []
    glue = False
    for part in _SPLIT.split(text):
        part = " ".join(part.split())
        if not part:
            continue
        if glue and out:
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
        glue = bool(_NO_END.search(part))
    return [s for s in out if len(s) >= 3]


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
