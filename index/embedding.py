"""The embedding model, loaded once per process, from a local folder only."""

from __future__ import annotations

import threading

from . import offline  # noqa: F401  (network off before sentence-transformers loads)

_lock = threading.Lock()
_models: dict[str, object] = {}


def embed_model(model_path: str):
    """llama-index's HuggingFaceEmbedding over sentence-transformers, shared per model path.

    It serves both ingest (batches of passages) and the dense retriever (queries).
    """
    with _lock:
        if model_path not in _models:
            from llama_index.embeddings.huggingface import HuggingFaceEmbedding

            _models[model_path] = HuggingFaceEmbedding(
                model_name=model_path, device="cpu", normalize=True, embed_batch_size=64
            )
        return _models[model_path]


def embed_texts(model_path: str, texts: list[str]) -> list[list[float]]:
    """Vectors for passages, in the order given.

    llama-index cuts the list into batches in the order it gets it, and each batch is
    padded to its longest passage; fed sorted by length, batches pad little.
    """
    if not texts:
        return []
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    vectors = embed_model(model_path).get_text_embedding_batch([texts[i] for i in order])
    out: list[list[float]] = [[] for _ in texts]
    for position, i in enumerate(order):
        out[i] = vectors[position]
    return out
