"""The Python API: open an index once, ask many questions.

    from assistant import Assistant
    a = Assistant.open("data/index")
    r = a.ask("Do they waive late fees?", k=8, filters={"company": "Charter Spectrum"})
    r.to_dict()
"""

from __future__ import annotations

import dataclasses
import functools
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from index import ComplaintStore, IngestReport, Settings, ingest
from index.catalog import PAGE
from index.embedding import settings_model
from index.encoder_record import check as check_encoder
from index.keywords import terms
from index.outcomes import outcome_label
from index.records import Complaint
from index.settings import BACKENDS

from . import filters as filtering
from . import followup, query_filters, question_products
from .answer_evidence import EvidenceAnswerer
from .breakdowns import Breakdown, Newest, Shown, breakdown_asked, newest_asked, shown_asked
from .companies import CompanyNames
from .errors import IndexMissing, UserError, check_index, check_question
from .index_stats import catalog_stats
from .matching import COMPARED_MOST, share_base, whole_set
from .query_filters import Implied, Vocabulary
from .results import AskResult, Evidence
from .retrieval import HybridRetriever, to_evidence
from .safe_text import inert

NOT_IN_INDEX = ("The index holds no complaints about {names}, so I cannot say how {they} this. "
                "Companies in the index: {known}.")
NO_SUCH_COMPLAINT = "The index holds no complaint with the id {ids}, so none is cited."
NOTHING_UNDER_FILTERS = "No complaint in the index falls under these filters ({scope}), so none can answer this."
NONE_NARROWED = ("**0 complaints in the index match**: {count:,} complaint{s} in the index match{es} this question "
                 "without {these}, and none of them falls under {narrowing}.")
NONE_OF_THEM = ("**0 complaints in the index match** (0% of the {total:,} complaints under {base}): none of them "
                "falls under all of these filters ({scope}).")


def _uncited(question: str, text: str, backend: str, started: float, filters: dict, notes: list[str],
             searched: bool = False, **fields) -> AskResult:
    """An answer said without citing anything (nothing to cite, or nothing searched for), timed
    from `started`: all of it retrieval where a search ran (`searched`), none of it otherwise."""
    total = (time.perf_counter() - started) * 1000
    return AskResult(question=question, answer=text, backend=backend, citations=[],
                     timings_ms={"retrieve": total if searched else 0.0, "answer": 0.0, "total": total},
                     filters=filters, notes=notes, **fields)


# Fields a question can name a value of that the index does not hold (a documented set of values).
UNHELD_READ = ("submitted_via",)
# Filter keys whose given values are read as the index holds them (`Assistant._as_held`); complaint
# ids are ids.
GIVEN_KEYS = (*(key for key in filtering.VALUE_KEYS if key != "complaint_id"), "outcome")
HELD_SHOWN = 5  # values a note names of those the index holds, the most common first


def _with_unheld(held: list[str]) -> list[str]:
    """The CFPB's submission channels beside the ones the index holds, where it holds the field at all."""
    return held + [v for v in query_filters.submission_channels() if v not in held] if held else []


def _implied_dicts(read: list[Implied]) -> list[dict]:
    return [{"key": i.key, "value": list(i.value) if isinstance(i.value, tuple) else i.value, "phrase": i.phrase}
            for i in read]


def remove_source(store: ComplaintStore, source: str) -> int:
    """Delete every complaint (and its chunks) that came from `source`: the path as
    `sources` lists it, or its file name when that names one source only."""
    known = [s["source"] for s in store.catalog.sources()]
    hits = [p for p in known if p == source or p == str(Path(source).resolve())] or \
           [p for p in known if Path(p).name == source]
    if len(hits) != 1:
        raise UserError(f"no ingested source {source!r} (see `complaint-chat sources`)" if not hits else
                        f"{source!r} names {len(hits)} sources; give the full path")
    # Paged: the ids of a million-row source never sit in one list.
    removed = 0
    while True:
        ids = [i for _, i in zip(range(PAGE), store.catalog.ids(("WHERE c.source = ?", [hits[0]])))]
        if not ids:
            break
        store.remove(ids)
        removed += len(ids)
    store.catalog.forget_source(hits[0])
    return removed


def _cached_usage(catalog):
    """Catalog.phrase_by("product", stems), remembered for this state of the index."""
    cached = functools.lru_cache(maxsize=256)(lambda stems: catalog.phrase_by("product", list(stems)))
    return lambda stems: cached(tuple(stems))


# "per month", "a year", "each week": the unit a count is asked in, no topic.
_PER_PERIOD = re.compile(r"\b(?:per|a|each|every)\s+(?:day|week|month|quarter|year)\b", re.I)


class Assistant:
    def __init__(self, settings: Settings, store: ComplaintStore):
        self.settings = settings
        self.store = store
        check_encoder(store.catalog, settings.embed_backend)  # before the model loads: one line, no wait
        store.check_vectors()
        self.embed_model = settings_model(settings)
        self.retriever = HybridRetriever(store, self.embed_model)
        self.evidence_answerer = EvidenceAnswerer(store.catalog)
        self._ingest_lock = threading.Lock()
        self._llm = None  # built on the first LLM question: the evidence path never loads a model
        # (catalog generation, names, passages in the index), rebuilt when the index changes
        self._names: tuple[tuple, CompanyNames, int] | None = None
        self._vocabulary: tuple[tuple, Vocabulary] | None = None  # (catalog generation, values)
        self._held_values: tuple[tuple | None, dict] = (None, {})  # (catalog generation, key -> value -> count)

    @classmethod
    def open(cls, home: str | Path | None = None, settings: Settings | None = None,
             create: bool = False) -> "Assistant":
        """Open the index at `home` (default: $COMPLAINT_CHAT_HOME or ./data/index).

        With `create=False` a missing or empty embedded index is a user error:
        there is nothing to answer from until something has been ingested.
        """
        settings = settings or Settings.from_env(home=home)
        if not create:
            check_index(settings)
        return cls(settings, ComplaintStore(settings))

    # --- ingest ----------------------------------------------------------------
    def ingest(self, paths, progress=None, on_progress=None, subset=None) -> IngestReport:
        """`subset`: an `index.subset.Subset`, to take only some complaints of the files."""
        with self._ingest_lock:
            return ingest(paths, self.settings, self.store, progress=progress, on_progress=on_progress,
                          subset=subset)

    def sources(self) -> list[dict]:
        return self.store.catalog.sources()

    def remove(self, source: str) -> int:
        return remove_source(self.store, source)

    # --- questions ---------------------------------------------------------------
    def _llm_answerer(self):
        if self._llm is None:
            from .answer_llm import LLMAnswerer

            self._llm = LLMAnswerer(self.settings, self.evidence_answerer, self.embed_model)
        return self._llm

    def retrieve(self, question: str, k: int = 8, filters: dict | None = None) -> list[Evidence]:
        clean = filtering.normalize(filters)
        return self.retriever.retrieve(question, k=k, filters=clean)

    def ask(self, question: str, k: int = 8, filters: dict | None = None, backend: str | None = None,
            history: list[tuple[str, str]] | None = None, implied: bool = True) -> AskResult:
        result = None
        for item in self.stream(question, k=k, filters=filters, backend=backend, history=history, implied=implied):
            if isinstance(item, AskResult):
                result = item
        return result

    def stream(self, question: str, k: int = 8, filters: dict | None = None, backend: str | None = None,
               history: list[tuple[str, str]] | None = None, implied: bool = True) -> Iterator[str | AskResult]:
        """Yields pieces of answer text as they are ready, then the AskResult.

        With `implied` the filters the question states ("in 2024", "unresolved", "billing
        complaints", "got a refund", a company's name) are applied as the browser's chips apply
        them; a filter given in `filters` wins over one read for the same key. The browser passes
        False: it has read them already and lets the user remove a chip. A company the index does
        not hold is refused either way. A value given in `filters` is read as the index holds it
        ("chase" is JPMORGAN CHASE & CO.: `_as_held`)."""
        question = check_question(question, self.settings.max_question_chars)
        if k < 1:
            raise UserError("--k must be at least 1")
        backend = backend or self.settings.llm_backend
        if backend not in BACKENDS:
            raise UserError(f"unknown backend {backend!r} (choose from {', '.join(BACKENDS)})")
        if self.store.count() == 0:
            raise IndexMissing(f"the index at {self.settings.home} is empty: run `complaint-chat ingest` first")
        clean, given = self._as_held(filtering.normalize(filters))
        for item in self._stream(question, k, clean, backend, history, implied):
            if isinstance(item, AskResult):
                item.notes = given + item.notes
            yield item

    def _stream(self, question: str, k: int, clean: dict, backend: str, history: list[tuple[str, str]] | None,
                implied: bool) -> Iterator[str | AskResult]:
        """`stream` once its arguments are checked and its filters read as the index holds them."""
        # A follow-up ("and late fees?") is searched as the standalone question it stands for.
        search = followup.standalone(question, history, self.subjects)
        # A follow-up that only asks how the last set breaks down, or for more of it, searches the
        # last question's own words: the same set ("Which types?", "Give me 3 examples").
        searched, asked_of = followup.split_asked(question, search)
        started = time.perf_counter()
        # What the words say, applied or not: the last question's, and what the follow-up adds
        # ("...: Which one has a higher relief rate?"), each read on its own ("How many complaints
        # mention foreclosure: Which states?" mentions foreclosure, not "states").
        stated = self.implied_filters(searched)
        asked_read = self.implied_filters(asked_of) if asked_of else []
        keys = {i.key for i in stated}
        stated += [i for i in asked_read if i.key not in keys]
        ended = followup.narrows_by_ending(question, history, self.subjects)
        if ended:  # "Were any resolved?": how it ended is read from the follow-up's own words too
            stated = query_filters.with_endings(stated, self.implied_filters(ended))
        # "complaints from Nebraska": a phrase read as a filter names no company, known or not.
        unfiltered = query_filters.without_phrases(search, stated)
        named = self.companies_in(unfiltered) if "company" not in clean else None
        if named and not implied:
            named = dataclasses.replace(named, companies=[])
        if named and named.unknown:
            # Both the question's words and the index's names are shown as data, never as markup.
            text = NOT_IN_INDEX.format(names=" or ".join(inert(n) for n in named.unknown),
                                       they="they handle" if len(named.unknown) > 1 else "it handles",
                                       known=", ".join(inert(n) for n in self.company_names().names[:8]))
            text += self._mentioned_note(named.unknown)
            yield text
            yield _uncited(question, text, backend, started, clean, [f"not in the index: {', '.join(named.unknown)}"])
            return
        numbers = query_filters.complaint_numbers(search) if implied else []
        if numbers and not any(i.key == "complaint_id" for i in stated):
            # "Show me complaint 7093004" where no complaint has that id: said, not searched for.
            text = NO_SUCH_COMPLAINT.format(ids=" or ".join(numbers))
            yield text
            yield _uncited(question, text, backend, started, clean,
                           [f"not in the index: complaint {' or '.join(numbers)}"], matching={"count": 0})
            return
        if named and named.companies and not any(i.key == "company" for i in stated):
            clean = filtering.normalize({**clean, "company": named.companies})
        read = query_filters.not_given(stated, clean) if implied else []
        if read:
            clean = filtering.normalize(query_filters.merge(clean, read))
        # "outside Texas" is said as such, not as the 53 states it reads as (in the app too, whose
        # chips came as filters: those the question's words read, as read)
        excluded = {i.key: i.shown for i in (read if implied else query_filters.applied(stated, clean))
                    if i.shown.startswith("not ")
                    and filtering.values(clean, i.key) == sorted(i.value if isinstance(i.value, tuple) else [i.value])}
        scope = filtering.describe(clean, excluded)

        if clean and self.retriever.scope_total(clean) == 0:
            # Said as such: "nothing addresses this question" would send the user rewording it.
            # Where complaints are under the filters on what they are about, none of them ended
            # so: a share of 0 ("What percentage of Navient complaints were disputed?").
            base = share_base(self.store.catalog, clean, self.vocabulary().recorded)
            if base.get("base_total"):
                text = NONE_OF_THEM.format(total=base["base_total"], base=inert(base["base_scope"]), scope=scope)
            else:
                text = (NOTHING_UNDER_FILTERS.format(scope=scope) + self._date_span_note(clean)
                        + self._unheld_note(clean))
            yield text
            yield _uncited(question, text, backend, started, clean, self._notes(read, named), matching={"count": 0},
                           implied=_implied_dicts(read))
            return

        # "... in Texas in 2023": the set the rest of the question is about, narrowed to a place and
        # a period; those words are searched for no more than they are in an unnarrowed question.
        # So is a follow-up's company where it points at the last set ("How many of those were at Experian?").
        # And how the last set ended, for a follow-up that asks only that ("How many were closed with relief?").
        narrowing = filtering.NARROWING + (("company",) if named and named.companies
                                           and followup.narrows_to_whom(question, history) else ())
        # ... and how they ended where only the follow-up's fragment says it ("...: Which bureau is
        # slowest to respond?"): the last set, then its late ones, not a topic voted among those.
        if ended or any(i.key in filtering.RESULT_KEYS for i in asked_read):
            narrowing += filtering.RESULT_KEYS
        about = query_filters.without_phrases(searched, [i for i in read if i.key in narrowing])
        # The words that named a company the filters hold ("Citi") are no topic to search.
        if named is None:  # the company came as a filter (the app's chip): find the words again
            match = self.companies_in(unfiltered)
            said = match.said if set(match.companies) & set(filtering.values(clean, "company")) else []
        else:
            match = named
            said = named.said + named.left_out if named.companies else []
        for apart in [s for s in said if s in match.joined]:
            # "Trans Union" is searched as the complaints write it: apart, "union" pulls the vector.
            about = about.replace(apart, match.joined[apart])
            said = said + [match.joined[apart]]
        # Embedded once: retrieval and the answerer's sentence ranking both use it.
        query_vector = self.embed_model.get_query_embedding(about)
        several = next((key for key in ("company", "state", "product", "type", "sub_product", "issue", "sub_issue")
                        if 1 < len(filtering.values(clean, key)) <= COMPARED_MOST), None)
        # "...: Which state has more?": the set is the last question's ("top issues in Georgia and
        # Florida", its words of asking taken out as they were), the breakdown the fragment's.
        asked_before = self._breakdown_asked(searched, several)
        asked = (self._breakdown_asked(asked_of, several) if asked_of else None) or asked_before
        newest = newest_asked(search)
        shown = shown_asked(search) if newest is None else None
        if shown:  # "Show 5 complaints about escrow shortages": five cited
            k = shown.top
        beyond = self._beyond_filters(searched, stated, clean, said, asked_before or asked, newest, shown,
                                      "company" in excluded)
        if beyond == []:
            # No word beyond the filters and the words of asking ("How often do companies close
            # the complaint with monetary relief?"): a search would vote on a topic from nothing.
            typical = self._typical_vector(clean)
            if typical is not None:
                query_vector = typical
            found = self.retriever.browse("" if typical is not None else search, k, clean, query_vector)
        else:
            found = self.retriever.search(about, k, clean, query_vector, narrowing)
            if found.unnarrowed and not found.evidence:
                # "... in Nebraska": the set is there, none of it is in Nebraska.
                held = {key: value for key, value in clean.items() if key in narrowing}
                text = NONE_NARROWED.format(count=found.unnarrowed, s="s" if found.unnarrowed != 1 else "",
                                            es="" if found.unnarrowed != 1 else "es",
                                            these="this filter" if len(held) == 1 else "these filters",
                                            narrowing=filtering.describe(held, excluded).rstrip("."))
                yield text
                yield _uncited(question, text, backend, started, clean, self._notes(read, named), searched=True,
                               matching={"count": 0}, implied=_implied_dicts(read))
                return
            if not found.evidence and clean and not self.store.keywords.distinctive(beyond):
                # Only everyday words beyond the filters, and none read close to any complaint.
                found = self.retriever.browse(search, k, clean, query_vector)
        if newest is not None and found.evidence:
            found.evidence = self._newest_examples(query_vector, found, clean, newest.top or k, newest.oldest)
        matching = (whole_set(self.store.catalog, found, clean, self.retriever.params, scope,
                              self.retriever.index_total(), self.retriever.scope_total(clean),
                              asked=asked, recorded=self.vocabulary().recorded,
                              share_of=query_filters.share_of(search, read, said))
                    if found.evidence else {"count": 0, **({"scope_total": self.retriever.scope_total(clean)}
                                                           if clean else {})})
        if newest is not None and found.evidence:
            matching["examples"] = "oldest" if newest.oldest else "newest"
        evidence = found.evidence
        retrieved = time.perf_counter()

        def quoting() -> dict:
            # No topic asked ("What do servicemembers complain about?"): each complaint is quoted by
            # what its own category is about, not by words of asking. Words it mentions are a topic.
            gists = (self.retriever.gist_vectors([e.complaint for e in evidence])
                     if beyond == [] and not set(filtering.MENTIONS) & set(clean) else None)
            return {"gists": gists, "told_by": self._told_vector(about, said)}

        if backend == "evidence":
            text, citations = self.evidence_answerer.answer(search, query_vector, evidence, scope, matching,
                                                            **quoting())
            yield text
            notes, guard = [], None
        else:
            # Where the model fails, its fallback is the evidence backend's own answer, quoted alike.
            text, citations, notes, guard = yield from self._llm_answerer().stream(
                backend, question, evidence, query_vector, scope, history=history, standalone=search,
                retrieve=lambda q, vector: self.retriever.retrieve(q, k=k, filters=clean, query_vector=vector),
                matching=matching, quoting=quoting)
        if not citations and beyond:
            # "What do people say about Venmo?": nothing reads close, but the words it is about
            # may be in a few complaints.
            hint = self._abstained_hint(unfiltered, beyond, clean)
            if hint:
                yield hint
                text += hint
        notes = self._notes(read, named) + notes
        # "excluding equipment returns" where no complaint writes it: nothing was left out, said so.
        notes += [f"no complaint in the index writes “{inert(phrase)}”: nothing was left out for it"
                  for phrase in filtering.values(clean, "mentions_none") if not self._mentions(phrase)]
        done = time.perf_counter()
        yield AskResult(
            question=question,
            answer=text,
            backend=backend,
            citations=citations,
            timings_ms={"retrieve": (retrieved - started) * 1000, "answer": (done - retrieved) * 1000,
                        "total": (done - started) * 1000},
            filters=clean,
            notes=notes,
            guard=guard,
            matching=matching,
            implied=_implied_dicts(read),
        )

    def _as_held(self, filters: dict) -> tuple[dict, list[str]]:
        """Filters a caller gives (`--company chase`, `filters={"status": "resolved"}`), each value
        read as the index holds it: without case, and a company also by the rule a question's words
        are read by, its short forms (`companies_in`). A value that reads as none is kept, so that
        nothing falls under it, and a note says what the index holds. Returns the filters and the
        notes (a short form read as a name is said too)."""
        out, notes = dict(filters), []
        for key in GIVEN_KEYS:
            asked = filtering.values(filters, key)
            if not asked:
                continue
            held = self._held(key)
            by_case = {value.lower(): value for value in held}
            if key == "outcome":  # a tag, also in words: "adjustment applied", or as answers say it
                by_case.update({tag.replace("_", " "): tag for tag in held})
                by_case.update({outcome_label(tag).lower(): tag for tag in held})
            read, missing = [], []
            for value in asked:
                found = [value] if value in held else [by_case[value.lower()]] if value.lower() in by_case else []
                if not found and key == "company":
                    match = self.companies_in(value)
                    found = [] if match.unknown else match.companies
                    if found:
                        notes.append(f"{filtering.key_said(key)} “{inert(value)}” read as "
                                     + " and ".join(inert(name) for name in found))
                read += found or [value]
                missing += [] if found else [value]
            out[key] = list(dict.fromkeys(read))
            if missing and held and key not in UNHELD_READ:  # those say what is held in the answer itself
                common = list(held.items())  # the most complaints first, as `group_counts` gives them
                # Outcome tags are the project's own words, shown as typed; the others are the data's.
                shown = str if key == "outcome" else inert
                asked_for = " or ".join(f"“{inert(v)}”" for v in missing)
                notes.append(f"the index holds no {filtering.key_said(key)} {asked_for}; it holds "
                             + ", ".join(f"{shown(v)} ({n:,})" for v, n in common[:HELD_SHOWN])
                             + (f" and {len(common) - HELD_SHOWN:,} more" if len(common) > HELD_SHOWN else ""))
        return filtering.normalize(out), notes

    def _held(self, key: str) -> dict[str, int]:
        """The values of one filter key the index holds, with their complaints (one grouped count,
        cached until the index changes)."""
        generation = self.store.catalog.generation()
        if self._held_values[0] != generation:
            self._held_values = (generation, {})
        cache = self._held_values[1]
        if key not in cache:
            cache[key] = {v: n for v, n in self.store.catalog.group_counts(key).items() if v not in ("", "Unknown")}
        return cache[key]

    def _told_vector(self, about: str, said: list[str]):
        """What the customers' own sentences are quoted by where the question names a company: the
        question without the name, which every complaint of the set is about already. By the whole
        question, the sentence that names the company won ("Have been an account holder of Wells
        Fargo bank for over twenty years." for overdraft fees): on the CFPB questions that name a
        company, quotes naming it fell from 69 of 90 to 33 (dev) and from 40 of 60 to 20 (test), and
        the quote's cosine to the question's true label centroid rose from 0.615 to 0.642 (test 0.622
        to 0.649). A business's replies stay quoted by the whole question: its policy sentence is
        written in its own name ("Charter's records indicate ... the Monthly Subscription Policy")."""
        if not said:
            return None
        rest = query_filters.without_words(about, said, possessive=True)
        return self.embed_model.get_query_embedding(rest) if terms(rest) else None

    def _newest_examples(self, query_vector, found, filters: dict, n: int, oldest: bool = False) -> list[Evidence]:
        """"The 3 most recent complaints about Chase": the matching set's newest, newest first (or
        its oldest, oldest first), each quoted where it reads closest to the question."""
        if found.whole_filter:
            within = filters
        elif found.topic is not None:
            within = {**filters, found.topic.field: found.topic.values}
        else:
            within = {**filters, "complaint_id": sorted(found.candidates)}
        ids = self.store.catalog.newest_ids(filtering.to_sql(filtering.normalize(within)), n, oldest=oldest)
        if not ids:
            return found.evidence
        records = self.store.catalog.complaints(ids)
        by_id = {c.complaint_id: c for c in self.retriever.passages_of(ids, query_vector)}
        return [to_evidence(by_id[i], records[i]) for i in ids if i in by_id and i in records]

    def _mentioned_note(self, names: list[str]) -> str:
        """A name that is no company of the index may still be written in its complaints
        ("Venmo" in PayPal's): say how many, so that the user can ask for them, rather than
        answer a question about that company with other companies' complaints."""
        return "".join(self._mention_hint([name]) for name in names)

    def _mention_hint(self, words: list[str], filters: dict | None = None, count: int | None = None) -> str:
        """How many complaints write these words side by side, and the question that lists them;
        "" where none does. Said where nothing reads close to a question: "complaints about cable
        boxes" may not read close to a complaint that says "return my 2 cable boxes" in passing.
        Under `filters` (a company the question named) it also says how many of them fall under
        those, since the question it suggests lists the whole index's. Side by side only: one FTS5
        phrase count (1-94 ms at 100,000 complaints) per scope, where a count of complaints holding
        each word anywhere took up to 1.5 s there. `count`: the index-wide count, where known."""
        phrase = " ".join(words)
        count = self._mentions(phrase) if count is None else count
        if not count:
            return ""
        within = self._mentions(phrase, filters) if filters else None
        asked = f'"{inert(phrase)}"' if len(terms(phrase)) > 1 else inert(phrase)
        under = "" if within is None else " ({} of them under this question's filters)".format(
            "all" if within == count else f"{within:,}" if within else "none")
        return (f" {count:,} complaint{'s' if count != 1 else ''} in the index mention{'s' if count == 1 else ''} "
                f"“{inert(phrase)}”{under}: ask “Which complaints mention {asked}?” to read them.")

    def _mentions(self, phrase: str, filters: dict | None = None) -> int:
        """Complaints (under `filters`) that write this phrase: one FTS5 count."""
        try:
            return self.store.catalog.count(filtering.to_sql(filtering.normalize(
                {**(filters or {}), "mentions": phrase.lower()})))
        except filtering.FilterError:  # words the keyword index does not keep
            return 0

    def _abstained_hint(self, question: str, beyond: list[str], filters: dict | None = None) -> str:
        """The hint for a question nothing reads close to, from its words beyond the filters that
        few passages use (at most as many as a question of mentions reads). Where no complaint
        writes them side by side ("equipment returns"), the rarest of them that one does."""
        words = query_filters.words_for(question, set(self.store.keywords.distinctive(beyond or [])))
        if not 1 <= len(words) <= query_filters.MENTION_MOST:
            return ""
        hint = self._mention_hint(words, filters)
        if hint or len(words) == 1:
            return hint
        counts = {word: self._mentions(word) for word in words}
        written = [word for word in words if counts[word]]
        if not written:
            return ""
        rarest = min(written, key=counts.get)
        return self._mention_hint([rarest], filters, counts[rarest])

    @staticmethod
    def _notes(read: list[Implied], named) -> list[str]:
        notes = []
        if named and named.companies:
            notes.append(f"company named in the question: {', '.join(named.companies)}")
        if read:
            notes.append("filters read from the question: " + "; ".join(i.chip for i in read))
        return notes

    def _date_span_note(self, filters: dict) -> str:
        span = self.store.catalog.date_span() if {"since", "until"} & set(filters) else None
        if not span:
            return ""
        # Exports are often samples of some years: a year inside the span may hold nothing.
        held = self.store.catalog.years()
        gaps = [(a + 1, b - 1) for a, b in zip(held, held[1:]) if b - a > 1]
        none = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in gaps)
        return f" The index holds complaints dated {span[0]} to {span[1]}" + (f", none in {none}." if none else ".")

    def _unheld_note(self, filters: dict) -> str:
        """For a filter none of whose values the index holds ("submitted via: Phone"), what it does hold."""
        notes = []
        for key in UNHELD_READ:
            asked = filtering.values(filters, key)
            held = self.store.catalog.group_counts(key) if asked else {}
            if held and not set(asked) & set(held):
                values = list(held.items())  # the most complaints first, as `group_counts` gives them
                notes.append(f"{filtering.key_said(key)}: " + ", ".join(
                    f"{inert(v)} ({n:,})" for v, n in values[:5]) + (", ..." if len(values) > 5 else ""))
        return f" The index holds {'; '.join(notes)}." if notes else ""

    # --- filters a question states ---------------------------------------------------
    def vocabulary(self) -> Vocabulary:
        """The values a question can name as a filter: the index's own companies, types, statuses
        and outcomes (never a value it does not hold), rebuilt when the index changes."""
        generation = self.store.catalog.generation()
        if self._vocabulary is None or self._vocabulary[0] != generation:
            catalog = self.store.catalog
            counts = {name: catalog.group_counts(name)
                      for name in ("company", "type", "status", "outcome", "state", "tags", "product", "sub_product",
                                   "timely_response", "consumer_disputed", "submitted_via")}
            values = {name: [v for v in held if v != "Unknown"] for name, held in counts.items()}
            recorded = {}  # a yes/no field some complaints lack: the values where it was recorded
            for name in ("timely_response", "consumer_disputed"):
                held = sorted(v for v in counts[name] if v not in ("", "Unknown"))
                if held and len(held) < len(counts[name]):
                    recorded[name] = held
            pairs = catalog.pair_counts("product", "sub_product")
            self._vocabulary = (generation, Vocabulary(companies=values["company"], types=values["type"],
                                                       statuses=values["status"], outcomes=values["outcome"],
                                                       states=values["state"], tags=values["tags"],
                                                       timely=values["timely_response"],
                                                       disputed=values["consumer_disputed"],
                                                       submitted_via=_with_unheld(values["submitted_via"]),
                                                       recorded=recorded,
                                                       products=values["product"],
                                                       sub_products=values["sub_product"],
                                                       alike=question_products.products_alike(pairs),
                                                       parents=question_products.parents(pairs),
                                                       product_usage=_cached_usage(catalog),
                                                       product_counts={p: n for p, n in counts["product"].items()
                                                                       if p not in ("", "Unknown")},
                                                       companies_in=self.companies_in,
                                                       distinctive=self.store.keywords.distinctive,
                                                       distinctive_phrase=self.store.keywords.distinctive_phrase,
                                                       complaint_ids=catalog.ids_of_external))
        return self._vocabulary[1]

    def subjects(self, text: str) -> list[tuple[str, str]]:
        """The companies and products a follow-up's words name (query_filters.subjects)."""
        return query_filters.subjects(text, self.vocabulary())

    def implied_filters(self, question: str, filters: dict | None = None) -> list[Implied]:
        """Dates, type, status and outcomes the question states, as the browser's chips show them.
        A key set in `filters` wins (outcomes add up, a date range is one key). Companies are
        `companies_in`'s: it also finds names the index does not hold."""
        # Companies are read with the rest, so that a company's name is no word to find ("Which
        # Equifax complaints mention bankruptcy?"), then left to `companies_in`.
        # A company left out ("other than Equifax") is the other companies, a filter like any other.
        stated = [i for i in query_filters.detect(question, self.vocabulary())
                  if i.key != "company" or i.shown.startswith("not ")]
        return query_filters.not_given(stated, filters or {})

    def _typical_vector(self, filters: dict):
        """For a question about the whole index with no topic ("Which states have the most
        complaints?"): the centroid of its largest category, so that its examples and their quotes
        are typical of the index. The words of asking alone read closest to complaints about
        complaining ("MY COMPLAINT IS THESE COMPANIES ARE NOT FAIR."). Under filters the question's
        words name them ("Wells Fargo", "bank accounts") and choose better: on CFPB dev the centroid
        of the filtered set's largest category cited 3 relevant complaints of 8 where they cite 6.
        None where the index has no category centroids."""
        if filters:
            return None
        for field in ("sub_issue", "issue", "type"):
            values, vectors, counts = self.store.catalog.label_centroids(field)
            if values:
                return vectors[int(np.argmax(counts))].tolist()
        return None

    def _breakdown_asked(self, question: str, several: str | None = None) -> Breakdown | None:
        """The field the question asks its set counted by ("Which states ..."), where the index
        holds values for it; a BBB page's category is its type, where the CFPB's is its issue, and
        an outcome where the index has none is the status. `several`: the field of which the
        question names a few values ("Which has more complaints, Texas or California?")."""
        asked = breakdown_asked(question, several)
        if asked is None:
            return None
        fallback = {"issue": "type", "outcome": "status"}  # a CFPB record's outcome is its response status
        for field in (asked.field, fallback[asked.field]) if asked.field in fallback else (asked.field,):
            if self.store.catalog.holds(field):
                return dataclasses.replace(asked, field=field)
        return None

    @staticmethod
    def _beyond_filters(question: str, stated: list[Implied], filters: dict, said: list[str] = (),
                        asked: Breakdown | None = None, newest: Newest | None = None,
                        shown: Shown | None = None, others: bool = False) -> list[str]:
        """The question's terms once the phrases read as filters, the companies' names (as the
        index holds them and as the question said them: "Citi"), stop words and the words of
        asking are taken out. None left, or only words most passages use, and "Which complaints
        got a refund in 2024?" asks for the filtered complaints themselves; "... about a data
        breach?" does not ("breach" is in no passage). `others`: the company filter is every
        company but the ones named ("other than Equifax"): their names are no words of the question."""
        names = ([] if others else filtering.values(filters, "company")) + list(said)
        # A chip the user removed leaves its words in the question: they are asked about again.
        read = query_filters.applied(stated, filters)
        if asked:  # the words that ask for a breakdown ("which states") are words of asking
            read.append(Implied("by", asked.field, asked.phrase))
            # and so is the unit a count is asked in ("Which company had the most complaints per month?")
            read += [Implied("by", asked.field, m.group(0)) for m in _PER_PERIOD.finditer(question)]
        if newest:  # and so are those asking for the newest ("the 3 most recent complaints")
            read.append(Implied("newest", newest.top, newest.phrase))
        if shown:  # or how many to show ("Show 5 complaints")
            read.append(Implied("shown", shown.top, shown.phrase))
        return query_filters.leftover(question, read, names)

    # --- companies -----------------------------------------------------------------
    def company_names(self) -> CompanyNames:
        """The index's company names and their short forms, rebuilt when the index changes."""
        return self._company_state()[0]

    def _company_state(self) -> tuple[CompanyNames, int]:
        generation = self.store.catalog.generation()
        if self._names is None or self._names[0] != generation:
            catalog = self.store.catalog
            own = catalog.passages_by("company")
            names = CompanyNames(list(catalog.group_counts("company")), passages=own.get,
                                 word_passages=catalog.term_frequencies)
            self._names = (generation, names, sum(own.values()))
        return self._names[1], self._names[2]

    def companies_in(self, question: str):
        """Which index companies a question names, and names it uses that the index does not hold."""
        names, passages = self._company_state()
        total = max(passages, 1)  # counted with the names, not again on every question
        catalog = self.store.catalog

        def share(stems: list[str]) -> float:
            passages = (catalog.term_frequencies(stems)[stems[0]] if len(stems) == 1
                        else catalog.phrase_frequency(stems))
            return passages / total

        return names.match(question, share)

    # --- browsing ----------------------------------------------------------------
    def iter_complaints(self, filters: dict | None = None, page: int = PAGE) -> Iterator[Complaint]:
        """Every stored complaint under `filters`, read a page at a time."""
        ids = self.store.catalog.ids(filtering.to_sql(filtering.normalize(filters)), page=page)
        while True:
            part = [i for _, i in zip(range(page), ids)]
            if not part:
                return
            records = self.store.catalog.complaints(part)
            yield from (records[i] for i in part if i in records)

    def complaints(self, filters: dict | None = None, ids: list[str] | None = None,
                   limit: int | None = None, newest_first: bool = False) -> list[Complaint]:
        """Stored complaints under `filters` (or these ids), for tables and cards; at most `limit`,
        the newest first when asked (read through the date index, never the whole set)."""
        if newest_first and ids is None:
            if limit is None:
                raise ValueError("newest_first needs a limit")
            ids = self.store.catalog.newest_ids(filtering.to_sql(filtering.normalize(filters)), limit)
        if ids is not None:
            records = self.store.catalog.complaints(ids)
            return [records[i] for i in ids if i in records][:limit]
        found = []
        for complaint in self.iter_complaints(filters):
            found.append(complaint)
            if limit is not None and len(found) >= limit:
                break
        return found

    def groups(self, filters: dict | None = None) -> list[tuple[str, str, str, tuple[str, ...], int]]:
        """The complaints under `filters` counted by (status, company, month, outcomes): enough for
        any per-company or per-month breakdown without reading a record."""
        return list(self.store.catalog.groups(filtering.to_sql(filtering.normalize(filters))))

    def pair_counts(self, first: str, second: str, filters: dict | None = None) -> dict[tuple[str, str], int]:
        return self.store.catalog.pair_counts(first, second, filtering.to_sql(filtering.normalize(filters)))

    def stats(self, filters: dict | None = None) -> dict:
        return catalog_stats(self.store.catalog, filters)
