"""The citation guard: an LLM answer may only cite the sources it was given.

Markers to sources that were not given are removed (also while streaming, so the
reader never sees them); sentences without any marker are counted as unsupported;
an answer left with no valid marker is replaced by the evidence answer.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from index import sentences
from .results import CITATION_MARKER

# [3], [1, 2], [1][2], [Source 4], [sources 1 and 2]: the shapes small models produce.
_REF = r"(?:sources?\s*)?\d{1,3}"
MARKER = re.compile(rf"\[\s*({_REF}(?:\s*(?:,|;|and|&)\s*{_REF})*)\s*\]", re.I)
# What a marker can look like before its closing bracket has been generated.
_PARTIAL = re.compile(r"\[[\sA-Za-z0-9,;&]{0,30}\Z")
_NUMBER = re.compile(r"\d{1,3}")
_WORD = re.compile(r"[A-Za-z]+")
_DANGLING = re.compile(r"\[\s*(?:sources?\s*)?[\d,;\s]*\Z", re.I)
_LEADING_MARKERS = re.compile(r"^((?:\[\d{1,3}\]\s*)+)(.*)$", re.S)
MIN_CLAIM_WORDS = 3


def rewrite_markers(text: str, valid: set[int], removed: list[int] | None = None) -> str:
    """Every marker in the plain [n] form, keeping only refs in `valid`."""

    def replace(match: re.Match) -> str:
        refs = [int(n) for n in _NUMBER.findall(match.group(1))]
        kept = list(dict.fromkeys(r for r in refs if r in valid))
        if removed is not None:
            removed.extend(r for r in refs if r not in valid)
        return "".join(f"[{r}]" for r in kept)

    return MARKER.sub(replace, text)


class MarkerFilter:
    """Streams text through `rewrite_markers`, holding back only a possible marker in progress."""

    def __init__(self, valid: set[int]):
        self.valid = valid
        self.removed: list[int] = []
        self.pending = ""

    def feed(self, delta: str) -> str:
        self.pending += delta
        out = []
        while self.pending:
            start = self.pending.find("[")
            if start < 0:
                out.append(self.pending)
                self.pending = ""
                break
            out.append(self.pending[:start])
            rest = self.pending[start:]
            match = MARKER.match(rest)
            if match:
                out.append(rewrite_markers(match.group(0), self.valid, self.removed))
                self.pending = rest[match.end():]
            elif _PARTIAL.match(rest):
                self.pending = rest  # wait for more text
                break
            else:
                out.append("[")
                self.pending = rest[1:]
        return "".join(out)

    def flush(self) -> str:
        tail, self.pending = self.pending, ""
        # A marker cut off by the token limit ("... fee [1") cites nothing.
        tail = _DANGLING.sub("", tail)
        return rewrite_markers(tail, self.valid, self.removed)


@dataclass
class GuardReport:
    sources_given: int
    removed_markers: list[int] = field(default_factory=list)  # refs to sources that were not given
    used_refs: list[int] = field(default_factory=list)
    sentences: int = 0
    unsupported_sentences: int = 0  # claims that carry no marker
    unsupported: list[str] = field(default_factory=list)
    fallback: bool = False  # the evidence answer was shown instead of the model's
    reason: str | None = None
    model_answer: str | None = None  # the model's own text when it was replaced

    def to_dict(self) -> dict:
        return asdict(self)

    def notes(self) -> list[str]:
        out = []
        if self.removed_markers:
            refs = ", ".join(f"[{r}]" for r in dict.fromkeys(self.removed_markers))
            out.append(f"citation guard: removed {len(self.removed_markers)} marker(s) {refs} that point to "
                       f"no given source (only 1-{self.sources_given} were given)")
        if self.unsupported_sentences:
            out.append(f"citation guard: {self.unsupported_sentences} of {self.sentences} sentence(s) carry no "
                       "citation and are not supported by a source")
        if self.fallback and self.reason:
            out.append(f"citation guard: {self.reason}; showing the evidence answer instead")
        return out


def claims(text: str) -> list[str]:
    """Sentences of an answer, each with the markers that follow it (models often put them after the stop)."""
    out: list[str] = []
    for line in text.splitlines():
        for sentence in sentences.split_sentences(line):
            lead = _LEADING_MARKERS.match(sentence)
            if lead and out:
                out[-1] += " " + lead.group(1).strip()
                sentence = lead.group(2).strip()
            if sentence:
                out.append(sentence)
    return out


def _is_claim(sentence: str) -> bool:
    body = MARKER.sub("", sentence).strip()
    return len(_WORD.findall(body)) >= MIN_CLAIM_WORDS and not body.endswith(":")


_LINK = re.compile(r"!?\[([^\]\n]*)\]\((?:[^()\n]|\([^()\n]*\))*\)|<(?:https?|javascript|data):[^>\s]*>")


def check(text: str, sources_given: int, removed: list[int] | None = None) -> tuple[str, GuardReport]:
    """The answer with only valid markers, and what the guard found. `removed` carries what a
    MarkerFilter already took out while streaming."""
    valid = set(range(1, sources_given + 1))
    removed = list(removed or [])
    clean = rewrite_markers(text, valid, removed)
    if removed:
        # "... fee [9]." leaves "fee ." behind.
        clean = re.sub(r"[ \t]+([.,;:!?])", r"\1", clean)
        clean = re.sub(r"(?<=\S)[ \t]{2,}", " ", clean)
    # A model may copy a complaint's markdown link or image: keep the words, drop the target,
    # so nothing in an answer can make the reader's browser fetch from elsewhere.
    clean = _LINK.sub(lambda m: m.group(1) or "", clean).strip()
    used = sorted({int(n) for n in CITATION_MARKER.findall(clean)} & valid)
    found = [s for s in claims(clean) if _is_claim(s)]
    unsupported = [s for s in found if not MARKER.search(s)]
    report = GuardReport(sources_given=sources_given, removed_markers=removed, used_refs=used,
                         sentences=len(found), unsupported_sentences=len(unsupported),
                         unsupported=[s if len(s) <= 200 else s[:197] + "..." for s in unsupported])
    if not used:
        report.fallback = True
        report.reason = ("the model's answer was empty" if not clean
                         else f"the model's answer cites none of the {sources_given} sources it was given")
        report.model_answer = clean
    return clean, report
