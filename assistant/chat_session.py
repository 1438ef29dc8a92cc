"""One browser session's conversation: its turns and the filters each one used.

Lives in a gr.State, so every visitor has their own; nothing here is shared
between sessions. Kept free of Gradio so that it can be tested directly.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from . import followup, query_filters
from .errors import UserError, check_question
from .query_filters import Implied, Vocabulary


@dataclass
class Turn:
    question: str  # as typed
    standalone: str  # as searched (differs for a follow-up)
    implied: list[Implied]  # chips: filters read from the question, still active
    explicit: dict  # the filter panel when it was asked
    answer: str = ""  # the answer text, fed back as history
    shown: str = ""  # the answer as the chat shows it (linked markers, footer)
    result: dict | None = None  # the answer's `ask --json` dict: its own sources stay with it

    @property
    def citations(self) -> list[dict]:
        return (self.result or {}).get("citations") or []

    @property
    def filters(self) -> dict:
        return query_filters.merge(self.explicit, self.implied)


def question_problem(question: str | None, max_chars: int) -> str | None:
    """Why a question cannot be asked as typed, in one line for the page; None when it can. The
    rule is the API's and the CLI's (`check_question`); the page adds what to do about it."""
    try:
        check_question(question, max_chars)
    except UserError as problem:
        said = str(problem)
        advice = ("Shorten it to the part you want answered." if len((question or "").strip()) > max_chars
                  else "Type a question in words, or pick one of the examples below.")
        return f"{said[:1].upper()}{said[1:]}. {advice}"
    return None


@dataclass
class ChatSession:
    turns: list[Turn] = field(default_factory=list)

    def reset(self) -> None:
        """A new conversation: no history to follow up on, no sources, no chips."""
        self.turns.clear()

    def source_groups(self) -> list[tuple[int, str, list[dict]]]:
        """(turn, question, citations) of every answered turn, oldest first."""
        return [(i, t.question, t.citations) for i, t in enumerate(self.turns) if t.citations]

    def history(self, upto: int | None = None) -> list[tuple[str, str]]:
        """(question, answer) pairs before turn `upto`, the shape Assistant.stream takes."""
        turns = self.turns if upto is None else self.turns[:upto]
        return [(t.question, t.answer) for t in turns]

    def prepare(self, question: str, vocabulary: Vocabulary, explicit: dict) -> Turn:
        """A new turn: the standalone question and the filters it implies.

        A follow-up keeps the previous turn's implied filters ("billing complaints
        in 2025" then "and late fees?" stays on 2025 billing complaints) unless it
        names a new value for the same filter.
        """
        history = self.history()
        question = question.strip()
        subjects = lambda text: query_filters.subjects(text, vocabulary)  # noqa: E731
        standalone = followup.standalone(question, history, subjects)
        implied = query_filters.detect(standalone, vocabulary)
        ended = followup.narrows_by_ending(question, history, subjects)
        if ended:  # as Assistant.stream reads it
            implied = query_filters.with_endings(implied, query_filters.detect(ended, vocabulary))
        if self.turns and followup.is_followup(question, history):
            have = {i.key for i in implied}
            implied += [i for i in self.turns[-1].implied if i.key not in have]
        # One state: a filter the panel sets is the panel's; a chip for the same key would say
        # something the answer does not use (outcomes add up, so their chips stay).
        explicit = {k: v for k, v in (explicit or {}).items() if v not in (None, "", [], ())}
        implied = query_filters.not_given(implied, explicit)
        turn = Turn(question=question, standalone=standalone, implied=implied, explicit=explicit)
        self.turns.append(turn)
        return turn

    def messages(self) -> list[dict]:
        """The conversation as Gradio chat messages; the chat is always redrawn from here."""
        out = []
        for turn in self.turns:
            out.append({"role": "user", "content": html.escape(turn.question, quote=False)})
            out.append({"role": "assistant", "content": turn.shown or "_Searching the complaints…_"})
        return out

    def drop_chips(self, keep: list[str]) -> Turn | None:
        """The user removed chips of the latest turn: keep only those still shown."""
        if not self.turns:
            return None
        turn = self.turns[-1]
        turn.implied = [i for i in turn.implied if i.chip in set(keep or [])]
        return turn
