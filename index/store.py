"""Chroma storage: one collection of chunks, one of complaint records.

The complaint record is written after its chunks and carries the content hash,
so it doubles as the commit marker: a complaint whose record is missing or
stale is (re)written whole on the next ingest, and retrieval ignores chunks
that have no record. That is what makes an interrupted ingest safe to re-run.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import offline  # noqa: F401
from .records import Chunk, Complaint
from .settings import Settings

CHUNKS = "complaint_chunks"
RECORDS = "complaint_records"
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


class ComplaintStore:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.client = client(settings)
        # embedding_function=None: Chroma's default would download a model; we always pass vectors.
        self.chunks = self.client.get_or_create_collection(CHUNKS, metadata=_SPACE, embedding_function=None)
        self.records = self.client.get_or_create_collection(RECORDS, metadata=_SPACE, embedding_function=None)

    # --- writing -------------------------------------------------------------
    def stored_hashes(self, complaint_ids: list[str]) -> dict[str, str]:
        if not complaint_ids:
            return {}
        got = self.records.get(ids=complaint_ids, include=["metadatas"])
        return {i: m.get("content_hash", "") for i, m in zip(got["ids"], got["metadatas"])}

    def write_complaints(self, batch: list[tuple[Complaint, str, list[Chunk], list[list[float]]]]) -> None:
        """Write (complaint, content_hash, chunks, vectors) for a batch, records last."""
        if not batch:
            return
        # Drop old versions' chunks first: a shorter new version leaves none behind.
        self.chunks.delete(where={"complaint_id": {"$in": [c.complaint_id for c, _, _, _ in batch]}})
        chunks = [ch for _, _, chs, _ in batch for ch in chs]
        vectors = [v for _, _, _, vs in batch for v in vs]
        limit = self.client.get_max_batch_size()
        for start in range(0, len(chunks), limit):
            part = chunks[start : start + limit]
            self.chunks.add(ids=[c.chunk_id for c in part], documents=[c.text for c in part],
                            metadatas=[c.metadata for c in part], embeddings=vectors[start : start + limit])
        records = []
        for complaint, content_hash, chs, vs in batch:
            meta = {k: v for k, v in chs[0].metadata.items() if k not in ("section", "section_index", "part")}
            meta.update(content_hash=content_hash, source=complaint.source, n_chunks=len(chs))
            # The narrative's first passage stands for the complaint as a whole.
            records.append((complaint.complaint_id, json.dumps(complaint.to_dict(), ensure_ascii=False), meta, vs[0]))
        ids, docs, metas, embs = (list(col) for col in zip(*records))
        self.records.upsert(ids=ids, documents=docs, metadatas=metas, embeddings=embs)

    # --- reading -------------------------------------------------------------
    def count(self) -> int:
        return self.records.count()

    def complaints(self, ids: list[str] | None = None, where: dict | None = None) -> list[Complaint]:
        got = self.records.get(ids=ids, where=where or None, include=["documents"])
        by_id = {i: Complaint.from_dict(json.loads(d)) for i, d in zip(got["ids"], got["documents"])}
        order = ids if ids is not None else sorted(by_id)
        return [by_id[i] for i in order if i in by_id]

    def record_metadatas(self, where: dict | None = None) -> list[dict]:
        return self.records.get(where=where or None, include=["metadatas"])["metadatas"]

    def all_chunks(self) -> tuple[list[str], list[str], list[dict]]:
        got = self.chunks.get(include=["documents", "metadatas"])
        return got["ids"], got["documents"], got["metadatas"]
