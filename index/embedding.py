"""The embedding model, loaded once per process, from a local folder only.

Queries go through llama-index's HuggingFaceEmbedding (what the dense retriever
wants); ingest calls the same SentenceTransformer directly, because one forward pass
then gives both the passage vector and, by pooling token vectors over each sentence's
span, a vector per sentence: quotes are picked at question time without the model.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from . import offline  # noqa: F401  (network off before sentence-transformers loads)
from .memory import release_free_memory

_lock = threading.Lock()
_models: dict[tuple[str, str], object] = {}
BATCH = 64


def pick_device(requested: str | None = None) -> str:
    if requested:
        return requested
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class EncoderError(Exception):
    """The chosen encoder cannot be used here (one line for the user)."""


def embed_model(model_path: str, device: str | None = None, backend: str = "torch", cache: Path | None = None):
    """llama-index's HuggingFaceEmbedding over sentence-transformers, shared per model, device
    and backend. With `onnx-int8` the SentenceTransformer's transformer runs in onnxruntime
    (index/encoder_onnx.py); queries and ingest both go through this one object."""
    # onnxruntime here is the CPU build: the int8 path never takes a GPU
    device = "cpu" if backend == "onnx-int8" else pick_device(device)
    key = (model_path, device, backend)
    with _lock:
        if key not in _models:
            from llama_index.embeddings.huggingface import HuggingFaceEmbedding

            model = HuggingFaceEmbedding(model_name=model_path, device=device, normalize=True,
                                         embed_batch_size=BATCH)
            if backend == "onnx-int8":
                from . import encoder_onnx

                try:
                    encoder = encoder_onnx.OnnxEncoder(model_path, Path(cache or encoder_onnx.DEFAULT_CACHE))
                    encoder_onnx.install(model._model, encoder_onnx.build(encoder))
                except encoder_onnx.FastExtraMissing as exc:
                    raise EncoderError(str(exc)) from None
            _models[key] = model
        return _models[key]


def settings_model(settings):
    """The embedding model the settings choose (model, device, backend)."""
    return embed_model(settings.embed_model_path, settings.embed_device, settings.embed_backend,
                       settings.embed_cache)


def _normalize(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


def _after_pooling(model) -> list:
    """The modules a pooled vector passes through after pooling (Dense, Normalize...), so that
    a sentence's pooled span lands in the same space as the passage and query vectors."""
    modules = list(model)
    names = [type(m).__name__ for m in modules]
    return modules[names.index("Pooling") + 1:] if "Pooling" in names else []


def _project(model, pooled: np.ndarray) -> np.ndarray:
    import torch

    features = {"sentence_embedding": torch.from_numpy(pooled).to(model.device)}
    with torch.no_grad():
        for module in _after_pooling(model):
            features = module(features)
    return features["sentence_embedding"].float().cpu().numpy()


def encode_passages(model_path: str, texts: list[str], spans: list[list[tuple[int, int]]],
                    device: str | None = None, backend: str = "torch", cache: Path | None = None
                    ) -> tuple[list[list[float]], list[list[np.ndarray | None]]]:
    """Passage vectors, and for each passage one vector per (start, end) character span
    (None where the span lies past the model's truncation).

    Fed sorted by length so that each batch pads little (it pads to its longest text), and one
    batch at a time, so that only one batch's token vectors are ever held.
    """
    if not texts:
        return [], []
    import torch
    from sentence_transformers.util import batch_to_device

    model = embed_model(model_path, device, backend, cache)._model
    model.eval()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    vectors: list[list[float]] = [[] for _ in texts]
    span_vectors: list[list[np.ndarray | None]] = [[] for _ in texts]
    for start in range(0, len(order), BATCH):
        part = order[start : start + BATCH]
        # One tokenization gives the model its input and us each token's character offsets.
        features = model.preprocess([texts[i] for i in part], processing_kwargs={"text": {"return_offsets_mapping": True}})
        offsets = features.pop("offset_mapping").numpy()
        with torch.inference_mode():
            out = model(batch_to_device(features, model.device))
        passages, tokens = _as_numpy(out["sentence_embedding"]), _as_numpy(out["token_embeddings"])
        del out
        pooled, owners = [], []
        for position, i in enumerate(part):
            vectors[i] = passages[position].tolist()
            span_vectors[i] = [None] * len(spans[i])
            if not spans[i]:
                continue
            starts, ends = offsets[position, :, 0], offsets[position, :, 1]
            bounds = np.array(spans[i])
            # (sentences x tokens): the real tokens (special and padding ones have (0, 0)) inside each span
            inside = ((ends > starts)[None, :] & (starts[None, :] >= bounds[:, :1]) & (ends[None, :] <= bounds[:, 1:]))
            counts = inside.sum(axis=1)
            means = (inside.astype(np.float32) @ tokens[position]) / np.maximum(counts, 1)[:, None]
            for n in np.flatnonzero(counts):
                pooled.append(means[n])
                owners.append((i, int(n)))
        if pooled:
            projected = _normalize(_project(model, np.stack(pooled).astype(np.float32)))
            for (i, n), vector in zip(owners, projected):
                span_vectors[i][n] = vector
        del tokens
        release_free_memory()  # this pass's tensors (index/memory.py says why)
    return vectors, span_vectors


def _as_numpy(value) -> np.ndarray:
    return value.float().cpu().numpy() if hasattr(value, "cpu") else np.asarray(value, dtype=np.float32)
