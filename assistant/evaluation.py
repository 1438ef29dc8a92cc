"""Retrieval and citation quality on an evaluation set of questions.

A question names the complaints that should be cited in one of two ways:
- by distinctive phrases of the complaint (its narrative, a business response or a customer
  answer), or by its content-derived complaint_id (the sample's set). A phrase that matches no
  complaint, or more than one, is an error in the set, not a miss of the system.
- by the source's own labels (a real-data set such as the CFPB one): {"issue": [...],
  "sub_issue": [...], "company": "...", ...}; a complaint is relevant when every key holds
  (a list means any of). The labels were written by the people who filed the complaints, so
  nobody here can tune the ground truth to the system.
Either way the keys are resolved against the index at run time, so a set survives
re-ingesting, reordering and new data sources.

The scorer takes any `system(question, history)` returning a SystemAnswer (or the older
tuple: ranked ids, cited ids, answer text[, refs]), so the plain llama-index and dense
baselines (bench/) are scored by exactly the same code as the assistant.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.records import Complaint

from .errors import UserError
from .results import CITATION_MARKER

K = 5
EVAL_DIR = Path(__file__).resolve().parent.parent / "data" / "eval"
DEFAULT_QUESTIONS = EVAL_DIR / "sample_questions.jsonl"
CFPB_QUESTIONS = EVAL_DIR / "cfpb_questions.jsonl"
WITHIN = 0.25  # a stated matching count this close to the label count is "right"


class QuestionSetError(UserError, ValueError):
    """A question set that cannot be scored (bad line, key matching nothing): the set's
    mistake, reported in one line, never a miss of the system."""


@dataclass
class SystemAnswer:
    """What a system said about one question, in the terms the scorer needs."""

    ranked: list[str]  # complaint ids, best first
    cited: list[str]  # complaint ids, in citation order
    text: str = ""
    refs: list[int] | None = None  # citation refs ([n] markers are checked against them)
    matching: list[str] | None = None  # the whole matching set it states, None if it states none
    matching_count: int | None = None  # the count it states (default: len(matching))
    matching_rule: str = ""


System = Callable[[str, list], "SystemAnswer | tuple"]


def _answer(got) -> SystemAnswer:
    if isinstance(got, SystemAnswer):
        return got
    return SystemAnswer(ranked=list(got[0]), cited=list(got[1]), text=got[2] or "",
                        refs=list(got[3]) if len(got) > 3 else None)


Keys = list[str] | dict | None


@dataclass
class Question:
    id: str
    kind: str
    question: str
    relevant: Keys  # phrases or complaint ids, or a label spec; empty / None: unanswerable
    acceptable: Keys = None  # related enough that citing them is not wrong
    history: list = field(default_factory=list)
    split: str = ""

    @property
    def answerable(self) -> bool:
        return bool(self.relevant)

    @property
    def whole_set(self) -> bool:
        """Asks about every matching complaint (how many, how resolved), not only examples."""
        return self.kind == "whole-set"


def _keys(value) -> Keys:
    if isinstance(value, dict):
        return {k: ([v] if isinstance(v, str) else list(v)) for k, v in value.items()}
    return list(value or [])


def load_questions(path: str | Path = DEFAULT_QUESTIONS, split: str | None = None) -> list[Question]:
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            data = json.loads(line)
            q = Question(id=data.get("id") or f"q{n}", kind=data.get("kind", "policy"),
                         question=data["question"], relevant=_keys(data.get("relevant")),
                         acceptable=_keys(data.get("acceptable")),
                         history=[tuple(t) for t in data.get("history") or []], split=data.get("split", ""))
        except (ValueError, KeyError, TypeError) as exc:
            raise QuestionSetError(f"{path}: line {n}: not a question ({exc})") from None
        if split is None or q.split == split:
            out.append(q)
    if split and not out:
        raise QuestionSetError(f"{path}: no question in split {split!r}")
    return out


def _flat(text: str) -> str:
    return " ".join(text.lower().split())


def complaint_text(c: Complaint) -> str:
    parts = [c.narrative, *(r.text for r in c.business_responses), *(r.text for r in c.customer_answers)]
    return _flat("\n".join(p for p in parts if p))


def label_value(c: Complaint, key: str) -> str:
    """A complaint's value for a label key: company and type are fields of every complaint
    (a CFPB complaint's type is its Issue), the rest are the source's own labels."""
    if key == "company":
        return c.company
    if key in ("issue", "type"):
        return c.labels.get("issue") or c.type
    return c.labels.get(key) or ""


def satisfies(c: Complaint, spec: dict[str, list[str]]) -> bool:
    # Case and spacing are not part of a label; the CFPB spells a few of them both ways.
    return all(_flat(label_value(c, key)) in {_flat(v) for v in values} for key, values in spec.items())


def resolve_labels(spec: dict[str, list[str]], complaints: list[Complaint]) -> list[str]:
    """A label spec -> the ids of every complaint satisfying it. Raises ValueError on a spec
    no complaint satisfies (a spelling mistake in the set, not a miss of the system)."""
    hits = [c.complaint_id for c in complaints if satisfies(c, spec)]
    if not hits:
        raise QuestionSetError(f"evaluation labels {spec!r} match no complaint in the index")
    return hits


def resolve(keys: Keys, complaints: list[Complaint]) -> list[str]:
    """Stable keys -> complaint ids. Raises ValueError on a phrase that is not exactly one
    complaint, or a label spec that is none."""
    if isinstance(keys, dict):
        return resolve_labels(keys, complaints)
    keys = keys or []
    ids = {c.complaint_id for c in complaints}
    texts = [(c.complaint_id, complaint_text(c)) for c in complaints]
    out = []
    for key in keys:
        if key in ids:
            out.append(key)
            continue
        hits = [cid for cid, text in texts if _flat(key) in text]
        if len(hits) != 1:
            raise QuestionSetError(f"evaluation key {key!r} matches {len(hits)} complaints (needs exactly 1)")
        out.append(hits[0])
    return out


# --- metrics -------------------------------------------------------------------------------
def _dedupe(ids: Iterable[str]) -> list[str]:
    seen, out = set(), []
    for i in ids:
        if i not in seen:
            seen.add(i)
            out.append(i)
    return out


def recall_at(ranked: list[str], relevant: set[str], k: int = K) -> float:
    # Capped at k: a question with more relevant complaints than k can still score 1.
    return len(relevant & set(ranked[:k])) / min(len(relevant), k)


def reciprocal_rank(ranked: list[str], relevant: set[str]) -> float:
    return next((1.0 / n for n, cid in enumerate(ranked, start=1) if cid in relevant), 0.0)


def ndcg_at(ranked: list[str], relevant: set[str], k: int = K) -> float:
    dcg = sum(1.0 / math.log2(n + 1) for n, cid in enumerate(ranked[:k], start=1) if cid in relevant)
    ideal = sum(1.0 / math.log2(n + 1) for n in range(1, min(len(relevant), k) + 1))
    return dcg / ideal


def invalid_markers(answer: str, refs: Iterable[int]) -> int:
    """[n] in the answer with no citation whose ref is n."""
    known = set(refs)
    return sum(1 for m in CITATION_MARKER.finditer(answer or "") if int(m.group(1)) not in known)


def _matching_rows(q: Question, got: SystemAnswer, label_set: set[str]) -> dict:
    stated = set(got.matching or [])
    count = got.matching_count if got.matching_count is not None else len(stated)
    error = abs(count - len(label_set)) / len(label_set)
    return {"label_count": len(label_set), "stated_count": count, "matching_rule": got.matching_rule,
            "set_precision": len(stated & label_set) / len(stated) if stated else 0.0,
            "set_recall": len(stated & label_set) / len(label_set),
            "count_error": error, "count_within": error <= WITHIN}


def score(system: System, questions: list[Question], complaints: list[Complaint], k: int = K) -> dict:
    """Run `system` on every question and score it."""
    rows = []
    for q in questions:
        relevant = set(resolve(q.relevant, complaints))
        ok = relevant | set(resolve(q.acceptable, complaints)) if q.acceptable else set(relevant)
        got = _answer(system(q.question, list(q.history)))
        ranked, cited, answer = _dedupe(got.ranked), list(got.cited), got.text or ""
        refs = got.refs if got.refs is not None else list(range(1, len(cited) + 1))
        row = {"id": q.id, "kind": q.kind, "split": q.split, "question": q.question, "relevant": len(relevant),
               "cited": len(set(cited)), "cited_ok": len(set(cited) & ok),
               "duplicate_citations": len(cited) - len(set(cited)),
               "invalid_citations": invalid_markers(answer, refs)}
        if q.answerable:
            row.update(recall=recall_at(ranked, relevant, k), rr=reciprocal_rank(ranked, relevant),
                       ndcg=ndcg_at(ranked, relevant, k), answered=bool(cited),
                       missed=sorted(relevant - set(ranked))[:20], false=sorted(set(cited) - ok))
            if q.whole_set:
                row.update(_matching_rows(q, got, relevant))
        else:
            row.update(no_evidence=not cited, false=sorted(set(cited)))
        rows.append(row)
    return summarize(rows, k)


def summarize(rows: list[dict], k: int = K) -> dict:
    answerable = [r for r in rows if "recall" in r]
    unanswerable = [r for r in rows if "no_evidence" in r]
    whole = [r for r in answerable if "set_recall" in r]

    def mean(values):
        values = list(values)
        return sum(values) / len(values) if values else 0.0

    def precision(part):
        cited = sum(r["cited"] for r in part)
        # Micro-averaged: every cited complaint on an answerable question counts once.
        return sum(r["cited_ok"] for r in part) / cited if cited else 0.0

    by_kind = {}
    for kind in sorted({r["kind"] for r in rows}):
        part = [r for r in answerable if r["kind"] == kind]
        none = [r for r in unanswerable if r["kind"] == kind]
        entry = {"questions": len(part) + len(none)}
        if part:
            entry.update({f"recall@{k}": mean(r["recall"] for r in part), "mrr": mean(r["rr"] for r in part),
                          "citation_precision": precision(part),
                          "answered_rate": mean(1.0 if r["answered"] else 0.0 for r in part)})
        if none:
            entry["no_evidence_rate"] = mean(1.0 if r["no_evidence"] else 0.0 for r in none)
        by_kind[kind] = entry
    report = {
        "k": k,
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        f"recall@{k}": mean(r["recall"] for r in answerable),
        "mrr": mean(r["rr"] for r in answerable),
        f"ndcg@{k}": mean(r["ndcg"] for r in answerable),
        "citation_precision": precision(answerable),
        "citations_per_answer": mean(r["cited"] for r in answerable),
        "answered_rate": mean(1.0 if r["answered"] else 0.0 for r in answerable),
        "unanswered": [r["id"] for r in answerable if not r["answered"]],
        "invalid_citations": sum(r["invalid_citations"] for r in rows),
        "duplicate_citations": sum(r["duplicate_citations"] for r in rows),
        # Correct abstention: an unanswerable question (a topic or a company the index does not
        # hold) got no citation at all.
        "no_evidence_rate": mean(1.0 if r["no_evidence"] else 0.0 for r in unanswerable),
        "not_abstained": [r["id"] for r in unanswerable if not r["no_evidence"]],
        "whole_set_questions": len(whole),
        "by_kind": by_kind,
        "rows": rows,
    }
    if whole:
        report.update({
            "set_precision": mean(r["set_precision"] for r in whole),
            "set_recall": mean(r["set_recall"] for r in whole),
            "count_error_median": statistics.median(r["count_error"] for r in whole),
            "count_within_25": mean(1.0 if r["count_within"] else 0.0 for r in whole),
        })
    return report


# --- the assistant as a system ---------------------------------------------------------------
def assistant_system(assistant, k: int = 8) -> System:
    def run(question: str, history: list) -> SystemAnswer:
        result = assistant.ask(question, k=k, history=history or None)
        ids = [c.complaint_id for c in result.citations]
        matching = result.to_dict().get("matching") or {}
        members, count = None, None
        if matching.get("count"):
            count = int(matching["count"])
            # The stated set itself, read back through the API the way a user browses it.
            if matching.get("filters") is not None:
                members = [c.complaint_id for c in assistant.complaints(filters=matching["filters"])]
        # Citations come in retrieval order, so they are also the ranking.
        return SystemAnswer(ranked=ids, cited=ids, text=result.answer, refs=[c.ref for c in result.citations],
                            matching=members, matching_count=count, matching_rule=matching.get("rule", ""))

    return run


def run_eval(assistant, questions_path: str | Path = DEFAULT_QUESTIONS, k: int = K,
             split: str | None = None) -> dict:
    questions = load_questions(questions_path, split=split)
    complaints = assistant.complaints()
    report = score(assistant_system(assistant), questions, complaints, k=k)
    report["system"] = "complaint-chat"
    report["questions_path"] = str(questions_path)
    report["split"] = split or "all"
    return report


# --- report ----------------------------------------------------------------------------------
METRICS = (("recall@{k}", "Recall@{k}", "{:.3f}"), ("mrr", "MRR", "{:.3f}"), ("ndcg@{k}", "nDCG@{k}", "{:.3f}"),
           ("citation_precision", "Citation precision", "{:.3f}"),
           ("citations_per_answer", "Citations per answer", "{:.2f}"),
           ("answered_rate", "Answerable questions answered", "{:.3f}"),
           ("no_evidence_rate", "Correct abstention (unanswerable)", "{:.3f}"),
           ("invalid_citations", "Invalid citations", "{}"),
           ("duplicate_citations", "Duplicate citations", "{}"),
           ("set_precision", "Matching set precision (whole-set)", "{:.3f}"),
           ("set_recall", "Matching set recall (whole-set)", "{:.3f}"),
           ("count_error_median", "Count error, median (whole-set)", "{:.2f}"),
           ("count_within_25", "Counts within 25% (whole-set)", "{:.3f}"))


def metrics_table(reports: dict[str, dict]) -> str:
    """A markdown table, one column per system (whole-set rows only when a set has them)."""
    names = list(reports)
    k = next(iter(reports.values()))["k"]
    lines = ["| Metric | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for key, label, fmt in METRICS:
        key, label = key.format(k=k), label.format(k=k)
        if not any(key in reports[n] for n in names):
            continue
        lines.append(f"| {label} | " + " | ".join(fmt.format(reports[n][key]) if key in reports[n] else "-"
                                                  for n in names) + " |")
    return "\n".join(lines)


def format_report(report: dict) -> str:
    k = report["k"]
    out = [f"Evaluation: {report['questions']} questions ({report['answerable']} answerable, "
           f"{report['unanswerable']} unanswerable), k={k}", "",
           metrics_table({report.get("system", "system"): report}), "", "By kind:"]
    for kind, part in report["by_kind"].items():
        line = f"  {kind:<15} n={part['questions']:<3}"
        if f"recall@{k}" in part:
            line += (f" recall@{k}={part[f'recall@{k}']:.3f}  MRR={part['mrr']:.3f}  "
                     f"precision={part['citation_precision']:.3f}  answered={part['answered_rate']:.2f}")
        if "no_evidence_rate" in part:
            line += f" abstained={part['no_evidence_rate']:.2f}"
        out.append(line)
    out += ["", f"{'question':<34} {'rel':>4} {'cited':>5} {'ok':>3} {'R@' + str(k):>5} {'RR':>5}  notes"]
    for r in report["rows"]:
        if "recall" in r:
            notes = []
            if not r["answered"]:
                notes.append("NOT ANSWERED")
            if r["missed"] and r["relevant"] <= k:
                notes.append(f"missed {len(r['missed'])}")
            if r["false"]:
                notes.append(f"{len(r['false'])} not relevant")
            if "set_recall" in r:
                notes.append(f"set: stated {r['stated_count']} vs labels {r['label_count']} "
                             f"(P {r['set_precision']:.2f} R {r['set_recall']:.2f})")
            line = (f"{r['id']:<34} {r['relevant']:>4} {r['cited']:>5} {r['cited_ok']:>3} "
                    f"{r['recall']:>5.2f} {r['rr']:>5.2f}  {', '.join(notes)}")
        else:
            line = (f"{r['id']:<34} {'-':>4} {r['cited']:>5} {'-':>3} {'-':>5} {'-':>5}  "
                    + ("no evidence (correct)" if r["no_evidence"] else "cited on an unanswerable question"))
        if r["invalid_citations"] or r["duplicate_citations"]:
            line += f"  INVALID {r['invalid_citations']} DUP {r['duplicate_citations']}"
        out.append(line)
    return "\n".join(out)
