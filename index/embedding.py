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
    if not texts:
        return []
    return embed_model(model_path).get_text_embedding_batch(texts)
