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
# Passages per forward pass. Each batch pads to its longest text and holds its attention
# scores at once: on CPU a narrow batch wastes less and stays in cache (all-MiniLM-L6-v2 on
# 2 cores: 16 a pass ran 15-20% faster than 64, and 8 no faster than 16; the int8 ONNX encoder
# ran 16 and 32 alike, 64 about 5% slower). On an H200 every size
# from 16 to 512 came within 15% (bench/embed_gpu.py); 32 and 64 led.
CPU_BATCH, GPU_BATCH = 16, 64


def batch_size(device) -> int:
    return CPU_BATCH if str(device).startswith("cpu") else GPU_BATCH


def tokenize_ahead(device) -> bool:
    """Tokenize the next batch on a thread while the model runs this one: where an accelerator
    runs the model (see `_tokenized`)."""
    return not str(device).startswith("cpu")


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
                                         embed_batch_size=batch_size(device))
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


def _after_pooling(model) -> list:
    """The modules a pooled vector passes through after pooling (Dense, Normalize...), so that
    a sentence's pooled span lands in the same space as the passage and query vectors."""
    modules = list(model)
    names = [type(m).__name__ for m in modules]
    return modules[names.index("Pooling") + 1:] if "Pooling" in names else []


def _span_masks(offsets: np.ndarray, spans: list[list[tuple[int, int]]]) -> np.ndarray:
    """(passages x sentences x tokens): the real tokens inside each sentence's character span.
    Special and padding tokens have offsets (0, 0); a passage's missing sentences stay empty."""
    width = max(map(len, spans))
    bounds = np.full((len(spans), width, 2), -1, dtype=np.int64)
    for row, passage in enumerate(spans):
        if passage:
            bounds[row, : len(passage)] = passage
    starts, ends = offsets[:, None, :, 0], offsets[:, None, :, 1]
    return (ends > starts) & (starts >= bounds[..., :1]) & (ends <= bounds[..., 1:])


def _sentence_vectors(model, tokens, masks: np.ndarray):
    """Mean of each sentence's token vectors, through the modules after pooling, normalized:
    one batched matrix product on the model's device; only the sentence vectors leave it."""
    import torch

    counts = masks.sum(axis=-1)
    weights = torch.from_numpy(masks / np.maximum(counts, 1)[..., None]).to(tokens.device, tokens.dtype)
    pooled = torch.bmm(weights, tokens)[torch.from_numpy(counts > 0).to(tokens.device)]
    features = {"sentence_embedding": pooled}
    for module in _after_pooling(model):
        features = module(features)
    vectors = torch.nn.functional.normalize(features["sentence_embedding"].float(), dim=-1)
    return vectors.cpu().numpy(), np.argwhere(counts > 0)


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
    size = batch_size(model.device)
    batches = [order[start : start + size] for start in range(0, len(order), size)]
    for part, features, masks in _tokenized(model, texts, spans, batches, tokenize_ahead(model.device)):
        with torch.inference_mode():
            out = model(batch_to_device(features, model.device))
            passages = _as_numpy(out["sentence_embedding"])
            found, where = (_sentence_vectors(model, out["token_embeddings"], masks) if masks is not None
                            else ([], []))
            del out
        for position, i in enumerate(part):
            vectors[i] = passages[position].tolist()
            span_vectors[i] = [None] * len(spans[i])
        for vector, (position, n) in zip(found, where):
            span_vectors[part[position]][n] = vector
        release_free_memory()  # this pass's tensors (index/memory.py says why)
    return vectors, span_vectors


def _tokenized(model, texts: list[str], spans: list[list[tuple[int, int]]], batches: list[list[int]],
               ahead: bool):
    """Each batch with its model input and its sentences' token masks (one tokenization gives the
    input and the tokens' character offsets). With `ahead` (an accelerator runs the model) the next
    batch is prepared on a thread while the device computes this one: on a GPU tokenizing is a
    large share of the pass, and the tokenizer leaves the GIL. On CPU the model's own threads
    fill the cores: in line."""
    def prepare(part: list[int]):
        features = model.preprocess([texts[i] for i in part],
                                    processing_kwargs={"text": {"return_offsets_mapping": True}})
        offsets = features.pop("offset_mapping").numpy()
        part_spans = [spans[i] for i in part]
        return part, features, (_span_masks(offsets, part_spans) if any(part_spans) else None)

    if not ahead or len(batches) < 2:
        yield from map(prepare, batches)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="tokenize") as pool:
        pending = pool.submit(prepare, batches[0])
        for n in range(len(batches)):
            ready = pending.result()
            if n + 1 < len(batches):
                pending = pool.submit(prepare, batches[n + 1])
            yield ready


def _as_numpy(value) -> np.ndarray:
    return value.float().cpu().numpy() if hasattr(value, "cpu") else np.asarray(value, dtype=np.float32)
