"""Metadata filters: one plain dict in, the forms llama-index and Chroma want out.

Keys: company, type, status and the source's own label fields (product, issue, sub_issue,
state, ...: str or list), outcome (str or list: all must hold), since / until
(YYYY-MM-DD, inclusive), outside ([first day, last day]: complaints dated before or after that
period: "Equifax complaints not in 2023"), periods (a list of "first/last" days: complaints dated in
any of them: "in 2019 versus 2023" is those two years, not the five from one to the other),
complaint_id (a list: a set of complaints named one by one), mentions (words, str or list: every
one is in the complaint's text, as the keyword index stems them), mentions_any (the same, any
one of them: "mention Zelle or Venmo"), mentions_none (none of them: "Navient complaints not
about forbearance"). Chroma's metadata cannot say these: only the catalog's SQL applies them.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import TYPE_CHECKING

from index.catalog import LABEL_KEYS, fts_phrase
from index.keywords import terms
from index.outcomes import outcome_label

from .safe_text import inert

if TYPE_CHECKING:
    from llama_index.core.vector_stores import MetadataFilters

VALUE_KEYS = ("company", "type", "status", *LABEL_KEYS, "complaint_id")
KEYS = ("company", "type", "status", "outcome", "since", "until", "outside", "periods", *LABEL_KEYS, "complaint_id",
        "mentions", "mentions_any", "mentions_none")
# words in the complaint's text: all of them, any of them, none of them
MENTIONS = ("mentions", "mentions_any", "mentions_none")
SQL_ONLY = (*MENTIONS, "outside", "periods")  # keys that Chroma's metadata filters cannot express (an OR of ranges)
# Where and when, never what a complaint is about: a question's topic is decided without these
# filters, then narrowed by them (retrieval.HybridRetriever.search), and the words that named them
# are not searched ("in Texas" read into the question's vector moves which label its neighbours
# vote for). How a complaint ended is written in the business's response: those words stay in the
# question, and the labels vote among the complaints that ended so (but for a follow-up that asks
# only that of the last set: followup.narrows_by_ending).
NARROWING = ("state", "since", "until", "outside", "periods")
# Filters on how a complaint ended: "What share of Navient's complaints were closed with relief?"
# asks for a share of the complaints under the other filters (matching.share_base), and "How many
# were closed with relief?" after a question narrows its set (followup.narrows_by_ending).
RESULT_KEYS = ("status", "outcome", "timely_response", "consumer_disputed")


class FilterError(ValueError):
    pass


def values(filters: dict, key: str) -> list[str]:
    """The value under `key` as a list (a filter holds one value or several; none when absent)."""
    value = filters.get(key) or []
    return [value] if isinstance(value, str) else list(value)


def period_words(since: str, until: str) -> str:
    """A period as said: "2023", "2023-06", else its first and last day."""
    if since[5:] == "01-01" and until[5:] == "12-31" and since[:4] == until[:4]:
        return since[:4]
    last_day = calendar.monthrange(int(since[:4]), int(since[5:7]))[1]
    if since[8:] == "01" and since[:7] == until[:7] and int(until[8:]) == last_day:
        return since[:7]
    return f"{since} to {until}"


def period(value: str) -> tuple[str, str]:
    """"2019-01-01/2019-12-31" (a `periods` value) -> its first and last day."""
    first, _, last = str(value).partition("/")
    return first, last


def _day(value: str, name: str) -> int:
    try:
        return int(date.fromisoformat(str(value)).strftime("%Y%m%d"))
    except ValueError:
        raise FilterError(f"--{name} must be a date as YYYY-MM-DD, got {value!r}") from None


def normalize(filters: dict | None) -> dict:
    """Drop empty values, check names and dates; the result is what an answer reports."""
    out = {}
    for key, value in (filters or {}).items():
        if key not in KEYS:
            raise FilterError(f"unknown filter {key!r} (known: {', '.join(KEYS)})")
        if value in (None, "", [], ()):
            continue
        if key in ("since", "until"):
            _day(value, key)
            value = str(value)
        elif key == "outside":
            value = [str(v) for v in ([value] if isinstance(value, str) else value)]
            if len(value) != 2:
                raise FilterError(f"outside must be two dates, the period's first and last day, got {value!r}")
            value = sorted(value, key=lambda v: _day(v, key))
        elif key == "periods":
            value = [value] if isinstance(value, str) else list(value)
            for one in value:
                first, last = period(one)
                if not last or _day(first, key) > _day(last, key):
                    raise FilterError(f"periods must be first/last days (YYYY-MM-DD/YYYY-MM-DD), got {one!r}")
            value = sorted(set(map(str, value)))
        elif isinstance(value, (list, tuple, set)):
            value = sorted(str(v) for v in value if str(v))
            if len(value) == 1 and key not in ("outcome", "complaint_id", *MENTIONS):
                value = value[0]
        if key in MENTIONS:
            value = [value] if isinstance(value, str) else value
            if not all(terms(v) for v in value):
                raise FilterError(f"{key}: every value must hold a word, got {value!r}")
        out[key] = value
    if "since" in out and "until" in out and out["since"] > out["until"]:
        raise FilterError(f"no day is both since {out['since']} and until {out['until']}: "
                          "the period ends before it starts")
    return out


def _conditions(filters: dict) -> list[tuple[str, str, object]]:
    conds = []
    for key in VALUE_KEYS:
        value = filters.get(key)
        if isinstance(value, list):
            conds.append((key, "in", value))
        elif value is not None:
            conds.append((key, "==", value))
    for outcome in values(filters, "outcome"):
        conds.append((f"outcome_{outcome}", "==", 1))
    if "since" in filters:
        conds.append(("date", ">=", _day(filters["since"], "since")))
    if "until" in filters:
        conds.append(("date", "<=", _day(filters["until"], "until")))
    return conds


def to_metadata_filters(filters: dict) -> MetadataFilters | None:
    # llama-index (1.5 s to import) only where a search runs: `errors` imports this module, and the
    # command line's argument errors, `sources` and `stats` answer without it.
    from llama_index.core.vector_stores import FilterOperator, MetadataFilter, MetadataFilters  # noqa: F811

    conds = _conditions(filters)
    if not conds:
        return None
    return MetadataFilters(filters=[MetadataFilter(key=k, operator=FilterOperator(op), value=v)
                                    for k, op, v in conds])


_CHROMA_OPS = {"==": "$eq", "in": "$in", ">=": "$gte", "<=": "$lte"}


def to_chroma_where(filters: dict) -> dict | None:
    conds = [{k: {_CHROMA_OPS[op]: v}} for k, op, v in _conditions(filters)]
    if not conds:
        return None
    return conds[0] if len(conds) == 1 else {"$and": conds}


_SQL_COLUMNS = {"complaint_id": "id", "date": "date"}
LONG_LIST = 32  # values of one filter past which SQLite checks each row rather than probing its index


def _fts_phrase(words: str) -> str:
    """Words as one FTS5 phrase of the keyword index's stems: side by side, in order."""
    return fts_phrase(terms(words))


def to_sql(filters: dict) -> tuple[str, list]:
    """A WHERE clause over the catalog's `complaints c` and its parameters."""
    parts, params = [], []
    for key, op, value in _conditions(filters):
        if key.startswith("outcome_"):
            parts.append("c.id IN (SELECT complaint_id FROM outcome_flags WHERE outcome = ?)")
            params.append(key[len("outcome_"):])
        elif op == "in":
            # A long list ("other than Wells Fargo": every other company) is checked row by row
            # ("+" keeps SQLite off the column's index): probing the index once per value for each
            # candidate passage took 160 ms for 1,000 passages and 622 companies, against 4.
            column = f"{'+' if len(value) > LONG_LIST else ''}c.{_SQL_COLUMNS.get(key, key)}"
            parts.append(f"{column} IN ({','.join('?' * len(value))})")
            params.extend(value)
        else:
            parts.append(f"c.{_SQL_COLUMNS.get(key, key)} {'=' if op == '==' else op} ?")
            params.append(value)
    if "outside" in filters:
        first, last = values(filters, "outside")
        parts.append("(c.date < ? OR c.date > ?)")
        params.extend([_day(first, "outside"), _day(last, "outside")])
    if "periods" in filters:
        ranges = [period(v) for v in values(filters, "periods")]
        parts.append("(" + " OR ".join("c.date BETWEEN ? AND ?" for _ in ranges) + ")")
        params.extend(_day(day, "periods") for first_last in ranges for day in first_last)
    # FTS5 finds the passages; a complaint qualifies when any of its passages holds the word (or,
    # for mentions_any, any of the words).
    matches = [_fts_phrase(word) for word in values(filters, "mentions")]
    if values(filters, "mentions_any"):
        matches.append(" OR ".join(map(_fts_phrase, values(filters, "mentions_any"))))
    unwanted = " OR ".join(map(_fts_phrase, values(filters, "mentions_none")))
    for match, negated in [(m, False) for m in matches] + ([(unwanted, True)] if unwanted else []):
        parts.append(f"c.id {'NOT IN' if negated else 'IN'} (SELECT p.complaint_id FROM passages p WHERE p.rowid IN "
                     "(SELECT rowid FROM passages_fts WHERE passages_fts MATCH ?))")
        params.append(match)
    return ("WHERE " + " AND ".join(parts) if parts else ""), params


# How an answer names a key where the key itself is not a word ("timely_response").
_SAID = {"sub_product": "sub-product", "sub_issue": "sub-issue", "timely_response": "timely response",
         "consumer_disputed": "consumer disputed", "submitted_via": "submitted via", "mentions_any": "mentions",
         "mentions_none": "not mentioning"}


def key_said(key: str) -> str:
    return _SAID.get(key, key)


SHOWN_VALUES = 6  # values of one filter an answer names before "or N more"
ALL_OF = ("outcome", "mentions")  # keys whose values must all hold (the others: any one of them)


def said_values(key: str, shown: list) -> str:
    """One filter's values in words, made inert: an outcome as the answer's outcome lines say it;
    joined with "or" (values hold commas of their own: "EQUIFAX, INC.", "Older American,
    Servicemember"), or "and" where all must hold; a long list ("outside Texas": every other
    state) by its first few and "or N more"."""
    if key == "outcome":
        shown = [outcome_label(v) for v in shown]
    if key == "outside":  # a period's first and last day
        return " to ".join(inert(str(v)) for v in shown)
    if key == "periods":
        return " or ".join(inert(period_words(*period(v))) for v in shown)
    more = f" or {len(shown) - SHOWN_VALUES + 1} more" if len(shown) > SHOWN_VALUES else ""
    shown = shown[:SHOWN_VALUES - 1] if more else shown
    return (" and " if key in ALL_OF else " or ").join(inert(str(v)) for v in shown) + more


def describe(filters: dict, said: dict[str, str] | None = None) -> str:
    """The filters in words, for answers: values come from the files (company names, labels) or
    from whoever asks, so they are made inert like complaint text (no [n], link, image or markup).
    `said`: a key's values in the question's terms where they are shorter ("state: not CA" for
    every state but one)."""
    parts = []
    for key in KEYS:
        if key in (said or {}) and key in filters:
            parts.append(f"{_SAID.get(key, key)}: {inert(said[key])}")
            continue
        if key == "complaint_id":
            if filters.get(key):  # the question named them ("complaint 7093004"): the ids are its own
                parts.append(f"complaints named by id: {len(values(filters, key))}")
            continue
        if key in filters:
            parts.append(f"{_SAID.get(key, key)}: {said_values(key, values(filters, key))}")
    return "; ".join(parts)
