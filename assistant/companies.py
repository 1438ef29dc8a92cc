"""Company names in questions, recognised from the names the index holds.

Short forms are derived from the names themselves, never from a list: "JPMORGAN CHASE &
CO." answers to "jpmorgan chase", "jpmorgan" and "chase"; "Charter Spectrum" to "charter" and
"spectrum"; "Citi", capitalised, to CITIBANK. A word shared by several company names in the
index ("bank", "financial", "services") names none of them, and neither does a word the
complaints use far more often than that company's own complaints could explain ("debt" in
"Debt Co LLC", "card" in "CARD Corporation"): the index's own statistics tell a name from a
common word. A capitalised word that is no known name and that the
complaints themselves hardly use ("How does Charter ..." over an index of lenders) is a
company the index does not hold: the question is answered with that, not with other
companies' complaints. An abbreviation built from the start of a name's words ("NFCU", "BofA",
"Amex", "PenFed", "Cap One") names the one company whose words it spells.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from index.keywords import terms

from .implied import excluding_before

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'&.-]*")
# Words that mark a legal form rather than a name: they say nothing about which company.
_LEGAL = {"inc", "llc", "ltd", "co", "corp", "corporation", "company", "na", "n.a", "plc", "lp", "llp",
          "the", "of", "and", "&", "holdings", "group"}
# A capitalised word the complaints use at least this often (share of passages) is ordinary language.
ORDINARY_SHARE = 0.0005
# A name's word is a short form only if it occurs in at most this many passages per passage of
# that company's own complaints (people mention Equifax in TransUnion complaints too).
NAME_SPREAD = 2.0
# Words an abbreviation may leave out or spell ("BofA" spells "of", "FNBO" leaves it out).
_CONNECTORS = {"of", "and", "&", "the"}
SHORTEST_ABBREVIATION = 3  # "TD", "EZ": two letters fit too many names to name one
DOMINANT = 5.0  # of several names an abbreviation spells, one with this many times the next one's passages


def _bare(word: str) -> str:
    """A word without the punctuation around it or a possessive: "Experian's" is Experian."""
    word = word.strip(".'&-")
    return word[:-2] if word.lower().endswith("'s") and len(word) > 2 else word


def _tokens(name: str) -> list[str]:
    return [_bare(w).lower() for w in _WORD.findall(name) if _bare(w)]


def _as_written(question: str, alias: str) -> str:
    """The question's own words for an alias ("Bank of America" for "bank america"), so that a
    chip quotes what the user typed; the alias itself where the words cannot be found again. A
    kind of company said after it belongs to the name ("Synchrony Bank", "Chase bank"): those
    words are no topic to search."""
    between = r"[\W_]+(?:(?:" + "|".join(re.escape(w) for w in sorted(_LEGAL)) + r")[\W_]+)*"
    pattern = (r"(?<![A-Za-z0-9])" + between.join(re.escape(w) for w in alias.split())
               + r"(?:\s+(?:bank|financial)(?!\s+(?:of|account)))?(?![A-Za-z0-9])")
    hit = re.search(pattern, question, re.IGNORECASE)
    return hit.group(0) if hit else alias


@dataclass
class CompanyMatch:
    companies: list[str]  # index names the question names
    unknown: list[str]  # names the index does not hold
    said: list[str] = field(default_factory=list)  # the question's own words for `companies`
    # A name written apart ("Trans Union") -> as one ("TransUnion"), as the complaints write it.
    joined: dict[str, str] = field(default_factory=dict)
    # The words that leave a company out beside one named ("excluding Equifax"): no topic.
    left_out: list[str] = field(default_factory=list)


class CompanyNames:
    def __init__(self, names: list[str], passages: Callable[[str], int] | None = None,
                 word_passages: Callable[[list[str]], dict[str, int]] | None = None):
        """`passages(company)`: passages of that company's complaints; `word_passages(stems)`:
        passages holding each stem. Without them (no statistics yet) every distinct word counts."""
        self.names = names
        self._passages, self._word_passages = passages, word_passages
        # Each name's own words, without the legal forms ("inc", "llc"): read once, here.
        self._words = {name: [t for t in _tokens(name) if t not in _LEGAL] for name in names}
        word_owners = Counter(t for words in self._words.values() for t in set(words))
        # One look-up for every name word; _distinctive reads it, and asks only for other words.
        stems = sorted({(terms(w) or [w])[0] for w in word_owners})
        self._spread: dict[str, int] = word_passages(stems) if word_passages else {}
        self._known_words = {w for name in names for w in _tokens(name)}
        self.aliases: dict[str, set[str]] = {}
        for name, words in self._words.items():
            if not words:
                continue
            if len(words) > 1 or self._distinctive(words[0], name):
                self.aliases.setdefault(" ".join(words), set()).add(name)
            # "bank america" for BANK OF AMERICA, NATIONAL ASSOCIATION, but not "credit card" for
            # Credit Card Receivables Fund: a leading pair of words only everyone uses names nobody.
            if len(words) > 2 and any(self._distinctive(w, name) for w in words[:2]):
                self.aliases.setdefault(" ".join(words[:2]), set()).add(name)
            for word in words:
                if word_owners[word] == 1 and len(word) >= 3 and self._distinctive(word, name):
                    self.aliases.setdefault(word, set()).add(name)
        # A family of companies under one brand ("Santander" for SANTANDER BANK, SANTANDER
        # HOLDINGS USA and Santander Consumer USA): the first word of each of their names, where
        # the complaints use it no more than their own complaints explain. Read only as a
        # capitalised word inside the question ("in spring", "a nationwide problem" name nobody),
        # and only where the complaints write it alone (`match`).
        starts: dict[str, set[str]] = {}
        for name, words in self._words.items():
            if words and len(words[0]) >= 4:
                starts.setdefault(words[0], set()).add(name)
        self.families = {word: members for word, members in starts.items()
                         if len(members) > 1 and word_owners[word] == len(members) and word not in self.aliases
                         and self._distinctive(word, *members)}
        # Longest first: "wells fargo" before "wells".
        self._ordered = sorted(self.aliases, key=lambda a: (-len(a.split()), -len(a)))
        self._one_word = sorted(alias for alias in self.aliases if " " not in alias)  # for a prefix, by bisection
        # Names by the first letter of their first word: an abbreviation starts with it.
        self._by_initial: dict[str, list[tuple[str, list[str]]]] = {}
        for name in names:
            tokens = _tokens(name)
            if tokens:
                self._by_initial.setdefault(tokens[0][0], []).append((name, tokens))
        self._spelled: dict[str, set[str]] = {}  # letters -> the names they abbreviate, as found

    def _distinctive(self, word: str, *names: str) -> bool:
        """A word names `names` only if the complaints do not use it far more often than those
        companies' own complaints explain. Without statistics every word counts."""
        if not self._word_passages:
            return True
        stem = (terms(word) or [word])[0]
        if stem not in self._spread:
            self._spread.update(self._word_passages([stem]))
        own = sum((self._passages(name) or 0) for name in names) if self._passages else 0
        return self._spread.get(stem, 0) <= NAME_SPREAD * max(own, 1)

    def _said_alone(self, word: str, vocabulary_share) -> bool:
        """Whether the complaints write a family's brand word alone at least half the time, not
        mostly as the start of one member's name: "Santander" is; "American", most often written
        as "American Express", names no family of American companies."""
        stem = (terms(word) or [word])[0]
        alone = everywhere = vocabulary_share([stem])
        for name in self.families[word]:
            words = self._words[name]
            if len(words) > 1:
                alone -= vocabulary_share([stem, (terms(words[1]) or [words[1]])[0]])
        return everywhere > 0 and alone * 2 >= everywhere

    def match(self, question: str, vocabulary_share) -> CompanyMatch:
        """`vocabulary_share(stems) -> float`: the share of passages that use these terms side by
        side (one term: that word)."""
        found = self._match(question, vocabulary_share)
        # "Capital One, excluding Equifax": beside a company named, one left out narrows nothing
        # more, so the named ones are the match. (One left out alone is every other company: the
        # caller's `excluded`.)
        excluding = {said: at for said in found.said if (at := excluding_before(question, question.find(said), True))}
        if not excluding or len(excluding) == len(found.said):
            return found
        kept = self._match(re.sub("|".join(map(re.escape, excluding)), " ", question), vocabulary_share)
        if not kept.companies:
            return found
        kept.left_out = [question[at.start():question.find(said) + len(said)] for said, at in excluding.items()]
        return kept

    def _match(self, question: str, vocabulary_share) -> CompanyMatch:
        capitalised = {_bare(w).lower() for w in _WORD.findall(question) if _bare(w)[:1].isupper()}
        words, split = self._joined([t for t in _tokens(question) if t not in _LEGAL], capitalised, vocabulary_share)
        lowered = " " + " ".join(words) + " "
        found: list[str] = []
        said: list[str] = []
        joined: dict[str, str] = {}
        for alias in self._ordered:
            if f" {alias} " in lowered:
                found.extend(sorted(self.aliases[alias]))
                written = _as_written(question, alias)
                if written == alias and split:  # "Trans Union": the words as the user split them
                    written = _as_written(question, " ".join(split.get(w, w) for w in alias.split()))
                    joined[written] = "".join(written.split())
                said.append(written)
                lowered = lowered.replace(f" {alias} ", " ")
        for position, word in enumerate(_WORD.findall(question)):
            bare = _bare(word)
            if (position and bare[:1].isupper() and bare.lower() in self.families and bare.lower() in lowered.split()
                    and self._said_alone(bare.lower(), vocabulary_share)):
                found.extend(sorted(self.families[bare.lower()]))
                said.append(bare)
        # A capitalised short form of one company's own word: "Citi" for CITIBANK, N.A.
        for word in _WORD.findall(question):
            bare = _bare(word).lower()
            if word[:1].isupper() and len(bare) >= 4 and bare not in self._known_words:
                at = bisect.bisect_left(self._one_word, bare)
                starting = itertools.takewhile(lambda alias: alias.startswith(bare), self._one_word[at:])
                owners = {n for alias in starting for n in self.aliases[alias]}
                if len(owners) == 1 and not owners <= set(found) and self._distinctive(bare, next(iter(owners))):
                    found.extend(owners)
                    said.append(bare)
        spelled = set()
        for written, letters, first in _abbreviations(question):
            if all(w.lower() in self._known_words for w in written.split()) or not terms(letters):
                continue  # name words themselves ("New York") are the aliases' to read
            owners = self._abbreviated(letters)
            if owners:
                spelled.update(written.lower().split())
            # A question's first word is capitalised anyway: there it must be written as a name
            # or be a word the complaints do use, mostly that company's ("Amex?", not "Pls ...").
            if (len(owners) == 1 and not owners <= set(found)
                    and (_marked(written) or (self._distinctive(letters, *owners)
                                              and (not first or self._spread.get(terms(letters)[0], 0) > 0)))):
                found.extend(owners)
                said.append(written)
        unknown = []
        for bare in self.other_names(question):
            if bare.lower() in spelled:  # it spells an index name, even one of several: not absent
                continue
            # "T-Mobile", "Tesla": the word as written, its parts side by side, decides: "t" and
            # "mobile" are everyday words, "t mobile" may never occur.
            stems = terms(bare)
            if stems and vocabulary_share(stems) < ORDINARY_SHARE:
                unknown.append(bare)
        return CompanyMatch(list(dict.fromkeys(found)), [] if found else unknown, list(dict.fromkeys(said)), joined)

    def _abbreviated(self, letters: str) -> set[str]:
        """The names whose words `letters` spells from their starts ("pen"+"fed", "b"+"of"+"a"); where
        several do, those it spells letter by letter ("NFCU" for NAVY FEDERAL CREDIT UNION), and of
        those the one with far more complaints than any other ("PRA": PORTFOLIO RECOVERY ASSOCIATES,
        34 complaints, not Peter Roberts & Associates, 1), which the answer's filter then names."""
        if letters in self._spelled:
            return self._spelled[letters]
        fits = {name: pieces for name, tokens in self._by_initial.get(letters[:1], ())
                if (pieces := _spells(letters, tokens)) and len(pieces) >= 2}
        if len(fits) > 1:
            initials = {name for name, pieces in fits.items() if all(len(p) == 1 for p in pieces)}
            fits = {name: fits[name] for name in initials} if initials else fits
        owners = set(fits)
        if len(fits) > 1 and self._passages:
            size = sorted(fits, key=lambda name: -(self._passages(name) or 0))
            if (self._passages(size[0]) or 0) >= DOMINANT * max(self._passages(size[1]) or 0, 1):
                owners = {size[0]}
        self._spelled[letters] = owners
        return owners

    def _joined(self, words: list[str], capitalised: set[str], vocabulary_share) -> tuple[list[str], dict[str, str]]:
        """Two capitalised words that a name writes as one ("Trans Union" for TransUnion, "Pay Pal"
        for PayPal) joined, where the complaints write them as one at least as often as apart; and
        each joined word's parts. Lower-case pairs stay apart: "lend up to $500", "market place
        lenders" name no LendUp or Prosper Marketplace."""
        out, split, i = [], {}, 0
        while i < len(words):
            pair = words[i] + words[i + 1] if i + 1 < len(words) else ""
            if (pair in self._known_words and words[i] not in self._known_words
                    and {words[i], words[i + 1]} <= capitalised
                    and vocabulary_share(terms(pair) or [pair])
                    >= vocabulary_share([(terms(w) or [w])[0] for w in words[i:i + 2]])):
                out.append(pair)
                split[pair] = f"{words[i]} {words[i + 1]}"
                i += 2
            else:
                out.append(words[i])
                i += 1
        return out, split

    def other_names(self, question: str) -> list[str]:
        """The words a question writes as names (capitalised, not its first word) that are no
        word of a company name the index holds."""
        return [bare for position, word in enumerate(_WORD.findall(question))
                if position and (bare := _bare(word))[:1].isupper() and bare.lower() not in self._known_words]


def _spells(letters: str, tokens: list[str], first: bool = True) -> list[str] | None:
    """The pieces `letters` splits into, each the start of the next of `tokens` (a connector such
    as "of" may be left out; words after the last piece are), or None. The first word is always
    spelled: "Amex" is AMERICAN EXPRESS, never EXPRESS alone."""
    if not letters:
        return [] if not first else None
    if not tokens:
        return None
    head, rest = tokens[0], tokens[1:]
    for n in range(min(len(head), len(letters)), 0, -1):  # the longest start first
        if letters[:n] == head[:n]:
            pieces = _spells(letters[n:], rest, False)
            if pieces is not None:
                return [letters[:n], *pieces]
    if head in _CONNECTORS and not first:
        return _spells(letters, rest, False)
    return None


def _abbreviations(question: str) -> list[tuple[str, str, bool]]:
    """Capitalised words that may abbreviate a name, as written, as letters, and whether the
    question starts with them: one word ("NFCU", "Amex") or two side by side ("Cap One"), the pair
    first."""
    words = [(m.start(), _bare(m.group(0))) for m in _WORD.finditer(question)]
    out = []
    for i, (start, word) in enumerate(words):
        if not word[:1].isupper():
            continue
        if i + 1 < len(words) and words[i + 1][1][:1].isupper():
            pair = f"{word} {words[i + 1][1]}"
            out.append((pair, pair.replace(" ", "").lower(), i == 0))
        out.append((word, word.lower(), i == 0))
    return [(w, letters, first) for w, letters, first in out
            if len(letters) >= SHORTEST_ABBREVIATION and letters.isalpha()]


def _marked(written: str) -> bool:
    """Capitals past a word's first letter ("NFCU", "BofA", "PenFed"): written as a name, not a word."""
    return any(ch.isupper() for word in written.split() for ch in word[1:])
