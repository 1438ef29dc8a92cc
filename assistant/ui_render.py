"""HTML for the browser: source cards, outcome chips, linked citation markers.

Complaint text is untrusted input (anyone can file a complaint), and gr.HTML
inserts what it is given as markup. So every piece of data passes through
html.escape here, and the only tags on the page are the ones written below.
"""

from __future__ import annotations

import html
import re

from index.outcomes import VOCABULARY

from .results import CITATION_MARKER

_FOLD_CHARS = 420  # longer texts show an excerpt; the rest folds into <details>
_CONTEXT_CHARS = 160

CSS = """
.cc-cards { display: flex; flex-direction: column; gap: 12px; }
.cc-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 12px 14px;
           background: var(--background-fill-primary); scroll-margin-top: 12px; }
.cc-card.cc-flash { outline: 3px solid #f59e0b; transition: outline 0.3s; }
.cc-head { display: flex; flex-wrap: wrap; gap: 6px; align-items: baseline; font-size: 0.92em; }
.cc-ref { font-weight: 700; color: #2563eb; }
.cc-meta { color: var(--body-text-color-subdued); }
.cc-status { border-radius: 999px; padding: 0 8px; font-size: 0.85em; border: 1px solid currentColor; }
.cc-status-resolved { color: #15803d; }
.cc-status-other { color: #b45309; }
.cc-chips { margin: 6px 0; display: flex; flex-wrap: wrap; gap: 4px; }
.cc-chip { background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary);
           border-radius: 999px; padding: 1px 8px; font-size: 0.8em; }
.cc-chip-credit_denied, .cc-chip-customer_rejected, .cc-chip-no_business_response { border-color: #dc2626; color: #b91c1c; }
.cc-chip-adjustment_applied, .cc-chip-promotion_applied, .cc-chip-customer_accepted { border-color: #16a34a; color: #15803d; }
.cc-section { margin-top: 8px; }
.cc-label { font-weight: 600; font-size: 0.85em; text-transform: uppercase; letter-spacing: 0.03em;
            color: var(--body-text-color-subdued); }
.cc-text { white-space: pre-wrap; margin: 2px 0; line-height: 1.45; }
.cc-card mark { background: #fde68a; color: inherit; padding: 0 1px; border-radius: 2px; }
.cc-card details summary { cursor: pointer; color: #2563eb; font-size: 0.88em; }
.cc-empty { color: var(--body-text-color-subdued); font-style: italic; }
#cc-chat a.cc-cite, a.cc-cite { color: #2563eb !important; text-decoration: none; font-weight: 600; }
.cc-used { font-size: 0.9em; color: var(--body-text-color-subdued); }
"""

# Clicking a [n] marker scrolls its card into view. Gradio's chat renders links
# with target=_blank, which would open a new tab, so the click is taken over here.
HEAD = """
<script>
document.addEventListener("click", function (event) {
  const link = event.target.closest && event.target.closest("a[href^='#src-']");
  if (!link) return;
  const card = document.getElementById(link.getAttribute("href").slice(1));
  if (!card) return;
  event.preventDefault();
  event.stopPropagation();
  card.scrollIntoView({behavior: "smooth", block: "start"});
  card.classList.add("cc-flash");
  setTimeout(function () { card.classList.remove("cc-flash"); }, 1600);
}, true);
</script>
"""


def outcome_label(name: str) -> str:
    return VOCABULARY[name][1] if name in VOCABULARY else name.replace("_", " ")


def link_markers(answer: str) -> str:
    """Answer text for the chat: escaped as text, then each [n] made a link to card n.

    The answer quotes complaints, so it is escaped before any markup is added.
    """
    escaped = html.escape(answer, quote=False)
    return CITATION_MARKER.sub(lambda m: f'<a class="cc-cite" href="#src-{m.group(1)}">[{m.group(1)}]</a>', escaped)


def _find(text: str, quote: str) -> tuple[int, int] | None:
    """Where the quote sits in the text, tolerating different whitespace."""
    quote = (quote or "").strip().rstrip("…").strip()
    if len(quote) < 8:
        return None
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
    """One section of a card; long text shows an excerpt (around the quote) and folds the rest."""
    text = text or ""
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
    items = "".join(f'<span class="cc-chip cc-chip-{html.escape(o)}" title="{html.escape(outcome_label(o))}">'
                    f'{html.escape(o.replace("_", " "))}</span>' for o in outcomes)
    return f'<div class="cc-chips">{items}</div>'


def card(c: dict, anchor: str | None = None) -> str:
    """One complaint as a card. `c` is a citation dict (the ask --json shape) or a complaint-like dict."""
    ref = c.get("ref")
    anchor = anchor or (f"src-{ref}" if ref is not None else f"complaint-{c.get('complaint_id', '')}")
    status = c.get("status") or "Unknown"
    status_class = "cc-status-resolved" if status.lower() == "resolved" else "cc-status-other"
    quote = c.get("quote") or ""
    narrative = c.get("narrative") or ""
    response = c.get("business_response")
    in_narrative = bool(_find(narrative, quote))
    parts = [
        f'<div class="cc-card" id="{html.escape(anchor)}" data-complaint="{html.escape(c.get("complaint_id") or "")}">',
        '<div class="cc-head">',
        f'<span class="cc-ref">[{int(ref)}]</span>' if ref is not None else "",
        f'<b>{html.escape(c.get("date") or "")}</b>',
        f'<span class="cc-meta">{html.escape(c.get("company") or "")} · {html.escape(c.get("type") or "")}</span>',
        f'<span class="cc-status {status_class}">{html.escape(status)}</span>',
        "</div>",
        chips(c.get("outcomes") or []),
        _text_block("Complaint", narrative, quote if in_narrative else None),
    ]
    if response:
        parts.append(_text_block("Business response", response, None if in_narrative else quote))
    else:
        parts.append('<div class="cc-section"><div class="cc-label">Business response</div>'
                     '<p class="cc-empty">No business response in the record.</p></div>')
    for n, answer in enumerate(c.get("customer_answers") or [], start=1):
        label = "Customer answer" if len(c.get("customer_answers")) == 1 else f"Customer answer {n}"
        parts.append(_text_block(label, answer))
    parts.append("</div>")
    return "".join(parts)


def sources_panel(citations: list[dict]) -> str:
    if not citations:
        return '<p class="cc-empty">Sources of the latest answer appear here, one card per cited complaint.</p>'
    return '<div class="cc-cards">' + "".join(card(c) for c in citations) + "</div>"


def complaint_as_card(complaint) -> str:
    """A stored Complaint (from the Insights table) in the same card shape."""
    responses = [r.text for r in complaint.business_responses if r.text]
    return card({
        "complaint_id": complaint.complaint_id, "company": complaint.company, "date": complaint.date,
        "type": complaint.type, "status": complaint.status, "narrative": complaint.narrative,
        "business_response": "\n\n".join(responses) if responses else None,
        "customer_answers": [a.text for a in complaint.customer_answers if a.text],
        "outcomes": list(complaint.outcomes), "quote": "",
    })


def filters_used(filters: dict) -> str:
    """The line under an answer that says which filters it used."""
    if not filters:
        return '<span class="cc-used">Filters used: none (all complaints in the index).</span>'
    parts = []
    for key, value in filters.items():
        shown = ", ".join(value) if isinstance(value, list) else str(value)
        parts.append(f"{html.escape(key)} = {html.escape(shown)}")
    return '<span class="cc-used">Filters used: ' + "; ".join(parts) + ".</span>"
