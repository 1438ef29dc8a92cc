"""Sentences of complaint texts, ranked by how well they answer the question."""

from __future__ import annotations

import re

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


def rank(query_vector: list[float], sentences: list[str], embed_model) -> list[tuple[float, int, str]]:
    """(cosine, position, sentence), best first."""
    if not sentences:
        return []
    vectors = embed_model.get_text_embedding_batch(sentences)
    scored = [(float(sum(a * b for a, b in zip(query_vector, v))), i, s)
              for i, (s, v) in enumerate(zip(sentences, vectors))]
    return sorted(scored, key=lambda x: x[0], reverse=True)
