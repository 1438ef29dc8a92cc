"""Does embedding in two single-threaded processes beat one process with torch's two threads?

Forward passes only (tokenize + model, batch 16, sorted by length) over the sample's passages
repeated with distinct case numbers; prints passages/s for one process at torch's default threads,
then for two processes of one thread each running at once on the two halves. Asserts nothing.

    .venv/bin/python bench/embed_processes.py [--copies 12] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "samples" / "bbb_charter_spectrum_2025-04.txt"


def worker(copies: int, part: str) -> None:
    import torch

    if part != "all":
        torch.set_num_threads(1)
    sys.path.insert(0, str(ROOT))
    import index  # noqa: F401  (offline environment first)
    from index import Settings
    from index.chunking import chunk_complaint
    from index.embedding import settings_model
    from index.parsers import read_complaints
    from sentence_transformers.util import batch_to_device

    settings = Settings.from_env()
    model = settings_model(settings)._model
    texts = [ch.text for c in read_complaints(SAMPLE)
             for ch in chunk_complaint(c, settings.chunk_tokens, settings.chunk_overlap)]
    texts = [f"Case {n}. {t}" for n in range(copies) for t in texts]
    if part != "all":
        texts = texts[int(part)::2]
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    model.encode(texts[:16])  # warm
    start = time.perf_counter()
    for b in range(0, len(order), 16):
        features = model.tokenize([texts[i] for i in order[b:b + 16]])
        with torch.inference_mode():
            model(batch_to_device(features, "cpu"))
    print(json.dumps({"passages": len(texts), "seconds": time.perf_counter() - start}))


def run(copies: int, part: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, __file__, "--copies", str(copies), "--part", part],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--part", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part:
        worker(args.copies, args.part)
        return
    for r in range(args.rounds):
        one = json.loads(run(args.copies, "all").communicate()[0].splitlines()[-1])
        halves = [run(args.copies, part) for part in ("0", "1")]
        two = [json.loads(p.communicate()[0].splitlines()[-1]) for p in halves]
        both = sum(t["passages"] for t in two) / max(t["seconds"] for t in two)
        print(f"round {r + 1}: one process, two threads: {one['passages'] / one['seconds']:.1f} passages/s; "
              f"two processes, one thread each: {both:.1f} passages/s together")


if __name__ == "__main__":
    main()
