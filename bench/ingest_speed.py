"""Ingest throughput against the raw embedding speed of the same passages.

The sample (10 complaints) is too small to time, so each complaint is repeated
N times as JSON Lines with a distinct case number, giving N*10 distinct complaints
of realistic length. Prints numbers; asserts nothing. Raw encode and ingest alternate for
--rounds rounds (median reported), since a shared 2-core machine drifts by 5-10% between runs.

With several encoder backends (EMBED_BACKEND values) each is timed in turn, round after
round (torch, onnx-int8, torch, onnx-int8, ...), so that other work on a shared machine
weighs on both alike; the median round is reported.

    .venv/bin/python bench/ingest_speed.py [--copies 30] [--backends torch,onnx-int8 --rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import index  # noqa: E402,F401  (offline environment first)
from index import ComplaintStore, Settings, ingest  # noqa: E402
from index.chunking import chunk_complaint  # noqa: E402
from index.embedding import batch_size, settings_model  # noqa: E402
from index.parsers import read_complaints  # noqa: E402

SAMPLE = ROOT / "data" / "samples" / "bbb_charter_spectrum_2025-04.txt"


def corpus(copies: int, folder: Path) -> Path:
    rows = []
    for n in range(copies):
        for c in read_complaints(SAMPLE):
            rows.append({"company": c.company, "date": c.date, "type": c.type, "status": c.status,
                         "narrative": f"Case {n}. {c.narrative}",
                         "business_responses": [{"date": r.date, "text": r.text} for r in c.business_responses],
                         "customer_answers": [{"date": r.date, "text": r.text} for r in c.customer_answers]})
    path = folder / "corpus.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    return path


def timed_ingest(path: Path, settings: Settings) -> tuple[float, dict, float]:
    """Wall seconds, the report, and CPU seconds (every thread of this process)."""
    start, cpu = time.perf_counter(), time.process_time()
    report = ingest([path], settings, ComplaintStore(settings)).to_dict()
    return time.perf_counter() - start, report, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=30)
    parser.add_argument("--backends", default="torch", help="EMBED_BACKEND values to compare, comma-separated")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (raw encode then ingest; "
                        "with several backends, ingests per backend)")
    args = parser.parse_args()
    backends = args.backends.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = corpus(args.copies, tmp)
        settings = Settings.from_env(home=tmp / "index", chroma_host="", embed_backend=backends[0])
        for backend in backends:  # load (and build) outside the timings
            settings_model(Settings.from_env(embed_backend=backend)).get_text_embedding_batch(["warm up"])
        model = settings_model(settings)

        start = time.perf_counter()
        complaints = read_complaints(path)
        parse_s = time.perf_counter() - start
        start = time.perf_counter()
        texts = [ch.text for c in complaints for ch in chunk_complaint(c, settings.chunk_tokens, settings.chunk_overlap)]
        chunk_s = time.perf_counter() - start
        st = model._model  # the sentence-transformers model under llama-index's wrapper
        # Raw encode and ingest alternate, round after round, so that a slow spell of a shared
        # machine weighs on both; the ratio reported is the median round's.
        # Raw encode runs twice a round: at sentence-transformers' own default batch (what a plain
        # call gets) and at ingest's batch; the faster of the two is the baseline.
        ours = batch_size(st.device)
        raw_by_batch: dict[str, list[float]] = {"default": [], str(ours): []}
        raw_times, ingest_times = [], []
        # CPU seconds too: raw encode keeps both cores busy, while ingest's work around the forward
        # pass runs on one of them. The CPU ratio says how much of the wall ratio's gap is that idle core.
        raw_cpu, ingest_cpu = [], []
        for r in range(args.rounds):
            for label, kwargs in (("default", {}), (str(ours), {"batch_size": ours})):
                start, cpu = time.perf_counter(), time.process_time()
                st.encode(texts, normalize_embeddings=True, **kwargs)
                raw_by_batch[label].append(time.perf_counter() - start)
                if label == str(ours):
                    raw_cpu.append(time.process_time() - cpu)
            raw_times.append(min(raw_by_batch["default"][-1], raw_by_batch[str(ours)][-1]))
            seconds, first, cpu_s = timed_ingest(path, Settings.from_env(home=tmp / f"index-{r}", chroma_host="",
                                                                         embed_backend=backends[0]))
            assert first["complaints_added"] == len(complaints)
            ingest_times.append(seconds)
            ingest_cpu.append(cpu_s)
        raw_s, ingest_s = statistics.median(raw_times), statistics.median(ingest_times)
        ratios = [raw / ing for raw, ing in zip(raw_times, ingest_times)]
        settings = Settings.from_env(home=tmp / "index-0", chroma_host="", embed_backend=backends[0])
        start = time.perf_counter()
        again = ingest([path], settings, ComplaintStore(settings)).to_dict()
        reingest_s = time.perf_counter() - start

        rounds: dict[str, list[float]] = {b: [] for b in backends}
        if len(backends) > 1:
            for r in range(args.rounds):
                for backend in backends:
                    home = tmp / f"index-{backend}-{r}"
                    seconds, report, _ = timed_ingest(path, Settings.from_env(home=home, chroma_host="",
                                                                              embed_backend=backend))
                    assert report["complaints_added"] == len(complaints)
                    rounds[backend].append(seconds)

    n, chunks = len(complaints), len(texts)
    print(f"corpus: {n} complaints, {chunks} chunks ({args.copies} x the sample)")
    print(f"parse + clean + tag: {parse_s:.2f} s; chunk (tiktoken): {chunk_s:.2f} s")
    print(f"encoder backend for the lines below, up to the re-ingest: {backends[0]}")
    for label, times in raw_by_batch.items():
        batch = "its default batch" if label == "default" else f"batch {label}, as ingest"
        print(f"raw embedding (sentence-transformers encode, {batch}): {statistics.median(times):.2f} s  "
              f"{chunks / statistics.median(times):.1f} chunks/s")
    print(f"raw embedding, the faster of the two each round:  {raw_s:.2f} s  {chunks / raw_s:.1f} chunks/s")
    print(f"ingest (parse, clean, tag, chunk, embed, store):        {ingest_s:.2f} s  {chunks / ingest_s:.1f} chunks/s"
          f"  {n / ingest_s:.1f} complaints/s")
    print(f"ingest / raw embedding time: {ingest_s / raw_s:.2f}x; ingest chunks/s over raw, each round: "
          f"{', '.join(f'{x:.3f}' for x in ratios)} (median {statistics.median(ratios):.3f})")
    cpu_ratios = [raw / ing for raw, ing in zip(raw_cpu, ingest_cpu)]
    print(f"CPU seconds (all threads): raw at batch {ours} {statistics.median(raw_cpu):.1f} "
          f"({statistics.median(raw_cpu) / statistics.median(raw_by_batch[str(ours)]):.2f} cores busy), ingest "
          f"{statistics.median(ingest_cpu):.1f} ({statistics.median(ingest_cpu) / ingest_s:.2f} cores busy); "
          f"raw CPU / ingest CPU, each round: {', '.join(f'{x:.3f}' for x in cpu_ratios)} "
          f"(median {statistics.median(cpu_ratios):.3f})")
    print(f"re-ingest of unchanged input: {reingest_s:.2f} s ({again['complaints_unchanged']} unchanged, "
          f"{again['chunks']} chunks written)")
    if len(backends) > 1:
        print(f"\ningest by encoder backend, {args.rounds} interleaved rounds each (median round; all rounds in chunks/s):")
        base = statistics.median(rounds[backends[0]])
        for backend in backends:
            mid = statistics.median(rounds[backend])
            print(f"  {backend:<10} {chunks / mid:7.1f} chunks/s  {n / mid:6.1f} complaints/s  {base / mid:5.2f}x"
                  f"   [{', '.join(f'{chunks / s:.1f}' for s in rounds[backend])}]")


if __name__ == "__main__":
    main()
