"""The real app on loopback: the `ask` endpoint through gradio_client, and the
per-session chat pieces (follow-ups, implied filters, escaping) on the sample."""

from __future__ import annotations

import re
from pathlib import Path

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
    # The final-bill complaints are what the question is about (all three: see test_ask).
    assert any(phrase in cited for phrase in ("$108.43", "$80.41", "prorat")), cited[:300]
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


def test_a_followup_that_asks_how_the_last_set_ended_gets_that_chip_as_the_api_reads_it(assistant):
    from assistant.chat_session import ChatSession

    vocabulary = assistant.vocabulary()
    session = ChatSession()
    first = session.prepare("Do they waive late fees?", vocabulary, {})
    first.answer = assistant.ask(first.question).answer
    second = session.prepare("Were any resolved?", vocabulary, {})
    # The app's chips and the API's own reading of the same words agree.
    api = assistant.ask("Were any resolved?", history=session.history(1))
    assert second.filters == {"status": "Resolved"} == {k: v for k, v in api.filters.items() if k == "status"}
    # Its share asked next is of the same resolved ones.
    second.answer = api.answer
    third = session.prepare("What percentage is that?", vocabulary, {})
    again = assistant.ask("What percentage is that?", history=session.history(2))
    assert third.filters == {"status": "Resolved"} and again.filters.get("status") == "Resolved"
    assert again.matching["count"] == api.matching["count"]


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
    from assistant.safe_text import inert

    card = ui.card({"ref": 1, "complaint_id": "c-1", "company": "X <u>", "date": "2025-04-01", "type": "Billing Issues",
                    "status": "Resolved", "narrative": "I was billed <script>alert(1)</script> for the month.",
                    "business_response": None, "customer_answers": ["<img src=x onerror=alert(2)>"],
                    "outcomes": ["credit_denied"], "quote": "billed <script>alert(1)</script> for"}, turn=0)
    assert "<script" not in card and "<img" not in card and "<u>" not in card
    assert "<mark>billed &lt;script&gt;alert(1)&lt;/script&gt; for</mark>" in card
    # The answer quotes it made inert; the card still finds and marks it in the text as written.
    again = ui.card({"ref": 1, "narrative": "I was billed <script>x</script> for [42] months.",
                     "quote": inert("billed <script>x</script> for [42]")}, turn=0)
    assert "<mark>billed &lt;script&gt;x&lt;/script&gt; for [42]</mark>" in again
    assert 'id="a0-1"' in card and 'href="#q0-1"' in card  # the card links back to its marker
    linked = ui.link_markers('"a <script>" [1][2]', 3)
    assert "&lt;script&gt;" in linked and '<a class="cc-cite" href="#a3-2">[2]</a>' in linked


def test_markers_are_unique_per_answer_and_only_real_citations_link():
    from assistant import ui_render as ui

    first, second = ui.link_markers("x [1] y [2]", 0, {1, 2}), ui.link_markers("z [1]", 1, {1})
    assert 'href="#a0-1"' in first and 'href="#a1-1"' in second and 'href="#a0-1"' not in second
    assert ui.link_markers("line [42] and [1]", 0, {1}).count("cc-cite") == 1
    panel = ui.sources_panel([(0, "first?", [{"ref": 1, "narrative": "a"}]), (1, "second?", [{"ref": 1, "narrative": "b"}])])
    assert 'id="a0-1"' in panel and 'id="a1-1"' in panel
    # The latest answer's cards show; the older group waits for its own markers.
    assert 'class="cc-group cc-hidden" data-turn="0"' in panel and 'class="cc-group" data-turn="1"' in panel


def test_long_text_folds_around_the_quote():
    from assistant import ui_render as ui

    narrative = "word " * 200 + "the quoted passage here" + " tail" * 200
    card = ui.card({"ref": 2, "narrative": narrative, "quote": "the quoted passage here", "status": "Answered"})
    assert "<details>" in card and card.count("<mark>the quoted passage here</mark>") == 2


HOSTILE = ("see invoice line [42] and footnote [1] [click](javascript:alert(1)) "
           "![pixel](http://evil.example/track.png) <img src=x onerror=alert(1)> **bold** _it_ `code` ~~gone~~ "
           "&#91;7&#93; \u202egnp.exe\x00 end")


def test_safe_text_makes_complaint_text_inert():
    from assistant.results import CITATION_MARKER
    from assistant.safe_text import inert, plain

    out = inert(HOSTILE)
    assert not CITATION_MARKER.search(out)  # no [n] a reader or the guard could take for a citation
    for active in ("[", "]", "<", ">", "*", "_", "`", "~", "&#", "\u202e", "\x00"):
        assert active not in out, active
    # Still readable as the words that were written.
    assert "invoice line ⟦42⟧ and footnote ⟦1⟧" in out and "javascript:alert(1)" in out and out.endswith(" end")
    assert inert("AT&T billed me $80.41 on 04/16/2025.") == "AT&T billed me $80.41 on 04/16/2025."
    assert inert(None) == "" and inert(out) == out  # idempotent: the lead's quotes and ours agree
    assert plain("a\u202eb\x00c [1] <b>") == "abc [1] <b>"


def test_cards_carry_the_complaints_identity_and_no_internal_id():
    from assistant import ui_render as ui

    cfpb = ui.card({"ref": 1, "complaint_id": "c-0123456789abcdef", "external_id": "7654321", "company": "Acme",
                    "status": "Closed with monetary relief", "narrative": "n", "outcomes": ["customer_accepted"],
                    "business_response": "Company has responded to the consumer and the CFPB and chooses not to "
                                         "provide a public response",
                    "labels": {"product": "Payday loan", "issue": "Charged fees",
                               "company_public_response": "Company has responded to the consumer and the CFPB "
                                                          "and chooses not to provide a public response"}}, turn=0)
    link = ('<a href="https://www.consumerfinance.gov/data-research/consumer-complaints/search/detail/7654321" '
            'target="_blank" rel="noopener noreferrer">7654321</a>')
    assert link in cfpb
    visible = re.sub(r"<[^>]+>", " ", cfpb)
    assert "c-0123456789abcdef" not in visible
    assert "CFPB response category" in visible and "Product: Payday loan" in visible
    # The CFPB's stock sentence is not what the business answered.
    assert "No business response in the record." in visible
    assert "cc-status-good" in cfpb  # monetary relief reads as resolved
    assert "The customer accepted the resolution" in visible and "customer_accepted" not in visible

    bbb = ui.card({"ref": 2, "complaint_id": "c-1", "source": "/data/pages/bbb_charter_spectrum_2025-04.txt",
                   "position": 3, "narrative": "n"})
    assert "complaint 3 in bbb_charter_spectrum_2025-04.txt" in bbb
    assert ui.card({"ref": 3, "external_id": "javascript:alert(1)", "narrative": "n"}).count("<a ") == 0


def test_questions_are_bounded_with_a_clear_message():
    from assistant.chat_session import question_problem

    assert question_problem("  ", 1000) == ("The question is empty. "
                                            "Type a question in words, or pick one of the examples below.")
    assert "no words" in question_problem("?!", 1000)
    message = question_problem("x" * 10_000, 1000)
    assert "1,000" in message and "10,000" in message
    assert question_problem("Do they waive late fees?", 1000) is None


def test_ask_endpoint_refuses_an_empty_or_overlong_question_without_a_traceback(live_app, capfd):
    from gradio_client import Client

    client = Client(live_app, verbose=False)
    for question in ("", "x" * 5000):
        with pytest.raises(Exception) as err:
            client.predict(question, api_name="/ask")
        assert "question" in str(err.value).lower() or "characters" in str(err.value)
    assert "Traceback" not in capfd.readouterr().err


def test_only_working_backends_are_offered(tmp_path):
    import app
    from index import Settings

    assert app.available_backends(Settings()) == ["evidence"]
    assert app.available_backends(Settings(openai_base_url="http://127.0.0.1:1/v1")) == ["evidence", "openai"]
    assert app.available_backends(Settings(gguf_path=str(tmp_path / "missing.gguf"))) == ["evidence"]


def test_permalink_round_trips_question_and_filters():
    import app

    link = app.permalink("Do they waive late fees?", {"company": "Charter Spectrum", "outcome": ["credit_denied"],
                                                      "since": "2025-04-01"})
    from urllib.parse import parse_qs, urlsplit

    params = {k: v if len(v) > 1 or k not in ("q", "since", "until") else v[0]
              for k, v in parse_qs(urlsplit(link).query).items()}
    question, filters = app.from_query(params)
    assert question == "Do they waive late fees?"
    assert filters == {"company": ["Charter Spectrum"], "outcome": ["credit_denied"], "since": "2025-04-01"}


def test_exports_keep_the_answer_with_its_sources_and_defuse_formulas(assistant, tmp_path):
    import csv

    from assistant import ui_render as ui

    data = assistant.ask(MID_CYCLE).to_dict()
    data["citations"][0]["narrative"] = "=HYPERLINK(\"http://evil.example\") [9]"
    text = ui.answer_markdown(data, tmp_path / "a.md").read_text()
    assert data["answer"] in text and text.count("\n### [") == len(data["citations"])
    assert "[9]" not in text.split("## Sources")[1]
    rows = list(csv.DictReader(ui.citations_csv(data, tmp_path / "s.csv").open()))
    assert len(rows) == len(data["citations"]) and rows[0]["narrative"].startswith("'=")
    found = assistant.complaints()
    assert len(list(csv.DictReader(ui.complaints_csv(found, tmp_path / "c.csv").open()))) == len(found) == 10


def test_the_export_folder_keeps_only_the_newest_files(monkeypatch, tmp_path):
    import app

    monkeypatch.setattr(app, "_export_dir", tmp_path)
    monkeypatch.setattr(app, "_EXPORTS_KEPT", 3)
    for n in range(6):
        app.export_path(f"f{n}.csv").write_text("x")
    assert sorted(f.name for f in tmp_path.iterdir()) == ["f3.csv", "f4.csv", "f5.csv"]


def test_optional_login(assistant, monkeypatch):
    import app
    from gradio_client import Client
    from index import Settings

    assert app.auth_pair(Settings()) is None
    pair = app.auth_pair(Settings(auth="analyst:s3cret"))
    assert pair == ("analyst", "s3cret")
    demo = app.build(assistant)
    port = free_port()
    app.launch(demo, "127.0.0.1", port, auth=pair, prevent_thread_lock=True, quiet=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        with pytest.raises(Exception):
            Client(url, verbose=False).predict(MID_CYCLE, api_name="/ask")
        answer, _ = Client(url, auth=pair, verbose=False).predict(MID_CYCLE, api_name="/ask")
        assert "[1]" in answer
    finally:
        demo.close()


def test_make_run_says_what_it_is_doing():
    import subprocess

    out = subprocess.run(["make", "-n", "run", "HOST=127.0.0.1", "PORT=7999"], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent, timeout=60).stdout
    assert "Installing" in out and "Seeding the index with the sample" in out
    assert "http://127.0.0.1:7999" in out


def test_chips_and_panel_are_one_state(assistant):
    from assistant.chat_session import ChatSession
    from assistant.query_filters import Vocabulary

    vocabulary = Vocabulary.from_stats(assistant.stats())
    turn = ChatSession().prepare("unresolved billing complaints in 2025", vocabulary,
                                 {"status": ["Resolved"], "type": [], "since": ""})
    # The panel's status is the one used, and no chip claims otherwise; the rest come from the question.
    assert [i.key for i in turn.implied] == ["type", "since", "until"]
    assert turn.filters == {"status": ["Resolved"], "type": "Billing Issues", "since": "2025-01-01",
                            "until": "2025-12-31"}


def test_a_fallback_note_is_shown_once():
    import app
    from assistant.chat_session import Turn
    from assistant.results import AskResult

    answer = "_Note: the openai model is unavailable (no server). Showing the evidence answer instead._\n\nText [1]"
    result = AskResult(question="q", answer=answer, backend="openai", citations=[], timings_ms={},
                       notes=["openai backend: the openai model is unavailable (no server); showing the evidence "
                              "answer instead", "follow-up read as: q"])
    footer = app._footer(Turn(question="q", standalone="q", implied=[], explicit={}), result)
    assert "showing the evidence answer instead" not in footer.lower()
    assert "follow-up read as" in footer


def test_charts_over_time_show_quiet_months_as_zeros():
    from assistant import ui_render as ui

    months = ui.every_month(["2025-04", "2024-01", "2024-03", "Unknown"])
    # Every month from the first to the last, so a bar or a line never bridges a gap.
    assert months[0] == "2024-01" and months[-2] == "2025-04" and months[-1] == "Unknown"
    assert len(months) == 16 + 1 and "2024-12" in months and "2025-01" in months
    assert ui.every_month([]) == [] and ui.every_month(["Unknown"]) == ["Unknown"]
    # A mistyped year is not a trend: its span is left as found rather than drawn month by month.
    assert ui.every_month(["1900-01", "2025-04"]) == ["1900-01", "2025-04"]
