"""The real-data evaluation: the CFPB question set, Complaint Chat beside the two baselines.

Scores, with the same code (assistant/evaluation.py), on the dev and the test split:
- the plain llama-index quickstart over the raw CFPB exports (bench/baseline_llamaindex.py;
  built once into a cache folder, reused after),
- plain dense top-k over the project's own index (bench/baseline_dense.py), and
- Complaint Chat itself,
the last two only when --index names an index holding the CFPB files (ingest them first:
`complaint-chat ingest ../shared/data/cfpb --index DIR`).

    .venv/bin/python bench/eval_cfpb.py [--index DIR] [--split dev|test] [--top-k 8] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import index  # noqa: E402,F401  (offline environment before llama-index / HF / chroma load)


def main(argv=None) -> int:
    from assistant.evaluation import CFPB_QUESTIONS, K, format_report, load_questions, metrics_table, score

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", help="a Complaint Chat index holding the CFPB files")
    parser.add_argument("--set", default=str(CFPB_QUESTIONS))
    parser.add_argument("--split", choices=("dev", "test"), help="default: both, side by side")
    parser.add_argument("--top-k", type=int, default=8, help="chunks the baselines retrieve")
    parser.add_argument("--cache", default=None, help="quickstart index folder (default /work/cache/eval/...)")
    parser.add_argument("--no-quickstart", action="store_true")
    parser.add_argument("--rows", action="store_true", help="print each system's per-question rows")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    splits = [args.split] if args.split else ["dev", "test"]

    systems = {}  # name -> (system, complaints the labels are resolved against)
    if not args.no_quickstart:
        import baseline_llamaindex as quick

        rows = quick.cfpb_rows()
        cache = {"cache": Path(args.cache)} if args.cache else {}
        qs = quick.QuickstartCFPB(rows, top_k=args.top_k, **cache)
        systems[f"llama-index quickstart top-{args.top_k}"] = (qs.system(), [quick.row_complaint(r) for r in rows])
    if args.index:
        from assistant import Assistant
        from assistant.evaluation import assistant_system
        from baseline_dense import DenseBaseline
        from index import Settings

        settings = Settings.from_env(home=args.index, chroma_host="")
        assistant = Assistant.open(settings=settings)
        complaints = assistant.complaints()
        dense = DenseBaseline(assistant.store, settings, top_k=args.top_k)
        systems[f"plain dense top-{args.top_k}"] = (dense.system(), complaints)
        systems["Complaint Chat"] = (assistant_system(assistant), complaints)
    if not systems:
        parser.error("nothing to score: give --index, or leave the quickstart on")

    out = {}
    for split in splits:
        questions = load_questions(args.set, split=split)
        out[split] = {name: score(system, questions, complaints, k=K) | {"system": name, "split": split}
                      for name, (system, complaints) in systems.items()}
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    for split, reports in out.items():
        first = next(iter(reports.values()))
        print(f"## {split}: {first['questions']} questions ({first['answerable']} answerable, "
              f"{first['unanswerable']} unanswerable, {first['whole_set_questions']} whole-set)\n")
        print(metrics_table(reports))
        print()
        if args.rows:
            for name, report in reports.items():
                print(f"### {name}\n")
                print(format_report(report).split("\n\n", 2)[-1])
                print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
