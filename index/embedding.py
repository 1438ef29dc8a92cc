"""The embedding model, loaded once per process, from a local folder only.

Queries go through llama-index's HuggingFaceEmbedding (what the dense retriever
wants); ingest calls the same SentenceTransformer directly, because one forward pass
then gives both the passage vector and, by pooling token vectors over each sentence's
span, a vector per sentence: quotes are picked at question time without the model.
"""

from __future__ import annotations

import threading

import numpy as np

from . import offline  # noqa: F401  (network off before sentence-transformers loads)

_lock = threading.Lock()
_models: dict[tuple[str, str], object] = {}
BATCH = 64


def pick_device(requested: str | None = None) -> str:
    if requested:
        return requested
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def embed_model(model_path: str, device: str | None = None):
    """llama-index's HuggingFaceEmbedding over sentence-transformers, shared per model and device."""
    device = pick_device(device)
    with _lock:
        if (model_path, device) not in _models:
            from llama_index.embeddings.huggingface import HuggingFaceEmbedding

            _models[model_path, device] = HuggingFaceEmbedding(
                model_name=model_path, device=device, normalize=True, embed_batch_size=BATCH
            )
        return _models[model_path, device]


def _normalize(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


def encode_passages(model_path: str, texts: list[str], spans: list[list[tuple[int, int]]],
                    device: str | None = None) -> tuple[list[list[float]], list[list[np.ndarray | None]]]:
    """Passage vectors, and for each passage one vector per (start, end) character span
    (None where the span lies past the model's truncation).

    Fed sorted by length so that each batch pads little (it pads to its longest text).
    """
    if not texts:
        return [], []
    model = embed_model(model_path, device)._model
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    sorted_texts = [texts[i] for i in order]
    outputs = model.encode(sorted_texts, batch_size=BATCH, output_value=None, convert_to_numpy=True,
                           show_progress_bar=False)
    offsets = model.tokenizer(sorted_texts, return_offsets_mapping=True, truncation=True,
                              max_length=model.max_seq_length)["offset_mapping"]
    vectors: list[list[float]] = [[] for _ in texts]
    span_vectors: list[list[np.ndarray | None]] = [[] for _ in texts]
    for position, i in enumerate(order):
        out = outputs[position]
        vectors[i] = np.asarray(out["sentence_embedding"].float().cpu() if hasattr(out["sentence_embedding"], "cpu")
                                else out["sentence_embedding"], dtype=np.float32).tolist()
        tokens = out["token_embeddings"]
        tokens = tokens.float().cpu().numpy() if hasattr(tokens, "cpu") else np.asarray(tokens, dtype=np.float32)
        tokens = tokens[: len(offsets[position])]  # the batch pads on the right
        starts = np.array([s for s, e in offsets[position]])
        ends = np.array([e for s, e in offsets[position]])
        real = ends > starts  # special tokens have (0, 0)
        pooled = []
        for s, e in spans[i]:
            inside = real & (starts >= s) & (ends <= e)
            pooled.append(_normalize(tokens[inside].mean(axis=0)) if inside.any() else None)
        span_vectors[i] = pooled
    return vectors, span_vectors
