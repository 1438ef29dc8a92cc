"""Company names in questions, recognised from the names the index holds.

Short forms are derived from the names themselves, never from a list: "JPMORGAN CHASE &
CO." answers to "jpmorgan chase", "jpmorgan" and "chase"; "Charter Spectrum" to "charter" and
"spectrum"; "Citi", capitalised, to CITIBANK. A word shared by several company names in the
index ("bank", "financial", "services") names none of them. A capitalised word that is no known name and that the
complaints themselves hardly use ("How does Charter ..." over an index of lenders) is a
company the index does not hold: the question is answered with that, not with other
companies' complaints.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from index.keywords import terms

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'&.-]*")
# Words that mark a legal form rather than a name: they say nothing about which company.
_LEGAL = {"inc", "llc", "ltd", "co", "corp", "corporation", "company", "na", "n.a", "plc", "lp", "llp",
          "the", "of", "and", "&", "holdings", "group"}
# A capitalised word the complaints use at least this often (share of passages) is ordinary language.
ORDINARY_SHARE = 0.0005


def _tokens(name: str) -> list[str]:
    return [w.strip(".'&-").lower() for w in _WORD.findall(name) if w.strip(".'&-")]


@dataclass
class CompanyMatch:
    companies: list[str]  # index names the question names
    unknown: list[str]  # names the index does not hold


class CompanyNames:
    def __init__(self, names: list[str]):
        self.names = names
        word_owners = Counter(t for name in names for t in set(_tokens(name)) if t not in _LEGAL)
        self.aliases: dict[str, set[str]] = {}
        for name in names:
            words = [t for t in _tokens(name) if t not in _LEGAL]
            if not words:
                continue
            self.aliases.setdefault(" ".join(words), set()).add(name)
            for word in words:
                if word_owners[word] == 1 and len(word) >= 3:
                    self.aliases.setdefault(word, set()).add(name)
        # Longest first: "wells fargo" before "wells".
        self._ordered = sorted(self.aliases, key=lambda a: (-len(a.split()), -len(a)))

    def match(self, question: str, vocabulary_share) -> CompanyMatch:
        """`vocabulary_share(word) -> float`: the share of passages that use the word."""
        lowered = " " + " ".join(t for t in _tokens(question) if t not in _LEGAL) + " "
        found: list[str] = []
        for alias in self._ordered:
            if f" {alias} " in lowered:
                found.extend(sorted(self.aliases[alias]))
                lowered = lowered.replace(f" {alias} ", " ")
        known_words = {w for name in self.names for w in _tokens(name)}
        # A capitalised short form of one company's own word: "Citi" for CITIBANK, N.A.
        for word in _WORD.findall(question):
            bare = word.strip(".'&-").lower()
            if word[:1].isupper() and len(bare) >= 4 and bare not in known_words and \
                    min((vocabulary_share(t) for t in terms(bare)), default=1.0) < ORDINARY_SHARE:
                owners = {n for alias, names in self.aliases.items() if " " not in alias and alias.startswith(bare)
                          for n in names}
                if len(owners) == 1:
                    found.extend(owners)
        unknown = []
        for position, word in enumerate(_WORD.findall(question)):
            bare = word.strip(".'&-")
            if position == 0 or not bare[:1].isupper() or bare.lower() in known_words:
                continue
            # "T-Mobile", "Tesla's": the rarest part decides ("t" and "s" are everywhere).
            stems = terms(bare)
            if stems and min(vocabulary_share(stem) for stem in stems) < ORDINARY_SHARE:
                unknown.append(bare)
        return CompanyMatch(list(dict.fromkeys(found)), [] if found else unknown)
