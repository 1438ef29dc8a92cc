"""The default answerer: a grounded summary built only from the retrieved complaints.

No language model and nothing invented: every sentence is either a count over
the matching complaints or a quotation from them, and carries [n] markers.
"""

from __future__ import annotations

import re
from collections import defaultdict

from index.outcomes import VOCABULARY

from . import sentences
from .results import Citation, Evidence

NO_EVIDENCE = ("I found no complaints in the index that address this question{scope}. "
               "Try other words, or remove filters.")
_MAX_QUOTE = 320


def _markers(refs) -> str:
    return "".join(f"[{r}]" for r in sorted(set(refs)))


def _short(sentence: str) -> str:
    return sentence if len(sentence) <= _MAX_QUOTE else sentence[: _MAX_QUOTE - 1].rsplit(" ", 1)[0] + "…"


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower().replace("[redacted]", " ")).strip()


def _company(evidence: list[Evidence]) -> str:
    names = {e.complaint.company for e in evidence}
    return names.pop() if len(names) == 1 else "the businesses"


def _outcome_lines(evidence: list[Evidence], refs: dict[str, int]) -> list[str]:
    total = len(evidence)
    holders: dict[str, list[int]] = defaultdict(list)
    for e in evidence:
        for outcome in e.complaint.outcomes:
            holders[outcome].append(refs[e.complaint.complaint_id])
    lines = []
    order = [name for name in VOCABULARY if name in holders]
    for name in sorted(order, key=lambda n: -len(holders[n])):
        have = holders[name]
        label = VOCABULARY[name][1]
        line = f"- {label[0].upper() + label[1:]}: {len(have)} of {total} matching complaints {_markers(have)}"
        others = [r for r in refs.values() if r not in have]
        if others:
            line += f"; not in {_markers(others)}"
        lines.append(line)
    return lines


class EvidenceAnswerer:
    name = "evidence"

    def __init__(self, embed_model):
        self.embed_model = embed_model

    def answer(self, question: str, query_vector, evidence: list[Evidence],
               scope: str = "") -> tuple[str, list[Citation]]:
        if not evidence:
            return NO_EVIDENCE.format(scope=f" ({scope})" if scope else ""), []
        refs = {e.complaint.complaint_id: n for n, e in enumerate(evidence, start=1)}
        company = _company(evidence)
        plural = "s" if len(evidence) != 1 else ""
        lines = [f"{len(evidence)} matching complaint{plural} about {company}"
                 + (f" ({scope})" if scope else "") + f" {_markers(refs.values())}."]

        reports, answers, quotes = [], [], {}
        silent = []
        for e in evidence:
            ref = refs[e.complaint.complaint_id]
            told = self._best(query_vector, sentences.split_sentences(e.complaint.narrative), 1)
            if told:
                reports.append(f"- \"{_short(told[0])}\" [{ref}]")
            reply = self._best(query_vector, sentences.substantive(
                "\n\n".join(r.text for r in e.complaint.business_responses)), 2)
            if reply:
                answers.append((ref, " ".join(_short(s) for s in reply)))
            else:
                silent.append(ref)
            quotes[ref] = (reply if e.quote_section == "business_response" and reply else told or reply or [e.quote])[0]

        lines += ["", "**What customers report**", *reports]
        lines += ["", f"**What {company} answered**"]
        grouped: dict[str, list[int]] = {}
        texts: dict[str, str] = {}
        for ref, text in answers:
            grouped.setdefault(_norm(text), []).append(ref)
            texts.setdefault(_norm(text), text)
        for key, group in grouped.items():
            lines.append(f"- \"{texts[key]}\" {_markers(group)}")
        if silent:
            lines.append(f"- No business response in the record {_markers(silent)}")
        lines += ["", "**How many show each outcome**", *_outcome_lines(evidence, refs)]

        citations = [Citation.from_evidence(refs[e.complaint.complaint_id], e) for e in evidence]
        for citation in citations:
            citation.quote = quotes[citation.ref]
        return "\n".join(lines), citations

    def _best(self, query_vector, candidates: list[str], n: int) -> list[str]:
        """The n sentences closest to the question, in the order they were written."""
        ranked = sentences.rank(query_vector, candidates, self.embed_model)[:n]
        return [s for _, _, s in sorted(ranked, key=lambda x: x[1])]
