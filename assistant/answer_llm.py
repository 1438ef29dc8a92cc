"""The LLM answerer: the retrieved complaints as numbered, delimited sources; the model's
answer streamed through the citation guard; the evidence answer whenever the model fails.

`LLMAnswerer.stream` is a generator: it yields answer text and *returns*
(text, citations, notes, guard) so that `Assistant.stream` can `yield from` it.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Generator

from llama_index.core.llms import ChatMessage, MessageRole

import prompts
from index.chunking import encoding
from index.settings import Settings

from . import guard as citation_guard
from .answer_evidence import EvidenceAnswerer, whole_set_lines
from .llm import LLMUnavailable, LoadedLLM, one_line, get_llm
from .results import Citation, Evidence

# Room kept free for the chat template's special tokens and rounding.
PROMPT_MARGIN = 64
# Below this a source is too short to say anything; fewer, longer sources serve better.
MIN_SOURCE_TOKENS = 96
CONDENSE_MAX_TOKENS = 96
HISTORY_TURNS = 6

Outcome = tuple[str, list[Citation], list[str], dict | None]


class LLMFailure(Exception):
    pass


def _escape(text: str) -> str:
    # With < and > escaped, a complaint cannot close its <source> tag or open another one.
    return html.escape(text or "", quote=False)


def _attr(value) -> str:
    return html.escape(str(value or ""), quote=True)


def _truncate(text: str, tokens: int) -> str:
    ids = encoding().encode(text, disallowed_special=())
    if len(ids) <= tokens:
        return text
    return encoding().decode(ids[: max(tokens, 0)]).rstrip() + " …"


def _full_body(ev: Evidence) -> str:
    c = ev.complaint
    parts = [f"Complaint: {c.narrative}"]
    parts += [f"Business response: {r.text}" for r in c.business_responses if r.text]
    parts += [f"Customer answer: {r.text}" for r in c.customer_answers if r.text]
    return "\n".join(parts)


_LABELS = {"complaint": "Complaint", "business_response": "Business response", "customer_answer": "Customer answer"}


def _passage_body(ev: Evidence) -> str:
    """The passages that matched the question, best first: what to keep when the record is too long."""
    passages = sorted(ev.passages, key=lambda p: -p[2]) or [(ev.quote_section, ev.quote, 0.0)]
    return "\n".join(f"{_LABELS.get(section, 'Passage')} (excerpt): {text}" for section, text, _ in passages)


def render_source(ref: int, ev: Evidence, body: str) -> str:
    c = ev.complaint
    head = (f'<source id="{ref}" company="{_attr(c.company)}" date="{_attr(c.date)}" type="{_attr(c.type)}" '
            f'status="{_attr(c.status)}">')
    return f"{head}\n{_escape(body)}\n</source>"


def fit_sources(evidence: list[Evidence], budget: int, count: Callable[[str], int]) -> list[str]:
    """Rendered sources, in rank order, that fit `budget` tokens together.

    Whole records when they fit; otherwise each keeps an equal share, filled with
    its best-matching passages; the lowest-ranked are dropped when even that is too little.
    """
    if budget < MIN_SOURCE_TOKENS or not evidence:
        return []
    blocks = [render_source(n, ev, _full_body(ev)) for n, ev in enumerate(evidence, start=1)]
    if sum(count(b) for b in blocks) <= budget:
        return blocks
    keep = evidence[: max(1, min(len(evidence), budget // MIN_SOURCE_TOKENS))]
    share = budget // len(keep)
    for _ in range(8):
        blocks = []
        for n, ev in enumerate(keep, start=1):
            block = render_source(n, ev, _full_body(ev))
            if count(block) > share:
                block = render_source(n, ev, _passage_body(ev))
            if count(block) > share:
                overhead = count(render_source(n, ev, ""))
                block = render_source(n, ev, _truncate(_passage_body(ev), share - overhead))
            blocks.append(block)
        if sum(count(b) for b in blocks) <= budget:
            return blocks
        # The model's tokenizer splits finer than tiktoken: shrink and measure again.
        share = int(share * 0.85)
    return blocks[:1] if count(blocks[0]) <= budget else []


class LLMAnswerer:
    def __init__(self, settings: Settings, evidence_answerer: EvidenceAnswerer, embed_model):
        self.settings = settings
        self.evidence_answerer = evidence_answerer
        self.embed_model = embed_model

    def stream(self, backend: str, question: str, evidence: list[Evidence], query_vector, scope: str = "",
               history: list[tuple[str, str]] | None = None,
               retrieve: Callable[[str, list[float]], list[Evidence]] | None = None,
               standalone: str | None = None, matching: dict | None = None,
               quoting: Callable[[], dict] | None = None) -> Generator[str, None, Outcome]:
        """`standalone` is the follow-up as the caller already searched it (rule-based);
        the model's own condensation replaces it, and the evidence, when it reads differently.
        `quoting()`: how the evidence backend quotes this evidence (`EvidenceAnswerer.answer`'s
        `gists` and `told_by`), for the answer shown where the model fails."""
        notes: list[str] = []
        asked = question
        shown: list[str] = []  # what has been streamed so far

        def fallback(reason: str, report: citation_guard.GuardReport | None = None):
            text, citations = self.evidence_answerer.answer(question, query_vector, evidence, scope, matching,
                                                            **(quoting() if quoting else {}))
            note = f"_Note: {reason}. Showing the evidence answer instead._"
            yield ("\n\n" if shown else "") + note + "\n\n" + text
            if report is None:  # the model failed before the guard had an answer to judge
                report = citation_guard.GuardReport(sources_given=0, fallback=True, reason=reason)
                notes.append(f"{backend} backend: {reason}; showing the evidence answer instead")
            else:
                notes.extend(report.notes())
            return note + "\n\n" + text, citations, notes, report.to_dict()

        try:
            handle = get_llm(self.settings, backend)
        except LLMUnavailable as exc:
            return (yield from fallback(f"the {backend} model is unavailable ({exc})"))

        if history:
            try:
                condensed = self._condense(handle, asked, history)
            except Exception as exc:
                return (yield from fallback(f"the {backend} model failed ({_describe(exc, self.settings)})"))
            if condensed not in (asked, standalone) and retrieve is not None:
                standalone = condensed
                query_vector = self.embed_model.get_query_embedding(condensed)
                evidence = retrieve(condensed, query_vector)
                quoting = None  # it was worked out for the other question's evidence
        if standalone and standalone != asked:
            notes.append(f"follow-up read as: {standalone}")
            question = standalone

        if not evidence:
            text, citations = self.evidence_answerer.answer(question, query_vector, evidence, scope, matching)
            yield text
            notes.append("no matching complaints, so the model was not asked")
            return text, citations, notes, None

        messages, given = self._messages(handle, question, evidence, scope, matching)
        if given == 0:
            return (yield from fallback("the question leaves no room for sources in the model's "
                                        f"{handle.context_window}-token window"))
        if given < len(evidence):
            notes.append(f"{given} of {len(evidence)} complaints fit the model's {handle.context_window}-token "
                         "window; the rest were left out")

        marker_filter = citation_guard.MarkerFilter(set(range(1, given + 1)))
        try:
            for piece in self._generate(handle, messages, notes):
                piece = marker_filter.feed(piece)
                if piece:
                    shown.append(piece)
                    yield piece
            tail = marker_filter.flush()
            if tail:
                shown.append(tail)
                yield tail
        except Exception as exc:
            return (yield from fallback(f"the {backend} model failed ({_describe(exc, self.settings)})"))

        text, report = citation_guard.check("".join(shown), given, marker_filter.removed)
        if report.fallback:
            return (yield from fallback(report.reason, report))
        notes.extend(report.notes())
        citations = [Citation.from_evidence(ref, evidence[ref - 1]) for ref in report.used_refs]
        return text, citations, notes, report.to_dict()

    # --- prompt ------------------------------------------------------------------
    def _messages(self, handle: LoadedLLM, question: str, evidence: list[Evidence],
                  scope: str, matching: dict | None = None) -> tuple[list[ChatMessage], int]:
        system = prompts.load("system")
        # The whole-set figures come from the catalog, never from complaint text: they reach the
        # model as our own data, outside the <source> blocks, with no [n] markers to copy.
        facts = "\n".join(line for line in whole_set_lines(matching or {}, len(evidence), outcomes=True)
                          if line.strip()) or "(no whole-set figures)"

        def user(sources: list[str]) -> str:
            return prompts.render("answer_with_sources", sources="\n\n".join(sources), question=question,
                                  count=len(sources), scope=f" ({scope})" if scope else "", facts=facts)

        fixed = handle.count_tokens(system) + handle.count_tokens(user([]))
        budget = int((handle.context_window - handle.max_output - PROMPT_MARGIN - fixed) / handle.token_margin)
        sources = fit_sources(evidence, budget, handle.count_tokens)
        messages = [ChatMessage(role=MessageRole.SYSTEM, content=system),
                    ChatMessage(role=MessageRole.USER, content=user(sources))]
        return messages, len(sources)

    # --- model calls ---------------------------------------------------------------
    def _generate(self, handle: LoadedLLM, messages: list[ChatMessage], notes: list[str]):
        """Text deltas of the model's answer, ended early at the time limit rather than hanging."""
        timeout = self.settings.llm_timeout_s
        if not handle.lock.acquire(timeout=timeout):
            raise LLMFailure(f"the model was busy for {timeout:.0f}s")
        try:
            deadline = time.monotonic() + timeout
            stream = handle.llm.stream_chat(messages)
            try:
                for chunk in stream:
                    if chunk.delta:
                        yield chunk.delta
                    if time.monotonic() > deadline:
                        notes.append(f"the answer was cut off at the {timeout:.0f}s time limit")
                        break
            finally:
                close = getattr(stream, "close", None)
                if close:
                    close()  # stops llama.cpp generating into the void
        finally:
            handle.lock.release()

    def _condense(self, handle: LoadedLLM, question: str, history: list[tuple[str, str]]) -> str:
        turns = []
        for user_text, assistant_text in history[-HISTORY_TURNS:]:
            turns.append(f"User: {user_text}")
            # Only the gist of earlier answers: they are long and full of markers.
            turns.append(f"Assistant: {_truncate(citation_guard.MARKER.sub('', assistant_text or ''), 120)}")
        prompt = prompts.render("condense_followup", history="\n".join(turns), question=question)
        messages = [ChatMessage(role=MessageRole.USER, content=prompt)]
        pieces: list[str] = []
        for piece in self._generate(handle, messages, []):
            pieces.append(piece)
            if sum(len(p) for p in pieces) > CONDENSE_MAX_TOKENS * 6:
                break
        lines = [line.strip().strip('"').strip() for line in "".join(pieces).splitlines() if line.strip()]
        standalone = lines[0] if lines else ""
        for prefix in ("Standalone question:", "Question:"):
            if standalone.lower().startswith(prefix.lower()):
                standalone = standalone[len(prefix):].strip()
        return standalone if 3 <= len(standalone) <= 400 else question


def _describe(exc: BaseException, settings: Settings) -> str:
    name = type(exc).__name__
    text = one_line(exc)
    if "Connection" in name or "connect" in text.lower():
        return f"cannot reach {settings.openai_base_url or 'the server'}: {text}"
    if "Timeout" in name:
        return f"no reply within {settings.llm_timeout_s:.0f}s"
    if "context window" in text.lower() or "context length" in text.lower():
        return f"the prompt does not fit the model's context window: {text}"
    return f"{name}: {text}" if text != name else name
