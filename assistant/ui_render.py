"""HTML for the browser: source cards, outcome chips, linked citation markers, bars.

Complaint text is untrusted input (anyone can file a complaint), and gr.HTML
inserts what it is given as markup. So every piece of data passes through
safe_text.inert (nothing in it reads as markdown, a citation or a bidi override)
and html.escape here, and the only tags on the page are the ones written below.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from pathlib import Path

from index import outcomes as _outcomes

from . import filters as filtering
from .question_statuses import RESOLVED_STATUSES
from .results import CITATION_MARKER
from .safe_text import inert, matching_key, plain

_FOLD_CHARS = 420  # longer texts show an excerpt; the rest folds into <details>
_CONTEXT_CHARS = 160
# The one outside link the page carries: the CFPB's public page of a complaint, built by us
# from its numeric Complaint ID (never from complaint text).
CFPB_DETAIL = "https://www.consumerfinance.gov/data-research/consumer-complaints/search/detail/{}"
# How a status reads at a glance. BBB statuses and the CFPB's "Company response to consumer".
_STATUS_STYLE = {
    **{status: "good" for status in RESOLVED_STATUSES},
    "unresolved": "bad", "unanswered": "bad", "closed without relief": "bad", "untimely response": "bad",
}
_GOOD_OUTCOMES = {"adjustment_applied", "promotion_applied", "customer_accepted"}
_BAD_OUTCOMES = {"credit_denied", "customer_rejected", "no_business_response"}

CSS = """
.cc-cards { display: flex; flex-direction: column; gap: 12px; }
#cc-sources { max-height: 72vh; overflow-y: auto !important; overscroll-behavior: contain; position: relative; }
.cc-group.cc-hidden { display: none; }
.cc-group-head { font-size: 0.85em; color: var(--body-text-color-subdued); margin: 0 0 8px; }
.cc-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 12px 14px;
           background: var(--background-fill-primary); }
.cc-card.cc-flash, a.cc-cite.cc-flash { outline: 3px solid #f59e0b; transition: outline 0.3s; }
.cc-head { display: flex; flex-wrap: wrap; gap: 6px; align-items: baseline; font-size: 0.92em; }
.cc-ref { font-weight: 700; color: #2563eb; }
.cc-meta { color: var(--body-text-color-subdued); }
.cc-id { font-size: 0.82em; color: var(--body-text-color-subdued); margin-top: 2px; }
.cc-status { border-radius: 999px; padding: 0 8px; font-size: 0.85em; border: 1px solid currentColor; }
.cc-status-good { color: #15803d; }
.cc-status-neutral { color: #475569; }
.cc-status-bad { color: #b45309; }
.cc-chips { margin: 6px 0; display: flex; flex-wrap: wrap; gap: 4px; }
.cc-chip { background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary);
           border-radius: 999px; padding: 1px 8px; font-size: 0.8em; }
.cc-chip-bad { border-color: #dc2626; color: #b91c1c; }
.cc-chip-good { border-color: #16a34a; color: #15803d; }
.cc-section { margin-top: 8px; }
.cc-label { font-weight: 600; font-size: 0.85em; text-transform: uppercase; letter-spacing: 0.03em;
            color: var(--body-text-color-subdued); }
.cc-text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 2px 0; line-height: 1.45; }
.cc-card mark { background: #fde68a; color: inherit; padding: 0 1px; border-radius: 2px; }
.cc-card details summary { cursor: pointer; color: #2563eb; font-size: 0.88em; }
.cc-back { font-size: 0.85em; color: #2563eb !important; cursor: pointer; }
.cc-empty { color: var(--body-text-color-subdued); font-style: italic; }
#cc-chat a.cc-cite, a.cc-cite { color: #2563eb !important; text-decoration: none; font-weight: 600; }
.cc-used { font-size: 0.9em; color: var(--body-text-color-subdued); }
.cc-hint { color: #b45309; font-size: 0.92em; min-height: 1.2em; }
.cc-bars { display: grid; grid-template-columns: minmax(8em, 38%) 1fr auto; gap: 4px 8px; align-items: center;
           font-size: 0.9em; }
.cc-bars h4 { grid-column: 1 / -1; margin: 10px 0 2px; }
.cc-bar-label { overflow-wrap: anywhere; }
.cc-bar { height: 14px; border-radius: 3px; background: #3b82f6; min-width: 2px; }
.cc-bar-good { background: #16a34a; } .cc-bar-bad { background: #dc2626; }
.cc-bar-count { font-variant-numeric: tabular-nums; text-align: right; }
.cc-compare { border-collapse: collapse; font-size: 0.9em; width: 100%; }
.cc-compare th, .cc-compare td { padding: 3px 8px; border-bottom: 1px solid var(--border-color-primary);
                                 text-align: left; vertical-align: top; }
.cc-compare td.cc-num, .cc-compare th.cc-num { text-align: right; font-variant-numeric: tabular-nums; }
#cc-ingest-table th, #cc-ingest-table th * { white-space: nowrap; word-break: normal; }
#cc-ingest-table td, #cc-ingest-table td * { white-space: normal; overflow-wrap: anywhere; text-overflow: clip; }
@media (max-width: 640px) {
  #cc-sources { max-height: 60vh; }
}
"""

# Clicking a [n] marker opens its card inside the sources panel: the panel shows that answer's
# cards and scrolls on its own, the page does not move. A card's "back" link returns to the
# marker in the chat. Gradio's chat renders links with target=_blank, so clicks are taken over.
HEAD = """
<script>
(function () {
  function flash(el) {
    el.classList.add("cc-flash");
    setTimeout(function () { el.classList.remove("cc-flash"); }, 1600);
  }
  function scrollWithin(box, el) {
    if (!box || !el) return;
    const top = el.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop - 8;
    box.scrollTo({top: top, behavior: "smooth"});
  }
  function scroller(el) {
    for (let p = el.parentElement; p; p = p.parentElement) {
      if (p.scrollHeight > p.clientHeight + 2 && /(auto|scroll)/.test(getComputedStyle(p).overflowY)) return p;
    }
    return null;
  }
  document.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest("a.cc-cite, a.cc-back");
    if (!link) return;
    // The chat's sanitizer keeps href but drops data-* attributes: the target is in the href.
    const target = /^#[aq](\\d+)-(\\d+)$/.exec(link.getAttribute("href") || "");
    if (!target) return;
    const turn = target[1], ref = target[2];
    event.preventDefault();
    event.stopPropagation();
    if (link.classList.contains("cc-cite")) {
      const panel = document.getElementById("cc-sources");
      const card = document.getElementById("a" + turn + "-" + ref);
      if (!panel || !card) return;
      panel.querySelectorAll(".cc-group").forEach(function (g) {
        g.classList.toggle("cc-hidden", g.dataset.turn !== turn);
      });
      const box = panel.scrollHeight > panel.clientHeight + 2 ? panel : scroller(card);
      scrollWithin(box, card);
      flash(card);
    } else {
      const marker = document.querySelector('#cc-chat a.cc-cite[href="#a' + turn + '-' + ref + '"]');
      if (!marker) return;
      scrollWithin(scroller(marker), marker);
      flash(marker);
    }
  }, true);
})();
</script>
"""


def outcome_label(tag: str) -> str:
    """The words people read for an outcome tag ("customer_accepted" -> "The customer accepted ...")."""
    label = getattr(_outcomes, "outcome_label", None)
    if label is not None:
        text = label(tag)
    elif tag in _outcomes.VOCABULARY:
        text = _outcomes.VOCABULARY[tag][1]
    else:
        text = tag.replace("_", " ")
    return text[:1].upper() + text[1:]


def status_style(status: str | None) -> str:
    return _STATUS_STYLE.get((status or "").strip().lower(), "neutral")


def outcome_style(tag: str) -> str:
    return "good" if tag in _GOOD_OUTCOMES else "bad" if tag in _BAD_OUTCOMES else "neutral"


def link_markers(answer: str, turn: int = 0, refs: set[int] | None = None) -> str:
    """Answer text for the chat: escaped as text, then each [n] made a link to card n of this turn.

    The answer quotes complaints, so it is escaped before any markup is added. Links are
    unique per answer (turn, ref), so an older answer's markers open its own cards; a marker
    with no citation behind it (refs given) stays text.
    """
    escaped = html.escape(answer, quote=False)

    def link(m: re.Match) -> str:
        n = int(m.group(1))
        if refs is not None and n not in refs:
            return m.group(0)
        return f'<a class="cc-cite" href="#a{turn}-{n}">[{n}]</a>'

    return CITATION_MARKER.sub(link, escaped)


def _find(text: str, quote: str) -> tuple[int, int] | None:
    """Where the quote sits in the (plain) text, whether the quote was made inert or not and
    whatever the whitespace."""
    quote = matching_key(quote).strip().rstrip("…").strip()
    if len(quote) < 8:
        return None
    text = matching_key(text)
    at = text.find(quote)
    if at >= 0:
        return at, at + len(quote)
    words = [re.escape(w) for w in quote.split()]
    match = re.search(r"\s+".join(words), text) if words else None
    return (match.start(), match.end()) if match else None


def _highlighted(text: str, span: tuple[int, int] | None) -> str:
    if not span:
        return html.escape(text)
    a, b = span
    return html.escape(text[:a]) + "<mark>" + html.escape(text[a:b]) + "</mark>" + html.escape(text[b:])


def _text_block(label: str, text: str, quote: str | None = None) -> str:
    """One section of a card; long text shows an excerpt (around the quote) and folds the rest.

    Cards escape HTML and render no markdown, so the text shows as written (plain: no bidi
    overrides); only answers need safe_text.inert."""
    text = plain(text)
    span = _find(text, quote) if quote else None
    head = f'<div class="cc-label">{html.escape(label)}</div>'
    if len(text) <= _FOLD_CHARS:
        return f'<div class="cc-section">{head}<p class="cc-text">{_highlighted(text, span)}</p></div>'
    if span:
        start, end = max(0, span[0] - _CONTEXT_CHARS), min(len(text), span[1] + _CONTEXT_CHARS)
    else:
        start, end = 0, _FOLD_CHARS
    local = (span[0] - start, span[1] - start) if span else None
    excerpt = ("… " if start else "") + _highlighted(text[start:end], local) + (" …" if end < len(text) else "")
    words = len(text.split())
    return (f'<div class="cc-section">{head}<p class="cc-text">{excerpt}</p>'
            f'<details><summary>Show all {words} words</summary>'
            f'<p class="cc-text">{_highlighted(text, span)}</p></details></div>')


def chips(outcomes: list[str]) -> str:
    if not outcomes:
        return ""
    items = "".join(f'<span class="cc-chip cc-chip-{outcome_style(o)}" data-tag="{html.escape(o)}">'
                    f'{html.escape(outcome_label(o))}</span>' for o in outcomes)
    return f'<div class="cc-chips">{items}</div>'


def identity(c: dict) -> str:
    """Where the complaint can be found again: its CFPB page, or its file and position."""
    external = str(c.get("external_id") or "").strip()
    if external.isdigit():
        url = CFPB_DETAIL.format(external)
        return (f'<div class="cc-id">CFPB complaint <a href="{html.escape(url)}" target="_blank" '
                f'rel="noopener noreferrer">{external}</a></div>')
    source, position = c.get("source"), c.get("position")
    if source:
        where = f"complaint {int(position)} in " if position else ""
        return f'<div class="cc-id">{where}{html.escape(plain(Path(str(source)).name))}</div>'
    return ""


# CFPB label fields shown on a card, in this order, with the names the CFPB uses.
LABEL_NAMES = {"product": "Product", "sub_product": "Sub-product", "issue": "Issue", "sub_issue": "Sub-issue",
               "state": "State", "tags": "Tags", "timely_response": "Timely response",
               "submitted_via": "Submitted via", "consumer_disputed": "Consumer disputed"}


def _labels(labels: dict) -> str:
    shown = [(LABEL_NAMES[k], labels[k]) for k in LABEL_NAMES if labels.get(k)]
    if not shown:
        return ""
    items = " · ".join(f"{html.escape(name)}: {html.escape(plain(str(value)))}" for name, value in shown)
    return f'<div class="cc-id">{items}</div>'


def card(c: dict, anchor: str | None = None, turn: int | None = None) -> str:
    """One complaint as a card. `c` is a citation dict (the ask --json shape) or a complaint-like dict.

    In the sources panel (turn given) the card's id is a<turn>-<ref>, the target of that
    answer's [ref] markers, and it links back to them.
    """
    ref = c.get("ref")
    if anchor is None:
        anchor = f"a{turn or 0}-{ref}" if ref is not None else f"complaint-{c.get('complaint_id', '')}"
    status = c.get("status") or "Unknown"
    quote = c.get("quote") or ""
    narrative = c.get("narrative") or ""
    labels = c.get("labels") or {}
    category = (labels.get("company_public_response") or "").strip()
    response = c.get("business_response")
    if response and category and response.strip() == category:
        response = None  # the CFPB's category sentence, not words of the business
    in_narrative = bool(_find(narrative, quote))
    back = (f' <a class="cc-back" href="#q{turn}-{int(ref)}" '
            f'title="Back to where the answer cites it">↩ back to the answer</a>'
            if turn is not None and ref is not None else "")
    parts = [
        f'<div class="cc-card" id="{html.escape(anchor)}" data-complaint="{html.escape(c.get("complaint_id") or "")}">',
        '<div class="cc-head">',
        f'<span class="cc-ref">[{int(ref)}]</span>' if ref is not None else "",
        f'<b>{html.escape(c.get("date") or "")}</b>',
        f'<span class="cc-meta">{html.escape(plain(c.get("company")))} · {html.escape(plain(c.get("type")))}</span>',
        f'<span class="cc-status cc-status-{status_style(status)}">{html.escape(plain(status))}</span>',
        back,
        "</div>",
        identity(c),
        _labels(labels),
        chips(c.get("outcomes") or []),
        _text_block("Complaint", narrative, quote if in_narrative else None),
    ]
    if response:
        parts.append(_text_block("Business response", response, None if in_narrative else quote))
    else:
        parts.append('<div class="cc-section"><div class="cc-label">Business response</div>'
                     '<p class="cc-empty">No business response in the record.</p></div>')
    if category:
        parts.append('<div class="cc-section"><div class="cc-label">CFPB response category</div>'
                     f'<p class="cc-text cc-meta">{html.escape(plain(category))}</p></div>')
    for n, answer in enumerate(c.get("customer_answers") or [], start=1):
        label = "Customer answer" if len(c.get("customer_answers")) == 1 else f"Customer answer {n}"
        parts.append(_text_block(label, answer))
    parts.append("</div>")
    return "".join(parts)


def sources_panel(groups: list) -> str:
    """Every answer's cards, one group per answer; the latest shows, a marker click shows its own.

    `groups` is a list of (turn, question, citations); a bare list of citations is one answer.
    """
    if groups and isinstance(groups[0], dict):
        groups = [(0, "", groups)]
    groups = [g for g in groups or [] if g[2]]
    if not groups:
        return '<p class="cc-empty">Sources of the latest answer appear here, one card per cited complaint.</p>'
    latest = groups[-1][0]
    out = []
    for turn, question, citations in groups:
        hidden = "" if turn == latest else " cc-hidden"
        head = (f'<p class="cc-group-head">Sources of answer {turn + 1}: “{html.escape(plain(question))}”</p>'
                if question else "")
        cards = "".join(card(c, turn=turn) for c in citations)
        out.append(f'<section class="cc-group{hidden}" data-turn="{turn}">{head}<div class="cc-cards">{cards}</div>'
                   "</section>")
    return "".join(out)


def complaint_as_card(complaint) -> str:
    """A stored Complaint (from the Insights table) in the same card shape."""
    responses = [r.text for r in complaint.business_responses if r.text]
    return card({
        "complaint_id": complaint.complaint_id, "company": complaint.company, "date": complaint.date,
        "type": complaint.type, "status": complaint.status, "narrative": complaint.narrative,
        "business_response": "\n\n".join(responses) if responses else None,
        "customer_answers": [a.text for a in complaint.customer_answers if a.text],
        "outcomes": list(complaint.outcomes), "quote": "",
        "external_id": getattr(complaint, "external_id", None), "source": getattr(complaint, "source", ""),
        "position": getattr(complaint, "position", 0), "labels": dict(getattr(complaint, "labels", {}) or {}),
    })


FILTER_NAMES = {"company": "Company", "type": "Type", "status": "Status", "outcome": "Outcome",
                "since": "From", "until": "To", "outside": "Outside", **LABEL_NAMES}


def filters_used(filters: dict) -> str:
    """The line under an answer that says which filters it used."""
    if not filters:
        return '<span class="cc-used">Filters used: none (all complaints in the index).</span>'
    parts = []
    for key, value in filters.items():
        shown = filtering.said_values(key, value if isinstance(value, list) else [value])  # as the answer says them
        parts.append(f"{html.escape(FILTER_NAMES.get(key, key))} = {html.escape(shown)}")
    return '<span class="cc-used">Filters used: ' + "; ".join(parts) + ".</span>"


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# Wider than this, a span of months is a mistyped year, not a trend: its months are left as found.
MONTHS_FILLED = 600


def is_month(key) -> bool:
    return bool(_MONTH.match(str(key)))


def every_month(months: Iterable[str]) -> list[str]:
    """The months ("YYYY-MM") from the first to the last of `months`, none skipped, then any key
    that is no month ("Unknown"). Charts over time need the quiet months as zeros: with only the
    months that have complaints, April 2025 stood next to March 2024 and a line joined them."""
    months = set(months)
    real = sorted(m for m in months if _MONTH.match(str(m)))
    rest = sorted(str(m) for m in months if not _MONTH.match(str(m)))
    if not real:
        return rest
    (y0, m0), (y1, m1) = [tuple(map(int, _MONTH.match(m).groups())) for m in (real[0], real[-1])]
    span = (y1 - y0) * 12 + (m1 - m0) + 1
    if span > MONTHS_FILLED:
        return real + rest
    filled = [f"{y0 + (m0 - 1 + i) // 12:04d}-{(m0 - 1 + i) % 12 + 1:02d}" for i in range(span)]
    return filled + rest


def bars(title: str, counts: dict, label=None, style=None, limit: int = 25) -> str:
    """Horizontal bars sorted by count: labels of any length stay readable (they wrap)."""
    items = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    head = f"<h4>{html.escape(title)}</h4>"
    if not items:
        return f'<div class="cc-bars">{head}<span class="cc-empty">No complaints.</span></div>'
    top = max(v for _, v in items) or 1
    rows = []
    for key, value in items[:limit]:
        name = label(key) if label else str(key)
        kind = f" cc-bar-{style(key)}" if style else ""
        rows.append(f'<span class="cc-bar-label">{html.escape(plain(name))}</span>'
                    f'<span><span class="cc-bar{kind}" style="display:block;width:{100 * value / top:.1f}%"></span></span>'
                    f'<span class="cc-bar-count">{int(value)}</span>')
    more = (f'<span class="cc-empty" style="grid-column:1/-1">… and {len(items) - limit} more</span>'
            if len(items) > limit else "")
    return f'<div class="cc-bars" data-chart="{html.escape(title)}">{head}{"".join(rows)}{more}</div>'


def company_comparison(rows: list[dict]) -> str:
    """One row per company: complaints, and the share that ended well or badly.

    `rows`: {"company", "complaints", "good", "bad", "top_type"} dicts, largest first.
    """
    if len(rows) < 2:
        return ""
    body = "".join(
        f'<tr><td>{html.escape(plain(r["company"]))}</td><td class="cc-num">{r["complaints"]}</td>'
        f'<td class="cc-num">{100 * r["good"] / max(r["complaints"], 1):.0f}%</td>'
        f'<td class="cc-num">{100 * r["bad"] / max(r["complaints"], 1):.0f}%</td>'
        f'<td>{html.escape(plain(r["top_type"]))}</td></tr>' for r in rows)
    return ('<h4>Companies compared</h4><table class="cc-compare" id="cc-compare"><thead><tr><th>Company</th>'
            '<th class="cc-num">Complaints</th><th class="cc-num">Relief or accepted</th>'
            '<th class="cc-num">Denied, rejected or unanswered</th><th>Most common type</th></tr></thead>'
            f"<tbody>{body}</tbody></table>")


# --- exports: an answer with its sources as Markdown, complaint sets as CSV ----------------------------
_CSV_COLUMNS = ["date", "company", "type", "status", "outcomes", "complaint_id", "source", "narrative",
                "business_response"]


def _where(c: dict) -> str:
    external = str(c.get("external_id") or "").strip()
    if external.isdigit():
        return f"CFPB complaint {external}: {CFPB_DETAIL.format(external)}"
    if c.get("source"):
        return f"{Path(str(c['source'])).name}, complaint {c.get('position') or '?'}"
    return ""


def answer_markdown(result: dict, path: Path) -> Path:
    """The answer as it was given, then each source in full; complaint text inert as everywhere."""
    lines = [f"# {inert(result.get('question'))}", "", result.get("answer") or "", ""]
    if result.get("filters"):
        lines += [f"Filters: {inert(str(result['filters']))}", ""]
    lines.append("## Sources")
    for c in result.get("citations") or []:
        head = " · ".join(inert(str(x)) for x in (c.get("date"), c.get("company"), c.get("type"), c.get("status"))
                          if x)
        lines += ["", f"### [{int(c.get('ref') or 0)}] {head}"]
        where = _where(c)
        if where:
            lines.append(f"Source: {inert(where)}")
        if c.get("outcomes"):
            lines.append("Outcomes: " + "; ".join(outcome_label(o) for o in c["outcomes"]))
        lines += ["", "Complaint:", "", "> " + inert(c.get("narrative")).replace("\n", "\n> ")]
        if c.get("business_response"):
            lines += ["", "Business response:", "", "> " + inert(c["business_response"]).replace("\n", "\n> ")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _csv(rows: Iterable[list], path: Path) -> Path:
    """Rows written as they come, so a matching set of any size costs one page of memory."""
    import csv

    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(_CSV_COLUMNS)
        # A cell starting with = + - @ is a formula to a spreadsheet: complaint text is data.
        writer.writerows([f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" else v for v in row] for row in rows)
    return path


def citations_csv(result: dict, path: Path) -> Path:
    return _csv([[c.get("date"), c.get("company"), c.get("type"), c.get("status"), ";".join(c.get("outcomes") or []),
                  c.get("external_id") or "", _where(c), c.get("narrative"), c.get("business_response") or ""]
                 for c in result.get("citations") or []], path)


def complaints_csv(complaints: Iterable, path: Path) -> Path:
    def rows():
        for c in complaints or []:
            responses = "\n\n".join(r.text for r in c.business_responses if r.text)
            where = _where({"external_id": c.external_id, "source": c.source, "position": c.position})
            yield [c.date, c.company, c.type, c.status, ";".join(c.outcomes), c.external_id or "", where,
                   c.narrative, responses]
    return _csv(rows(), path)
