"""Gradio app: chat with cited answers, source cards, filters, insights and ingest.

One Assistant per process (the embedding model loads once) serves every
visitor; what belongs to a visitor (conversation, chips) lives in gr.State.
HTML pieces are in assistant/ui_render.py, the conversation in
assistant/chat_session.py.
"""

from __future__ import annotations

import html
import threading
import time
from pathlib import Path

import index  # noqa: F401  (offline environment before gradio loads)
import gradio as gr
import pandas as pd

from assistant import Assistant, AskResult, UserError
from assistant import ui_render as ui
from assistant.chat_session import ChatSession, Turn
from assistant.filters import FilterError
from assistant.query_filters import Vocabulary
from index import Settings
from index.parsers import SUFFIXES
from index.records import IngestError
from index.settings import BACKENDS

# System fonts only: the page must not fetch anything from the internet.
THEME = gr.themes.Default(
    font=["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial",
          "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
)
LAUNCH_OPTIONS = dict(theme=THEME, css=ui.CSS, head=ui.HEAD)
_STREAM_PAUSE_S = 0.01  # between lines of an answer that arrives whole, so it reads as it streams

_OUTCOME_QUESTIONS = {
    "credit_denied": "When does {company} refuse a credit or refund?",
    "policy_cited": "Which policies does {company} cite when customers dispute a bill?",
    "adjustment_applied": "Which complaints got a credit or refund applied?",
    "documentation_required": "What proof or documents does {company} ask customers for?",
    "no_business_response": "Which complaints got no business response?",
    "customer_rejected": "Why did customers reject {company}'s response?",
    "promotion_applied": "When did {company} offer a promotion or discount to settle a complaint?",
    "coaching": "When were staff sent for coaching after a complaint?",
}


class Catalog:
    """What the index holds (values for the filter lists, examples, chip vocabulary).

    Shared by all sessions and read often, so it is cached and rebuilt after an ingest.
    """

    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        self._lock = threading.Lock()
        self._stats: dict | None = None

    def stats(self) -> dict:
        with self._lock:
            if self._stats is None:
                self._stats = self.assistant.stats()
            return self._stats

    def invalidate(self) -> None:
        with self._lock:
            self._stats = None

    def vocabulary(self) -> Vocabulary:
        return Vocabulary.from_stats(self.stats())

    def examples(self, n: int = 6) -> list[str]:
        stats = self.stats()
        companies = list(stats.get("by_company", {}))
        if not companies:
            return []
        company = companies[0]
        out = []
        for kind in list(stats.get("by_type", {}))[:2]:
            if kind.lower() != "unknown":
                out.append(f"How does {company} handle {kind.lower()}?")
        for outcome in stats.get("by_outcome", {}):
            if outcome in _OUTCOME_QUESTIONS:
                out.append(_OUTCOME_QUESTIONS[outcome].format(company=company))
        statuses = [s.lower() for s in stats.get("by_status", {})]
        if "resolved" in statuses and len(statuses) > 1:
            out.insert(1, f"What do unresolved {company} complaints have in common?")
        months = sorted(stats.get("by_month", {}))
        if months:
            out.append(f"What did customers complain about most in {months[-1][:4]}?")
        return list(dict.fromkeys(out))[:n]


def _panel(company, kind, status, since, until, outcome) -> dict:
    return {"company": company or [], "type": kind or [], "status": status or [],
            "since": (since or "").strip(), "until": (until or "").strip(), "outcome": outcome or []}


def _footer(turn: Turn, result: AskResult) -> str:
    lines = []
    if turn.standalone != turn.question:
        lines.append(f'<span class="cc-used">Read as: “{html.escape(turn.standalone)}”</span>')
    lines.append(ui.filters_used(result.filters))
    for note in result.notes:
        lines.append(f'<span class="cc-used">{html.escape(str(note))}</span>')
    return "\n\n" + "<br>".join(lines)


def _chips_update(turn: Turn | None):
    chips = [i.chip for i in turn.implied] if turn else []
    return gr.update(choices=chips, value=chips, visible=bool(chips))


def build(assistant: Assistant) -> gr.Blocks:
    catalog = Catalog(assistant)

    # --- chat -------------------------------------------------------------------
    def run_turn(state: ChatSession, backend: str, k: float):
        """Stream the latest turn's answer into the chat; yields (chat, state, sources, chips, box)."""
        turn = state.turns[-1]
        history = state.history(len(state.turns) - 1)
        yield state.messages(), state, gr.skip(), _chips_update(turn), ""
        result, text = None, ""
        try:
            for item in assistant.stream(turn.question, k=int(k), filters=turn.filters, backend=backend,
                                         history=history):
                if isinstance(item, AskResult):
                    result = item
                    continue
                for line in item.splitlines(keepends=True):
                    text += line
                    turn.shown = ui.link_markers(text)
                    yield state.messages(), state, gr.skip(), gr.skip(), gr.skip()
                    time.sleep(_STREAM_PAUSE_S)
        except (UserError, FilterError, IngestError) as exc:
            turn.shown = f"⚠️ {html.escape(str(exc))}"
            yield state.messages(), state, ui.sources_panel([]), gr.skip(), gr.skip()
            return
        data = result.to_dict()
        turn.answer, turn.result = result.answer, data
        turn.shown = ui.link_markers(result.answer) + _footer(turn, result)
        yield state.messages(), state, ui.sources_panel(data["citations"]), gr.skip(), gr.skip()

    def respond(message, state, backend, k, *panel):
        message = (message or "").strip()
        if not message:
            yield gr.skip(), state, gr.skip(), gr.skip(), gr.skip()
            return
        state = state or ChatSession()
        state.prepare(message, catalog.vocabulary(), _panel(*panel))
        yield from run_turn(state, backend, k)

    def rechip(kept, state, backend, k, *panel):
        """A chip was removed: answer the latest question again without it."""
        if not state or not state.turns:
            yield gr.skip(), state, gr.skip(), gr.skip(), gr.skip()
            return
        turn = state.drop_chips(kept)
        turn.explicit, turn.shown = _panel(*panel), ""
        yield from run_turn(state, backend, k)

    def clear():
        return [], None, ui.sources_panel([]), _chips_update(None), ""

    def pick_example(sample):
        return sample[0] if isinstance(sample, (list, tuple)) else sample

    # --- insights -----------------------------------------------------------------
    def insights(*panel):
        try:
            filters = _panel(*panel)
            stats = assistant.stats(filters)
            found = assistant.complaints(filters)
        except FilterError as exc:
            empty = pd.DataFrame({"x": [], "complaints": []})
            return (f"⚠️ {html.escape(str(exc))}", empty, empty, empty, empty, gr.skip())

        def frame(name: str, label: str) -> pd.DataFrame:
            counts = stats.get(f"by_{name}", {})
            if name == "month":
                counts = dict(sorted(counts.items()))
            return pd.DataFrame({label: list(counts), "complaints": list(counts.values())})

        rows = [{"date": c.date, "company": c.company, "type": c.type, "status": c.status,
                 "outcomes": ", ".join(c.outcomes),
                 "complaint": c.narrative[:140] + ("…" if len(c.narrative) > 140 else ""),
                 "id": c.complaint_id}
                for c in found]
        rows.sort(key=lambda r: r["date"], reverse=True)
        table = pd.DataFrame(rows, columns=["date", "company", "type", "status", "outcomes", "complaint", "id"])
        summary = f"**{stats['complaints']} complaints** match the current filters."
        return (summary, frame("month", "month"), frame("type", "type"), frame("status", "status"),
                frame("outcome", "outcome"), table)

    def open_card(evt: gr.SelectData):
        row = evt.row_value or []
        found = assistant.complaints(ids=[str(row[-1])]) if row else []
        if not found:
            return '<p class="cc-empty">Pick a row to see the complaint.</p>'
        return ui.complaint_as_card(found[0])

    # --- ingest ---------------------------------------------------------------------
    def run_ingest(files, progress=gr.Progress()):
        paths = [f if isinstance(f, str) else getattr(f, "name", str(f)) for f in (files or [])]
        if not paths:
            return "Choose one or more files first.", gr.skip(), *_choice_updates()

        def report(done: int, total: int, path: str) -> None:
            progress((done, max(total, 1)), desc=f"{Path(path).name} ({done}/{total})", unit="files")

        progress(0, desc="Starting")
        result = assistant.ingest(paths, progress=report)
        catalog.invalidate()
        data = result.to_dict()
        rows = [{"file": Path(f["path"]).name, "complaints": f["complaints"], "added": f["added"],
                 "updated": f["updated"], "unchanged": f["unchanged"], "chunks": f["chunks"],
                 "error": f["error"] or ""} for f in data["files"]]
        listed = {f["path"] for f in data["files"]}
        rows += [{"file": Path(e["path"]).name, "complaints": 0, "added": 0, "updated": 0, "unchanged": 0,
                  "chunks": 0, "error": e["error"]} for e in data["errors"] if e["path"] not in listed]
        summary = (f"**{data['complaints_added']} added, {data['complaints_updated']} updated, "
                   f"{data['complaints_unchanged']} unchanged**, {data['chunks']} passages indexed"
                   + (f"; **{len(data['errors'])} file(s) with errors**" if data["errors"] else "")
                   + f". The index now holds {assistant.store.count()} complaints; the chat uses them now.")
        return summary, pd.DataFrame(rows), *_choice_updates()

    def _choice_updates():
        stats = catalog.stats()
        return (gr.update(choices=list(stats["by_company"])), gr.update(choices=list(stats["by_type"])),
                gr.update(choices=list(stats["by_status"])), gr.update(choices=list(stats["by_outcome"])),
                gr.update(samples=[[q] for q in catalog.examples()]))

    # --- API ----------------------------------------------------------------------------
    def ask(question: str):
        try:
            result = assistant.ask(question)
        except (UserError, FilterError) as exc:
            raise gr.Error(str(exc)) from None
        return result.answer, result.to_dict()

    # --- layout ---------------------------------------------------------------------------
    stats = catalog.stats()
    with gr.Blocks(title="Complaint Chat") as demo:
        state = gr.State(None)
        gr.Markdown("## Complaint Chat\nAsk how a business handles a kind of complaint. Every claim in an "
                    "answer carries `[n]` markers; click one to see the complaint behind it.")
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=220, elem_id="cc-filters"):
                gr.Markdown("### Filters")
                company = gr.Dropdown(list(stats["by_company"]), multiselect=True, label="Company")
                kind = gr.Dropdown(list(stats["by_type"]), multiselect=True, label="Complaint type")
                status = gr.Dropdown(list(stats["by_status"]), multiselect=True, label="Status")
                since = gr.Textbox(label="From date", placeholder="YYYY-MM-DD")
                until = gr.Textbox(label="To date", placeholder="YYYY-MM-DD")
                outcome = gr.Dropdown(list(stats["by_outcome"]), multiselect=True, label="Outcome (all must hold)")
                backend = gr.Radio(list(BACKENDS), value=assistant.settings.llm_backend, label="Answer backend")
                k = gr.Slider(1, 20, value=8, step=1, label="Complaints to retrieve")
            with gr.Column(scale=6):
                with gr.Tabs():
                    with gr.Tab("Chat", id="chat"):
                        with gr.Row(equal_height=False):
                            with gr.Column(scale=5):
                                chat = gr.Chatbot(label="Conversation", height=560, elem_id="cc-chat",
                                                  buttons=["copy"], feedback_options=None,
                                                  placeholder="Ask a question, or pick an example below.")
                                chips = gr.Dropdown(choices=[], value=[], multiselect=True, visible=False,
                                                    allow_custom_value=False, elem_id="cc-chips",
                                                    label="Filters read from your question "
                                                          "(remove one to ask again without it)")
                                with gr.Row():
                                    box = gr.Textbox(show_label=False, scale=6, elem_id="cc-question",
                                                     placeholder="e.g. How does the business handle "
                                                                 "mid-cycle cancellations? Follow up with "
                                                                 "“and late fees?”")
                                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="cc-send")
                                examples = gr.Dataset(components=[box], samples=[[q] for q in catalog.examples()],
                                                      label="Example questions from the indexed complaints")
                                new_chat = gr.Button("New conversation", size="sm")
                            with gr.Column(scale=4):
                                gr.Markdown("### Sources")
                                sources = gr.HTML(ui.sources_panel([]), elem_id="cc-sources")
                    with gr.Tab("Insights", id="insights") as insights_tab:
                        summary = gr.Markdown()
                        with gr.Row():
                            by_month = gr.BarPlot(x="month", y="complaints", title="By month", height=260, y_lim=[0, None])
                            by_type = gr.BarPlot(x="type", y="complaints", title="By type", height=260, y_lim=[0, None])
                        with gr.Row():
                            by_status = gr.BarPlot(x="status", y="complaints", title="By status", height=260, y_lim=[0, None])
                            by_outcome = gr.BarPlot(x="outcome", y="complaints", title="By outcome", height=260, y_lim=[0, None],
                                                    x_label_angle=-30)
                        table = gr.Dataframe(label="Complaints (search, then click a row to open it)",
                                             interactive=False, show_search="search", wrap=True,
                                             max_height=420, elem_id="cc-table")
                        picked = gr.HTML('<p class="cc-empty">Click a row to see the complaint.</p>')
                    with gr.Tab("Ingest", id="ingest"):
                        gr.Markdown("Add complaints: BBB complaint pages (saved text or HTML), CFPB CSV exports, "
                                    "JSON Lines. Re-adding a file changes nothing; a bad file is reported and "
                                    "skipped.")
                        files = gr.File(file_count="multiple", file_types=sorted(SUFFIXES), label="Files")
                        go = gr.Button("Ingest", variant="primary")
                        ingest_summary = gr.Markdown()
                        ingest_table = gr.Dataframe(label="Per file", interactive=False, wrap=True)

        # The API endpoint of CONTRACT.md: question in, (answer markdown, ask --json dict) out.
        with gr.Row(visible=False):
            api_question, api_answer, api_json = gr.Textbox(), gr.Markdown(), gr.JSON()
            gr.Button().click(ask, api_question, [api_answer, api_json], api_name="ask")

        panel = [company, kind, status, since, until, outcome]
        chat_out = [chat, state, sources, chips, box]
        for trigger in (box.submit, send.click):
            trigger(respond, [box, state, backend, k, *panel], chat_out, api_visibility="private")
        chips.input(rechip, [chips, state, backend, k, *panel], chat_out, api_visibility="private")
        examples.click(pick_example, examples, box, api_visibility="private").then(
            respond, [box, state, backend, k, *panel], chat_out, api_visibility="private")
        new_chat.click(clear, None, chat_out, api_visibility="private")

        insight_out = [summary, by_month, by_type, by_status, by_outcome, table]
        gr.on([insights_tab.select, *(c.change for c in (company, kind, status, outcome)),
               since.submit, until.submit, since.blur, until.blur],
              insights, panel, insight_out, api_visibility="private")
        table.select(open_card, None, picked, api_visibility="private")

        go.click(run_ingest, files, [ingest_summary, ingest_table, company, kind, status, outcome, examples],
                 api_visibility="private").then(insights, panel, insight_out, api_visibility="private")
        demo.load(lambda: _choice_updates(), None, [company, kind, status, outcome, examples],
                  api_visibility="private")
    return demo


def launch(demo: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, **kwargs):
    # Several visitors at once: answers for different sessions run side by side.
    return demo.queue(default_concurrency_limit=4).launch(server_name=host, server_port=port, **LAUNCH_OPTIONS,
                                                          **kwargs)


def serve(settings: Settings | None = None, host: str = "127.0.0.1", port: int = 7860) -> None:
    assistant = Assistant.open(settings=settings or Settings.from_env(), create=True)
    launch(build(assistant), host, port)


if __name__ == "__main__":
    serve()
