"""Products a question names as its subject: by the index's own product names ("mortgage
companies", "debt collectors", "credit card complaints") or in other words its complaints write
far beyond that product's share ("car loans")."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from index.keywords import stop_words, terms

from .implied import Implied, content_words, excluded

if TYPE_CHECKING:
    from .query_filters import Vocabulary


# Words that make a product's name the question's subject ("mortgage companies", "credit card
# complaints", "problems with student loans") rather than a passing mention ("it hurt my credit
# report", asked about a debt collector).
_SUBJECT_AFTER = re.compile(r"\s*(?:complaints?|issues?|problems?|cases?|compan(?:y|ies)|lenders?|servicers?|"
                            r"providers?|issuers?|firms?|industry|products?|borrowers?|holders?)\b", re.I)
# Who did it is the subject too: "treated differently by debt collectors", "the share of untimely
# responses for debt collectors" (an agent noun only: "paid by credit card" is how, not who).
# So is a business counted or ranked: "each debt collector", "Which debt collectors get the most ...".
_BY_AGENT = re.compile(r"\b(?:(?:by|for)\s+(?:(?:the|their|my|your|some|many|most)\s+)?|(?:each|every|per|which|what|across|among|"
                       r"rank(?:ed)?|top(?:\s+\d{1,2})?)\s+(?:the\s+)?(?:(?:two|three|four|five|\d{1,2})\s+)?)$"
                       # and the one a yes/no question asks about: "Do credit bureaus ever give monetary relief?",
                       # "How often do debt collectors sue?" ("How do debt collectors respond when ..." is
                       # left a topic's words: read as the product it voted a narrower label on dev)
                       r"|^\s*(?:how\s+often\s+)?(?:do|does|did|are|were|can|will|"
                       r"would|should|have|has)\s+(?:(?:the|most|some|many|all|any)\s+)?$", re.I)
# "for" and "in" only after the words for complaints or how common they are: "the most common issue
# for credit cards", "Which issues are most common for mortgages?", "top sub-issues in credit
# reporting", not "I applied for a mortgage" or "in Texas".
_SUBJECT_BEFORE = re.compile(r"(?:\b(?:about|with|over|regarding|involving|concerning|under|within|excluding|except|"
                             r"besides|outside|other\s+than|apart\s+from|but\s+not)|"
                             r"\b(?:complaints?|issues?|problems?|worst|best|most|fewest|least|common|frequent|typical|"
                             r"usual|rates?|shares?|percentages?|proportions?|there)\s+(?:for|in)|"
                             # "Which sub-products of checking accounts ...": the field asked of it
                             r"\b(?:sub-?products?|sub-?issues?|issues?|problems?|types?|kinds?)\s+of|"
                             # what a comparison is on: "Compare Chase and Bank of America on checking accounts"
                             r"^\s*(?:how\s+do(?:es)?\s+)?compare\b.*?\bon)\s+"
                             r"(?:(?:a|an|the|their|my|"
                             r"your|his|her|our)\s+)?"
                             # whose products: "issues for Capital One credit cards", "about Chase's mortgages"
                             r"(?:(?-i:[A-Z][\w&.-]*)(?:'s|\u2019s)?\s+){0,3}$", re.I)


_SERVICES = terms("services")[0]
_LISTED = re.compile(r"\s*(?:,\s*(?:(?:and|or)\s+)?|(?:and|or|&|versus|vs\.?|against)\s+)(?:the\s+)?", re.I)
_KIND_OF = frozenset(terms("type kind"))


@lru_cache(maxsize=4096)  # the index's values, stemmed again on every question otherwise
def _product_parts(value: str, single_word: bool) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """"Payday loan, title loan, or personal loan" -> each name it lists, with its stems. A
    one-word name is read only where it is the whole value and `single_word` allows it
    ("Mortgage"): a listed one ("Checking", "lease") or a sub-product's ("Loan") is a common word.
    A name that ends in "services" is also said without it ("credit repair companies")."""
    stop = stop_words() | _KIND_OF  # "Other type of mortgage" is named by "mortgage", not "types of mortgage"
    parts = [p.strip() for p in re.split(r",\s*(?:or\s+)?|\s+or\s+", value) if p.strip()]
    out = []
    for part in parts:
        stems = [t for t in terms(part) if t not in stop]
        if len(stems) >= 2 or (stems and single_word and len(parts) == 1):
            out.append((part, tuple(stems)))
        if len(stems) >= 3 and stems[-1] == _SERVICES:
            out.append((part, tuple(stems[:-1])))
    return tuple(out)


def parents(pairs: dict[tuple[str, str], int]) -> dict[str, set[str]]:
    """Sub-product -> the products it is recorded under, from (product, sub-product) counts."""
    out: dict[str, set[str]] = {}
    for product, sub in pairs:
        out.setdefault(sub, set()).add(product)
    return out


def products_alike(pairs: dict[tuple[str, str], int]) -> dict[str, list[str]]:
    """Products that are one category under two names, from (product, sub-product) counts: the
    CFPB renamed its products in 2017 ("Bank account or service" became "Checking or savings
    account") and kept the sub-products ("Checking account"). Two products are alike when most
    complaints of each lie in sub-products they share; a sub-product that merely appears under
    both (a few "Payday loan" debts under "Debt collection") does not make them alike."""
    by_product: dict[str, dict[str, int]] = {}
    for (product, sub), n in pairs.items():
        if product and product != "Unknown":
            by_product.setdefault(product, {})[sub] = n
    out: dict[str, list[str]] = {}
    for a, subs_a in by_product.items():
        for b, subs_b in by_product.items():
            shared = {s for s in subs_a.keys() & subs_b.keys() if s and s != "Unknown"}
            if a == b or not shared:
                continue
            if (sum(subs_a[s] for s in shared) * 2 >= sum(subs_a.values())
                    and sum(subs_b[s] for s in shared) * 2 >= sum(subs_b.values())):
                out.setdefault(a, []).append(b)
    return out


# English's agent nouns that are not a stem plus -er: who makes a loan is a lender ("payday lenders"),
# who does credit reporting a credit bureau ("Which credit bureau has the most complaints?").
_IRREGULAR_AGENTS = {terms("loan")[0]: set(terms("lender lenders")), terms("reporting")[0]: set(terms("bureau bureaus"))}


def _names_part(stems: list[str], part: tuple[str, ...]) -> str:
    """"name" where the question's stems say the name, "agent" where its last word is the noun for
    who does it ("debt collectors" for "Debt collection": the name's stem plus -er or -or, which
    the stemmer keeps apart; "payday lenders" for "Payday loan"), else ""."""
    if tuple(stems[:-1]) != part[:-1]:
        return ""
    last, name = stems[-1], part[-1]
    agents = (name + "er", name + "or") if len(name) >= 4 else ()
    return "name" if last == name else "agent" if last in agents or last in _IRREGULAR_AGENTS.get(name, ()) else ""


def read(q: str, products: list[str], sub_products: list[str],
              alike: dict[str, list[str]] | None = None, whole: bool = False,
              parents: dict[str, set[str]] | None = None) -> list[Implied]:
    """"mortgage companies" -> the CFPB product Mortgage; "credit card debt" -> the sub-product
    Credit card debt (the longer name wins over the product inside it); every value that lists
    the name ("credit card": "Credit card" and "Credit card or prepaid card"), for values the
    index holds, and only where the name is the question's subject (`_SUBJECT_AFTER`/`_BEFORE`),
    or with `whole`, where the text is nothing but a subject ("and mortgages?")."""
    words = content_words(q)
    stems = [t for _, t in words]
    hits, loose = [], []  # (words in the name, first word, last word, key, value, name)
    for key, values in (("product", products), ("sub_product", sub_products)):
        for value in values:
            for name, part in _product_parts(value, key == "product"):
                for i in range(len(stems) - len(part) + 1):
                    j = i + len(part) - 1
                    said = _names_part(stems[i:j + 1], part)
                    before = q[:words[i][0].start()]
                    if said and (whole or _SUBJECT_AFTER.match(q, words[j][0].end()) or _SUBJECT_BEFORE.search(before)
                                 or (said == "agent" and _BY_AGENT.search(before))):
                        hits.append((len(part), i, j, key, value, name))
                        break
                    if said:
                        loose.append((len(part), i, j, key, value, name))
    # "Which gets more complaints, mortgages or student loans?": names listed side by side are
    # the subjects, as a list of states is.
    def listed(a, b) -> bool:
        return a[2] + 1 == b[1] and bool(_LISTED.fullmatch(q[words[a[2]][0].end():words[b[1]][0].start()]))

    # Of one field (a product and a sub-product would be filtered both at once), and only where no
    # name of the list is a subject already ("Compare credit card and checking account complaints"
    # keeps the one it reads).
    hits += [h for h in loose if any(h[3] == o[3] and h[4] != o[4] and (listed(h, o) or listed(o, h))
                                     for o in loose)] if not hits else []
    # A product listed beside one that is a subject is one too: "complaints about student loans or
    # mortgages". Not a sub-product: "credit card" beside "checking account" would be the CFPB's
    # 15 debt collection complaints of that sub-product.
    hits += [h for h in loose if h[3] == "product" and any(
        o[3] == "product" and h[4] != o[4] and (listed(h, o) or listed(o, h)) for o in hits)]
    # A sub-product is the closer reading of a product that lists it only where it lies under that
    # product ("credit repair services"); "vehicle loans" is the 114 of "Vehicle loan or lease", not
    # the 8 of the older products' sub-product "Vehicle loan" (`parents`: sub-product -> products).
    if parents:
        hits = [h for h in hits if not (h[3] == "sub_product" and any(
            o[3] == "product" and o[1:3] == h[1:3] and o[4] not in parents.get(h[4], ()) for o in hits))]
    # Longest first; at one span a product that is that name wins over a sub-product of the same
    # name ("Credit card"), and a sub-product over a product that only lists it among others ("credit
    # repair services" in "Credit reporting, credit repair services, or ...").
    hits.sort(key=lambda h: (-h[0], 0 if h[3] == "product" and h[5] == h[4] else 1 if h[3] == "sub_product" else 2))
    spans: list[tuple[int, int, str]] = []
    chosen: dict[str, list] = {}
    for length, i, j, key, value, name in hits:
        same = [s for s in spans if (s[0], s[1]) == (i, j)]
        if same and same[0][2] != key:
            continue
        if not same and any(not (j < a or i > b) for a, b, _ in spans):
            continue
        if not same:
            spans.append((i, j, key))
        chosen.setdefault(key, []).append((value, name, q[words[i][0].start():words[j][0].end()]))
    out = []
    for key, found in chosen.items():
        values = sorted({v for v, _, _ in found} | ({b for v, _, _ in found for b in (alike or {}).get(v, ())}
                                                     if key == "product" else set()))
        names = list(dict.fromkeys(n for _, n, _ in found))
        read = Implied(key, values[0] if len(values) == 1 else tuple(values),
                       " / ".join(dict.fromkeys(p for _, _, p in found)),
                       shown="" if len(values) == 1 else " or ".join(names[:1] + [
                           n for n in names[1:] if n.lower() != names[0].lower()]))
        out.append(excluded(q, read, products if key == "product" else sub_products, alike))
    return out


# A phrase's complaints hold a product at least this many times the product's share of the index,
# and at least this many of them: "car loan" is 6 of the 35 complaints that write it in Vehicle loan
# or lease, 9.8x its share; 23 in credit reporting is 1.0x; "old account" is 3 in checking, 3.5x.
# The phrase's first word alone must lean the same way as far (`read_written`).
PRODUCT_LIFT = 5.0
PRODUCT_LEAST = 3


def read_written(q: str, vocabulary: Vocabulary, whole: bool = False) -> list[Implied]:
    """"complaints about car loans", "auto loan lenders": two words in a subject's place, the
    last ending one of the index's product names ("loan", "card", "account") and the first in
    none nor capitalised past the question's start (a name: "Synchrony Bank"), read as the product
    whose complaints write them far beyond that product's share of the index (`PRODUCT_LIFT`):
    the index's own usage names the product, not a list of synonyms."""
    usage, counts = vocabulary.product_usage, vocabulary.product_counts
    if usage is None or not counts:
        return []
    named = {t for product in vocabulary.products for t in terms(product)}
    heads = {stems[-1] for product in vocabulary.products for _, stems in _product_parts(product, True)}
    words = content_words(q)
    total = sum(counts.values())
    for (first, a), (last, b) in zip(words, words[1:]):
        if b not in heads or a in named or (first.start() > 0 and first.group(0)[:1].isupper()):
            continue
        if not (whole or _SUBJECT_AFTER.match(q, last.end()) or _SUBJECT_BEFORE.search(q[:first.start()])):
            continue
        def lift(stems: list[str]) -> dict[str, float]:
            held = usage(stems)
            written = sum(held.values())
            return {p: (n / written) / (counts[p] / total) for p, n in held.items()
                    if counts.get(p) and n >= PRODUCT_LEAST}

        together = lift([a, b])
        best = max(together, key=together.get, default=None)
        # The first word alone leans the same way: "car" is Vehicle loan or lease's 15x its share,
        # "online" leans nowhere ("online accounts" are 3 student loan complaints, 8.9x).
        if (best is not None and together[best] >= PRODUCT_LIFT
                and lift([a]).get(best, 0.0) >= PRODUCT_LIFT):
            values = sorted({best, *vocabulary.alike.get(best, ())})
            return [Implied("product", values[0] if len(values) == 1 else tuple(values),
                            q[first.start():last.end()], shown=best if len(values) > 1 else "")]
    return []
