"""The whole matching set of a question: every complaint in the index it is about.

`retrieval.Found` says how the set is chosen (a topic label, or the complaints that
stand out among the search results); this module counts it and breaks it down with
catalog queries (indexed GROUP BYs, never a read of the complaints themselves).
"""

from __future__ import annotations

import dataclasses

import re
from datetime import date, timedelta

from index.catalog import Catalog
from index.outcomes import outcome_label

from . import filters as filtering
from .breakdowns import Breakdown
from .query_filters import state_codes
from .retrieval import Found, Params

FIELD_NAMES = {"type": "type (the complaint's own category)", "sub_issue": "CFPB sub-issue", "issue": "CFPB issue",
               "product": "CFPB product"}
TOP_COMPANIES = 10
COMPARED_MOST = 5  # companies (their outcomes) or states (their counts) named in one question, side by side
COMPARED_TOP = 3  # values of an asked breakdown given for each company compared
RATE_LEAST = 10  # complaints a value needs for its rate to be ranked: 1 of 1 is no "highest rate"


def _quoted(values: list[str]) -> str:
    shown = [f"“{v}”" for v in values]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + f" or {shown[-1]}"


def whole_set(catalog: Catalog, found: Found, filters: dict, params: Params, scope: str = "",
              index_total: int | None = None, scope_total: int | None = None,
              asked: Breakdown | None = None, recorded: dict[str, list[str]] | None = None,
              share_of: tuple[str, ...] = ()) -> dict:
    """The matching set's count, rule and breakdowns. `index_total` (every complaint in the index)
    and `scope_total` (those under the question's filters) let an answer say what share the set is.
    `asked`: the breakdown the question asks ("Which states ...", "the fewest", "the top 5"),
    given first; by state where none is asked and the filters name a few states. `recorded`: the fields not every complaint has (the CFPB's "Consumer disputed?"
    ends in 2017), with the values recorded (`Vocabulary.recorded`). `share_of`: see `share_base`."""
    if found.whole_filter:
        set_filters = dict(filters)
        rule = ("every complaint under the filters: the question asks for nothing beyond them" if filters else
                "every complaint in the index: the question names no topic, company or filter")
    elif found.topic is not None:
        set_filters = {**filters, found.topic.field: found.topic.values}
        rule = f"every complaint whose {FIELD_NAMES.get(found.topic.field, found.topic.field)} is {_quoted(found.topic.values)}: "
        rule += (f"the label the question most likely means ({found.topic.share:.0%}, read against every "
                 "labelled complaint)" if found.topic.by == "discriminant" else
                 f"the label {found.topic.share:.0%} of the best search results share, "
                 f"{found.topic.lift:.1f}x its share of the index")
    elif found.candidates:
        set_filters = {**filters, "complaint_id": sorted(found.candidates)}
        depth = found.searched or params.candidates
        rule = (f"the complaints among the {depth} best search results whose relevance (meaning "
                f"plus matching words) is within {params.margin:.2f} of the best; no complaint category "
                "stands out for this question")
        if found.capped:
            rule += "; more further down may pass too, so this count is a floor"
    else:
        return {"count": 0}
    if scope:
        rule += f" ({scope})"
    where = filtering.to_sql(filtering.normalize(set_filters))
    total, counts = catalog.breakdown(where)
    # CFPB records say whether the company answered within 15 days; other sources leave it empty.
    timely = {v: n for v, n in catalog.group_counts("timely_response", where).items() if v not in ("", "Unknown")}
    # The same set's share of the complaints under the filters on what they are about, not on
    # how they ended: one indexed count, where both kinds are given or a field was not always
    # recorded.
    # A topic label is what the complaints are about too: "What share of overdraft fee complaints
    # got monetary relief?" is 5 of the label's 17, not of the 197 with relief.
    base = share_base(catalog, {**filters, found.topic.field: found.topic.values} if found.topic else filters,
                      recorded, share_of)
    # "How many complaints in California versus Texas?": a set under a few states is counted by
    # state, as a few companies are side by side below.
    states = filtering.values(filters, "state")
    if asked is None and 1 < len(states) <= COMPARED_MOST:
        asked = Breakdown("state", " / ".join(states))
    # "How often do Equifax and TransUnion give monetary relief?": a few companies (or states) and
    # how their complaints ended is each one's own rate, not the few that ended so split among them.
    named = filtering.values(filters, "company")
    # "... in 2019 versus 2023": each period's own count and statuses, as each state's.
    periods = filtering.values(filters, "periods")
    several = next((key for key, values in (("company", named), ("state", states), ("periods", periods))
                    if 1 < len(values) <= COMPARED_MOST), None)
    if (several and several != "periods" and set(filters) & set(filtering.RESULT_KEYS)
            and (asked is None or asked.field == several)):
        asked = (dataclasses.replace(asked, rate=True) if asked
                 else Breakdown(several, " / ".join(filtering.values(filters, several)), rate=True))
    by = asked.field if asked else None
    shown = max(TOP_COMPANIES, (asked.top or 0) if asked else 0)
    # The breakdown below already holds every month and the ten largest companies: the asked
    # one is counted apart only where it holds something else.
    passing = (asked.least, asked.most) if asked else (None, None)  # "with more than 100 complaints"
    already = passing == (None, None) and (by in ("month", "timely_response", "outcome", "status")
                                           or (by == "company" and shown == TOP_COMPANIES))
    counted, unrecorded = {}, 0
    if by and (asked.fewest or not already):
        name = f"fewest_by_{by}" if asked.fewest else f"by_{by}"
        label = outcome_label if by == "outcome" else str  # an outcome is said in words, as in by_outcome
        # One more than shown: where most complaints have no value ("Which sub-issues are most
        # common for mortgages?": most CFPB mortgage complaints have none) that is said too.
        thresholded = passing != (None, None)
        if passing == (None, 0):  # "Which states had no complaints?": the values the set lacks
            counted = {f"none_by_{by}": [label(v) for v in _lacked(catalog, by, where)]}
            thresholded = False
        # A threshold lists the values that pass it, and says how many do: all of them are read.
        grouped = {} if counted else catalog.group_counts(by, where, limit=None if thresholded else shown + 1,
                                                          fewest=asked.fewest, between=passing)
        unrecorded = 0 if asked.fewest or thresholded else sum(n for v, n in grouped.items() if v in ("Unknown", ""))
        values = {label(v): n for v, n in grouped.items() if v not in ("Unknown", "")}
        counted = counted or {name: dict(list(values.items())[:shown])}
        if thresholded:
            counted.update(asked_passing=len(values), asked_between=[asked.least, asked.most],
                           asked_threshold=asked.passing)
    if asked and asked.average:  # "the average number of complaints per company"
        counted["asked_average"] = _average(catalog, by, where, counts["month"])
    # "the highest rate of relief": each value's own share; "the biggest jump": each one's change
    ranked = (_growth(catalog, set_filters, by, counts["month"], asked, shown) if asked and asked.growth else
              _rates(catalog, set_filters, by, where, asked, shown, recorded,
                     least=1 if by == several else RATE_LEAST)
              if asked and asked.rate and by != "month" else {})
    # "How do Navient and Nelnet compare?", "... in Florida compared to Georgia?": where the
    # question names a few companies (or else states), how each one's complaints ended, side by side.
    compared, compared_by = {}, {}
    if several and not ranked.get(f"rate_by_{several}"):
        if several == "company":  # from the breakdown's own pass
            for (company, status), n in counts["company_status"].items():
                compared.setdefault(company, {})[status] = n
        else:
            # One with none is said too: "2023: 121 complaints ... 2022: none".
            for value in filtering.values(filters, several):
                compared[value] = catalog.group_counts("status", filtering.to_sql(filtering.normalize(
                    {**set_filters, several: value})))
        compared = {c: dict(sorted(v.items(), key=lambda kv: -kv[1])) for c, v in compared.items()}
        if by and by not in (several, "status", "month", "timely_response") and not (asked.rate or asked.fewest):
            # "How does that compare to Equifax?" after Experian's top complaints: each one's own.
            label = outcome_label if by == "outcome" else str
            compared_by = {c: {label(v): n for v, n in catalog.group_counts(
                by, filtering.to_sql(filtering.normalize({**set_filters, several: c})),
                limit=COMPARED_TOP + 1).items() if v not in ("Unknown", "")} for c in compared}
            compared_by = {c: dict(list(v.items())[:COMPARED_TOP]) for c, v in compared_by.items()}
    return {
        "count": total,
        "rule": rule,
        **({f"by_{several}_status": compared} if compared else {}),
        **({f"by_{several}_{by}": compared_by} if compared_by else {}),
        **({"index_total": index_total} if index_total else {}),
        **({"scope_total": scope_total} if scope_total and filters else {}),
        **base,
        "filters": set_filters,
        "by_outcome": {outcome_label(tag): n for tag, n in counts["outcome"].items()},
        "by_status": counts["status"],
        "by_company": dict(list(counts["company"].items())[:TOP_COMPANIES]),
        "by_month": dict(sorted(counts["month"].items())),
        **({"by_timely_response": timely} if timely else {}),
        **counted,
        **({"asked_by": by} if by else {}),
        **({"asked_top": asked.top} if asked and asked.top else {}),
        **({"asked_unrecorded": unrecorded} if unrecorded else {}),
        **ranked,
        # "How many companies?": how many values the set holds, beyond the ones listed
        **({"asked_distinct": catalog.distinct_count(by, where)}
           if asked and asked.every and by not in ("month", "outcome") and passing == (None, None) else {}),
    }


def _average(catalog: Catalog, by: str, where, by_month: dict[str, int]) -> dict:
    """The set's complaints per value of `by`, over the values that hold any (one grouped count of
    all of them); per month, over every month from the set's first to its last, empty ones too."""
    if by == "month":
        months = _dated(by_month)
        if not months:
            return {}
        (y0, m0), (y1, m1) = (map(int, months[0].split("-")), map(int, months[-1].split("-")))
        counts = [by_month[m] for m in months] + [0] * ((y1 - y0) * 12 + m1 - m0 + 1 - len(months))
    else:
        counts = [n for v, n in catalog.group_counts(by, where).items() if v not in ("", "Unknown")]
    if not counts:
        return {}
    ordered = sorted(counts)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return {"values": len(counts), "complaints": sum(counts), "mean": sum(counts) / len(counts), "median": median}


def _dated(by_month: dict[str, int]) -> list[str]:
    """The months ("YYYY-MM") of a breakdown by month, in order; undated complaints are "Unknown"."""
    return sorted(m for m in by_month if re.fullmatch(r"\d{4}-\d{2}", m))


def _lacked(catalog: Catalog, by: str, where) -> list[str]:
    """The values of `by` that none of the set holds: of those the index holds anywhere (one
    grouped count of the whole index) and, for states, every US state and territory, since the
    index cannot hold a state nobody complained from. Sorted by name."""
    held = set(catalog.group_counts(by, where))
    known = set(catalog.group_counts(by)) | (set(state_codes()) if by == "state" else set())
    return sorted(v for v in known - held if v not in ("", "Unknown"))


def _rates(catalog: Catalog, set_filters: dict, by: str, where, asked: Breakdown, shown: int,
           recorded: dict | None = None, least: int = RATE_LEAST) -> dict:
    """"Which product has the highest rate of monetary relief?": each value's share of its own
    complaints under the filters on what they are about (two grouped counts), ranked among the
    values with at least RATE_LEAST of them. Where the set is not narrowed by how complaints ended,
    a share of what it is about: "Which state has the highest share of debt collection complaints?"
    is each state's debt collection complaints among all of its own, under the same place, period
    and company. {} where neither narrows the set. A field not always recorded (`recorded`) is a
    rate among the complaints that record it, as in `share_base`."""
    about = {k: v for k, v in set_filters.items() if k not in filtering.RESULT_KEYS}
    if about == set_filters:
        about = {k: v for k, v in set_filters.items() if k in filtering.NARROWING or k == "company" != by}
    if about == set_filters:
        return {}
    about.update({key: values for key, values in (recorded or {}).items() if key in set_filters})
    base = catalog.group_counts(by, filtering.to_sql(filtering.normalize(about)))
    counted = catalog.group_counts(by, where)
    ranked = sorted(((v, counted.get(v, 0), n) for v, n in base.items()
                     if n >= least and v not in ("", "Unknown")),
                    key=lambda r: (r[1] / r[2], r[2]), reverse=not asked.fewest)
    if not ranked:  # no value has enough complaints for a rate: the counts alone are given
        return {}
    passing = {}
    if asked.rate_least is not None or asked.rate_most is not None:
        # "below 90%": the values whose rate passes, and of how many that have a rate at all
        low, high = asked.rate_least or 0.0, 1.0 if asked.rate_most is None else asked.rate_most
        rated, ranked = len(ranked), [r for r in ranked if low <= r[1] / r[2] <= high]
        passing = {"rate_passing": {"phrase": asked.passing, "count": len(ranked), "of": rated}}
    return {f"rate_by_{by}": {v: {"count": n, "of": of} for v, n, of in ranked[:shown]}, "rate_least": least,
            **passing}


def _periods(set_filters: dict, by_month: dict[str, int]) -> tuple[tuple[str, str], tuple[str, str]] | None:
    """(the period asked, the one before it of the same length): a year, a quarter or a month
    before one of those; other spans by their days. With no period asked, the set's latest year
    against the one before. A span of whole years ("between 2019 and 2023") is its last year
    against its first: what grew from one to the other, not the five years against the five before."""
    compared = filtering.values(set_filters, "periods")
    if len(compared) == 2:  # "in 2023 compared to 2019": the later against the earlier
        earlier, later = (filtering.period(p) for p in compared)
        return later, earlier
    since, until = set_filters.get("since"), set_filters.get("until")
    if not (since and until):
        if not _dated(by_month):
            return None
        year = int(_dated(by_month)[-1][:4])
        since, until = f"{year}-01-01", f"{year}-12-31"
    start, end = date.fromisoformat(since), date.fromisoformat(until)
    if since[5:] == "01-01" and until[5:] == "12-31" and end.year > start.year:
        return (f"{end.year}-01-01", until), (since, f"{start.year}-12-31")
    if start.day == 1 and (end + timedelta(days=1)).day == 1:  # whole months: the same months before
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        first = start.year * 12 + start.month - 1 - months
        before_start = date(first // 12, first % 12 + 1, 1)
        return (since, until), (before_start.isoformat(), (start - timedelta(days=1)).isoformat())
    days = (end - start).days + 1
    return (since, until), ((start - timedelta(days=days)).isoformat(), (start - timedelta(days=1)).isoformat())


def _growth(catalog: Catalog, set_filters: dict, by: str, by_month: dict[str, int], asked: Breakdown,
            shown: int) -> dict:
    """"Which company had the biggest jump in 2023?": each value's count in the period asked and
    in the one before (two grouped counts), the largest rise first (or fall, for "the biggest drop");
    by month, the set's total in each ("Did complaints about identity theft increase in 2023?")."""
    periods = _periods(set_filters, by_month)
    if periods is None:
        return {}
    (since, until), (before_since, before_until) = periods
    if by == "month":  # "Did complaints about identity theft increase in 2023?": the two totals
        if (date.fromisoformat(until) - date.fromisoformat(since)).days > 366:
            return {}  # "between 2019 and 2023" is two years compared: the counts by year say it
        totals = [catalog.count(filtering.to_sql(filtering.normalize({**set_filters, "since": start, "until": end})))
                  for start, end in ((before_since, before_until), (since, until))]
        out = {"growth_periods": [[before_since, before_until], [since, until]], "growth_totals": totals}
        if not totals[0]:  # none then in the whole index either: an export that skips the period
            out["growth_index_before"] = catalog.count(filtering.to_sql(filtering.normalize(
                {"since": before_since, "until": before_until})))
        return out
    now, before = (catalog.group_counts(by, filtering.to_sql(filtering.normalize({**set_filters, "since": start,
                                                                                "until": end})))
                   for start, end in ((since, until), (before_since, before_until)))
    changes = sorted(((v, now.get(v, 0), before.get(v, 0)) for v in now.keys() | before.keys()
                      if v not in ("", "Unknown")),
                     key=lambda r: (asked.growth * (r[1] - r[2]), r[1]), reverse=True)
    return {f"growth_by_{by}": {v: {"count": n, "before": b} for v, n, b in changes[:shown]},
            "growth_periods": [[before_since, before_until], [since, until]],
            "growth_totals": [sum(before.values()), sum(now.values())]}


def share_base(catalog: Catalog, filters: dict, recorded: dict | None = None, share_of: tuple[str, ...] = ()) -> dict:
    """The complaints a set filtered on how complaints ended is a share of: those under the
    filters on what they are about (`base_total`, `base_scope`); {} where the filters are of one
    kind only. `share_of`: the filter keys the question names as the whole ("What percent of Capital
    One complaints are about credit cards?": the company's), where it names them. One indexed count."""
    about = ({k: v for k, v in filters.items() if k in share_of} if share_of else
             {k: v for k, v in filters.items() if k not in filtering.RESULT_KEYS})
    for key, values in (recorded or {}).items():
        # A field the source stopped recording: a share of the complaints where it was recorded,
        # not of years that cannot say.
        if key in filters:
            about[key] = values
    about = filtering.normalize(about)
    if not about or about == filtering.normalize(filters):
        return {}
    return {"base_total": catalog.count(filtering.to_sql(about)), "base_scope": filtering.describe(about)}
