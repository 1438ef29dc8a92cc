"""Gradio app: chat with cited answers, source cards, filters, insights and ingest.

One Assistant per process (the embedding model loads once) serves every
visitor; what belongs to a visitor (conversation, chips) lives in gr.State.
HTML pieces are in assistant/ui_render.py, the conversation in
assistant/chat_session.py.
"""

from __future__ import annotations

import atexit
import html
import importlib.util
import logging
import shutil
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import index  # noqa: F401  (offline environment before gradio loads)
import gradio as gr
import pandas as pd

from assistant import Assistant, AskResult, UserError
from assistant import filters as filtering
from assistant import ui_render as ui
from assistant.chat_session import ChatSession, Turn, question_problem
from assistant.filters import FilterError
from assistant.query_filters import Vocabulary
from assistant.safe_text import inert
from index import Settings
from index.parsers import UPLOAD_SUFFIXES
from index.records import IngestError

log = logging.getLogger(__name__)

# System fonts only: the page must not fetch anything from the internet.
THEME = gr.themes.Default(
    font=["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial",
          "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
)
# On a phone the chat comes first and the filters after it (they start folded anyway).
_LAYOUT_CSS = """
@media (max-width: 640px) {
  #cc-main-row { flex-direction: column; }
  #cc-filters { order: 2; }
  #cc-chat-column { order: 1; }
  #cc-chat { height: 44vh !important; max-height: 44vh !important; }
  #cc-intro p { display: none; }
}
"""
# Uploads are bounded: a bigger export belongs on the command line, which streams it.
MAX_UPLOAD = "1gb"
LAUNCH_OPTIONS = dict(theme=THEME, css=ui.CSS + _LAYOUT_CSS, head=ui.HEAD, max_file_size=MAX_UPLOAD)
_STREAM_PAUSE_S = 0.01  # between lines of an answer that arrives whole, so it reads as it streams

_OUTCOME_QUESTIONS = {
    "credit_denied": "When does {company} refuse a credit or refund?",
    "policy_cited": "Which policies does {company} cite when customers dispute a bill?",
    "adjustment_applied": "Which {company} complaints got a credit or refund applied?",
    "documentation_required": "What proof or documents does {company} ask customers for?",
    "customer_rejected": "Why did customers reject {company}'s response?",
    "promotion_applied": "When did {company} offer a promotion or discount to settle a complaint?",
    "coaching": "When were {company} staff sent for coaching after a complaint?",
}
# The CFPB's own fields offered as filters, when the index holds them and the filters accept them.
LABEL_FILTERS = ("product", "issue", "sub_issue", "state", "tags", "timely_response")
PANEL_KEYS = ("company", "type", "status", "since", "until", "outcome", *LABEL_FILTERS)
# Newest complaints shown in the Insights table; the whole set goes out as CSV, written on request.
TABLE_ROWS = 500
_EXPORTS_KEPT = 200  # files a long-running server keeps for downloads before removing the oldest
_export_dir: Path | None = None
_export_lock = threading.Lock()


def export_dir() -> Path:
    """This process's export folder: made on first use, removed at exit."""
    global _export_dir
    with _export_lock:
        if _export_dir is None:
            _export_dir = Path(tempfile.mkdtemp(prefix="complaint-chat-export-"))
            atexit.register(shutil.rmtree, _export_dir, ignore_errors=True)
        return _export_dir


def export_path(name: str) -> Path:
    """A file in the export folder, which keeps only the newest `_EXPORTS_KEPT`, so that a server
    answering for weeks does not fill the disk."""
    folder = export_dir()
    with _export_lock:
        old = sorted(folder.iterdir(), key=lambda f: (f.stat().st_mtime_ns, f.name))
        for stale in old[: max(0, len(old) - _EXPORTS_KEPT + 1)]:
            stale.unlink(missing_ok=True)
    return folder / name


def export_complaints(assistant: Assistant, filters: dict | None) -> tuple[Path, int]:
    """Every complaint under `filters` as CSV, streamed a page at a time; the path and the row count."""
    written = 0

    def counted():
        nonlocal written
        for complaint in assistant.iter_complaints(filters):
            written += 1
            yield complaint

    path = ui.complaints_csv(counted(), export_path(f"complaints-{time.time_ns()}.csv"))
    return path, written


@dataclass
class InsightsView:
    """What the Insights tab draws for a set of filters: counts, never the whole set."""
    stats: dict  # Assistant.stats: the count and the breakdowns by field
    trend: Counter  # (month, outcome label) -> complaints
    companies: list[dict]  # the 12 largest: complaints, good, bad, top_type
    newest: list  # the newest TABLE_ROWS complaints, for the table


def insights_view(assistant: Assistant, filters: dict) -> InsightsView:
    """Grouped counts from the catalog and the newest rows: about a second at 100,000 complaints,
    where loading the set took 38 s and its memory."""
    trend: Counter = Counter()
    per_company: dict[str, dict] = {}
    for status, company, month, outcomes, n in assistant.groups(filters):
        for label in [ui.outcome_label(o) for o in outcomes] or ["(no outcome tag)"]:
            trend[(month, label)] += n
        row = per_company.setdefault(company, {"company": company, "complaints": 0, "good": 0, "bad": 0,
                                               "types": Counter()})
        styles = {ui.outcome_style(o) for o in outcomes} | {ui.status_style(status)}
        row["complaints"] += n
        row["good"] += n * ("good" in styles)
        row["bad"] += n * ("bad" in styles and "good" not in styles)
    for (company, kind), n in assistant.pair_counts("company", "type", filters).items():
        if company in per_company:
            per_company[company]["types"][kind] += n
    companies = sorted(per_company.values(), key=lambda r: -r["complaints"])[:12]
    for r in companies:
        r["top_type"] = r.pop("types").most_common(1)[0][0]
    return InsightsView(assistant.stats(filters), trend, companies,
                        assistant.complaints(filters, limit=TABLE_ROWS, newest_first=True))


def available_backends(settings: Settings) -> list[str]:
    """Only the answer backends that can work here: the evidence answer always does."""
    out = ["evidence"]
    if settings.openai_base_url or settings.openai_api_key:
        out.append("openai")
    if settings.gguf_path and Path(settings.gguf_path).is_file() and importlib.util.find_spec("llama_cpp"):
        out.append("llama-cpp")
    return out


class Catalog:
    """What the index holds (values for the filter lists, examples, chip vocabulary).

    Shared by all sessions and read often, so it is cached and rebuilt after an ingest.
    """

    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        self._lock = threading.Lock()
        self._stats: dict | None = None
        self._per_company: dict[str, dict] = {}

    def stats(self) -> dict:
        with self._lock:
            if self._stats is None:
                self._stats = self.assistant.stats()
            return self._stats

    def company_stats(self, company: str) -> dict:
        with self._lock:
            if company not in self._per_company:
                self._per_company[company] = self.assistant.stats({"company": company})
            return self._per_company[company]

    def invalidate(self) -> None:
        with self._lock:
            self._stats = None
            self._per_company = {}

    def vocabulary(self) -> Vocabulary:
        return self.assistant.vocabulary()  # the API's rule, so the chips and `ask` read a question alike

    def examples(self, n: int = 6) -> list[str]:
        """Questions built from each company's own types and outcomes, never one company's
        name with another company's complaint type."""
        companies = list(self.stats().get("by_company", {}))[:3]
        per_company = []
        for company in companies:
            stats = self.company_stats(company)
            out = [f"How does {company} handle {kind.lower()}?"
                   for kind in list(stats.get("by_type", {}))[:2] if kind.lower() != "unknown"]
            out += [_OUTCOME_QUESTIONS[o].format(company=company)
                    for o in stats.get("by_outcome", {}) if o in _OUTCOME_QUESTIONS][:2]
            statuses = [s.lower() for s in stats.get("by_status", {})]
            if "resolved" in statuses and len(statuses) > 1:
                out.insert(1, f"What do unresolved {company} complaints have in common?")
            per_company.append(out)
        # Round-robin, so that each company is represented near the top.
        padded = [(questions + [None] * n)[:n] for questions in per_company]
        mixed = [q for row in zip(*padded) for q in row if q]
        return list(dict.fromkeys(mixed))[:n]


def _panel(*values) -> dict:
    raw = dict(zip(PANEL_KEYS, values))
    out = {}
    for key, value in raw.items():
        if key not in filtering.KEYS:
            continue  # a CFPB field the filters do not take yet
        out[key] = (value or "").strip() if key in ("since", "until") else (value or [])
    return out


def _shown_id(c) -> str:
    """How people name a complaint: the source's own id, or its file and position."""
    if c.external_id:
        return str(c.external_id)
    return f"{Path(c.source).name} #{c.position}" if c.source else c.date


def _footer(turn: Turn, result: AskResult) -> str:
    lines = []
    if turn.standalone != turn.question:
        lines.append(f'<span class="cc-used">Read as: “{html.escape(inert(turn.standalone))}”</span>')
    lines.append(ui.filters_used(result.filters))
    for note in result.notes:
        # The fallback note is already at the top of the answer itself: once is enough.
        if "showing the evidence answer instead" in str(note) and "Showing the evidence answer instead" in \
                result.answer:
            continue
        lines.append(f'<span class="cc-used">{html.escape(inert(str(note)))}</span>')
    return "\n\n" + "<br>".join(lines)


def _chips_update(turn: Turn | None):
    chips = [i.chip for i in turn.implied] if turn else []
    return gr.update(choices=chips, value=chips, visible=bool(chips))


def permalink(question: str, filters: dict) -> str:
    """URL parameters that reproduce a question and its filters (read back on page load)."""
    params = [("q", question)]
    for key, value in (filters or {}).items():
        for v in value if isinstance(value, list) else [value]:
            params.append((key, str(v)))
    return "?" + urlencode(params)


def from_query(params: dict | None) -> tuple[str, dict]:
    """The question and panel filters a permalink carries."""
    params = params or {}
    question = str(params.get("q") or "").strip()
    filters: dict = {}
    for key in PANEL_KEYS:
        values = params.get(key)
        if values is None:
            continue
        values = values if isinstance(values, list) else [values]
        filters[key] = values[0] if key in ("since", "until") else [str(v) for v in values]
    return question, filters


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 90 else f"{minutes // 60} h {minutes % 60} min"


def build(assistant: Assistant) -> gr.Blocks:
    catalog = Catalog(assistant)
    settings = assistant.settings
    backends = available_backends(settings)
    default_backend = settings.llm_backend if settings.llm_backend in backends else "evidence"

    # --- chat -------------------------------------------------------------------
    def answer_tools(state: ChatSession) -> dict:
        """Under the chat: exports of the latest answer, its matching set, a link that repeats it."""
        turn = state.turns[-1] if state and state.turns else None
        if not turn or not turn.result:
            return {tools: "", export_md: gr.update(visible=False), export_csv: gr.update(visible=False),
                    open_set: gr.update(visible=False)}
        stamp = f"{id(state):x}-{len(state.turns)}"
        md_path = ui.answer_markdown(turn.result, export_path(f"answer-{stamp}.md"))
        csv_path = ui.citations_csv(turn.result, export_path(f"sources-{stamp}.csv"))
        matching = turn.result.get("matching") or {}
        has_set = matching.get("filters") is not None and bool(matching.get("count"))
        link = permalink(turn.question, turn.filters)
        return {
            tools: f'<a class="cc-permalink" href="{html.escape(link)}">Link to this question with its filters</a>',
            export_md: gr.update(value=str(md_path), visible=True),
            export_csv: gr.update(value=str(csv_path), visible=True),
            open_set: gr.update(visible=has_set, value=f"Open the matching set ({matching.get('count')}) in Insights"
                                if has_set else "Open the matching set in Insights"),
        }

    def run_turn(state: ChatSession, backend: str, k: float):
        """Stream the latest turn's answer into the chat."""
        turn = state.turns[-1]
        n = len(state.turns) - 1
        history = state.history(n)
        yield {chat: state.messages(), session: state, chips: _chips_update(turn), box: "", hint: ""}
        result, text = None, ""
        try:
            # The chips are the question's filters, as the user left them: not read again.
            for item in assistant.stream(turn.question, k=int(k), filters=turn.filters, backend=backend,
                                         history=history, implied=False):
                if isinstance(item, AskResult):
                    result = item
                    continue
                for line in item.splitlines(keepends=True):
                    text += line
                    turn.shown = ui.link_markers(text, n)
                    yield {chat: state.messages()}
                    time.sleep(_STREAM_PAUSE_S)
        except (UserError, FilterError, IngestError) as exc:
            turn.shown = f"⚠️ {html.escape(str(exc))}"
            yield {chat: state.messages(), session: state, sources: ui.sources_panel(state.source_groups())}
            return
        data = result.to_dict()
        turn.answer, turn.result = result.answer, data
        refs = {c["ref"] for c in data["citations"]}
        turn.shown = ui.link_markers(result.answer, n, refs) + _footer(turn, result)
        yield {chat: state.messages(), session: state, sources: ui.sources_panel(state.source_groups()),
               **answer_tools(state)}

    def respond(message, state, backend, k, *panel):
        problem = question_problem(message, settings.max_question_chars)
        if problem:
            yield {hint: f'<p class="cc-hint" role="alert">{html.escape(problem)}</p>'}
            return
        state = state or ChatSession()
        state.prepare(message.strip(), catalog.vocabulary(), _panel(*panel))
        yield from run_turn(state, backend, k)

    def rechip(kept, state, backend, k, *panel):
        """A chip was removed: answer the latest question again without it."""
        if not state or not state.turns:
            yield {hint: ""}
            return
        turn = state.drop_chips(kept)
        turn.explicit, turn.shown, turn.result = _panel(*panel), "", None
        yield from run_turn(state, backend, k)

    def clear(state):
        if state:
            state.reset()
        return {chat: [], session: None, sources: ui.sources_panel([]), chips: _chips_update(None), box: "",
                hint: "", **answer_tools(None)}

    def pick_example(sample):
        return sample[0] if isinstance(sample, (list, tuple)) else sample

    def on_load(request: gr.Request):
        updates = _choice_updates()
        question, filters = from_query(dict(request.query_params) if request else {})
        if question:
            updates[box] = question[:settings.max_question_chars]
            for key, component in panel_by_key.items():
                if key in filters:
                    updates[component] = filters[key]
        return updates

    # --- insights -----------------------------------------------------------------
    def insights(*panel):
        """Insights under the filter panel; a panel change leaves an answer's matching set."""
        return {**breakdown(_panel(*panel)), insight_set: None}

    def insights_on_tab(chosen, *panel):
        return breakdown(chosen["filters"], chosen["title"]) if chosen else insights(*panel)

    def breakdown(filters: dict, title: str | None = None) -> dict:
        try:
            view = insights_view(assistant, filters)
        except FilterError as exc:
            return {summary: f"⚠️ {html.escape(str(exc))}", charts: "", compare: "", table: None,
                    insights_prepare: gr.update(visible=False), insights_csv: gr.update(visible=False)}
        stats, trend, rows, newest = view.stats, view.trend, view.companies, view.newest
        # Months on a time axis, the quiet ones as zeros; complaints without a date have no place on it.
        counted = stats.get("by_month", {})
        months = [m for m in ui.every_month(counted) if ui.is_month(m)]
        month_frame = pd.DataFrame({"month": pd.to_datetime([f"{m}-01" for m in months], format="%Y-%m-%d"),
                                    "complaints": [counted.get(m, 0) for m in months]})
        outcomes = sorted({o for _, o in trend})
        trend_months = [m for m in ui.every_month(m for m, _ in trend) if ui.is_month(m)]
        trend_frame = pd.DataFrame([{"month": pd.Timestamp(f"{m}-01"), "outcome": o, "complaints": trend.get((m, o), 0)}
                                    for m in trend_months for o in outcomes],
                                   columns=["month", "outcome", "complaints"])
        chart_html = "".join([
            ui.bars("By outcome", stats.get("by_outcome", {}), label=ui.outcome_label, style=ui.outcome_style),
            ui.bars("By status", stats.get("by_status", {}), style=ui.status_style),
            ui.bars("By type", stats.get("by_type", {})),
            *[ui.bars(ui.LABEL_NAMES[key], stats.get(f"by_{key}", {}))
              for key in LABEL_FILTERS if stats.get(f"by_{key}")],
        ])
        table_rows = [{"date": c.date, "company": inert(c.company), "type": inert(c.type), "status": inert(c.status),
                       "outcomes": "; ".join(ui.outcome_label(o) for o in c.outcomes),
                       "complaint": inert(c.narrative[:140]) + ("…" if len(c.narrative) > 140 else ""),
                       "id": _shown_id(c)}
                      for c in newest]
        frame = pd.DataFrame(table_rows, columns=["date", "company", "type", "status", "outcomes", "complaint", "id"])
        total = stats["complaints"]
        # The table's search runs in the browser over the rows it holds: say when that is not all.
        shown = (f"The newest {len(newest)} of {total} complaints (search within them" if total > len(newest)
                 else "Complaints (search")
        said = (f"**{total} complaints**: the whole matching set of “{html.escape(inert(title))}”. "
                "Change a filter to leave it." if title else
                f"**{total} complaints** match the current filters.")
        return {summary: said,
                month_plot: month_frame,
                trend_plot: trend_frame, charts: chart_html, compare: ui.company_comparison(rows),
                table: gr.update(value=frame, label=f"{shown}, then click a row to open it)"),
                table_keys: {_shown_id(c): c.complaint_id for c in newest},
                insights_filters: filters,
                insights_prepare: gr.update(visible=bool(total), value=f"All {total} as CSV"),
                insights_csv: gr.update(visible=False)}

    def prepare_csv(filters: dict | None):
        """The whole set behind the Insights view, written when asked for (it can be 100,000 rows)."""
        path, written = export_complaints(assistant, filters or {})
        return {insights_csv: gr.update(value=str(path), visible=True,
                                         label=f"Download {written} complaints (CSV)")}

    def open_card(keys: dict, evt: gr.SelectData):
        row = evt.row_value or []
        key = (keys or {}).get(str(row[-1])) if row else None
        found = assistant.complaints(ids=[key]) if key else []
        if not found:
            return '<p class="cc-empty">Pick a row to see the complaint.</p>'
        return ui.complaint_as_card(found[0])

    def open_matching(state):
        """The latest answer's whole matching set, in Insights (its filters may name complaint ids,
        which the panel cannot show, so the set is its own state until a filter changes)."""
        turn = state.turns[-1] if state and state.turns else None
        filters = ((turn.result or {}).get("matching") or {}).get("filters") if turn else None
        if filters is None:
            return {}
        chosen = {"filters": filters, "title": turn.question}
        return {tabs: gr.Tabs(selected="insights"), insight_set: chosen, **breakdown(filters, turn.question)}

    # --- ingest ---------------------------------------------------------------------
    def run_ingest(files, progress=gr.Progress()):
        paths = [f if isinstance(f, str) else getattr(f, "name", str(f)) for f in (files or [])]
        if not paths:
            return {ingest_summary: "Choose one or more files first."}

        def report(done: int, total: int, path: str) -> None:
            progress((done, max(total, 1)), desc=f"{Path(path).name} ({done}/{total})", unit="files")

        def report_batch(p) -> None:
            # After every batch: how far into the files, the pace, and what is left at that pace.
            pace = f"{p.rows:,} complaints, {p.chunks / p.elapsed_s:.0f} passages/s" if p.elapsed_s else ""
            left = f", about {_duration(p.eta_s)} left" if p.eta_s is not None else ""
            progress(p.bytes_read / p.bytes_total if p.bytes_total else None,
                     desc=f"{Path(p.path).name} ({p.files_done + 1}/{p.files_total}): {pace}{left}")

        progress(0, desc="Reading the files")
        result = assistant.ingest(paths, progress=report, on_progress=report_batch)
        catalog.invalidate()
        data = result.to_dict()
        rows = [{"file": Path(f["path"]).name, "complaints": f["complaints"], "added": f["added"],
                 "updated": f["updated"], "unchanged": f["unchanged"], "rows skipped": f.get("rows_skipped", 0),
                 "error": f["error"] or ""} for f in data["files"]]
        listed = {f["path"] for f in data["files"]}
        rows += [{"file": Path(e["path"]).name, "complaints": 0, "added": 0, "updated": 0, "unchanged": 0,
                  "rows skipped": 0, "error": e["error"]} for e in data["errors"] if e["path"] not in listed]
        text = (f"**{data['complaints_added']} added, {data['complaints_updated']} updated, "
                f"{data['complaints_unchanged']} unchanged**, {data['chunks']} passages indexed"
                + (f"; **{len(data['errors'])} {'file' if len(data['errors']) == 1 else 'files'} with errors**"
                   if data["errors"] else "")
                + f". The index now holds {assistant.store.count()} complaints; the chat uses them now.")
        return {ingest_summary: text, ingest_table: gr.update(value=pd.DataFrame(rows, columns=INGEST_COLUMNS),
                                                              visible=True),
                **_choice_updates()}

    def _counted(stats: dict, key: str) -> list[tuple[str, str]]:
        counts = stats.get(f"by_{key}", {})
        name = ui.outcome_label if key == "outcome" else str
        return [(f"{name(v)} ({n})", v) for v, n in counts.items()]

    def _choice_updates() -> dict:
        stats = catalog.stats()
        out = {company: gr.update(choices=_counted(stats, "company")),
               kind: gr.update(choices=_counted(stats, "type")),
               status: gr.update(choices=_counted(stats, "status")),
               outcome: gr.update(choices=_counted(stats, "outcome")),
               examples: gr.update(samples=[[q] for q in catalog.examples()])}
        for key, dropdown in label_dropdowns.items():
            usable = key in filtering.KEYS and bool(stats.get(f"by_{key}"))
            out[dropdown] = gr.update(choices=_counted(stats, key), visible=usable)
        return out

    # --- API ----------------------------------------------------------------------------
    def ask(question: str):
        problem = question_problem(question, settings.max_question_chars)
        if problem:
            raise gr.Error(problem, print_exception=False)
        try:
            result = assistant.ask(question)
        except (UserError, FilterError) as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        return result.answer, result.to_dict()

    # --- layout ---------------------------------------------------------------------------
    INGEST_COLUMNS = ["file", "complaints", "added", "updated", "unchanged", "rows skipped", "error"]
    with gr.Blocks(title="Complaint Chat") as demo:
        session = gr.State(None)
        insight_set = gr.State(None)  # an answer's matching set shown in Insights: {"filters", "title"}
        insights_filters = gr.State({})  # what the Insights view shows, for its CSV
        table_keys = gr.State({})  # the table's shown id -> complaint id (internal ids stay off the page)
        gr.Markdown("## Complaint Chat\nAsk how a business handles a kind of complaint. Every claim in an "
                    "answer carries `[n]` markers; click one to see the complaint behind it.", elem_id="cc-intro")
        with gr.Row(equal_height=False, elem_id="cc-main-row"):
            with gr.Column(scale=1, min_width=220, elem_id="cc-filters"):
                with gr.Accordion("Filters", open=False, elem_id="cc-filter-accordion"):
                    company = gr.Dropdown([], multiselect=True, label="Company")
                    kind = gr.Dropdown([], multiselect=True, label="Complaint type")
                    status = gr.Dropdown([], multiselect=True, label="Status")
                    since = gr.Textbox(label="From date", placeholder="YYYY-MM-DD")
                    until = gr.Textbox(label="To date", placeholder="YYYY-MM-DD")
                    outcome = gr.Dropdown([], multiselect=True, label="Outcome (all must hold)")
                    label_dropdowns = {key: gr.Dropdown([], multiselect=True, label=ui.LABEL_NAMES[key], visible=False)
                                       for key in LABEL_FILTERS}
                with gr.Accordion("Answer settings", open=False):
                    backend = gr.Radio(backends, value=default_backend, label="Answer backend",
                                       info=None if len(backends) > 1 else
                                       "Set OPENAI_BASE_URL or LLM_GGUF_PATH to offer a language model.")
                    k = gr.Slider(1, 20, value=8, step=1, label="Complaints to retrieve")
            with gr.Column(scale=6, elem_id="cc-chat-column"):
                with gr.Tabs() as tabs:
                    with gr.Tab("Chat", id="chat"):
                        with gr.Row(equal_height=False):
                            with gr.Column(scale=5):
                                chat = gr.Chatbot(label="Conversation", height=520, elem_id="cc-chat",
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
                                hint = gr.HTML("", elem_id="cc-hint")
                                examples = gr.Dataset(components=[box], samples=[[q] for q in catalog.examples()],
                                                      label="Example questions from the indexed complaints")
                                with gr.Row():
                                    tools = gr.HTML("", elem_id="cc-tools")
                                    export_md = gr.DownloadButton("Answer and sources as Markdown", visible=False,
                                                                  size="sm", elem_id="cc-export-md")
                                    export_csv = gr.DownloadButton("Sources as CSV", visible=False, size="sm",
                                                                   elem_id="cc-export-csv")
                                    open_set = gr.Button("Open the matching set in Insights", visible=False,
                                                         size="sm", elem_id="cc-open-set")
                                new_chat = gr.Button("New conversation", size="sm", elem_id="cc-new")
                            with gr.Column(scale=4):
                                gr.Markdown("### Sources")
                                sources = gr.HTML(ui.sources_panel([]), elem_id="cc-sources")
                    with gr.Tab("Insights", id="insights") as insights_tab:
                        summary = gr.Markdown(elem_id="cc-summary")
                        with gr.Row():
                            month_plot = gr.BarPlot(x="month", y="complaints", title="Complaints by month",
                                                    height=240, y_lim=[0, None])
                            trend_plot = gr.LinePlot(x="month", y="complaints", color="outcome",
                                                     title="Outcomes over time", height=240, y_lim=[0, None])
                        charts = gr.HTML("", elem_id="cc-charts")
                        compare = gr.HTML("", elem_id="cc-compare-box")
                        table = gr.Dataframe(label="Complaints (search, then click a row to open it)",
                                             interactive=False, show_search="search", wrap=True,
                                             max_height=420, elem_id="cc-table")
                        with gr.Row():
                            insights_prepare = gr.Button("These complaints as CSV", visible=False, size="sm",
                                                         elem_id="cc-insights-prepare")
                            insights_csv = gr.DownloadButton("Download", visible=False, size="sm",
                                                             elem_id="cc-insights-csv")
                        picked = gr.HTML('<p class="cc-empty">Click a row to see the complaint.</p>')
                    with gr.Tab("Ingest", id="ingest"):
                        gr.Markdown("Add complaints: BBB complaint pages (saved text or HTML), CFPB CSV or JSON "
                                    "exports, JSON Lines, or a .zip / .gz of them. Re-adding a file changes nothing; "
                                    "a bad file is reported and skipped, a bad row is skipped and counted.")
                        files = gr.File(file_count="multiple", file_types=sorted(UPLOAD_SUFFIXES), label="Files")
                        go = gr.Button("Ingest", variant="primary", elem_id="cc-ingest")
                        ingest_summary = gr.Markdown(elem_id="cc-ingest-summary")
                        ingest_table = gr.Dataframe(pd.DataFrame(columns=INGEST_COLUMNS), headers=INGEST_COLUMNS,
                                                    label="Per file", interactive=False, wrap=True, visible=False,
                                                    elem_id="cc-ingest-table",
                                                    column_widths=["22%", "10%", "8%", "9%", "10%", "9%", "32%"])

        # The API endpoint of CONTRACT.md: question in, (answer markdown, ask --json dict) out.
        with gr.Row(visible=False):
            api_question, api_answer, api_json = gr.Textbox(), gr.Markdown(), gr.JSON()
            gr.Button().click(ask, api_question, [api_answer, api_json], api_name="ask")

        panel_by_key = {"company": company, "type": kind, "status": status, "since": since, "until": until,
                        "outcome": outcome, **label_dropdowns}
        panel = [panel_by_key[key] for key in PANEL_KEYS]
        chat_out = [chat, session, sources, chips, box, hint, tools, export_md, export_csv, open_set]
        for trigger in (box.submit, send.click):
            trigger(respond, [box, session, backend, k, *panel], chat_out, api_visibility="private")
        chips.input(rechip, [chips, session, backend, k, *panel], chat_out, api_visibility="private")
        examples.click(pick_example, examples, box, api_visibility="private").then(
            respond, [box, session, backend, k, *panel], chat_out, api_visibility="private")
        # The chat's own trash button and "New conversation" both start over: history, sources, chips.
        new_chat.click(clear, session, chat_out, api_visibility="private")
        chat.clear(clear, session, chat_out, api_visibility="private")

        insight_out = [summary, month_plot, trend_plot, charts, compare, table, table_keys, insights_filters,
                       insights_prepare, insights_csv, insight_set]
        insights_prepare.click(prepare_csv, insights_filters, insights_csv, api_visibility="private")
        insights_tab.select(insights_on_tab, [insight_set, *panel], insight_out, api_visibility="private")
        gr.on([*(c.input for c in (company, kind, status, outcome, *label_dropdowns.values())),
               since.submit, until.submit, since.blur, until.blur],
              insights, panel, insight_out, api_visibility="private")
        table.select(open_card, table_keys, picked, api_visibility="private")
        open_set.click(open_matching, session, [tabs, *insight_out], api_visibility="private")

        go.click(run_ingest, files,
                 [ingest_summary, ingest_table, company, kind, status, outcome, examples, *label_dropdowns.values()],
                 api_visibility="private").then(insights, panel, insight_out, api_visibility="private")
        demo.load(on_load, None, [company, kind, status, outcome, examples, *label_dropdowns.values(), box, since,
                                  until], api_visibility="private")
    return demo


def auth_pair(settings: Settings) -> tuple[str, str] | None:
    """COMPLAINT_CHAT_AUTH=user:password -> Gradio's (user, password); unset -> no login."""
    if not settings.auth:
        return None
    user, sep, password = settings.auth.partition(":")
    if not sep or not user or not password:
        raise UserError("COMPLAINT_CHAT_AUTH must be user:password")
    return user, password


def launch(demo: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None,
           **kwargs):
    # Several visitors at once: answers for different sessions run side by side.
    return demo.queue(default_concurrency_limit=4).launch(
        server_name=host, server_port=port, auth=auth, allowed_paths=[str(export_dir())], **LAUNCH_OPTIONS,
        **kwargs)


def serve(settings: Settings | None = None, host: str = "127.0.0.1", port: int = 7860) -> None:
    settings = settings or Settings.from_env()
    auth = auth_pair(settings)
    print("Complaint Chat: loading the embedding model and the index ...", flush=True)
    assistant = Assistant.open(settings=settings, create=True)
    print(f"Complaint Chat: starting the web app on http://{host}:{port}"
          + (" (login required)" if auth else ""), flush=True)
    launch(build(assistant), host, port, auth=auth)


if __name__ == "__main__":
    serve()
