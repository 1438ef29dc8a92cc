"""Fit the retrieval thresholds (`assistant.retrieval.Params`) on the DEV split of a
label-keyed question set, and print the best settings with their dev scores.

    python bench/fit_retrieval.py --index /path/to/cfpb_index [--set data/eval/cfpb_questions.jsonl]

Retrieval runs once per question (candidates, records and label priors are gathered
once); each setting then replays only the decisions (`retrieval.decide`), so a few
thousand settings take a minute. The test split is never read here: `complaint-chat
eval --set ... --split test` reports it with the settings chosen.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant import Assistant, followup  # noqa: E402
from assistant import filters as filtering  # noqa: E402
from assistant.evaluation import load_questions, satisfies  # noqa: E402
from assistant.retrieval import PARAMS, decide  # noqa: E402
from index import Settings  # noqa: E402

GRID = {
    "abstain_below": [0.45, 0.5],
    "margin": [0.1, 0.2],
    "keyword_weight": [0.0, 0.1, 0.2, 0.3],
    "voters": [5, 8, 12, 20],
    "label_share": [0.1, 0.2, 0.3, 0.4],
    "label_lift": [1.0, 2.0, 3.0],
    "label_prior_max": [0.3, 0.5, 0.7, 1.0],
    "label_cover": [0.0, 0.4, 0.8],
    "label_fields": [("sub_issue", "type"), ("type", "sub_issue")],
    "vote_decay": [0.0, 0.5, 1.0],
    "centroid_weight": [0.0, 1.0, 2.0, 4.0, 8.0],
}
K = 8


def prepare(assistant: Assistant, questions):
    """Per question: ground truth, and what retrieval gathered (or that a name is unknown)."""
    everything = assistant.complaints()
    cases = []
    for q in questions:
        search = followup.standalone(q.question, q.history or None)
        named = assistant.companies_in(search)
        filters = filtering.normalize({"company": named.companies}) if named.companies else {}
        truth = {c.complaint_id for c in everything if satisfies(c, q.relevant)} if q.relevant else set()
        gathered = None
        if not named.unknown:
            vector = assistant.embed_model.get_query_embedding(search)
            gathered = assistant.retriever.gather(search, vector, filters)
        cases.append((q, filters, truth, gathered))
    return cases


def evaluate(assistant: Assistant, cases, params, count_cache: dict) -> dict:
    cited = cited_ok = answered = answerable = abstained = unanswerable = 0
    counts_ok = whole = 0
    for q, filters, truth, gathered in cases:
        if gathered is None:
            found_ids, count = [], 0
        else:
            found, topic_filter = decide(gathered, K, params)
            found_ids = [e.complaint.complaint_id for e in found.evidence]
            if topic_filter:
                key = repr(sorted({**filters, **topic_filter}.items()))
                if key not in count_cache:
                    where = filtering.to_sql(filtering.normalize({**filters, **topic_filter}))
                    count_cache[key] = assistant.store.catalog.count(where)
                count = count_cache[key]
            else:
                count = len(found.candidates)
        if q.relevant:
            answerable += 1
            answered += bool(found_ids)
            cited += len(found_ids)
            cited_ok += sum(1 for i in found_ids if i in truth)
            if q.whole_set:
                whole += 1
                counts_ok += bool(truth) and abs(count - len(truth)) <= 0.25 * len(truth)
        else:
            unanswerable += 1
            abstained += not found_ids
    out = {"precision": cited_ok / cited if cited else 0.0, "answered": answered / max(answerable, 1),
           "abstained": abstained / max(unanswerable, 1), "counts_within_25": counts_ok / max(whole, 1)}
    # Every answerable question answered and every unanswerable one abstaining matter as
    # much as precision; counts are the whole-set promise.
    out["objective"] = out["precision"] + out["answered"] + out["abstained"] + 0.5 * out["counts_within_25"]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--set", default=str(Path(__file__).resolve().parent.parent / "data/eval/cfpb_questions.jsonl"))
    parser.add_argument("--split", default="dev")
    parser.add_argument("--trials", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    assistant = Assistant.open(settings=Settings.from_env(home=args.index))
    questions = load_questions(args.set, split=args.split)
    started = time.perf_counter()
    cases = prepare(assistant, questions)
    print(f"{len(cases)} {args.split} questions gathered in {time.perf_counter() - started:.0f}s")

    cache: dict = {}
    rng = random.Random(args.seed)
    trials = [PARAMS] + [replace(PARAMS, **{k: rng.choice(v) for k, v in GRID.items()}) for _ in range(args.trials)]
    scored = sorted(((evaluate(assistant, cases, p, cache), p) for p in trials),
                    key=lambda sp: -sp[0]["objective"])
    print(f"current defaults: {evaluate(assistant, cases, PARAMS, cache)}")
    for result, params in scored[:5]:
        print({k: round(v, 3) for k, v in result.items()}, params)
    return 0


if __name__ == "__main__":
    sys.exit(main())
