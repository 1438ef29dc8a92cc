"""Sentences of complaint texts: where they are, and which are letter furniture."""

from __future__ import annotations

import re

_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n{2,}")
# A split after these is no sentence end: "Ms. [redacted]", "1. 5 years", "a.m. on".
_NO_END = re.compile(r"(?:\b(?:mr|mrs|ms|dr|st|no|vs|etc|inc|jr|sr|e\.g|i\.e|a\.m|p\.m|approx)|\b\w)\.[\"')\]]*$", re.I)

# Letter furniture: true, but says nothing about the complaint or the policy. Besides these
# openings and sign-offs of a reply, a sentence of a few words ("Sincerely", a company's name
# on its own line) or mostly masked details (an address block) is furniture.
_BOILERPLATE = re.compile(
    r"^(this letter is in response|complaint:)"
    r"|representative provided .{0,40}(direct )?contact information"
    r"|contacted .{0,60} (and|to) discuss(ed)? the above information"
    # a salutation or a thank-you that is the whole sentence ("To whom it may concern.")
    r"|^(to whom it may concern|dear [^,:.]{1,40}|thank you( (so|very) much)?( for [^.!,;]{1,40})?|thanks"
    r"( for [^.!,;]{1,40})?|(best |kind )?regards|respectfully( yours)?)\s*[.,:;!]*$",
    re.I,
)
_MASKED = re.compile(r"\[redacted\]|\bX{2,}\b", re.I)
_FEWEST_WORDS = 4


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence as people write them in complaints: lower-case
    starts and " ." included, abbreviations glued to what follows."""
    spans: list[list[int]] = []
    glue = False
    start = 0
    for sep in [*_SPLIT.finditer(text), None]:
        end = sep.start() if sep else len(text)
        part = text[start:end]
        if part.strip():
            lead = len(part) - len(part.lstrip())
            s, e = start + lead, start + len(part.rstrip())
            if glue and spans:
                spans[-1][1] = e
            else:
                spans.append([s, e])
            glue = bool(_NO_END.search(text[s:e]))
        if sep:
            # The closing quote or bracket after the stop belongs to the sentence.
            closing = len(sep.group(0).rstrip())
            if closing and spans and text[start:end].strip():
                spans[-1][1] = sep.start() + closing
            start = sep.end()
    return [(s, e) for s, e in spans if len(" ".join(text[s:e].split())) >= 3]


def split_sentences(text: str) -> list[str]:
    return [" ".join(text[s:e].split()) for s, e in sentence_spans(text)]


def is_boilerplate(sentence: str) -> bool:
    text = sentence.strip()
    words = re.findall(r"[A-Za-z]+", _MASKED.sub(" ", text))
    masked = len(_MASKED.findall(text))
    return len(words) < _FEWEST_WORDS or 2 * masked >= len(words) or bool(_BOILERPLATE.search(text))
