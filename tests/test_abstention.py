"""When the index addresses a question at all: the cosine floor, and the words that can stand in
for it where the cosine alone is unsure."""

from __future__ import annotations

from assistant.retrieval import PARAMS, Candidate, Gathered, decide, word_share
from index.records import Complaint


def _complaint(cid: str, narrative: str) -> Complaint:
    return Complaint(company="ACME", date="2024-01-01", type="", status="", narrative=narrative,
                     complaint_id=cid)


# Weights as the index gives them (rarer words weigh more); "disconnect" is the rare one.
WEIGHTS = {"servic": 0.4, "disconnect": 2.5}


def _gathered(best: float, narrative: str) -> Gathered:
    records = {"a": _complaint("a", narrative), "b": _complaint("b", "A billing question about a late fee.")}
    cands = [Candidate("a", fused=0.03, similarity=best, passages=[("complaint", narrative, 0.03)]),
             Candidate("b", fused=0.02, similarity=best - 0.05, passages=[("complaint", "fee", 0.02)])]
    return Gathered(cands, records, priors={}, total=2, words=WEIGHTS)


def test_word_share_weighs_rare_words_and_reads_replies_too():
    said = _complaint("a", "They disconnected my service without notice.")
    assert word_share(said, WEIGHTS) == 1.0
    assert word_share(_complaint("b", "My service was slow."), WEIGHTS) == 0.4 / 2.9
    said.narrative = "Nothing here."
    said.business_responses = []
    assert word_share(said, {}) == 0.0


def test_a_near_complaint_saying_the_question_answers_under_the_cosine_floor():
    found, _ = decide(_gathered(0.45, "They disconnected my service twice this month."), 8, PARAMS)
    assert [e.complaint.complaint_id for e in found.evidence][:1] == ["a"]


def test_under_the_floor_without_the_words_the_answer_abstains():
    found, _ = decide(_gathered(0.45, "My service bill went up again."), 8, PARAMS)
    assert found.evidence == []


def test_far_below_the_floor_words_alone_do_not_answer():
    found, _ = decide(_gathered(PARAMS.words_floor - 0.05, "They disconnected my service."), 8, PARAMS)
    assert found.evidence == []
