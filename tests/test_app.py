"""The real app on loopback: the `ask` endpoint through gradio_client, and the
per-session chat pieces (follow-ups, implied filters, escaping) on the sample."""

from __future__ import annotations

import re

import pytest

from .conftest import free_port

MID_CYCLE = "How does Charter handle mid-cycle cancellations?"



@pytest.fixture(scope="module")
def live_app(assistant):
    import app

    demo = app.build(assistant)
    port = free_port()
    app.launch(demo, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


def test_ask_endpoint_answers_mid_cycle_question_with_citations(live_app):
    from gradio_client import Client

    client = Client(live_app, verbose=False)
    answer, data = client.predict(MID_CYCLE, api_name="/ask")

    assert answer == data["answer"]
    assert data["question"] == MID_CYCLE and data["backend"] == "evidence"
    refs = {c["ref"] for c in data["citations"]}
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer)}
    assert markers and markers <= refs
    cited = " ".join(c["narrative"] for c in data["citations"]).lower()
    for phrase in ("$108.43", "$80.41", "prorat"):
        assert phrase in cited, phrase
    first = data["citations"][0]
    for key in ("complaint_id", "date", "type", "status", "business_response", "customer_answers", "outcomes",
                "quote", "score"):
        assert key in first


def test_ask_endpoint_is_the_only_public_api(live_app):
    from gradio_client import Client

    api = Client(live_app, verbose=False).view_api(print_info=False, return_format="dict")
    assert list(api["named_endpoints"]) == ["/ask"]


def test_followup_is_searched_as_standalone_and_keeps_implied_filters(assistant):
    from assistant.chat_session import ChatSession
    from assistant.query_filters import Vocabulary

    vocabulary = Vocabulary.from_stats(assistant.stats())
    session = ChatSession()
    first = session.prepare("How does Charter handle billing complaints?", vocabulary, {})
    assert [i.key for i in first.implied] == ["type"] and first.filters == {"type": "Billing Issues"}
    first.answer = assistant.ask(first.question, filters=first.filters).answer

    second = session.prepare("and late fees?", vocabulary, {})
    assert second.standalone == "How does Charter handle late fees?"
    assert second.filters == {"type": "Billing Issues"}  # the scope carries over
    result = assistant.ask(second.question, filters=second.filters, history=session.history(1))
    assert result.citations and all(c.type == "Billing Issues" for c in result.citations)
    assert "late fee" in " ".join(c.narrative + (c.business_response or "") for c in result.citations).lower()

    # A chip removed by the user is gone from that turn's filters.
    assert session.drop_chips([]).filters == {}


def test_sessions_do_not_share_state(assistant):
    from assistant.chat_session import ChatSession
    from assistant.query_filters import Vocabulary

    vocabulary = Vocabulary.from_stats(assistant.stats())
    a, b = ChatSession(), ChatSession()
    a.prepare("unresolved billing complaints?", vocabulary, {})
    b.prepare("and late fees?", vocabulary, {})
    assert len(a.turns) == 1 and len(b.turns) == 1
    assert b.turns[0].standalone == "and late fees?" and b.turns[0].implied == []


def test_cards_show_complaint_text_as_text():
    from assistant import ui_render as ui

    card = ui.card({"ref": 1, "complaint_id": "c-1", "company": "X <u>", "date": "2025-04-01", "type": "Billing Issues",
                    "status": "Resolved", "narrative": "I was billed <script>alert(1)</script> for the month.",
                    "business_response": None, "customer_answers": ["<img src=x onerror=alert(2)>"],
                    "outcomes": ["credit_denied"], "quote": "billed <script>alert(1)</script> for"})
    assert "<script>" not in card and "<img" not in card and "<u>" not in card
    assert "<mark>billed &lt;script&gt;alert(1)&lt;/script&gt; for</mark>" in card
    assert 'id="src-1"' in card
    linked = ui.link_markers('"a <script>" [1][2]')
    assert "&lt;script&gt;" in linked and '<a class="cc-cite" href="#src-2">[2]</a>' in linked


def test_long_text_folds_around_the_quote():
    from assistant import ui_render as ui

    narrative = "word " * 200 + "the quoted passage here" + " tail" * 200
    card = ui.card({"ref": 2, "narrative": narrative, "quote": "the quoted passage here", "status": "Answered"})
    assert "<details>" in card and card.count("<mark>the quoted passage here</mark>") == 2
