"""Which encoder built an index, kept in the catalog, and the refusal to mix two.

One index holding vectors from both encoders would rank a chunk partly by which encoder wrote
it. Int8 queries over an fp32 index measured close to fp32 (README, Measured), but they save only
the query's own embedding, a small part of a question; one rule is simpler to trust: an index
answers and grows only with the encoder that built it.
"""

from __future__ import annotations

from .catalog import Catalog
from .embedding import EncoderError

KEY = "encoder"
# Indexes written before the record existed were all built by sentence-transformers fp32.
LEGACY = "torch"


class EncoderMismatch(EncoderError):
    pass


def built_with(catalog: Catalog) -> str | None:
    """The encoder that built the index; None for an empty index (any encoder may start it)."""
    recorded = catalog.meta(KEY)
    if catalog.count() == 0:
        return None
    return recorded or LEGACY


def check(catalog: Catalog, backend: str) -> None:
    built = built_with(catalog)
    if built is not None and built != backend:
        raise EncoderMismatch(f"this index was built with EMBED_BACKEND={built}, not {backend}: its vectors and "
                              f"the query's would come from different encoders; set EMBED_BACKEND={built} "
                              f"or ingest into a new index")


def claim(catalog: Catalog, backend: str) -> None:
    """Before ingest writes: refuse a mismatch, and record the encoder on an index's first write."""
    check(catalog, backend)
    if catalog.meta(KEY) != backend:
        catalog.set_meta(KEY, backend)
