"""Retrieval and citation quality on an evaluation set of questions.

Each question names the complaints that should be cited by a distinctive phrase of
the complaint (its narrative, a business response or a customer answer), or by its
content-derived complaint_id. Phrases are resolved against the index at run time, so
the set survives re-ingesting, reordering and new data sources; a phrase that matches
no complaint, or more than one, is an error in the set, not a miss of the system.

The scorer takes any `system(question, history) -> (ranked complaint ids, cited
complaint ids, answer text)`, so the plain llama-index baseline (bench/) is scored by
exactly the same code as the assistant.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.records import Complaint

from .results import CITATION_MARKER

K = 5
DEFAULT_QUESTIONS = Path(__file__).resolve().parent.parent / "data" / "eval" / "sample_questions.jsonl"

System = Callable[[str, list], tuple[list[str], list[str], str]]


@dataclass
class Question:
    id: str
    kind: str
    question: str
    relevant: list[str]  # phrases or complaint ids
    acceptable: list[str] = field(default_factory=list)  # related enough that citing them is not wrong
    history: list = field(default_factory=list)

    @property
    def answerable(self) -> bool:
        return bool(self.relevant)


def load_questions(path: str | Path = DEFAULT_QUESTIONS) -> list[Question]:
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        data = json.loads(line)
        out.append(Question(id=data.get("id") or f"q{n}", kind=data.get("kind", "policy"),
                            question=data["question"], relevant=list(data.get("relevant") or []),
                            acceptable=list(data.get("acceptable") or []),
                            history=[tuple(t) for t in data.get("history") or []]))
    return out


def _flat(text: str) -> str:
    return " ".join(text.lower().split())


def complaint_text(c: Complaint) -> str:
    parts = [c.narrative, *(r.text for r in c.business_responses), *(r.text for r in c.customer_answers)]
    return _flat("\n".join(p for p in parts if p))


def resolve(keys: Iterable[str], complaints: list[Complaint]) -> list[str]:
    """Stable keys -> complaint ids. Raises ValueError on a key that is not exactly one complaint."""
    ids = {c.complaint_id for c in complaints}
    texts = [(c.complaint_id, complaint_text(c)) for c in complaints]
    out = []
    for key in keys:
        if key in ids:
            out.append(key)
            continue
        hits = [cid for cid, text in texts if _flat(key) in text]
        if len(hits) != 1:
            raise ValueError(f"evaluation key {key!r} matches {len(hits)} complaints (needs exactly 1)")
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


def score(system: System, questions: list[Question], complaints: list[Complaint], k: int = K) -> dict:
    """Run `system` on every question and score it. `system` may return a 4th item, the
    citation refs, to have [n] markers checked against them (default: 1..len(cited))."""
    rows = []
    for q in questions:
        relevant = set(resolve(q.relevant, complaints))
        ok = relevant | set(resolve(q.acceptable, complaints))
        got = system(q.question, list(q.history))
        ranked, cited, answer = _dedupe(got[0]), list(got[1]), got[2] or ""
        refs = list(got[3]) if len(got) > 3 else list(range(1, len(cited) + 1))
        row = {"id": q.id, "kind": q.kind, "question": q.question, "relevant": len(relevant),
               "cited": len(set(cited)), "cited_ok": len(set(cited) & ok),
               "duplicate_citations": len(cited) - len(set(cited)),
               "invalid_citations": invalid_markers(answer, refs)}
        if q.answerable:
            row.update(recall=recall_at(ranked, relevant, k), rr=reciprocal_rank(ranked, relevant),
                       ndcg=ndcg_at(ranked, relevant, k),
                       missed=sorted(relevant - set(ranked)), false=sorted(set(cited) - ok))
        else:
            row.update(no_evidence=not cited, false=sorted(set(cited)))
        rows.append(row)
    return summarize(rows, k)


def summarize(rows: list[dict], k: int = K) -> dict:
    answerable = [r for r in rows if "recall" in r]
    unanswerable = [r for r in rows if "no_evidence" in r]

    def mean(values):
        values = list(values)
        return sum(values) / len(values) if values else 0.0

    cited = sum(r["cited"] for r in answerable)
    by_kind = {}
    for kind in sorted({r["kind"] for r in answerable}):
        part = [r for r in answerable if r["kind"] == kind]
        by_kind[kind] = {"questions": len(part), f"recall@{k}": mean(r["recall"] for r in part),
                         "mrr": mean(r["rr"] for r in part)}
    return {
        "k": k,
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        f"recall@{k}": mean(r["recall"] for r in answerable),
        "mrr": mean(r["rr"] for r in answerable),
        f"ndcg@{k}": mean(r["ndcg"] for r in answerable),
        # Micro-averaged: every cited complaint on an answerable question counts once.
        "citation_precision": (sum(r["cited_ok"] for r in answerable) / cited) if cited else 0.0,
        "citations_per_answer": mean(r["cited"] for r in answerable),
        "invalid_citations": sum(r["invalid_citations"] for r in rows),
        "duplicate_citations": sum(r["duplicate_citations"] for r in rows),
        "no_evidence_rate": mean(1.0 if r["no_evidence"] else 0.0 for r in unanswerable),
        "by_kind": by_kind,
        "rows": rows,
    }


# --- the assistant as a system ---------------------------------------------------------------
def assistant_system(assistant, k: int = 8) -> System:
    def run(question: str, history: list):
        result = assistant.ask(question, k=k, history=history or None)
        ids = [c.complaint_id for c in result.citations]
        # Citations come in retrieval order, so they are also the ranking.
        return ids, ids, result.answer, [c.ref for c in result.citations]

    return run


def run_eval(assistant, questions_path: str | Path = DEFAULT_QUESTIONS, k: int = K) -> dict:
    questions = load_questions(questions_path)
    complaints = assistant.complaints()
    report = score(assistant_system(assistant), questions, complaints, k=k)
    report["system"] = "complaint-chat"
    report["questions_path"] = str(questions_path)
    return report


# --- report ----------------------------------------------------------------------------------
METRICS = (("recall@{k}", "Recall@{k}", "{:.3f}"), ("mrr", "MRR", "{:.3f}"), ("ndcg@{k}", "nDCG@{k}", "{:.3f}"),
           ("citation_precision", "Citation precision", "{:.3f}"),
           ("citations_per_answer", "Citations per answer", "{:.2f}"),
           ("invalid_citations", "Invalid citations", "{}"),
           ("duplicate_citations", "Duplicate citations", "{}"),
           ("no_evidence_rate", "Correct \"no evidence\" (unanswerable)", "{:.3f}"))


def metrics_table(reports: dict[str, dict]) -> str:
    """A markdown table, one column per system."""
    names = list(reports)
    k = next(iter(reports.values()))["k"]
    lines = ["| Metric | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for key, label, fmt in METRICS:
        key, label = key.format(k=k), label.format(k=k)
        lines.append(f"| {label} | " + " | ".join(fmt.format(reports[n][key]) for n in names) + " |")
    return "\n".join(lines)


def format_report(report: dict) -> str:
    k = report["k"]
    out = [f"Evaluation: {report['questions']} questions ({report['answerable']} answerable, "
           f"{report['unanswerable']} unanswerable), k={k}", "",
           metrics_table({report.get("system", "system"): report}), "", "By kind:"]
    for kind, part in report["by_kind"].items():
        out.append(f"  {kind:<10} n={part['questions']:<3} recall@{k}={part[f'recall@{k}']:.3f}  "
                   f"MRR={part['mrr']:.3f}")
    out += ["", f"{'question':<34} {'rel':>3} {'cited':>5} {'ok':>3} {'R@' + str(k):>5} {'RR':>5}  notes"]
    for r in report["rows"]:
        if "recall" in r:
            notes = []
            if r["missed"]:
                notes.append(f"missed {len(r['missed'])}")
            if r["false"]:
                notes.append(f"{len(r['false'])} not relevant")
            line = (f"{r['id']:<34} {r['relevant']:>3} {r['cited']:>5} {r['cited_ok']:>3} "
                    f"{r['recall']:>5.2f} {r['rr']:>5.2f}  {', '.join(notes)}")
        else:
            line = (f"{r['id']:<34} {'-':>3} {r['cited']:>5} {'-':>3} {'-':>5} {'-':>5}  "
                    + ("no evidence (correct)" if r["no_evidence"] else "cited on an unanswerable question"))
        if r["invalid_citations"] or r["duplicate_citations"]:
            line += f"  INVALID {r['invalid_citations']} DUP {r['duplicate_citations']}"
        out.append(line)
    return "\n".join(out)
