"""Token-aware chunks by section: the complaint, each business response, each customer answer.

Sections are chunked separately so a passage never mixes the customer's and the
business's words; that is what lets a policy question land on the business's reply.
"""

from __future__ import annotations

from functools import lru_cache

from .catalog import LABEL_KEYS
from .records import Chunk, Complaint

SECTIONS = ("complaint", "business_response", "customer_answer")


@lru_cache(maxsize=1)
def encoding():
    import tiktoken

    return tiktoken.get_encoding("cl100k_base")


def count_tokens(text: str) -> int:
    return len(encoding().encode(text))


@lru_cache(maxsize=4)
def _splitter(chunk_tokens: int, overlap: int):
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(chunk_size=chunk_tokens, chunk_overlap=overlap, tokenizer=encoding().encode)


def complaint_metadata(c: Complaint) -> dict:
    """Scalar metadata repeated on every chunk so that Chroma can filter on it."""
    meta = {
        "complaint_id": c.complaint_id,
        "company": c.company,
        "type": c.type,
        "status": c.status,
        "date": c.date_int,
        "month": c.month,
        "outcomes": "|".join(c.outcomes),
    }
    for outcome in c.outcomes:
        meta[f"outcome_{outcome}"] = 1  # ints: llama-index filters take no booleans
    for key in LABEL_KEYS:
        if c.labels.get(key):
            meta[key] = str(c.labels[key])
    return meta


def section_texts(c: Complaint) -> list[tuple[str, int, str]]:
    out = [("complaint", 0, c.narrative)]
    out += [("business_response", i, r.text) for i, r in enumerate(c.business_responses) if r.text]
    out += [("customer_answer", i, r.text) for i, r in enumerate(c.customer_answers) if r.text]
    return out


def chunk_complaint(c: Complaint, chunk_tokens: int = 200, overlap: int = 30) -> list[Chunk]:
    splitter = _splitter(chunk_tokens, overlap)
    base = complaint_metadata(c)
    chunks = []
    for section, index, text in section_texts(c):
        for part, piece in enumerate(splitter.split_text(text)):
            chunks.append(
                Chunk(
                    chunk_id=f"{c.complaint_id}:{section}:{index}:{part}",
                    complaint_id=c.complaint_id,
                    section=section,
                    text=piece,
                    metadata={**base, "section": section, "section_index": index, "part": part},
                )
            )
    return chunks
