"""The evaluation set as a regression gate: thresholds the system meets today, minus a small margin."""

from __future__ import annotations

import pytest

from assistant.evaluation import (DEFAULT_QUESTIONS, format_report, invalid_markers, load_questions, ndcg_at,
                                  recall_at, reciprocal_rank, resolve, run_eval)


@pytest.fixture(scope="module")
def report(assistant):
    return run_eval(assistant)


def test_eval_set_keys_resolve_to_exactly_one_complaint(assistant):
    complaints = assistant.complaints()
    questions = load_questions(DEFAULT_QUESTIONS)
    assert len(questions) >= 25 and any(not q.answerable for q in questions)
    for q in questions:
        resolve(q.relevant + q.acceptable, complaints)  # raises on a key that is 0 or 2+ complaints


def test_retrieval_and_citation_thresholds(report):
    # Measured on the sample: recall@5 0.96, precision 0.79 (the two misses are follow-ups that
    # refer back with "it"/"that"), no-evidence 1.0.
    assert report["recall@5"] >= 0.9, format_report(report)
    assert report["mrr"] >= 0.9, format_report(report)
    assert report["citation_precision"] >= 0.9, format_report(report)
    assert report["no_evidence_rate"] >= 0.8, format_report(report)
    assert report["invalid_citations"] == 0, format_report(report)
    assert report["duplicate_citations"] == 0, format_report(report)


def test_midcycle_question_cites_exactly_the_three_final_bill_complaints(assistant):
    result = assistant.ask("How does Charter handle mid-cycle cancellations?")
    cited = {c.complaint_id for c in result.citations}
    expected = set(resolve(["$108.43", "$80.41", "not prorating the bills"], assistant.complaints()))
    assert cited == expected, [c.narrative[:60] for c in result.citations]


def test_metrics_on_a_hand_computed_ranking():
    relevant = {"a", "b"}
    assert recall_at(["x", "a", "y"], relevant, k=5) == 0.5
    assert recall_at(list("abcdefg"), set("abcdefg"), k=5) == 5 / 5  # capped at k
    assert reciprocal_rank(["x", "y", "b"], relevant) == pytest.approx(1 / 3)
    assert ndcg_at(["a", "b"], relevant) == pytest.approx(1.0)
    assert 0 < ndcg_at(["x", "a"], relevant) < 1
    assert invalid_markers("see [1] and [3]", [1, 2]) == 1
