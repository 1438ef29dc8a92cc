"""Follow-up questions become standalone questions, by rule."""

import pytest

from assistant.followup import is_followup, standalone, topic_of

BILLING = [("How does Charter handle billing disputes?", "answer")]


@pytest.mark.parametrize("question, expected", [
    ("and late fees?", "How does Charter handle late fees?"),
    ("What about early termination fees?", "How does Charter handle early termination fees?"),
    ("late fees?", "How does Charter handle late fees?"),
    ("and in 2024?", "How does Charter handle billing disputes in 2024?"),
    ("How many of those complaints were resolved?", "How many of billing disputes were resolved?"),
    ("How does Charter handle mid-cycle cancellations?", "How does Charter handle mid-cycle cancellations?"),
])
def test_standalone(question, expected):
    assert standalone(question, BILLING) == expected


def test_no_history_means_no_rewrite():
    assert standalone("and late fees?", []) == "and late fees?"
    assert not is_followup("and late fees?", None)


def test_chained_followups_resolve_from_the_first_question():
    history = [{"role": "user", "content": "Do they waive late fees?"}, {"role": "assistant", "content": "x"},
               {"role": "user", "content": "and reconnection fees?"}, {"role": "assistant", "content": "y"}]
    assert standalone("and in 2025?", history) == "Do they waive reconnection fees in 2025?"


def test_topic_of():
    assert topic_of("How does Charter handle billing disputes?") == ("How does Charter handle", "billing disputes")
    assert topic_of("Tell me things") is None


def test_a_question_ending_on_a_pronoun_is_about_the_last_topic():
    assert standalone("What did the business do about it?", [("Do they waive late fees?", "x")]) == \
        "What did the business do about late fees?"
    assert standalone("What is it?", []) == "What is it?"
