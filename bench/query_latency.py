"""Query latency percentiles of `Assistant.ask` (evidence backend) on the sample.

    .venv/bin/python bench/query_latency.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import index  # noqa: E402,F401
from assistant import Assistant  # noqa: E402
from index import Settings  # noqa: E402

QUESTIONS = [
    "How does Charter handle mid-cycle cancellations?",
    "Do they waive late fees?",
    "What happens when equipment never arrives?",
    "Are customers charged for autopay?",
    "Was a promotional rate honored?",
    "Which complaints were refused a credit?",
    "What does Charter do when a customer moves out of the service area?",
    "Do customers accept Charter's responses?",
    "What documentation does Charter require to start service?",
    "What is the capital of France?",
]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env(home=tmp, chroma_host="")
        start = time.perf_counter()
        assistant = Assistant.open(settings=settings, create=True)
        assistant.ingest([ROOT / "data" / "samples"])
        opened = time.perf_counter() - start
        first = assistant.ask(QUESTIONS[0]).timings_ms["total"]
        timings = {"retrieve": [], "answer": [], "total": []}
        for _ in range(args.repeat):
            for q in QUESTIONS:
                t = assistant.ask(q).timings_ms
                for key in timings:
                    timings[key].append(t[key])
    print(f"open + ingest sample: {opened:.2f} s; first question (cold caches): {first:.0f} ms")
    print(f"{len(timings['total'])} questions ({len(QUESTIONS)} distinct x {args.repeat})")
    print(f"{'step':<10}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'mean ms':>9}")
    for key, values in timings.items():
        print(f"{key:<10}{pct(values, 50):>9.1f}{pct(values, 90):>9.1f}{pct(values, 99):>9.1f}"
              f"{statistics.mean(values):>9.1f}")


if __name__ == "__main__":
    main()
