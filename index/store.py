"""Storage: chunk vectors in Chroma, everything else in the catalog (index/catalog.py), the
chunks' texts included.

Write order makes an interrupted ingest safe to re-run: a batch's old chunks are
deleted and its new chunks added to Chroma first, then its catalog rows are
written in one transaction. A complaint exists once its catalog row does; chunks
without one are ignored by retrieval and rewritten by the next ingest.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np

from . import offline  # noqa: F401
from .catalog import Catalog, pages
from .keywords import CatalogKeywords
from .settings import Settings

CHUNKS = "complaint_chunks"  # the collection of an index written before each index had its own
_COLLECTION = "chroma_collection"  # catalog meta key: this index's collection
_SPACE = {"hnsw:space": "cosine"}


class StoreError(Exception):
    pass


def client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        try:
            return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                       settings=chroma_settings)
        except Exception as exc:  # chromadb raises plain ValueError/ConnectionError here
            raise StoreError(f"cannot reach Chroma at {settings.chroma_host}:{settings.chroma_port} ({exc})") from None
    Path(settings.home).mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.home), settings=chroma_settings)


def collection_name(catalog: Catalog) -> str:
    """This index's own Chroma collection, named once in its catalog: two indexes on one Chroma
    server must not share one, or ingesting or removing in either rewrites the other's chunks
    (chunk ids come from complaint ids, the same in both). An index written before keeps CHUNKS."""
    name = catalog.meta(_COLLECTION)
    if name is None:
        older = catalog.count() > 0
        name = catalog.meta_default(_COLLECTION, CHUNKS if older else f"{CHUNKS}_{uuid.uuid4().hex[:16]}")
    return name


class ComplaintStore:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.client = client(settings)
        # With a Chroma server the catalog still lives in the index folder, which every worker
        # on the machine shares (SQLite WAL: many readers, one writer at a time).
        self.catalog = Catalog(Path(settings.home) / "catalog.sqlite")
        self.keywords = CatalogKeywords(self.catalog)
        # embedding_function=None: Chroma's default would download a model; we always pass vectors.
        self.chunks = self.client.get_or_create_collection(collection_name(self.catalog), metadata=_SPACE,
                                                           embedding_function=None)

    def check_vectors(self) -> None:
        """One line where the catalog holds complaints and this index's Chroma collection holds no
        vectors: the index pointed at another Chroma (a new `CHROMA_HOST`, a server started on
        another folder). Answering would find nothing, and an ingest would take every complaint
        as unchanged and leave them without vectors. Fewer vectors than chunks is no such sign:
        an ingest or a `remove` in another process is mid-way between Chroma and the catalog."""
        complaints = self.catalog.count()
        if complaints and self.chunks.count() == 0:
            where = (f"Chroma at {self.settings.chroma_host}:{self.settings.chroma_port}" if self.settings.chroma_host
                     else f"the Chroma folder {self.settings.home}")
            raise StoreError(f"{where} holds no vectors for this index's {complaints:,} complaints (collection "
                             f"{self.chunks.name}): point it at the Chroma the index was ingested into, or "
                             f"ingest into a new index folder")

    # --- writing -------------------------------------------------------------
    def stored_hashes(self, complaint_ids: list[str]) -> dict[str, str]:
        return self.catalog.stored_hashes(complaint_ids)

    def write(self, rows: list[dict]) -> None:
        """Each row: complaint, content_hash, chunks, vectors, passages, sentences (see Catalog.write)."""
        if not rows:
            return
        ids = [r["complaint"].complaint_id for r in rows]
        # Drop old versions' chunks first: a shorter new version leaves none behind.
        self.chunks.delete(where={"complaint_id": {"$in": ids}})
        chunks = [ch for r in rows for ch in r["chunks"]]
        vectors = [v for r in rows for v in r["vectors"]]
        limit = self.client.get_max_batch_size()
        for start in range(0, len(chunks), limit):
            part = chunks[start : start + limit]
            # No documents: the catalog keeps the texts (Catalog's docstring says why).
            self.chunks.add(ids=[c.chunk_id for c in part], metadatas=[c.metadata for c in part],
                            embeddings=vectors[start : start + limit])
        self.catalog.write(rows)

    def remove(self, complaint_ids: list[str]) -> None:
        """Chunks first, then the catalog rows: a crash in between leaves records that a
        re-run of `remove` deletes, never chunks nobody can find."""
        for part in pages(complaint_ids):
            self.chunks.delete(where={"complaint_id": {"$in": part}})
            self.catalog.delete(part)

    # --- reading -------------------------------------------------------------
    def count(self) -> int:
        return self.catalog.count()

    def passages(self, chunk_ids: list[str]) -> dict[str, tuple[str, str, str]]:
        """chunk id -> (complaint id, section, text), from the catalog alone: a chunk it does not
        hold (an ingest interrupted between Chroma and the catalog) is left out, as retrieval
        ignores it. An index written before the texts moved to the catalog still has them in
        Chroma: those few are read from there, a page at a time."""
        found = self.catalog.passages(chunk_ids)
        older = [i for i, (_, _, text) in found.items() if text is None]
        for part in pages(older):
            got = self.chunks.get(ids=part, include=["documents"])
            for i, text in zip(got["ids"], got["documents"]):
                found[i] = (*found[i][:2], text)
        return {i: (owner, section, text or "") for i, (owner, section, text) in found.items()}

    def vectors(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """chunk id -> its stored vector, a page at a time; a chunk Chroma does not hold is left out."""
        found: dict[str, np.ndarray] = {}
        for part in pages(chunk_ids):
            got = self.chunks.get(ids=part, include=["embeddings"])
            found.update(zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32)))
        return found

    def texts(self, chunk_ids: list[str]) -> dict[str, str]:
        """chunk id -> text (see `passages`)."""
        return {i: text for i, (_, _, text) in self.passages(chunk_ids).items()}
