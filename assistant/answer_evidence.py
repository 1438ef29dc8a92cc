"""The default answerer: a grounded summary built only from the index.

No language model and nothing invented: every line is a count over the whole
matching set (from the catalog), a count over the cited complaints, or a quotation
from them with its [n] marker. Quotes are the sentences whose vectors, stored at
ingest, are closest to the question: no model call here.
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from index.catalog import Catalog, vectors_from_blobs
from index.keywords import terms
from index.outcomes import VOCABULARY
from index.sentences import is_boilerplate

from . import filters as filtering
from .results import Citation, Evidence
from .safe_text import inert

NO_EVIDENCE = ("I found no complaints in the index that address this question{scope}. "
               "Try other words, or remove filters.")
# Under filters that hold complaints, how many were read is said: the filters are not the reason.
NO_EVIDENCE_UNDER = ("None of the {total:,} complaint{s} under these filters ({scope}) addresses this question. "
                     "Try other words, or remove filters.")
_MAX_QUOTE = 320


def _markers(refs) -> str:
    return "".join(f"[{r}]" for r in sorted(set(refs)))


def _short(sentence: str) -> str:
    """A quotation as the answer shows it: bounded, and inert (a complaint's "[1]", link,
    image or markup never acts inside our markdown)."""
    sentence = sentence if len(sentence) <= _MAX_QUOTE else sentence[: _MAX_QUOTE - 1].rsplit(" ", 1)[0] + "…"
    return inert(sentence)


GIST_WORDS = 35  # a sentence quoted as a complaint's gist is at most this long, where it has one
GIST_OWN = object()  # a complaint's gist is the mean of its own sentences (it has no category centroid)


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower().replace("[redacted]", " ")).strip()


def _company(evidence: list[Evidence]) -> str:
    names = {e.complaint.company for e in evidence}
    return inert(names.pop()) if len(names) == 1 else "the businesses"


def _outcome_lines(evidence: list[Evidence], refs: dict[str, int], matching: dict | None = None) -> list[str]:
    """One line per outcome the cited complaints show. Counted over the whole matching set when
    there is one (804 complaints, not the 8 cited), the cited holders named as its examples."""
    holders: dict[str, list[int]] = defaultdict(list)
    for e in evidence:
        for outcome in e.complaint.outcomes:
            holders[outcome].append(refs[e.complaint.complaint_id])
    whole = (matching or {}).get("by_outcome") or {}
    total = (matching or {}).get("count") or 0
    lines = []
    order = [name for name in VOCABULARY if name in holders]
    for name in sorted(order, key=lambda n: (-whole.get(VOCABULARY[n][1], 0), -len(holders[n]))):
        have = holders[name]
        label = VOCABULARY[name][1]
        head = f"- {label[0].upper() + label[1:]}: "
        if total and label in whole:
            share = whole[label] / total
            lines.append(head + f"{whole[label]:,} of {total:,} matching complaints "
                                f"({'<1%' if 0 < share < 0.005 else f'{share:.0%}'}), among them {_markers(have)}")
            continue
        line = head + f"{len(have)} of {len(evidence)} cited complaints {_markers(have)}"
        others = [r for r in refs.values() if r not in have]
        if others:
            line += f"; not in {_markers(others)}"
        lines.append(line)
    return lines


def _shares(counts: dict[str, int], total: int, top: int = 4, fewest: bool = False) -> str:
    items = sorted(counts.items(), key=lambda kv: kv[1] if fewest else -kv[1])[:top]
    # Names come from the files (companies, CFPB categories): data, made inert like quotes.
    return "; ".join(f"{inert(name)} {'<1%' if 0 < n / total < 0.005 else f'{n / total:.0%}'} ({n:,})"
                     for name, n in items)


_period = filtering.period_words


def _by_year(by_month: dict[str, int]) -> bool:
    return len(by_month) > 24 or len({m[:4] for m in by_month}) > 2


def _over_time(by_month: dict[str, int]) -> str:
    """By year when the set spans more than two years, else by month."""
    if _by_year(by_month):
        years: dict[str, int] = defaultdict(int)
        for month, n in by_month.items():
            years[month[:4]] += n
        by_month = dict(years)
    return ", ".join(f"{period}: {n:,}" for period, n in sorted(by_month.items()))


MOST_LACKED = 30  # values with none listed by name; the rest counted

_FIELD_PLURALS = {"state": "states", "product": "products", "sub_product": "sub-products", "issue": "issues",
                  "sub_issue": "sub-issues", "tags": "tags", "type": "types", "company": "companies",
                  "month": "months", "outcome": "outcomes", "status": "statuses"}


def whole_set_lines(matching: dict, cited: int, outcomes: bool = False) -> list[str]:
    """What the answer says about every matching complaint, not only the cited ones. Counts
    over the whole set carry no [n]: no handful of citations stands for them. With `outcomes`
    the outcome shares too (an LLM's facts; the evidence answer gives them line by line)."""
    total = matching.get("count") or 0
    if not total:
        return []
    facts = []
    asked = matching.get("asked_by")
    top = matching.get("asked_top") or 8  # "the top 5 companies": five
    average = matching.get("asked_average") if asked else None
    if average:  # "the average number of complaints per company": said first, then the breakdown
        over = ("months from the first to the last, empty ones too" if asked == "month"
                else _FIELD_PLURALS.get(asked, asked))
        facts.append(f"{average['mean']:,.1f} complaints each on average (median {average['median']:,g}) over "
                     f"{average['values']:,} {over}")
    if asked == "month" and matching.get("growth_totals"):
        # "Did complaints about identity theft increase in 2023?": the period against the one before.
        (before, now), (was, is_) = matching["growth_periods"], matching["growth_totals"]
        if matching.get("growth_index_before") == 0:  # an export that skips the period before
            facts.append(f"{_period(*now)}: {is_:,}; the index holds no complaints from {_period(*before)} to "
                         "compare with")
        else:
            facts.append(f"{_period(*now)}: {is_:,} against {was:,} in {_period(*before)} ({is_ - was:+,}"
                         + (f", {(is_ - was) / was:+.0%})" if was else ")"))
    if asked and matching.get(f"growth_by_{asked}"):
        # "Which company had the biggest jump in 2023?": each value's change from the period before.
        (before, now), name = matching["growth_periods"], _FIELD_PLURALS.get(asked, asked)
        ranked = list(matching[f"growth_by_{asked}"].items())[:top]
        # A period the index holds nothing from is said so: every value then "rose" from 0.
        empty = " (none of these complaints from then)" if not matching["growth_totals"][0] else ""
        facts.append(f"{name} by change from {_period(*before)}{empty} to {_period(*now)}: " + "; ".join(
            f"{inert(v)} {r['count'] - r['before']:+,} ({r['before']:,} to {r['count']:,})" for v, r in ranked))
    elif asked and (matching.get(f"rate_by_{asked}") or matching.get("rate_passing")):
        # "Which product has the highest rate of monetary relief?": each value's own share.
        name = _FIELD_PLURALS.get(asked, asked)
        ranked = list(matching[f"rate_by_{asked}"].items())[:top]
        least = f" (those with {matching['rate_least']} complaints or more)" if matching["rate_least"] > 1 else ""
        passing = matching.get("rate_passing")
        if passing:  # "... a timely response rate below 90%": how many pass, of how many rated
            least += f", {inert(passing['phrase'])}: {passing['count']:,} of {passing['of']:,}"
        facts.append(f"{name} by their own rate{least}" + (": " if ranked else "") + "; ".join(
            f"{inert(v)} {r['count'] / r['of']:.1%} ({r['count']:,} of {r['of']:,})" for v, r in ranked))
    elif asked and matching.get(f"fewest_by_{asked}"):
        # Asked for the least ("Which company has the fewest complaints?"): of the values that
        # have any, the fewest first.
        name = _FIELD_PLURALS.get(asked, asked)
        facts.append(f"{name} with the fewest: {_shares(matching[f'fewest_by_{asked}'], total, top=top, fewest=True)}")
    elif asked and f"none_by_{asked}" in matching:
        # "Which states had no complaints?": the values none of the set holds, by name.
        lacked, name = matching[f"none_by_{asked}"], _FIELD_PLURALS.get(asked, asked)
        listed = "; ".join(inert(v) for v in lacked[:MOST_LACKED])
        more = f" and {len(lacked) - MOST_LACKED:,} more" if len(lacked) > MOST_LACKED else ""
        facts.append(f"{name} with none of these complaints: {len(lacked):,} in all: {listed}{more}" if lacked
                     else f"{name} with none of these complaints: none (each holds some)")
    elif asked and matching.get("asked_between") and not matching.get("asked_passing"):
        facts.append(f"no {_FIELD_PLURALS.get(asked, asked)} with {inert(matching['asked_threshold'])} of these "
                     "complaints")
    elif asked and asked != "timely_response" and matching.get(f"by_{asked}"):  # that one is said below
        # The breakdown the question asked for leads ("Which states have the most complaints?").
        name = "over time" if asked == "month" else _FIELD_PLURALS.get(asked, asked)
        shown = _over_time(matching["by_month"]) if asked == "month" else _shares(matching[f"by_{asked}"], total, top=top)
        if matching.get("asked_distinct") is not None:  # "How many companies?"
            name = f"{name}: {matching['asked_distinct']:,} in all, the most first"
        if matching.get("asked_between"):  # "the companies with more than 100 complaints"
            name = (f"{name} with {inert(matching['asked_threshold'])} of these complaints: "
                    f"{matching['asked_passing']:,} in all, the most first")
        if matching.get("asked_unrecorded"):
            shown += f"; none recorded {_shares({'': matching['asked_unrecorded']}, total).strip()}"
        facts.append(f"{name}: {shown}")
        if asked == "month" and _by_year(matching["by_month"]):
            # Counted by year: "Which month had the most complaints?" still gets its months.
            busiest = sorted(matching["by_month"].items(), key=lambda kv: (-kv[1], kv[0]))[:3]
            facts.append("busiest months: " + ", ".join(f"{m} ({n:,})" for m, n in busiest))
    if matching.get("by_status") and asked != "status":
        facts.append(f"status: {_shares(matching['by_status'], total)}")
    each = next((key for key in ("company", "state", "periods") if matching.get(f"by_{key}_status")), "company")
    own = matching.get(f"by_{each}_{asked}") or {} if asked else {}
    for value, statuses in (matching.get(f"by_{each}_status") or {}).items():
        # Each named company's (or state's, or period's) own shares, so that a comparison is read
        # off the answer: the breakdown asked for ("top complaints") where there is one, then how
        # they ended. A period leads with its count: "2019: 261 complaints".
        total_own = sum(statuses.values())
        asked_own = (f"{_FIELD_PLURALS.get(asked, asked)}: {_shares(own[value], total_own, top=3)} — status: "
                     if own.get(value) else "")
        named = _period(*filtering.period(value)) if each == "periods" else inert(value)
        if not total_own:
            facts.append(f"{named}: none")
            continue
        said = f"{named}: {total_own:,} complaint{'s' * (total_own != 1)}, " if each == "periods" else f"{named}: "
        facts.append(f"{said}{asked_own}{_shares(statuses, total_own, top=3)}")
    if matching.get("by_company") and len(matching["by_company"]) > 1 and asked != "company":
        facts.append(f"companies: {_shares(matching['by_company'], total, top=5)}")
    if matching.get("by_month") and asked != "month":
        facts.append(f"over time: {_over_time(matching['by_month'])}")
    if outcomes and matching.get("by_outcome"):
        facts.append(f"outcomes: {_shares(matching['by_outcome'], total, top=6)}")
    timely = matching.get("by_timely_response") or {}
    said = timely.get("Yes", 0) + timely.get("No", 0)
    if said:
        # "How long does Equifax take to respond?" is answered by this line: it leads there.
        facts.insert(0 if asked == "timely_response" else len(facts),
                     f"the company answered in time: {timely.get('Yes', 0) / said:.0%} ({timely.get('Yes', 0):,} of "
                     f"{said:,})")
    if matching.get("examples") in ("newest", "oldest"):  # "the 3 most recent complaints", "the oldest"
        end = matching["examples"]
        closest = f"The {end} is cited below." if cited == 1 else f"The {cited} {end} are cited below, {end} first."
    else:
        closest = ("The closest one is cited below." if cited == 1
                   else f"The {cited} cited below are the closest examples.")
    counted = f"{total:,} complaints in the index match" if total != 1 else "1 complaint in the index matches"
    # A share of what the question's filters hold ("of Charter's"), else of the whole index.
    in_scope, of_all = matching.get("scope_total") or 0, matching.get("index_total") or 0
    base = matching.get("base_total") or 0
    named = bool((matching.get("filters") or {}).get("complaint_id"))  # a share of complaints named by id says nothing
    share = "" if named else (f" ({total / base:.1%} of the {base:,} complaints under {inert(matching['base_scope'])})"
             if total < base else
             f" ({total / in_scope:.1%} of the {in_scope:,} under these filters)" if total < in_scope < of_all
             else f" ({total / of_all:.1%} of its {of_all:,})" if of_all > total else "")
    lines = [f"**{counted}**{share} — {inert(matching['rule'])}. "
             + closest]
    if facts:
        lines += ["", "Over the whole set: " + " · ".join(facts) + "."]
    return lines


def _said(rows: list[tuple], section: str) -> list[tuple]:
    """A section's sentences worth quoting; all of them where every one is furniture (a complaint
    of one masked line still has its words shown)."""
    part = [r for r in rows if r[0] == section]
    return [r for r in part if not is_boilerplate(r[2])] or part


def _grouped(quotes: list[tuple[int, str]]) -> list[str]:
    """One line per distinct text (compared without case, punctuation or redactions), with the
    markers of every complaint that said it, in the order first said."""
    grouped: dict[str, list[int]] = {}
    texts: dict[str, str] = {}
    for ref, text in quotes:
        grouped.setdefault(_norm(text), []).append(ref)
        texts.setdefault(_norm(text), text)
    return [f"- \"{texts[key]}\" {_markers(group)}" for key, group in grouped.items()]


def _says(sentence: str, wanted: list[str]) -> bool:
    """Whether the sentence holds one of `wanted` (stems, a phrase's side by side)."""
    said = f" {' '.join(terms(sentence))} "
    return any(f" {stems} " in said for stems in wanted)


def _mentioning(rows: list[tuple], wanted: list[str]) -> list[tuple]:
    """Each section's sentences that say one of `wanted`, where it has any; all of them else."""
    if not wanted:
        return rows
    out = []
    for section in dict.fromkeys(r[0] for r in rows):
        part = [r for r in rows if r[0] == section]
        out += [r for r in part if _says(r[2], wanted)] or part
    return out


class EvidenceAnswerer:
    name = "evidence"

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    def answer(self, question: str, query_vector, evidence: list[Evidence], scope: str = "",
               matching: dict | None = None, gists: dict | None = None,
               told_by=None) -> tuple[str, list[Citation]]:
        """`gists`: where the question asks about no topic, per complaint the vector its quotes are
        chosen by instead of the question's (its category's centroid); a complaint not in it is
        quoted by the mean of its own sentences. `told_by`: what the customers' own sentences are
        chosen by instead of the question's (it without the company's name)."""
        if not evidence:
            under = (matching or {}).get("scope_total")
            if under and scope:
                return NO_EVIDENCE_UNDER.format(total=under, s="s" * (under != 1), scope=scope), []
            return NO_EVIDENCE.format(scope=f" ({scope})" if scope else ""), []
        refs = {e.complaint.complaint_id: n for n, e in enumerate(evidence, start=1)}
        company = _company(evidence)
        plural = "s" if len(evidence) != 1 else ""
        lines = whole_set_lines(matching or {}, len(evidence))
        if lines:
            lines.append("")
        businesses = len({e.complaint.company for e in evidence})
        about = f"about {company}" if businesses == 1 else f"from {businesses} businesses"
        lines.append(f"{len(evidence)} matching complaint{plural} {about} cited"
                     + (f" ({scope})" if scope else "") + f" {_markers(refs.values())}.")

        stored = self.catalog.sentences(list(refs))
        query = np.asarray(query_vector, dtype=np.float32)
        # A question about what complaints mention quotes the sentences that mention it.
        wanted = [" ".join(terms(words)) for key in filtering.MENTIONS
                  for words in filtering.values((matching or {}).get("filters", {}), key)]
        reports, answers, quotes = [], [], {}
        silent = []
        for e in evidence:
            ref = refs[e.complaint.complaint_id]
            rows = _mentioning(stored.get(e.complaint.complaint_id, []), wanted)
            gist = None if gists is None else gists.get(e.complaint.complaint_id, GIST_OWN)
            by = query if gist is None else gist  # what its sentences are chosen by
            told_query = by if gist is not None or told_by is None else np.asarray(told_by, dtype=np.float32)
            told = self._best(told_query, _said(rows, "complaint"), 1, gist is not None)
            if told:
                reports.append((ref, _short(told[0])))
            reply = self._best(by, _said(rows, "business_response"), 2, gist is not None)
            if reply:
                answers.append((ref, " ".join(_short(s) for s in reply)))
            elif not e.complaint.source_format.startswith("cfpb"):
                # The CFPB publishes no reply text, only the response category (the status):
                # its records are not "unanswered".
                silent.append(ref)
            quotes[ref] = (reply if e.quote_section == "business_response" and reply else told or reply or [e.quote])[0]

        # Form letters: complaints that say the same words are one line with all their markers.
        lines += ["", "**What customers report**", *_grouped(reports)]
        if answers or silent:
            lines += ["", f"**What {company} answered**", *_grouped(answers)]
        if silent:
            lines.append(f"- No business response in the record {_markers(silent)}")
        lines += ["", "**How many show each outcome**", *_outcome_lines(evidence, refs, matching)]

        citations = [Citation.from_evidence(refs[e.complaint.complaint_id], e) for e in evidence]
        for citation in citations:
            citation.quote = quotes[citation.ref]
        return "\n".join(lines), citations

    @staticmethod
    def _best(query, rows: list[tuple], n: int, gist: bool = False) -> list[str]:
        """The n stored sentences closest to `query` (the question, or with `gist` what the text is
        about: `GIST_OWN` for the mean of its own sentences), in the order they were written."""
        rows = [r for r in rows if r[3] is not None]
        if not rows:
            return []
        vectors = vectors_from_blobs([r[3] for r in rows])
        if gist:
            query = vectors.mean(axis=0) if query is GIST_OWN else np.asarray(query, dtype=np.float32)
            # A gist leans to long sentences, which say most: one a reader takes in at a glance.
            short = [i for i, r in enumerate(rows) if len(r[2].split()) <= GIST_WORDS]
            if short:
                rows, vectors = [rows[i] for i in short], vectors[short]
        scores = vectors @ query
        best = sorted(np.argsort(-scores)[:n])
        return [rows[i][2] for i in best]
