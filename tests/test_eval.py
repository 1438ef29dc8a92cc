"""The evaluation sets as regression gates: the sample's (thresholds the system meets today,
minus a small margin) and the real-CFPB one (the quality issue's done-levels, on its test split)."""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

import pytest

from assistant.evaluation import (CFPB_QUESTIONS, DEFAULT_QUESTIONS, SystemAnswer, format_report, invalid_markers,
                                  load_questions, ndcg_at, recall_at, reciprocal_rank, resolve, run_eval, satisfies,
                                  score)
from index.records import Complaint

ROOT = Path(__file__).resolve().parents[1]
CFPB = ROOT.parent / "shared" / "data" / "cfpb"


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
    # A regression gate at today's level of the general mechanism (thresholds fitted on the CFPB
    # dev split, no sample vocabulary): recall@5 0.82, MRR 0.94, precision 0.86, answered 0.96,
    # abstention 1.0, since a question under the cosine floor answers where a complaint nearest in
    # meaning also holds most of its words (recall@5 was 0.68, answered 0.80).
    # Issue 8 asks for recall@5 >= 0.9 and precision >= 0.8 here: recall not reached yet.
    assert report["recall@5"] >= 0.75, format_report(report)
    assert report["mrr"] >= 0.85, format_report(report)
    assert report["citation_precision"] >= 0.8, format_report(report)
    assert report["answered_rate"] >= 0.9, (report["unanswered"], format_report(report))
    assert report["no_evidence_rate"] == 1.0, (report["not_abstained"], format_report(report))
    assert report["invalid_citations"] == 0, format_report(report)
    assert report["duplicate_citations"] == 0, format_report(report)


def test_midcycle_question_cites_only_final_bill_complaints(assistant):
    result = assistant.ask("How does Charter handle mid-cycle cancellations?")
    cited = {c.complaint_id for c in result.citations}
    expected = set(resolve(["$108.43", "$80.41", "not prorating the bills"], assistant.complaints()))
    assert cited and cited <= expected, [c.narrative[:60] for c in result.citations]


def test_metrics_on_a_hand_computed_ranking():
    relevant = {"a", "b"}
    assert recall_at(["x", "a", "y"], relevant, k=5) == 0.5
    assert recall_at(list("abcdefg"), set("abcdefg"), k=5) == 5 / 5  # capped at k
    assert reciprocal_rank(["x", "y", "b"], relevant) == pytest.approx(1 / 3)
    assert ndcg_at(["a", "b"], relevant) == pytest.approx(1.0)
    assert 0 < ndcg_at(["x", "a"], relevant) < 1
    assert invalid_markers("see [1] and [3]", [1, 2]) == 1


# --- label-keyed sets: the scorer on hand-made complaints ----------------------------------------
def _complaint(n: int, company: str, issue: str, sub_issue: str = "") -> Complaint:
    labels = {"product": "Debt collection", "issue": issue, **({"sub_issue": sub_issue} if sub_issue else {})}
    return Complaint(company=company, date="2023-06-01", type=issue, status="Closed with explanation",
                     narrative=f"complaint {n}", external_id=str(n), labels=labels).assign_id()


def test_label_spec_needs_every_key_and_any_listed_value():
    c = _complaint(1, "ACME COLLECTIONS", "Attempts to collect debt not owed", "Debt is not yours")
    assert satisfies(c, {"issue": ["Attempts to collect debt not owed"], "company": ["acme  collections"]})
    assert satisfies(c, {"sub_issue": ["Debt was paid", "Debt is not yours"]})
    assert not satisfies(c, {"issue": ["Attempts to collect debt not owed"], "company": ["OTHER INC."]})
    with pytest.raises(ValueError, match="match no complaint"):
        resolve({"issue": ["Communication tactics"]}, [c])


def test_label_scoring_of_citations_abstention_and_the_stated_set(tmp_path):
    not_owed = [_complaint(n, "ACME", "Attempts to collect debt not owed") for n in range(8)]
    calls = [_complaint(n, "ACME", "Communication tactics") for n in range(8, 12)]
    complaints = not_owed + calls
    ids = [c.complaint_id for c in complaints]
    path = tmp_path / "set.jsonl"
    path.write_text(
        '{"id": "a", "split": "test", "kind": "whole-set", "question": "How does ACME handle debts I do not owe?", '
        '"relevant": {"issue": "Attempts to collect debt not owed", "company": "ACME"}}\n'
        '{"id": "b", "split": "test", "kind": "topic", "question": "Collectors calling all day?", '
        '"relevant": {"issue": ["Communication tactics"]}}\n'
        '{"id": "c", "split": "test", "kind": "absent-company", "question": "How does Verizon bill?", "relevant": null}\n'
        '{"id": "d", "split": "dev", "kind": "unanswerable", "question": "Gym contracts?", "relevant": null}\n')
    answers = {
        # 3 cited, 2 relevant; states 6 of the 8 plus 1 wrong: count error 1/8, precision 6/7, recall 6/8.
        "How does ACME handle debts I do not owe?": SystemAnswer(
            ranked=[ids[0], ids[8], ids[1]], cited=[ids[0], ids[8], ids[1]], text="see [1], [2] and [4]",
            refs=[1, 2, 3], matching=ids[:6] + [ids[8]], matching_count=7),
        "Collectors calling all day?": SystemAnswer(ranked=[], cited=[], text="no complaints"),
        "How does Verizon bill?": SystemAnswer(ranked=[], cited=[]),
        "Gym contracts?": SystemAnswer(ranked=[ids[9]], cited=[ids[9]], text="[1]"),
    }
    report = score(lambda q, history: answers[q], load_questions(path, split="test"), complaints)
    assert report["questions"] == 3
    assert report["citation_precision"] == pytest.approx(2 / 3)
    assert report["answered_rate"] == 0.5 and report["unanswered"] == ["b"]
    assert report["no_evidence_rate"] == 1.0
    assert report["invalid_citations"] == 1  # [4] has no citation
    assert report["set_precision"] == pytest.approx(6 / 7) and report["set_recall"] == pytest.approx(6 / 8)
    assert report["count_error_median"] == pytest.approx(1 / 8) and report["count_within_25"] == 1.0
    dev = score(lambda q, history: answers[q], load_questions(path, split="dev"), complaints)
    assert dev["no_evidence_rate"] == 0.0 and dev["not_abstained"] == ["d"]
    assert "Counts within 25%" in format_report(report)


# --- the real-CFPB question set -------------------------------------------------------------
@pytest.fixture(scope="module")
def cfpb_raw_complaints():
    """The three real exports read the way a quickstart user reads them (csv / json), with
    their CFPB labels: enough to check the set against the data without an index."""
    sys.path.insert(0, str(ROOT / "bench"))
    import baseline_llamaindex

    return [baseline_llamaindex.row_complaint(r) for r in baseline_llamaindex.cfpb_rows()]


def test_cfpb_set_covers_the_kinds_products_and_splits(cfpb_raw_complaints):
    questions = load_questions(CFPB_QUESTIONS)
    assert len(questions) >= 70
    kinds = collections.Counter((q.kind, q.split) for q in questions)
    for kind in ("topic", "company", "whole-set", "followup", "unanswerable", "absent-company"):
        # Stratified: each kind in both splits. Dev was written half and half with test, then
        # grew by 18 questions to fit on (README "Quality"); test keeps at least a third of each.
        assert kinds[(kind, "dev")] and kinds[(kind, "test")], kind
        assert kinds[(kind, "test")] >= (kinds[(kind, "dev")] + kinds[(kind, "test")]) / 3, kind
    assert all(q.history for q in questions if q.kind == "followup")
    products = set()
    for q in questions:
        if not q.answerable:
            continue
        relevant = resolve(q.relevant, cfpb_raw_complaints)
        # Targets with too few complaints would make precision a coin toss.
        assert len(relevant) >= 10, (q.id, len(relevant))
        products |= {c.labels.get("product") for c in cfpb_raw_complaints if c.complaint_id in set(relevant)}
    assert len(products) >= 3


def test_cfpb_questions_are_in_users_words_not_the_labels():
    for q in load_questions(CFPB_QUESTIONS):
        for key in ("issue", "sub_issue"):
            for label in (q.relevant or {}).get(key, []):
                assert label.lower() not in q.question.lower(), (q.id, label)


def test_cfpb_absent_companies_are_absent(cfpb_raw_complaints):
    companies = " ".join(sorted({c.company.lower() for c in cfpb_raw_complaints}))
    named = [json.loads(line).get("names_company") for line in CFPB_QUESTIONS.read_text().splitlines()
             if '"absent-company"' in line]
    assert len(named) >= 6 and all(named)
    for name in named:
        assert name.lower() not in companies, name


# --- the done-levels of the quality issue, on the CFPB test split ----------------------------------
@pytest.fixture(scope="module")
def cfpb_report(cfpb_assistant):
    return run_eval(cfpb_assistant, CFPB_QUESTIONS, split="test")


def test_cfpb_test_split_holds_todays_level(cfpb_report):
    # A regression gate at today's test-split level (README "Quality"): precision 0.65 (the
    # issue's 0.6 is held here), whole-set counts within 25% on 3 of 6, answered 1.00, abstention
    # 0.88, 0 invalid citations. The issue's remaining done-levels (all answered, all abstaining,
    # counts within 25% on 80% of whole-set questions) are the strict-xfail test below, which
    # fails loudly once they hold.
    report = cfpb_report
    assert report["citation_precision"] >= 0.6, format_report(report)
    assert report["count_within_25"] >= 0.5, format_report(report)
    assert report["answered_rate"] >= 0.95, (report["unanswered"], format_report(report))
    assert report["no_evidence_rate"] >= 0.85, (report["not_abstained"], format_report(report))
    assert report["invalid_citations"] == 0, format_report(report)
    assert report["whole_set_questions"] >= 5


def test_cfpb_dev_split_holds_the_fitted_level(cfpb_assistant):
    # The split the thresholds, the centroid weight and the discriminant's were fitted on (60
    # questions): precision 0.64, whole-set counts within 25% on 8 of 11, every unanswerable and
    # absent-company question abstaining (T-Mobile since the compound-name rule). The label
    # centroids and the labels' discriminant are what lift precision and counts, so a regression
    # there fails here first.
    report = run_eval(cfpb_assistant, CFPB_QUESTIONS, split="dev")
    assert report["citation_precision"] >= 0.6, format_report(report)
    assert report["count_within_25"] >= 0.7, format_report(report)
    assert report["answered_rate"] >= 0.95, (report["unanswered"], format_report(report))
    assert report["no_evidence_rate"] == 1.0, (report["not_abstained"], format_report(report))
    assert report["invalid_citations"] == 0, format_report(report)


@pytest.mark.xfail(strict=True, reason="issue 8: abstention (7 of 8) and whole-set counts (3 of 6 within 25%) "
                                       "are not reached")
def test_cfpb_test_split_meets_the_done_levels(cfpb_report):
    report = cfpb_report
    assert report["answered_rate"] == 1.0, (report["unanswered"], format_report(report))
    assert report["no_evidence_rate"] == 1.0, (report["not_abstained"], format_report(report))
    assert report["count_within_25"] >= 0.8, format_report(report)
