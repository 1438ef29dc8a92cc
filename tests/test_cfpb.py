"""Real CFPB exports, as a user brings them: every narrative row ingests, and questions in
users' words are answered over the whole matching set with the CFPB's own labels."""

from __future__ import annotations

import json
import re

import numpy as np

from assistant import filters as filtering
from index.catalog import vectors_from_blobs
from index.sentences import is_boilerplate

FILES = {"cfpb_2023-06_export.json": 4339, "cfpb_2015-2020_sample.csv": 1532, "cfpb_small_with_index_column.csv": 647}


def test_all_three_real_exports_ingest_in_one_call_with_every_narrative_row(cfpb_ingest):
    _, report = cfpb_ingest
    assert report["errors"] == []
    by_name = {f["path"].rsplit("/", 1)[-1]: f for f in report["files"]}
    assert {name: by_name[name]["complaints"] for name in FILES} == FILES
    assert {by_name[name]["format"] for name in FILES} == {"cfpb-json", "cfpb-csv"}


def test_sources_lists_what_was_ingested(cfpb_assistant, cli, cfpb_ingest):
    result = cli("sources", "--json", "--index", str(cfpb_ingest[0]))
    assert result.returncode == 0, result.stderr
    listed = {s["source"].rsplit("/", 1)[-1]: s for s in json.loads(result.stdout)}
    # A complaint in two exports belongs to the one ingested last, so counts are at most the file's.
    assert set(listed) == set(FILES)
    assert sum(s["complaints"] for s in listed.values()) == cfpb_assistant.stats()["complaints"]
    assert all(s["ingested_at"] and s["format"].startswith("cfpb") for s in listed.values())


def test_cfpb_fields_are_kept_for_filters_and_counts(cfpb_assistant):
    stats = cfpb_assistant.stats()
    for key in ("by_product", "by_sub_issue", "by_state"):
        assert len(stats[key]) > 3, key
    assert set(stats["by_timely_response"]) == {"Yes", "No"}
    assert sum(stats["by_submitted_via"].values()) == stats["complaints"]  # all "Web" in these exports
    card = cfpb_assistant.stats({"product": "Credit card"})
    assert 0 < card["complaints"] < stats["complaints"]
    assert set(card["by_product"]) == {"Credit card"}


def test_insights_figures_come_from_grouped_counts_that_agree_with_the_records(cfpb_assistant, monkeypatch,
                                                                                  tmp_path):
    """The Insights tab reads grouped counts and the newest rows, never the whole set; what it
    shows must still be what the records say, and its CSV must hold every complaint."""
    import csv
    from collections import Counter

    import app
    from assistant import ui_render as ui

    a = cfpb_assistant
    catalog = a.store.catalog
    company = next(iter(a.stats()["by_company"]))
    for filters in ({}, {"company": company}, {"product": "Credit card"}):
        records = list(a.iter_complaints(filters))
        read = []
        real_complaints = catalog.complaints
        monkeypatch.setattr(catalog, "complaints", lambda ids: read.extend(ids) or real_complaints(ids))
        view = app.insights_view(a, filters)
        monkeypatch.undo()
        assert len(read) == min(len(records), app.TABLE_ROWS)  # the table's rows, and nothing else

        assert view.stats["complaints"] == len(records)
        trend = Counter()
        for c in records:
            for label in [ui.outcome_label(o) for o in dict.fromkeys(c.outcomes)] or ["(no outcome tag)"]:
                trend[(c.month or "Unknown", label)] += 1
        assert view.trend == trend
        for row in view.companies:
            mine = [c for c in records if c.company == row["company"]]
            styles = [{ui.outcome_style(o) for o in c.outcomes} | {ui.status_style(c.status)} for c in mine]
            assert row["complaints"] == len(mine)
            assert row["good"] == sum("good" in s for s in styles)
            assert row["bad"] == sum("bad" in s and "good" not in s for s in styles)
            types = Counter(c.type for c in mine)
            assert types[row["top_type"]] == max(types.values())
        assert [c.date for c in view.newest] == sorted((c.date for c in records), reverse=True)[:app.TABLE_ROWS]

    monkeypatch.setattr(app, "_export_dir", tmp_path)
    path, written = app.export_complaints(a, {"company": company})
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert written == len(rows) == a.stats({"company": company})["complaints"] > 1000
    assert {r["company"] for r in rows} == {company}


def test_a_company_not_in_the_index_is_said_so_and_nothing_else_is_cited(cfpb_assistant):
    result = cfpb_assistant.ask("How does Charter handle mid-cycle cancellations?")
    assert result.citations == []
    assert "no complaints about Charter" in result.answer
    # a compound name whose parts are everyday words ("mobile" is in many bank complaints)
    result = cfpb_assistant.ask("Is T-Mobile still billing people after they cancel?")
    assert result.citations == []
    assert "no complaints about T-Mobile" in result.answer


def test_a_name_that_no_answer_fits_says_how_many_complaints_write_it(cfpb_assistant):
    from assistant.evaluation import complaint_text
    from index.keywords import terms

    def writing(word):
        return sum(1 for c in cfpb_assistant.iter_complaints() if word in terms(complaint_text(c)))

    # No company of that name, and nothing else cited; but the user learns where it is written.
    charter = cfpb_assistant.ask("How does Charter handle mid-cycle cancellations?")
    assert charter.citations == [] and "no complaints about Charter" in charter.answer
    assert f" {writing('charter')} complaint" in charter.answer
    assert "ask “Which complaints mention Charter?” to read them." in charter.answer
    # A name common enough to be searched, which nothing reads close to: the same hint...
    venmo = cfpb_assistant.ask("What do people say about Venmo?")
    assert venmo.citations == [] and "I found no complaints" in venmo.answer
    count = writing("venmo")
    assert f"{count} complaints in the index mention “Venmo”" in venmo.answer
    # ...and the question it suggests finds exactly those.
    assert cfpb_assistant.ask("Which complaints mention Venmo?").matching["count"] == count > 0
    # Under filters the hint also says how many of them fall under those: the question it
    # suggests lists the whole index's.
    years = {c.date[:4] for c in cfpb_assistant.iter_complaints() if "venmo" in terms(complaint_text(c))}
    assert years == {"2023"}
    assert "(all of them under this question's filters)" in cfpb_assistant.ask(
        "What do people say about Venmo in 2023?").answer
    in_2019 = cfpb_assistant.ask("What do people say about Venmo in 2019?")
    assert "(none of them under this question's filters)" in in_2019.answer
    # Nothing close under filters that hold complaints: how many were read is said, so that the
    # filters are not taken for the reason.
    held = cfpb_assistant.stats({"since": "2019-01-01", "until": "2019-12-31"})["complaints"]
    assert in_2019.citations == [] and in_2019.answer.startswith(f"None of the {held:,} complaints under these filters")
    # A name written nowhere adds nothing.
    zelle = cfpb_assistant.ask("Were any complaints about Zelle scams?")
    assert zelle.citations == [] and "mention" not in zelle.answer


def test_company_short_forms_come_from_the_index_names(cfpb_assistant):
    names = cfpb_assistant.company_names()
    for short, full in (("Chase", "JPMORGAN CHASE & CO."), ("Equifax", "EQUIFAX, INC."),
                        ("Wells Fargo", "WELLS FARGO & COMPANY")):
        assert cfpb_assistant.companies_in(f"What does {short} do about this?").companies == [full], short
        assert full in names.names


def test_a_company_given_as_a_filter_is_read_by_the_short_forms_a_question_is(cfpb_assistant):
    # The API (and the CLI's --company) take "chase" as the question's words take "Chase".
    by_company = cfpb_assistant.stats()["by_company"]
    chase = cfpb_assistant.ask("What do people complain about?", filters={"company": "chase"})
    assert chase.filters == {"company": "JPMORGAN CHASE & CO."}
    assert chase.matching["count"] == by_company["JPMORGAN CHASE & CO."]
    assert {c.company for c in chase.citations} == {"JPMORGAN CHASE & CO."}
    assert "company “chase” read as JPMORGAN CHASE & CO." in chase.notes
    both = cfpb_assistant.ask("What do people complain about?", filters={"company": ["chase", "wells fargo"]})
    assert both.matching["count"] == by_company["JPMORGAN CHASE & CO."] + by_company["WELLS FARGO & COMPANY"]
    # A name the index does not hold matches nothing, cites nothing, and the note names the
    # companies it does hold, the largest first.
    unknown = cfpb_assistant.ask("What do people complain about?", filters={"company": "Zzyzx Savings"})
    assert unknown.citations == [] and unknown.answer.startswith("No complaint in the index falls under")
    largest = max(by_company, key=by_company.get)
    assert any(n.startswith(f"the index holds no company “Zzyzx Savings”; it holds {largest} ({by_company[largest]:,})")
               for n in unknown.notes), unknown.notes


def test_whole_set_answer_counts_every_matching_complaint(cfpb_assistant):
    result = cfpb_assistant.ask("How do debt collectors respond when people say the debt isn't theirs?")
    matching = result.to_dict()["matching"]
    assert matching["count"] > len(result.citations) > 0
    assert sum(matching["by_status"].values()) == matching["count"]
    assert sum(matching["by_month"].values()) == matching["count"]
    assert matching["rule"] and f"{matching['count']:,}" in result.answer
    # The set is inspectable: its filters give back exactly the complaints counted.
    assert len(cfpb_assistant.complaints(filters=matching["filters"])) == matching["count"]
    # The CFPB's response category is no business reply: nothing claims the business was silent.
    assert "No business response" not in result.answer


def test_filtered_search_finds_what_chromas_own_filter_finds(cfpb_assistant):
    """The fast filtered paths (nearest of all kept by the catalog; a narrow filter's own chunks, searched
    directly when it holds under 1 / FILTER_OVERFETCH of the index)
    return the filter's nearest chunks, as Chroma's metadata filter would, on 11,918 chunks."""
    from assistant import filters as filtering

    retriever, store = cfpb_assistant.retriever, cfpb_assistant.store
    companies = store.catalog.group_counts("company")
    big, small = next(iter(companies)), [c for c, n in companies.items() if 3 <= n <= 20][0]
    question = "They reported a debt on my credit report that I already paid"
    vector = cfpb_assistant.embed_model.get_query_embedding(question)
    # A company of a handful of complaints is searched within; the largest through the nearest of all.
    assert retriever._narrow(filtering.normalize({"company": small}))
    assert not retriever._narrow(filtering.normalize({"company": big}))
    for filters in ({"company": big}, {"company": small}, {"product": "Credit card"}):
        filters = filtering.normalize(filters)
        ours = retriever._dense(question, vector, filters, 10)
        theirs = store.chunks.query(query_embeddings=[vector], n_results=10, include=["metadatas"],
                                    where=filtering.to_chroma_where(filters))
        assert ours, filters
        found = sorted({cid for _, cid, *_ in ours})
        assert store.catalog.count(filtering.to_sql({**filters, "complaint_id": found})) == len(found), filters
        overlap = len({c for c, *_ in ours} & set(theirs["ids"][0])) / len(theirs["ids"][0])
        assert overlap >= 0.8, (filters, overlap)
    # A filter of a few hundred chunks is scored from their stored vectors: exactly the nearest,
    # with Chroma's own cosines and texts.
    few = filtering.normalize({"company": small})
    ours = retriever._dense(question, vector, few, 5)
    theirs = store.chunks.query(query_embeddings=[vector], n_results=5, include=["distances"],
                                where=filtering.to_chroma_where(few))
    assert {c for c, *_ in ours} == set(theirs["ids"][0])
    texts = store.texts(theirs["ids"][0])
    assert all(texts.values())
    expected = {i: (1 - d, texts[i]) for i, d in zip(theirs["ids"][0], theirs["distances"][0])}
    for chunk, _, _, cosine, text in ours:
        assert abs(cosine - expected[chunk][0]) < 1e-4 and text == expected[chunk][1]


def test_a_question_about_a_company_response_is_answered_over_all_of_them(cfpb_assistant):
    # "monetary relief" names the CFPB's own response category (the index's status values):
    # the answer is every complaint closed that way, as a share of the whole index.
    stats = cfpb_assistant.stats()
    relieved, total = stats["by_status"]["Closed with monetary relief"], stats["complaints"]
    result = cfpb_assistant.ask("How often do companies close the complaint with monetary relief?")
    assert result.filters["status"] == "Closed with monetary relief"
    assert result.matching["count"] == relieved and result.matching["index_total"] == total
    assert f"({relieved / total:.1%} of its {total:,})" in result.answer
    # A company alone, asked about in general: all of its complaints, broken down.
    wells = cfpb_assistant.ask("What do people complain about at Wells Fargo?")
    assert wells.matching["count"] == stats["by_company"]["WELLS FARGO & COMPANY"]
    # Everyday words that still say what is asked are searched, not swapped for the company's all.
    equifax = cfpb_assistant.ask("Why can't people get their credit report from Equifax?")
    assert 0 < equifax.matching["count"] < stats["by_company"]["EQUIFAX, INC."]
    # Its count as a share of the company's complaints, the scope the question set.
    assert equifax.matching["scope_total"] == stats["by_company"]["EQUIFAX, INC."]
    assert f"of the {stats['by_company']['EQUIFAX, INC.']:,} under these filters)" in equifax.answer
    # "closed without explanation" is about closing an account, not a response category.
    closed = cfpb_assistant.ask("Why was my account closed without explanation?")
    assert "status" not in closed.filters


def test_a_state_named_in_the_question_filters_by_the_cfpb_state_field(cfpb_assistant):
    by_state = cfpb_assistant.stats()["by_state"]
    texas = cfpb_assistant.ask("Show me complaints from Texas")
    assert texas.filters["state"] == "TX" and texas.matching["count"] == by_state["TX"]
    # Its outcomes are counted over all of them, not over the 8 cited.
    assert f"of {by_state['TX']:,} matching complaints (" in texas.answer
    # ...and so is the CFPB's "Timely response?" (every CFPB record has one).
    timely = texas.matching["by_timely_response"]
    assert sum(timely.values()) == by_state["TX"] and "the company answered in time: " in texas.answer
    # Its postal code, written as one: the same set.
    assert cfpb_assistant.ask("Show me complaints from TX").matching["count"] == by_state["TX"]
    both = cfpb_assistant.ask("How many complaints came from NY and CA?")
    assert both.filters["state"] == ["CA", "NY"]
    assert both.matching["count"] == by_state["CA"] + by_state["NY"]
    # A state's name is not taken for a company the index lacks.
    nebraska = cfpb_assistant.ask("What do people in Nebraska complain about?")
    assert nebraska.citations and all(c.labels.get("state") == "NE" for c in nebraska.citations)


def test_a_cfpb_tag_named_in_the_question_counts_every_complaint_with_it(cfpb_assistant):
    by_tags = cfpb_assistant.stats()["by_tags"]
    older = sum(n for value, n in by_tags.items() if "Older American" in value.split(", "))
    result = cfpb_assistant.ask("Which complaints came from older Americans?")
    assert result.matching["count"] == older
    assert any(note.endswith("Tags: Older American (“older Americans”)") for note in result.notes)


def test_a_product_named_in_the_question_counts_every_complaint_of_it(cfpb_assistant):
    by_product = cfpb_assistant.stats()["by_product"]
    result = cfpb_assistant.ask("How many student loan complaints are there?")
    assert result.filters == {"product": "Student loan"}
    assert result.matching["count"] == by_product["Student loan"] > 0
    assert all(c.labels["product"] == "Student loan" for c in result.citations)


def test_a_question_with_no_topic_or_filter_is_answered_over_the_whole_index(cfpb_assistant):
    by_company = cfpb_assistant.stats()["by_company"]
    result = cfpb_assistant.ask("Which companies get the most complaints?")
    assert result.matching["count"] == cfpb_assistant.store.count()
    assert list(result.matching["by_company"])[:3] == list(by_company)[:3]
    assert "every complaint in the index" in result.answer
    # Its examples are typical of the index's largest category, not the passages that read
    # closest to "companies" and "complaints" (complaints about complaining).
    largest = next(v for v in cfpb_assistant.stats()["by_sub_issue"] if v not in ("Unknown", ""))
    typical = [c for c in result.citations if c.labels.get("sub_issue") == largest]
    assert len(typical) * 2 >= len(result.citations) > 0


def test_a_question_about_late_answers_counts_the_cfpb_timely_response(cfpb_assistant):
    late = cfpb_assistant.stats()["by_timely_response"]["No"]
    result = cfpb_assistant.ask("How many complaints were not answered on time?")
    assert result.filters == {"timely_response": "No"}
    assert result.matching["count"] == late > 0
    assert "(timely response: No)" in result.answer
    # "Which companies are slowest to respond?" ranks them by their own share answered late.
    slowest = cfpb_assistant.ask("Which companies are slowest to respond?")
    assert slowest.filters == {"timely_response": "No"} and "companies by their own rate" in slowest.answer
    first = max((c for c in cfpb_assistant.stats()["by_company"] if cfpb_assistant.stats(
        filters={"company": c})["complaints"] >= 10),
        key=lambda c: cfpb_assistant.stats(filters={"company": c, "timely_response": "No"})["complaints"]
        / cfpb_assistant.stats(filters={"company": c})["complaints"])
    assert f"(those with 10 complaints or more): {first} " in slowest.answer
    # "fail to respond on time" is the same late answer (it read as answered on time: 113 complaints
    # of one sub-issue about investigations)
    failed = cfpb_assistant.ask("How often do companies fail to respond on time?")
    assert failed.filters == {"timely_response": "No"} and failed.matching["count"] == late


def test_how_complaints_were_sent_is_counted_from_the_cfpb_submitted_via(cfpb_assistant):
    sent = cfpb_assistant.stats()["by_submitted_via"]
    web = cfpb_assistant.ask("How many complaints were filed via the web?")
    assert web.filters == {"submitted_via": "Web"} and web.matching["count"] == sent["Web"] > 0
    # A channel the CFPB records that these exports hold none of is none of them, and the answer
    # says which channels the index holds (it was a search for complaints about phone calls).
    unheld = next(v for v in ("Phone", "Fax", "Postal mail") if v not in sent)
    phone = cfpb_assistant.ask(f"Complaints submitted by {unheld.lower()}")
    assert phone.filters == {"submitted_via": unheld} and phone.matching == {"count": 0} and not phone.citations
    assert "The index holds submitted via: " + ", ".join(f"{v} ({n:,})" for v, n in sorted(
        sent.items(), key=lambda kv: -kv[1])[:5]) in phone.answer, phone.answer


def test_a_company_named_by_a_short_form_alone_is_answered_over_all_its_complaints(cfpb_assistant):
    # "Citi" is no word to search once it has named CITIBANK: in the CLI, and in the app, which
    # sets the company itself (a chip) and asks with implied=False.
    citi = cfpb_assistant.stats()["by_company"]["CITIBANK, N.A."]
    for result in (cfpb_assistant.ask("What about Citi?"),
                   cfpb_assistant.ask("What about Citi?", filters={"company": "CITIBANK, N.A."}, implied=False)):
        assert result.matching["count"] == citi, result.answer


def test_a_question_that_ranks_a_field_is_answered_with_that_breakdown_first(cfpb_assistant):
    by_state = cfpb_assistant.stats()["by_state"]
    result = cfpb_assistant.ask("Which states have the most complaints?")
    assert result.matching["count"] == cfpb_assistant.store.count()
    assert result.matching["asked_by"] == "state"
    assert list(result.matching["by_state"])[:5] == [s for s in by_state if s != "Unknown"][:5]
    top = next(s for s in by_state if s != "Unknown")
    assert f"Over the whole set: states: {top} " in result.answer
    # "most common for mortgages" is the product; where most of its complaints hold no sub-issue
    # (the CFPB left it empty), the answer says how many, not only the few that have one.
    mortgages = cfpb_assistant.stats(filters={"product": "Mortgage"})
    result = cfpb_assistant.ask("Which sub-issues are most common for mortgages?")
    assert result.filters == {"product": "Mortgage"} and result.matching["count"] == mortgages["complaints"]
    unrecorded = mortgages["by_sub_issue"]["Unknown"]
    assert result.matching["asked_by"] == "sub_issue" and result.matching["asked_unrecorded"] == unrecorded
    assert unrecorded * 2 > mortgages["complaints"] and f"none recorded {unrecorded / mortgages['complaints']:.0%} " \
        f"({unrecorded:,})" in result.answer


def test_a_count_threshold_lists_every_value_that_passes_it(cfpb_assistant):
    by_company = cfpb_assistant.stats()["by_company"]
    passing = [c for c, n in by_company.items() if n > 100 and c != "Unknown"]
    result = cfpb_assistant.ask("List the companies with more than 100 complaints")
    assert result.matching["asked_by"] == "company" and result.matching["asked_passing"] == len(passing) > 1
    assert set(result.matching["by_company"]) == set(passing)
    assert f"companies with more than 100 of these complaints: {len(passing)} in all" in result.answer
    # Under a product, and where nothing passes: said so.
    few = [s for s, n in cfpb_assistant.stats()["by_state"].items() if n < 10 and s != "Unknown"]
    assert cfpb_assistant.ask("states with fewer than 10 complaints").matching["asked_passing"] == len(few)
    none = cfpb_assistant.ask("Which companies have more than 100,000 complaints?")
    assert "no companies with more than 100,000 of these complaints" in none.answer


def test_the_biggest_change_ranks_each_value_against_the_period_before(cfpb_assistant):
    result = cfpb_assistant.ask("Which issue had the biggest drop in 2020?")
    assert result.matching["growth_periods"] == [["2019-01-01", "2019-12-31"], ["2020-01-01", "2020-12-31"]]

    def by_issue(year):
        return cfpb_assistant.stats({"since": f"{year}-01-01", "until": f"{year}-12-31"})["by_issue"]

    before, now = by_issue(2019), by_issue(2020)
    falls = sorted(((now.get(v, 0) - before.get(v, 0), v) for v in before.keys() | now.keys() if v != "Unknown"))
    first = falls[0][1]
    assert next(iter(result.matching["growth_by_issue"])) == first
    assert (f"issues by change from 2019 to 2020: {first} {falls[0][0]:+,} ({before[first]:,} to "
            f"{now.get(first, 0):,})") in result.answer


def test_complaints_that_mention_a_word_are_counted_exactly(cfpb_assistant):
    from assistant.evaluation import complaint_text
    from index.keywords import terms

    expected = sum(1 for c in cfpb_assistant.iter_complaints() if "arbitr" in terms(complaint_text(c)))
    result = cfpb_assistant.ask("How many complaints mention arbitration?")
    assert result.filters == {"mentions": ["arbitration"]}
    assert result.matching["count"] == expected > 0
    # Each cited complaint is quoted where it says the word.
    assert result.citations and all("arbitr" in terms(c.quote) for c in result.citations)
    # A quoted phrase: its words side by side, counted exactly and quoted where said.
    expected = sum(1 for c in cfpb_assistant.iter_complaints()
                   if " credit freez " in " " + " ".join(terms(complaint_text(c))) + " ")
    result = cfpb_assistant.ask('Which complaints mention "credit freeze"?')
    assert result.filters == {"mentions": ["credit freeze"]}
    assert result.matching["count"] == expected > 0
    assert all(" credit freez " in f" {' '.join(terms(c.quote))} " for c in result.citations)
    # A name written as one ("Cash App") is its words side by side, though a company's name holds "Cash".
    expected = sum(1 for c in cfpb_assistant.iter_complaints()
                   if " cash app " in " " + " ".join(terms(complaint_text(c))) + " ")
    result = cfpb_assistant.ask("How many complaints mention Cash App?")
    assert result.filters == {"mentions": ["cash app"]} and result.matching["count"] == expected > 0
    # So is a longer name whose words are each common ("credit", "reporting"): it was searched as a topic.
    expected = sum(1 for c in cfpb_assistant.iter_complaints()
                   if " fair credit report act " in " " + " ".join(terms(complaint_text(c))) + " ")
    result = cfpb_assistant.ask("Which complaints mention the Fair Credit Reporting Act?")
    assert result.filters == {"mentions": ["fair credit reporting act"]} and result.matching["count"] == expected > 0
    # Lower-case words side by side that are rare together, one of them everywhere alone ("report"):
    # the phrase as written, under the company named beside it.
    expected = {c.complaint_id for c in cfpb_assistant.iter_complaints()
                if " polic report " in " " + " ".join(terms(complaint_text(c))) + " "}
    result = cfpb_assistant.ask("Which complaints mention a police report?")
    assert result.filters == {"mentions": ["police report"]} and result.matching["count"] == len(expected) > 0
    experian = cfpb_assistant.ask("Complaints about Experian that mention a police report")
    assert experian.filters["mentions"] == ["police report"] and 0 < experian.matching["count"] < len(expected)
    # A company named before "mention" is whom the question is about, held by the index or not.
    charter = cfpb_assistant.ask("How did Charter respond to the ones that mention autopay?")
    assert charter.citations == [] and "no complaints about Charter" in charter.answer
    # "or": any one of them, each complaint once.
    mentioning = {w: {c.complaint_id for c in cfpb_assistant.iter_complaints() if w in terms(complaint_text(c))}
                  for w in ("paypal", "venmo")}
    either = cfpb_assistant.ask("How many complaints mention PayPal or Venmo?")
    assert either.filters == {"mentions_any": ["paypal", "venmo"]} and "(mentions: paypal or venmo)" in either.answer
    assert either.matching["count"] == len(mentioning["paypal"] | mentioning["venmo"]) > max(
        map(len, mentioning.values()))
    nothing = cfpb_assistant.ask("Which complaints mention unicorns?")
    assert nothing.citations == [] and "(mentions: unicorns)" in nothing.answer


def test_a_trend_question_leads_with_the_set_over_time_and_quotes_each_text_once(cfpb_assistant):
    result = cfpb_assistant.ask("What's the trend in credit reporting complaints over time?")
    in_product = cfpb_assistant.stats(filters=result.filters)["complaints"]
    assert result.filters["product"] and all("Credit reporting" in p for p in result.filters["product"])
    assert result.matching["count"] == in_product > 0 and result.matching["asked_by"] == "month"
    assert "Over the whole set: over time: 2015: " in result.answer
    # Counted by year, the months with the most are named too ("Which month had the most ...?").
    by_month = cfpb_assistant.stats(filters=result.filters)["by_month"]
    top = max((m for m in by_month if m[:4].isdigit()), key=lambda m: by_month[m])
    assert f"busiest months: {top} ({by_month[top]:,})" in result.answer
    # Form letters sent by many people are one quoted line with all their markers.
    reports = result.answer.split("**What customers report**")[1].split("\n\n")[0].strip().splitlines()
    texts = [line.rsplit('" ', 1)[0] for line in reports]
    assert len(texts) == len(set(texts))
    assert sorted(int(n) for line in reports for n in re.findall(r"\[(\d+)\]", line.rsplit('" ', 1)[1])) == \
        [c.ref for c in result.citations]


def test_words_that_ask_how_complaints_were_handled_leave_the_filtered_set_whole(cfpb_assistant):
    # "respond" asks what every answer reports: all the servicemembers' complaints, not a search
    # for complaints about responding.
    result = cfpb_assistant.ask("How do companies respond to complaints from servicemembers?")
    assert result.filters.get("tags")
    assert result.matching["count"] == cfpb_assistant.stats(filters=result.filters)["complaints"] > 100
    collectors = cfpb_assistant.ask("Show me complaints from Texas about debt collectors.")
    assert collectors.filters == {"product": "Debt collection", "state": "TX"}
    assert collectors.matching["count"] == cfpb_assistant.stats(filters=collectors.filters)["complaints"] > 0
    # a trend asked of a set is that set over time, not a search for the words "going up or down"
    trend = cfpb_assistant.ask("Are complaints about debt collection going up or down?")
    assert trend.filters == {"product": "Debt collection"}
    assert trend.matching["count"] == cfpb_assistant.stats(filters=trend.filters)["complaints"]


def test_a_year_the_exports_skip_is_said_to_hold_nothing(cfpb_assistant):
    years = sorted({m[:4] for m in cfpb_assistant.stats()["by_month"] if m[:4].isdigit()})
    missing = next(str(y) for y in range(int(years[0]), int(years[-1])) if str(y) not in years)
    result = cfpb_assistant.ask(f"complaints about identity theft in {missing}")
    assert result.citations == [] and result.matching == {"count": 0}
    # Inside the first and last dates, yet empty: the answer says which years hold none.
    assert f"The index holds complaints dated {years[0]}-" in result.answer
    assert missing in result.answer.split("none in ")[1]


def test_a_share_of_a_companys_complaints_is_counted_against_that_company(cfpb_assistant):
    # Of how they ended, and of what they are about ("of Capital One complaints ... about credit cards").
    for question in ("What percentage of Navient complaints were closed with relief?",
                     "What percent of Capital One complaints are about credit cards?"):
        result = cfpb_assistant.ask(question)
        company = result.filters["company"]
        assert len(result.filters) == 2  # the company and one more: the status, or the product
        theirs = cfpb_assistant.stats(filters={"company": company})["complaints"]
        assert result.matching["base_total"] == theirs > result.matching["count"] > 0
        share = result.matching["count"] / theirs
        assert f"({share:.1%} of the {theirs:,} complaints under company: {company})" in result.answer
    # A place said after a verb is the part asked: a share of the mortgage complaints, not of all.
    result = cfpb_assistant.ask("What share of mortgage complaints come from California?")
    assert result.filters == {"product": "Mortgage", "state": "CA"}
    mortgages = cfpb_assistant.stats(filters={"product": "Mortgage"})["complaints"]
    assert result.matching["base_total"] == mortgages > result.matching["count"] > 0
    assert f"({result.matching['count'] / mortgages:.1%} of the {mortgages:,} complaints under product: Mortgage)" \
        in result.answer


def test_a_question_for_the_fewest_gets_the_smallest_values_first(cfpb_assistant):
    result = cfpb_assistant.ask("Which states have the fewest complaints about debt collection?")
    assert result.filters == {"product": "Debt collection"} and result.matching["asked_by"] == "state"
    by_state = {s: n for s, n in cfpb_assistant.stats(filters=result.filters)["by_state"].items()
                if s not in ("Unknown", "")}
    fewest = result.matching["fewest_by_state"]
    assert list(fewest.values()) == sorted(by_state.values())[:len(fewest)]
    assert all(by_state[s] == n for s, n in fewest.items())
    assert "Over the whole set: states with the fewest: " in result.answer


def test_a_brand_names_every_company_of_its_family(cfpb_assistant):
    by_company = cfpb_assistant.stats()["by_company"]
    family = {name: n for name, n in by_company.items() if name.lower().startswith("santander")}
    assert len(family) > 1
    result = cfpb_assistant.ask("What about Santander?")
    assert sorted(result.filters["company"]) == sorted(family)
    assert result.matching["count"] == sum(family.values())
    # "American" is mostly written as "American Express": no family of American companies.
    assert "company" not in cfpb_assistant.ask("How do American banks treat overdrafts?").filters


def test_a_breakdown_asked_with_a_number_lists_that_many(cfpb_assistant):
    by_company = cfpb_assistant.stats()["by_company"]
    result = cfpb_assistant.ask("Which 15 companies have the most complaints?")
    assert result.matching["asked_top"] == 15
    assert list(result.matching["by_company"]) == list(by_company)[:15]
    listed = result.answer.split("Over the whole set: companies: ")[1].split(" · ")[0]
    assert listed.count("; ") == 14 and list(by_company)[14] in listed


def test_a_question_for_the_newest_complaints_cites_them_newest_first(cfpb_assistant):
    chase = "JPMORGAN CHASE & CO."
    result = cfpb_assistant.ask("Show me the 3 most recent complaints about Chase")
    # The whole company is the set (no word of it is a topic), and its three newest are cited.
    assert result.matching["count"] == cfpb_assistant.stats()["by_company"][chase]
    dates = sorted((c.date for c in cfpb_assistant.iter_complaints() if c.company == chase), reverse=True)
    assert [c.date for c in result.citations] == dates[:3]
    assert "The 3 newest are cited below, newest first." in result.answer
    # Under a topic, the topic's newest.
    theft = cfpb_assistant.ask("What are the latest complaints about identity theft?")
    topic = theft.matching["filters"]
    newest = cfpb_assistant.store.catalog.newest_ids(filtering.to_sql(filtering.normalize(topic)), 8)
    assert [c.complaint_id for c in theft.citations] == newest
    # The other end: the oldest dated, oldest first; one where one is asked for.
    earliest = cfpb_assistant.ask("Show me the 3 earliest complaints about Chase")
    assert [c.date for c in earliest.citations] == sorted(d for d in dates if d)[:3]
    assert earliest.matching["examples"] == "oldest"
    assert "The 3 oldest are cited below, oldest first." in earliest.answer
    assert len(cfpb_assistant.ask("What is the oldest complaint?").citations) == 1


def test_followups_keep_whom_and_where_the_conversation_is_about(cfpb_assistant):
    a = cfpb_assistant
    ny = a.ask("Complaints from NY about mortgages")
    ca = a.ask("and CA?", history=[("Complaints from NY about mortgages", ny.answer)])
    assert ca.filters == {"state": "CA", "product": "Mortgage"}
    assert ca.matching["count"] == a.stats({"state": "CA", "product": "Mortgage"})["complaints"] > 0
    relief = a.ask("Which ones got relief?", history=[("Complaints from NY about mortgages", ny.answer),
                                                       ("and CA?", ca.answer)])
    statuses = [s for s in a.stats()["by_status"] if "relief" in s]
    assert relief.filters["status"] == sorted(statuses) and relief.filters["state"] == "CA"
    assert relief.matching["count"] == a.stats(relief.filters)["complaints"]
    navient = "Navient Solutions, LLC."
    said = a.ask("What do people say about Navient?")
    respond = a.ask("How did they respond?", history=[("What do people say about Navient?", said.answer)])
    assert respond.filters == {"company": navient}
    assert respond.matching["count"] == a.stats()["by_company"][navient]


def test_a_share_of_a_field_the_cfpb_stopped_recording_counts_only_where_it_was_recorded(cfpb_assistant):
    disputed = cfpb_assistant.stats()["by_consumer_disputed"]
    recorded = disputed.get("Yes", 0) + disputed.get("No", 0)
    assert 0 < recorded < cfpb_assistant.store.count()  # "Consumer disputed?" ends in 2017
    result = cfpb_assistant.ask("What share of complaints were disputed by the consumer?")
    assert result.filters == {"consumer_disputed": "Yes"}
    assert result.matching["count"] == disputed["Yes"] and result.matching["base_total"] == recorded
    assert f"({disputed['Yes'] / recorded:.1%} of the {recorded:,} complaints under consumer disputed: No or Yes)" \
        in result.answer
    # A company none of whose recorded complaints was disputed: a share of 0, not "no complaint
    # falls under these filters".
    navient = "Navient Solutions, LLC."
    theirs = [c.labels.get("consumer_disputed") for c in cfpb_assistant.iter_complaints({"company": navient})]
    assert "Yes" not in theirs and theirs.count("No") > 0
    none = cfpb_assistant.ask("What percentage of Navient complaints were disputed?")
    assert none.filters == {"company": navient, "consumer_disputed": "Yes"} and none.citations == []
    assert none.matching == {"count": 0}  # as CONTRACT.md has it when nothing matches
    assert none.answer.startswith(f"**0 complaints in the index match** (0% of the {theirs.count('No')} complaints")


def test_a_question_naming_a_few_companies_gives_each_ones_outcomes_side_by_side(cfpb_assistant):
    result = cfpb_assistant.ask("How do Navient and Nelnet compare?")
    companies = ["Navient Solutions, LLC.", "Nelnet, Inc."]
    assert result.filters == {"company": companies}
    expected = {}
    for (company, status), n in cfpb_assistant.pair_counts("company", "status", {"company": companies}).items():
        expected.setdefault(company, {})[status] = n
    assert result.matching["by_company_status"] == expected
    navient = expected[companies[0]]
    top = max(navient, key=navient.get)
    share = navient[top] / sum(navient.values())
    assert f"Navient Solutions, LLC.: {top} {share:.0%} ({navient[top]:,})" in result.answer
    # One company: its outcomes are the set's, said once.
    assert "by_company_status" not in cfpb_assistant.ask("How does Navient handle forbearance?").matching
    # "Which is worse" asks for the comparison: nothing is left to search.
    worse = cfpb_assistant.ask("Which is worse, Navient or Nelnet?")
    assert worse.matching["count"] == sum(cfpb_assistant.stats({"company": companies})["by_company"].values())
    assert worse.matching["by_company_status"] == expected
    # "How does that compare to Equifax?" after Experian's top complaints: both companies, and
    # each one's own top issues beside its outcomes.
    first = "What are the top complaints against Experian?"
    both = cfpb_assistant.ask("How does that compare to Equifax?",
                              history=[(first, cfpb_assistant.ask(first).answer)])
    bureaus = ["EQUIFAX, INC.", "Experian Information Solutions Inc."]
    assert both.filters == {"company": bureaus} and both.matching["asked_by"] == "issue"
    for company in bureaus:
        own = {v: n for v, n in cfpb_assistant.stats({"company": company})["by_issue"].items() if v != "Unknown"}
        assert both.matching["by_company_issue"][company] == dict(list(own.items())[:3])
        top = next(iter(own))
        assert f"{company}: issues: {top} " in both.answer


def test_states_compared_are_counted_side_by_side(cfpb_assistant):
    result = cfpb_assistant.ask("How many complaints in California versus Texas?")
    assert result.filters == {"state": ["CA", "TX"]}
    by_state = {s: cfpb_assistant.stats({"state": s})["complaints"] for s in ("CA", "TX")}
    assert result.matching["count"] == sum(by_state.values()) and result.matching["by_state"] == by_state
    share = by_state["TX"] / sum(by_state.values())
    assert f"states: TX {share:.0%} ({by_state['TX']:,})" in result.answer


def test_a_product_said_in_the_complaints_own_words_is_read_as_that_product(cfpb_assistant):
    # "auto loans" names no product: it voted an 18-complaint label of any product.
    a = cfpb_assistant
    vehicle = a.stats({"product": "Vehicle loan or lease"})["complaints"]
    result = a.ask("Any complaints about auto loans?")
    assert result.filters == {"product": "Vehicle loan or lease"} and result.matching["count"] == vehicle
    assert [(i["key"], i["phrase"]) for i in result.to_dict()["implied_filters"]] == [("product", "auto loans")]


def test_the_unit_a_count_is_asked_in_is_no_topic(cfpb_assistant):
    # "per month" was searched as words: a relative cut of 8 complaints, and no company named.
    a = cfpb_assistant
    result = a.ask("Which company had the most complaints per month in 2023?")
    year = a.stats({"since": "2023-01-01", "until": "2023-12-31"})
    assert result.matching["count"] == year["complaints"] and result.matching["asked_by"] == "company"
    top, n = next(iter(year["by_company"].items()))
    assert f"{top} {n / year['complaints']:.0%} ({n:,})" in result.answer


def test_two_years_compared_are_each_counted_on_its_own_not_with_the_years_between(cfpb_assistant):
    # "2019 compared to 2023" used to read as 2019-2023 and counted 2020's complaints in.
    a = cfpb_assistant
    product = {"product": "Debt collection"}
    years = {y: a.stats({**product, "since": f"{y}-01-01", "until": f"{y}-12-31"})["complaints"] for y in (2019, 2023)}
    between = a.stats({**product, "since": "2019-01-01", "until": "2023-12-31"})["complaints"]
    assert between > sum(years.values())  # the index holds debt collection complaints from 2020 too
    result = a.ask("How many complaints about debt collection in 2019 compared to 2023?")
    assert result.filters == {**product, "periods": ["2019-01-01/2019-12-31", "2023-01-01/2023-12-31"]}
    assert result.matching["count"] == sum(years.values())
    for year, n in years.items():
        assert f"{year}: {n:,} complaints, " in result.answer
    first = "Complaints about debt collection in 2019"
    again = a.ask("Compared to 2023?", history=[(first, a.ask(first).answer)])
    assert again.matching["count"] == sum(years.values())
    # A period with none is said, not left out: the index's mortgage complaints skip 2022.
    mortgages = {"product": "Mortgage"}
    assert a.stats({**mortgages, "since": "2022-01-01", "until": "2022-12-31"})["complaints"] == 0
    in_2023 = a.stats({**mortgages, "since": "2023-01-01", "until": "2023-12-31"})["complaints"]
    first = "What are the top issues for mortgages?"
    history = [(first, a.ask(first).answer)]
    just = a.ask("Just 2023", history=history)  # was every year's 315
    assert just.matching["count"] == in_2023
    history.append(("Just 2023", just.answer))
    versus = a.ask("Compared with 2022?", history=history)
    assert versus.matching["count"] == in_2023 and "2022: none" in versus.answer


def test_a_state_compared_after_a_question_about_another_sets_each_ones_own_beside_it(cfpb_assistant):
    a = cfpb_assistant
    first = "What do people complain about in Florida?"
    result = a.ask("Compared to Georgia?", history=[(first, a.ask(first).answer)])
    assert result.filters == {"state": ["FL", "GA"]} and result.matching["asked_by"] == "issue"
    for state in ("FL", "GA"):
        own = a.stats({"state": state})
        assert result.matching["by_state_status"][state] == {s: n for s, n in own["by_status"].items() if n}
        top = next(iter(result.matching["by_state_issue"][state]))
        assert top == next(v for v in own["by_type"] if v not in ("", "Unknown"))
        assert f"{state}: issues: {top} " in result.answer


def test_what_a_group_complains_about_is_counted_by_issue_and_quoted_by_each_complaints_category(cfpb_assistant):
    a = cfpb_assistant
    tagged = a.stats({"tags": ["Servicemember", "Older American, Servicemember"]})
    result = a.ask("What do servicemembers complain about?")
    assert result.matching["count"] == tagged["complaints"] > 0 and result.matching["asked_by"] == "issue"
    top = next(v for v in tagged["by_type"] if v not in ("", "Unknown"))  # the CFPB issue is the type
    assert f"Over the whole set: issues: {top} " in result.answer
    # No topic was asked, so each complaint is quoted by the short sentence of its own that reads
    # closest to what complaints of its category are about, not to the words of asking.
    gists = a.retriever.gist_vectors(result.citations)
    assert len(gists) == len(result.citations)
    stored = a.store.catalog.sentences([c.complaint_id for c in result.citations])
    asked = np.asarray(a.embed_model.get_query_embedding("What do servicemembers complain about?"))
    moved = 0
    for citation in result.citations:
        rows = [r for r in stored[citation.complaint_id] if r[0] == "complaint" and r[3] is not None
                and not is_boilerplate(r[2])]
        rows = [r for r in rows if len(r[2].split()) <= 35] or rows  # a short one where it has one
        vectors = vectors_from_blobs([r[3] for r in rows])
        assert citation.quote == rows[int(np.argmax(vectors @ gists[citation.complaint_id]))][2]
        moved += citation.quote != rows[int(np.argmax(vectors @ asked))][2]
    assert moved > 0  # and it is not what the question's own vector would have picked


def test_how_long_a_company_takes_to_respond_leads_with_its_timely_response_share(cfpb_assistant):
    equifax = "EQUIFAX, INC."
    timely = cfpb_assistant.stats({"company": equifax})["by_timely_response"]
    result = cfpb_assistant.ask("How long does Equifax take to respond?")
    assert result.filters == {"company": equifax} and result.matching["asked_by"] == "timely_response"
    said = timely.get("Yes", 0) + timely.get("No", 0)
    assert (f"Over the whole set: the company answered in time: {timely['Yes'] / said:.0%} "
            f"({timely['Yes']:,} of {said:,})") in result.answer
    # A whole-sentence breakdown in a follow-up: the set itself, counted by state.
    first = cfpb_assistant.ask("How many debt collection complaints are there?")
    split = cfpb_assistant.ask("Break them down by state", history=[("How many debt collection complaints are there?",
                                                                     first.answer)])
    assert split.matching["count"] == first.matching["count"] and split.matching["asked_by"] == "state"


def test_complaints_named_by_their_cfpb_id_are_answered_as_themselves(cfpb_assistant):
    a = cfpb_assistant
    first, second = [c for c, _ in zip(a.iter_complaints({"company": "Navient Solutions, LLC."}), range(2))]
    result = a.ask(f"What is CFPB complaint {first.external_id} about?")
    assert result.filters == {"complaint_id": [first.complaint_id]} and result.matching["count"] == 1
    assert [c.external_id for c in result.citations] == [first.external_id]
    both = a.ask(f"Compare complaints {first.external_id} and #{second.external_id}")
    assert sorted(c.external_id for c in both.citations) == sorted([first.external_id, second.external_id])
    # "complaints 2023" is a year, not an id; an id the index lacks is said to be missing.
    assert "complaint_id" not in a.ask("How many complaints in 2023?").filters
    missing = a.ask("Show me complaint 99999999")
    assert missing.citations == [] and missing.matching == {"count": 0}
    assert missing.answer == "The index holds no complaint with the id 99999999, so none is cited."


def test_complaints_outside_a_state_are_counted_over_every_other_state(cfpb_assistant):
    by_state = cfpb_assistant.stats()["by_state"]
    result = cfpb_assistant.ask("How many complaints are not from California?")
    others = {s: n for s, n in by_state.items() if s not in ("CA", "Unknown", "")}
    assert sorted(result.filters["state"]) == sorted(others) and result.matching["count"] == sum(others.values())
    assert "CA" not in {c.labels.get("state") for c in result.citations}
    assert "(state: not CA)" in result.answer  # said as asked, not as the other states


def test_how_many_companies_says_how_many_the_set_holds(cfpb_assistant):
    by_company = {c: n for c, n in cfpb_assistant.stats()["by_company"].items() if c not in ("", "Unknown")}
    result = cfpb_assistant.ask("How many companies are in the index?")
    assert result.matching["asked_distinct"] == len(by_company) > 20
    assert len(result.matching["by_company"]) == 20
    assert f"companies: {len(by_company):,} in all, the most first: " in result.answer


def test_the_newest_ones_of_a_set_narrowed_by_how_it_ended_keep_that_ending(cfpb_assistant):
    a = cfpb_assistant
    turns = []
    for question in ("What do people say about Capital One?", "How many got relief?"):
        turns.append((question, a.ask(question, history=turns).answer))
    relief = a.ask("How many got relief?", history=turns[:1])
    newest = a.ask("Show me the newest ones", history=turns)
    assert newest.filters == relief.filters and "status" in newest.filters
    assert newest.matching["count"] == relief.matching["count"] and newest.matching["examples"] == "newest"
    # "they" are the company, not how its complaints ended.
    said = a.ask("What did they say?", history=turns)
    assert said.filters == {"company": "CAPITAL ONE FINANCIAL CORPORATION"}


def test_how_the_last_set_ended_is_asked_of_that_set(cfpb_assistant):
    # "Were any given money back?" after a topic under a company narrows that topic's complaints;
    # the follow-up's ending taken out of its words had left "( )" behind, which moved the vote.
    a = cfpb_assistant
    turns = []
    for question in ("What do people say about Synchrony Bank?", "What about their promotional financing?"):
        turns.append((question, a.ask(question, history=turns)))
    last = turns[-1][1].matching["filters"]
    assert set(last) - {"company"}  # a label decided the set
    refunded = a.ask("Were any given money back?", history=[(q, r.answer) for q, r in turns])
    assert {k: v for k, v in refunded.matching["filters"].items() if k in last} == last
    assert 0 < refunded.matching["count"] == a.stats(refunded.matching["filters"])["complaints"]
    assert refunded.matching["count"] < turns[-1][1].matching["count"]


def test_a_share_said_with_a_verb_of_ending_is_of_the_whole_product(cfpb_assistant):
    # "end" was searched as the topic: 24 complaints of one sub-issue label, not the product's share.
    a = cfpb_assistant
    result = a.ask("What share of credit card complaints end with money back?")
    cards = {"product": ["Credit card", "Credit card or prepaid card"]}
    refunded = a.stats({**cards, "outcome": ["adjustment_applied"]})["complaints"]
    assert result.filters == {**cards, "outcome": ["adjustment_applied"]}
    assert result.matching["count"] == refunded and f"of the {a.stats(cards)['complaints']:,} complaints" in result.answer
    # "vehicle loans" is the product's 114, not the older products' sub-product "Vehicle loan" (8).
    vehicles = a.ask("Are complaints about vehicle loans mostly about repossession?")
    assert vehicles.filters["product"] == "Vehicle loan or lease"


def test_a_company_name_written_apart_is_the_company_and_searched_as_one_word(cfpb_assistant):
    a = cfpb_assistant
    apart, one = a.ask("How does Trans Union handle disputes?"), a.ask("How does TransUnion handle disputes?")
    assert apart.filters == one.filters == {"company": "TRANSUNION INTERMEDIATE HOLDINGS, INC."}
    assert apart.matching["count"] == one.matching["count"] and apart.matching["rule"] == one.matching["rule"]


def test_a_rate_by_value_ranks_each_value_by_its_own_rate(cfpb_assistant):
    a = cfpb_assistant
    result = a.ask("What is the relief rate by product?")
    rates = result.matching["rate_by_product"]
    shares = [r["count"] / r["of"] for r in rates.values()]
    assert len(rates) > 3 and shares == sorted(shares, reverse=True)
    top, counted = next(iter(rates.items()))
    assert counted["of"] == a.stats({"product": top})["complaints"]
    assert "products by their own rate" in result.answer


def test_a_rate_threshold_lists_every_value_whose_own_rate_passes(cfpb_assistant):
    a = cfpb_assistant
    result = a.ask("Which companies have a monetary relief rate above 20%?")
    assert result.filters == {"status": "Closed with monetary relief"}
    rates, passing = result.matching["rate_by_company"], result.matching["rate_passing"]
    assert 0 < passing["count"] == len(rates) < passing["of"]
    assert all(r["count"] / r["of"] > 0.2 and r["of"] >= result.matching["rate_least"] for r in rates.values())
    for company, r in rates.items():
        assert r == {"count": a.stats({"company": company, "status": "Closed with monetary relief"})["complaints"],
                     "of": a.stats({"company": company})["complaints"]}
    # every company with enough complaints and a rate over 20% is there
    by_company = a.stats()["by_company"]
    relief = a.stats({"status": "Closed with monetary relief"})["by_company"]
    over = {c for c, n in by_company.items() if n >= result.matching["rate_least"] and relief.get(c, 0) / n > 0.2
            and c not in ("", "Unknown")}
    assert set(rates) == over
    assert f"rate above 20%: {len(over)} of {passing['of']}" in result.answer


def test_the_highest_rate_ranks_each_value_by_its_own_share(cfpb_assistant):
    a = cfpb_assistant
    relief = "Closed with monetary relief"
    result = a.ask("Which company is most likely to give monetary relief?")
    assert result.filters == {"status": relief} and result.matching["asked_by"] == "company"
    rates = result.matching["rate_by_company"]
    shares = [r["count"] / r["of"] for r in rates.values()]
    assert shares == sorted(shares, reverse=True) and all(r["of"] >= 10 for r in rates.values())
    top, counted = next(iter(rates.items()))
    assert counted == {"count": a.stats({"company": top, "status": relief})["complaints"],
                       "of": a.stats({"company": top})["complaints"]}
    assert f"{top} {counted['count'] / counted['of']:.1%} ({counted['count']} of {counted['of']})" in result.answer
    # The largest count is not the highest rate: the answer is not the plain breakdown.
    assert top != next(iter(a.stats({"status": relief})["by_company"]))
    # A share of a topic's complaints is of that topic's, not of every complaint that ended so.
    share = a.ask("What share of overdraft fee complaints got monetary relief?")
    label = share.matching["filters"]["sub_issue"]
    assert share.matching["base_total"] == a.stats({"sub_issue": label})["complaints"] > share.matching["count"]


def test_a_set_narrowed_to_a_place_or_a_period_is_a_part_of_the_same_set(cfpb_assistant):
    # The topic is decided as for the question without the place or period, then narrowed: a
    # search among one state's complaints alone may vote for another label, and "How many of those
    # were in California?" counted complaints that were not among "those".
    from assistant.filters import NARROWING

    a = cfpb_assistant
    question = "Show me complaints about debt collectors calling at work"
    whole = a.ask(question)
    topic = whole.matching["filters"]
    assert set(topic) - {"product"} and not set(topic) & set(NARROWING)  # a label decided it
    turns = [(question, whole.answer)]
    for follow in ("How many of those were in California?", "Which ones came after 2020?", "What about Texas?"):
        part = a.ask(follow, history=turns)
        narrowed = {k: v for k, v in part.matching["filters"].items() if k in NARROWING}
        assert narrowed and {k: v for k, v in part.matching["filters"].items() if k not in NARROWING} == topic
        assert part.matching["count"] == a.stats({**topic, **narrowed})["complaints"] <= whole.matching["count"]
    # A place with debt collection complaints but none of these: said so, with the set's own size.
    states = a.stats({"product": "Debt collection"})["by_state"]
    held = a.stats(topic)["by_state"]
    empty = next(s for s in sorted(states, key=lambda s: -states[s]) if s not in held and len(s) == 2)
    none = a.ask(f"{question} in {empty}")
    assert none.matching == {"count": 0} and not none.citations
    assert f"{whole.matching['count']} complaints in the index match this question without this filter" in none.answer
    assert f"state: {empty}" in none.answer
    # So is "How many got relief?": voted among the relief complaints alone it took another label.
    relief = a.ask("How many got relief?", history=turns)
    assert {k: v for k, v in relief.matching["filters"].items() if k != "status"} == topic
    assert relief.matching["count"] == a.stats({**topic, "status": relief.matching["filters"]["status"]})["complaints"]
    assert relief.matching["base_total"] == whole.matching["count"]
    # "of those ... at" a company is a part of the same set too; asked afresh, a company's own
    # complaints vote on the topic.
    companies = a.stats(topic)["by_company"]
    company = next(c for c in companies if a.companies_in(f"What about {c}?").companies == [c])
    part = a.ask(f"How many of those were at {company}?", history=turns)
    assert part.matching["filters"] == {**topic, "company": company}
    assert part.matching["count"] == companies[company] > 0
    # None of them at a company the index holds: said so, with the set's own size.
    other = next(c for c in a.stats({"product": "Debt collection"})["by_company"] if c not in companies
                 and a.companies_in(f"What about {c}?").companies == [c])
    none = a.ask(f"How many of those were at {other}?", history=turns)
    assert none.matching == {"count": 0} and f"none of them falls under company: {other}" in none.answer


def test_the_values_a_set_lacks_and_its_average_per_value_are_counted(cfpb_assistant):
    from assistant.query_filters import state_codes

    by_state = cfpb_assistant.stats(filters={"product": "Debt collection"})["by_state"]
    held = set(cfpb_assistant.stats()["by_state"])
    lacking = sorted((set(state_codes()) | held) - set(by_state) - {"Unknown", ""})
    result = cfpb_assistant.ask("Which states had no complaints about debt collection?")
    assert result.matching["none_by_state"] == lacking and lacking
    assert f"states with none of these complaints: {len(lacking)} in all: {lacking[0]}; " in result.answer
    by_company = {c: n for c, n in cfpb_assistant.stats()["by_company"].items() if c != "Unknown"}
    result = cfpb_assistant.ask("What is the average number of complaints per company?")
    average = result.matching["asked_average"]
    assert average["values"] == len(by_company) and average["mean"] == sum(by_company.values()) / len(by_company)
    assert f"{average['mean']:,.1f} complaints each on average" in result.answer


def test_a_topic_left_out_is_counted_as_the_complaints_that_do_not_write_it(cfpb_assistant):
    equifax = cfpb_assistant.stats(filters={"company": "EQUIFAX, INC."})["complaints"]
    writing = cfpb_assistant.stats(filters={"company": "EQUIFAX, INC.", "mentions": ["identity theft"]})["complaints"]
    result = cfpb_assistant.ask("Equifax complaints excluding identity theft")
    assert result.filters == {"company": "EQUIFAX, INC.", "mentions_none": ["identity theft"]}
    assert result.matching["count"] == equifax - writing and 0 < writing < equifax
    assert "not mentioning: identity theft" in result.answer
    # "payday lenders" are the payday loan products' companies.
    payday = cfpb_assistant.ask("Complaints about payday lenders")
    assert set(payday.filters["product"]) == {"Payday loan", "Payday loan, title loan, or personal loan"}


def test_a_company_left_out_is_every_other_company_and_a_follow_up_can_leave_one_out(cfpb_assistant):
    first = "Which companies get the most complaints about identity theft?"
    whole = cfpb_assistant.ask(first)
    topic = {k: v for k, v in whole.matching["filters"].items() if k != "company"}
    equifax = cfpb_assistant.stats(filters={**topic, "company": "EQUIFAX, INC."})["complaints"]
    assert 0 < equifax < whole.matching["count"]
    for result in (cfpb_assistant.ask("Which companies get the most complaints about identity theft other than "
                                      "Equifax?"),
                   cfpb_assistant.ask("What about excluding Equifax?", history=[(first, whole.answer)])):
        assert result.matching["count"] == whole.matching["count"] - equifax, result.answer
        assert "EQUIFAX, INC." not in result.matching["by_company"] and "company: not EQUIFAX, INC." in result.answer
    # The companies left in are no words of the question: escrow is still its topic.
    escrow = cfpb_assistant.ask("Complaints about escrow")
    wells = cfpb_assistant.stats(filters={**escrow.matching["filters"], "company": "WELLS FARGO & COMPANY"})
    left = cfpb_assistant.ask("Excluding Wells Fargo?", history=[("Complaints about escrow", escrow.answer)])
    assert left.matching["count"] == escrow.matching["count"] - wells["complaints"]


def test_a_share_of_what_a_set_is_about_is_each_values_own_rate(cfpb_assistant):
    result = cfpb_assistant.ask("Which state has the highest share of debt collection complaints?")
    rates = result.matching["rate_by_state"]
    top, counted = next(iter(rates.items()))
    every = cfpb_assistant.stats()["by_state"][top]
    collection = cfpb_assistant.stats(filters={"product": "Debt collection", "state": top})["complaints"]
    assert counted == {"count": collection, "of": every} and every >= result.matching["rate_least"]
    assert all(r["count"] / r["of"] <= collection / every for r in rates.values())
    # A field the CFPB stopped recording is a rate among the complaints that record it.
    disputed = cfpb_assistant.ask("Which product has the highest dispute rate?")
    assert disputed.filters == {"consumer_disputed": "Yes"}
    mortgage = disputed.matching["rate_by_product"]["Mortgage"]
    assert mortgage["of"] == cfpb_assistant.stats(filters={"product": "Mortgage", "consumer_disputed": ["No", "Yes"]})[
        "complaints"] < cfpb_assistant.stats(filters={"product": "Mortgage"})["complaints"]


def test_the_apps_chips_leave_a_company_out_as_the_api_does(cfpb_assistant):
    from assistant.chat_session import ChatSession

    question = "Complaints about escrow other than Wells Fargo"
    turn = ChatSession().prepare(question, cfpb_assistant.vocabulary(), {})
    assert [i.chip for i in turn.implied] == ["Company: not WELLS FARGO & COMPANY (“other than Wells Fargo”)"]
    chips = cfpb_assistant.ask(question, filters=turn.filters, implied=False)
    api = cfpb_assistant.ask(question)
    assert chips.matching["count"] == api.matching["count"] and "(company: not WELLS FARGO & COMPANY)" in chips.answer


def test_a_topic_left_out_stays_left_out_in_the_follow_ups_after_it(cfpb_assistant):
    first = "Equifax complaints excluding identity theft"
    left = cfpb_assistant.ask(first)
    they = cfpb_assistant.ask("How were they resolved?", history=[(first, left.answer)])
    assert they.matching["count"] == left.matching["count"] and they.filters["mentions_none"] == ["identity theft"]
    reports = "How many complaints about credit reports?"
    whole = cfpb_assistant.ask(reports)
    ones = cfpb_assistant.ask("Which ones don't mention identity theft?", history=[(reports, whole.answer)])
    writing = cfpb_assistant.stats(filters={**whole.filters, "mentions": ["identity theft"]})["complaints"]
    assert ones.matching["count"] == whole.matching["count"] - writing


def test_a_question_of_change_in_a_year_sets_it_against_the_year_before(cfpb_assistant):
    result = cfpb_assistant.ask("Did Equifax complaints go down in 2020?")
    before = cfpb_assistant.stats(filters={"company": "EQUIFAX, INC.", "since": "2019-01-01",
                                           "until": "2019-12-31"})["complaints"]
    now = result.matching["count"]
    assert result.matching["growth_totals"] == [before, now] and before > now
    assert f"2020: {now:,} against {before:,} in 2019 ({now - before:+,}" in result.answer


def test_a_company_question_quotes_what_customers_say_of_the_topic_not_of_the_company(cfpb_assistant):
    # Every complaint of the set is about the company already: the sentence that merely names
    # it ("Have been an account holder of Wells Fargo bank for over twenty years.") says nothing.
    a = cfpb_assistant
    named = quoted = 0
    for question, name in (("Does Bank of America refund unauthorized transactions?", "bank of america"),
                           ("How does Equifax handle people disputing accounts that don't belong to them?", "equifax")):
        result = a.ask(question)
        assert result.citations and result.filters.get("company")
        topic = np.asarray(a.embed_model.get_query_embedding(re.sub(name, " ", question, flags=re.I)))
        stored = a.store.catalog.sentences([c.complaint_id for c in result.citations])
        for citation in result.citations:
            rows = [r for r in stored[citation.complaint_id] if r[0] == "complaint" and r[3] is not None
                    and not is_boilerplate(r[2])]
            vectors = vectors_from_blobs([r[3] for r in rows])
            assert citation.quote == rows[int(np.argmax(vectors @ topic))][2]
            named += name in citation.quote.lower()
            quoted += 1
    assert quoted >= 10 and named <= quoted / 3, (named, quoted)  # by the whole question: 9 of 13


def test_a_few_companies_compared_on_how_complaints_ended_get_each_ones_own_rate(cfpb_assistant):
    # "1 of the 2,386" says nothing of which bureau gives relief: each one's share of its own does.
    a = cfpb_assistant
    for question, status, lowest_first in (
            ("Which of Wells Fargo and Bank of America gives monetary relief more often?",
             ["Closed with monetary relief"], False),
            ("Does Navient or Nelnet have a lower relief rate?",
             ["Closed with monetary relief", "Closed with non-monetary relief"], True)):
        result = a.ask(question)
        rates = result.matching["rate_by_company"]
        assert len(rates) == 2, question
        for company, rate in rates.items():
            own = a.stats(filters={"company": company})
            assert rate == {"count": sum(own["by_status"].get(s, 0) for s in status), "of": own["complaints"]}
        shares = [r["count"] / r["of"] for r in rates.values()]
        assert shares == sorted(shares, reverse=not lowest_first) and shares[0] != shares[1]
        assert "companies by their own rate: " in result.answer


def test_a_period_left_out_counts_every_complaint_outside_it(cfpb_assistant):
    a = cfpb_assistant
    result = a.ask("Complaints about Equifax not in 2023")
    company = result.filters["company"]
    assert result.filters["outside"] == ["2023-01-01", "2023-12-31"]
    before = a.stats(filters={"company": company, "until": "2022-12-31"})["complaints"]
    after = a.stats(filters={"company": company, "since": "2024-01-01"})["complaints"]
    assert result.matching["count"] == before + after > 0
    assert result.citations and all(not c.date.startswith("2023") for c in result.citations)
    assert "outside: 2023-01-01 to 2023-12-31" in result.answer


def test_a_follow_up_that_asks_nothing_of_its_own_is_about_the_last_set(cfpb_assistant):
    # "How were they closed?", "What was the outcome?", "What happened to them?", "Which were
    # closed with explanation?" after a set read from filters alone: that set (or its part), not a
    # label voted by the word "closed" (1 complaint) or the whole index (6,518).
    a = cfpb_assistant
    first = "Complaints about student loans in Texas"
    base = a.ask(first)
    assert base.filters == {"product": "Student loan", "state": "TX"}
    turns = [(first, base.answer)]
    for question in ("How were they closed?", "What was the outcome?", "What happened to them?"):
        asked = a.ask(question, history=turns)
        assert asked.matching["count"] == base.matching["count"] and asked.matching["filters"] == base.filters
    closed = a.ask("How were they closed?", history=turns)
    companies = a.ask("Which companies?", history=turns + [("How were they closed?", closed.answer)])
    assert companies.matching["count"] == base.matching["count"]
    about = a.ask("What were they about?", history=turns)
    assert about.matching["count"] == base.matching["count"]
    assert about.answer.split("Over the whole set: ", 1)[1].startswith("issues: ")
    explained = a.ask("Which were closed with explanation?", history=turns)
    assert explained.matching["filters"] == {**base.filters, "status": "Closed with explanation"}
    assert 0 < explained.matching["count"] < base.matching["count"]


def test_short_follow_ups_compare_reverse_or_narrow_the_last_sets(cfpb_assistant):
    a = cfpb_assistant

    def chat(*questions):
        turns, results = [], []
        for question in questions:
            results.append(a.ask(question, history=turns))
            turns.append((question, results[-1].answer))
        return results

    # "Which state has more?" after Georgia, then Florida: both states' sets, counted by state.
    georgia, florida, both = chat("What are the top issues in Georgia?", "What about Florida?", "Which state has more?")
    assert both.filters["state"] == ["FL", "GA"]
    assert both.matching["count"] == georgia.matching["count"] + florida.matching["count"]
    assert both.answer.split("Over the whole set: ", 1)[1].startswith("states: FL")
    # "And the lowest?" ranks the same way round the other end.
    highest, lowest = chat("Which company has the highest relief rate?", "And the lowest?")
    assert lowest.matching["count"] == highest.matching["count"]
    def rates(result):
        return [float(r) for r in re.findall(r"(\d+\.\d)% \(", result.answer.split("Over the whole set: ", 1)[1])[:8]]

    assert rates(highest) == sorted(rates(highest), reverse=True)
    assert rates(lowest) == sorted(rates(lowest)) and rates(lowest)[0] < rates(highest)[0]
    # "What about older Americans?" after servicemembers: the tag gives way, the topic stays (the
    # topic gave way: "complaints from servicemembers about older Americans").
    members, older = chat("Show me complaints from servicemembers about mortgages", "What about older Americans?")
    assert older.filters["product"] == members.filters["product"] == "Mortgage"
    assert all("Older American" in t for t in older.filters["tags"]) and older.filters["tags"] != members.filters["tags"]
    # "Which bureau is slowest to respond?" after a question about bureaus: that set's late ones,
    # each bureau's rate over its part of that set (the late ones voted a topic of their own).
    disputes, slowest = chat("How do credit bureaus handle disputes?", "Which bureau is slowest to respond?")
    assert slowest.filters["timely_response"] == "No" and slowest.matching["rule"].split(" (")[0] == (
        disputes.matching["rule"].split(" (")[0])
    assert slowest.matching["count"] <= disputes.matching["count"] and slowest.matching["asked_by"] == "company"
    # "Which year had more?" after two years asked apart: both years, each counted on its own.
    in_2019, in_2023, both = chat("Complaints about Navient in 2019", "And in 2023?", "Which of the two years had fewer?")
    assert both.matching["count"] == in_2019.matching["count"] + in_2023.matching["count"]
    assert both.filters["periods"] == ["2019-01-01/2019-12-31", "2023-01-01/2023-12-31"]
    # "Which one has more?" after two companies on one topic: both sets, not an abstention.
    navient, nelnet, more = chat("How does Navient handle forbearance?", "What about Nelnet?", "Which one has more?")
    assert sorted(more.filters["company"]) == ["Navient Solutions, LLC.", "Nelnet, Inc."]
    assert more.matching["count"] > 0 and more.citations
    # "Show me the ones from California", "Any from servicemembers?": the last set, narrowed.
    fraud, servicemembers = chat("How does Wells Fargo handle fraud claims?", "Any from servicemembers?")
    assert "tags" in servicemembers.filters and servicemembers.filters["company"] == fraud.filters["company"]
    # A breakdown asked of a set read from a mention keeps the mention ("states" is no word to find).
    foreclosure, states = chat("How many complaints mention foreclosure?", "Which states?")
    assert states.filters == foreclosure.filters == {"mentions": ["foreclosure"]}
    assert states.matching["count"] == foreclosure.matching["count"]
    first, california = chat("How do debt collectors handle disputes about medical debt?",
                             "Show me the ones from California")
    assert california.filters == {**first.filters, "state": "CA"}
    assert california.matching["count"] <= first.matching["count"]
    # "Any that got money back?" was the whole index's 197 adjustments, credits and refunds.
    texas, relief = chat("Complaints about student loans in Texas", "Any that were closed with relief?")
    assert relief.filters["state"] == "TX" and relief.filters["product"] == "Student loan"
    assert 0 < relief.matching["count"] < texas.matching["count"]
    # "Which ones didn't?": the rest of the set, so the two add up to the product's whole.
    got, rest = chat("Which student loan complaints got relief?", "Which ones didn't?")
    loans = a.stats({"product": "Student loan"})["complaints"]
    assert got.matching["count"] + rest.matching["count"] == loans and rest.filters["product"] == "Student loan"


def test_where_the_model_fails_the_answer_shown_is_the_evidence_backends_own(cfpb_assistant, cfpb_ingest):
    import socket

    from assistant import Assistant
    from index import Settings

    question = "What do Wells Fargo customers say about overdraft fees?"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))  # bound, never listening: the model's server refuses
        down = Assistant.open(settings=Settings.from_env(
            home=cfpb_ingest[0], chroma_host="", openai_base_url=f"http://127.0.0.1:{s.getsockname()[1]}/v1",
            llm_model="any", llm_timeout_s=5.0))
        failed = down.ask(question, k=3, backend="openai")
    assert failed.guard["fallback"] is True
    # Quoted alike: by the question without the company's name (the fallback quoted by the whole
    # question, and picked the sentences that name Wells Fargo).
    assert failed.answer.split("\n\n", 1)[1] == cfpb_assistant.ask(question, k=3).answer
