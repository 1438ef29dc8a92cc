"""Asking questions of the sample through the CLI (`ask --json`) and the Python API."""

import json
import re

import pytest

from index.outcomes import outcome_label

MID_CYCLE = "How does Charter handle mid-cycle cancellations?"
FINAL_BILL_PHRASES = ("$108.43", "PRORATION", "$80.41")


def _ask_json(cli, index, *args):
    result = cli("ask", *args, "--json", "--index", str(index))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _markers(answer: str) -> set[int]:
    return {int(n) for n in re.findall(r"\[(\d+)\]", answer)}


def assert_well_cited(data: dict) -> None:
    refs = [c["ref"] for c in data["citations"]]
    assert refs == list(range(1, len(refs) + 1))
    assert _markers(data["answer"]) <= set(refs)
    assert len({c["complaint_id"] for c in data["citations"]}) == len(refs)  # one citation per complaint


@pytest.fixture(scope="module")
def mid_cycle(cli, sample_index):
    return _ask_json(cli, sample_index, MID_CYCLE)


def _final_bill(citation: dict) -> bool:
    return any(phrase in citation["narrative"] for phrase in FINAL_BILL_PHRASES)


def test_mid_cycle_question_cites_final_bill_complaints_only(mid_cycle):
    assert_well_cited(mid_cycle)
    assert mid_cycle["citations"] and all(_final_bill(c) for c in mid_cycle["citations"])
    assert mid_cycle["backend"] == "evidence"
    assert set(mid_cycle["timings_ms"]) == {"retrieve", "answer", "total"}
    assert mid_cycle["matching"]["count"] >= len(mid_cycle["citations"]) and mid_cycle["matching"]["rule"]


@pytest.mark.xfail(strict=True, reason="issue 8 (marked blocked): without the sample's hand-written concepts, MiniLM scores "
                                       "two of the three final-bill complaints (0.39) no higher than unrelated "
                                       "billing complaints (0.29-0.40), so the relative cut keeps one")
def test_mid_cycle_question_cites_all_three_final_bill_complaints(mid_cycle):
    narratives = [c["narrative"] for c in mid_cycle["citations"]]
    for phrase in FINAL_BILL_PHRASES:
        assert any(phrase in n for n in narratives), phrase


def test_mid_cycle_answer_names_the_policy_and_the_adjustments_with_counts(mid_cycle):
    answer = mid_cycle["answer"]
    assert "Monthly Subscription" in answer
    assert re.search(r"adjustment", answer, re.I)
    # Outcomes are counted over the whole matching set, the cited ones named as its examples.
    total = mid_cycle["matching"]["count"]
    assert re.search(rf"\d+ of {total:,} matching complaints \(\d+%\), among them \[\d", answer)
    # Every line that states something points at complaints.
    for line in answer.splitlines():
        if line.startswith("- "):
            assert _markers(line), line


def test_citations_carry_the_complaint_as_ingested(mid_cycle):
    cited = mid_cycle["citations"][0]
    assert cited["company"] == "Charter Spectrum"
    assert cited["date"].startswith("2025-04-") and cited["type"] == "Billing Issues" and cited["status"] == "Resolved"
    assert "Monthly Subscription" in cited["business_response"]
    assert cited["customer_answers"]
    assert {"adjustment_applied", "policy_cited"} <= set(cited["outcomes"])
    assert cited["quote"] and cited["quote"] in " ".join(
        [cited["narrative"], cited["business_response"], *cited["customer_answers"]])
    assert "**" not in cited["narrative"]


def test_unrelated_question_says_so_and_cites_nothing(cli, sample_index):
    data = _ask_json(cli, sample_index, "What is the boiling point of nitrogen in kelvin?")
    assert data["citations"] == []
    assert "no complaints" in data["answer"].lower()
    assert not _markers(data["answer"])


def test_filters_limit_the_evidence(assistant):
    result = assistant.ask("Could I return my rented cable boxes at the store?", filters={"type": "Order Issues"})
    assert result.citations and {c.type for c in result.citations} == {"Order Issues"}
    denied = assistant.ask("billing complaint", filters={"outcome": "credit_denied"})
    assert denied.citations and all("credit_denied" in c.outcomes for c in denied.citations)
    late = assistant.ask(MID_CYCLE, filters={"since": "2025-04-20"})
    assert all(c.date >= "2025-04-20" for c in late.citations)
    assert "since: 2025-04-20" in late.answer
    none = assistant.ask(MID_CYCLE, filters={"until": "2024-12-31"})
    assert none.citations == [] and "no complaint in the index falls under these filters" in none.answer.lower()


def test_filters_the_question_states_apply_on_the_command_line_as_in_the_browser(cli, sample_index):
    question = "How were billing complaints handled in 2024?"  # the sample's complaints are all from 2025
    data = _ask_json(cli, sample_index, question)
    assert {i["key"] for i in data["implied_filters"]} == {"type", "since", "until"}
    assert data["filters"]["until"] == "2024-12-31" and data["filters"]["type"] == "Billing Issues"
    # Said as what it is: the filters hold nothing, and the index's own dates, not "reword it".
    assert data["citations"] == [] and data["answer"].startswith("No complaint in the index falls under these "
                                                                  "filters (type: Billing Issues; since: 2024-01-01")
    assert "The index holds complaints dated 2025-" in data["answer"] and "Try other words" not in data["answer"]
    literal = _ask_json(cli, sample_index, question, "--no-implied")
    assert literal["implied_filters"] == [] and literal["citations"]
    # A date given on the command line wins over the range the words imply, both of its ends.
    given = _ask_json(cli, sample_index, question, "--since", "2025-01-01")
    assert given["filters"] == {"type": "Billing Issues", "since": "2025-01-01"} and given["citations"]


def test_a_filter_given_on_the_command_line_is_read_as_the_index_holds_it(cli, sample_index, assistant):
    # "spectrum" is how people call Charter Spectrum, in a flag as in a question; its JSON says
    # the filter it applied and how it read the flag.
    spectrum = _ask_json(cli, sample_index, "How are late fees handled?", "--company", "spectrum")
    assert spectrum["filters"] == {"company": "Charter Spectrum"} and spectrum["citations"]
    assert "company “spectrum” read as Charter Spectrum" in spectrum["notes"]
    # A value in another case is the value; one the index does not hold matches nothing, and the
    # note says what the index holds instead of leaving the user to guess.
    assert assistant.ask("How are late fees handled?", filters={"type": "billing issues"}).filters == {
        "type": "Billing Issues"}
    # An outcome tag may be given in words, as answers print it.
    assert assistant.ask("How are late fees handled?", filters={"outcome": "adjustment applied"}).filters == {
        "outcome": ["adjustment_applied"]}
    billing = _ask_json(cli, sample_index, "How are late fees handled?", "--type", "billing")
    assert billing["citations"] == [] and billing["answer"].startswith("No complaint in the index falls under")
    assert ("the index holds no type “billing”; it holds Billing Issues (8), Delivery Issues (1), Order Issues (1)"
            in billing["notes"])


def test_the_api_reads_a_question_as_the_browser_chips_do(assistant):
    from assistant.chat_session import ChatSession

    question = "Which complaints got an adjustment?"
    result = assistant.ask(question)
    turn = ChatSession().prepare(question, assistant.vocabulary(), {})
    assert result.filters == turn.filters == {"outcome": ["adjustment_applied"]}
    assert any(note.startswith("filters read from the question: Outcome") for note in result.notes)
    # The question asks for the filtered complaints themselves: all of them match, however far
    # its words are from theirs (the floor would otherwise say nothing addresses it).
    adjusted = assistant.stats()["by_outcome"]["adjustment_applied"]
    assert result.matching["count"] == adjusted and len(result.citations) == min(adjusted, 8)
    assert all("adjustment_applied" in c.outcomes for c in result.citations)
    chat = assistant.ask(question, filters=turn.filters, implied=False)  # what the browser sends
    assert [c.complaint_id for c in chat.citations] == [c.complaint_id for c in result.citations]


def test_a_filter_value_shown_in_an_answer_is_inert(assistant):
    # A filter's value reaches the answer's words (a name from the files, or what a caller typed):
    # it must not become a citation marker, markup or an image there.
    from assistant.results import CITATION_MARKER

    result = assistant.ask("Do they waive late fees?", filters={"company": "Acme [2] <b>x</b> ![p](http://e.x/t.png)"})
    assert result.citations == [] and "company: Acme ⟦2⟧ ‹b›x‹/b› !⟦p⟧(http://e.x/t.png)" in result.answer
    assert not CITATION_MARKER.search(result.answer) and "<" not in result.answer and "](" not in result.answer


def test_what_happened_in_a_month_is_every_complaint_of_that_month(assistant):
    april = {"since": "2025-04-01", "until": "2025-04-30"}
    result = assistant.ask("What happened in April 2025?")
    assert result.filters == april
    assert result.matching["count"] == assistant.stats(april)["complaints"] > 0 and result.citations


def test_an_abstaining_answer_says_which_complaints_write_its_words(assistant):
    from assistant.evaluation import complaint_text
    from index.keywords import terms

    def writing(stem):
        return {c.complaint_id for c in assistant.iter_complaints() if stem in terms(complaint_text(c))}

    # Nothing reads close enough to cite, but complaints write some of its words: the rarest of them
    # that one writes is named, and the question it suggests finds exactly those.
    result = assistant.ask("Did people have trouble with their cable boxes?")
    assert result.citations == []
    hint = re.search(r"(\d+) complaints? in the index mentions? “(\w+)”", result.answer)
    word = hint.group(2)
    assert word.lower() in result.question.lower() and int(hint.group(1)) == len(writing(terms(word)[0])) > 0
    asked = re.search(r"ask “(.+?)” to read them", result.answer).group(1)
    assert {c.complaint_id for c in assistant.ask(asked).citations} == writing(terms(word)[0])
    # Words no complaint writes add nothing to the abstention.
    assert "mention" not in assistant.ask("What is the recipe for banana bread?").answer
    # Where the best passage reads under the cosine floor but the complaint nearest in meaning also
    # writes the question's words, it answers (it abstained and pointed at that complaint).
    boxes = assistant.ask("complaints about cable boxes")
    said = assistant.ask('Which complaints mention "cable boxes"?')
    assert said.matching["count"] == 1
    assert [c.complaint_id for c in boxes.citations] == [said.citations[0].complaint_id]


def test_the_most_common_outcome_is_the_outcome_breakdown_of_the_whole_set(assistant):
    by_outcome = assistant.stats()["by_outcome"]
    result = assistant.ask("What is the most common outcome?")
    assert result.matching["asked_by"] == "outcome" and result.matching["count"] == assistant.stats()["complaints"]
    top = max(by_outcome, key=by_outcome.get)
    assert "Over the whole set: outcomes: " + outcome_label(top) in result.answer
    fewest = assistant.ask("Which outcomes are least common?").matching["fewest_by_outcome"]
    said = {outcome_label(tag): n for tag, n in by_outcome.items()}  # in words, not as tags
    assert fewest.items() <= said.items() and list(fewest.values()) == sorted(fewest.values())
    assert assistant.ask("How many outcomes are there?").matching["asked_by"] == "outcome"


def test_a_number_of_complaints_asked_for_is_how_many_are_cited(assistant):
    total = assistant.stats()["complaints"]
    for n in (2, 7):
        result = assistant.ask(f"Show me {n} complaints")
        assert len(result.citations) == n and result.matching["count"] == total  # "2" is no word to find


def test_a_filtered_question_about_something_the_index_lacks_still_abstains(assistant):
    result = assistant.ask("Which complaints about a data breach got an adjustment in 2025?")
    assert result.filters["outcome"] == ["adjustment_applied"] and result.filters["since"] == "2025-01-01"
    assert result.citations == [] and result.matching["count"] == 0


def test_a_follow_up_asking_only_how_the_set_breaks_down_keeps_the_set(assistant):
    # A set decided by relevance: the follow-up's own words ("Which types?") searched with the last
    # question's had moved the vector, and the set went from 4 complaints to none.
    first = "How does Charter handle cancellations?"
    base = assistant.ask(first)
    assert base.matching["count"] > 0
    cited = [c.complaint_id for c in base.citations]
    for question, field in (("Which types?", "by_type"), ("By month?", None), ("What were they about?", "by_type")):
        asked = assistant.ask(question, history=[(first, base.answer)])
        assert asked.matching["count"] == base.matching["count"]
        assert [c.complaint_id for c in asked.citations] == cited
        if field:
            assert asked.answer.split("Over the whole set: ", 1)[1].startswith("types: ")


def test_python_api_matches_the_contract_shape(assistant):
    data = assistant.ask("Do they waive late fees?", k=3).to_dict()
    assert {"question", "answer", "backend", "citations", "timings_ms"} <= set(data)
    assert 0 < len(data["citations"]) <= 3
    assert any("late fee" in c["narrative"] for c in data["citations"])
    assert_well_cited(data)
    keys = {"ref", "complaint_id", "company", "date", "type", "status", "narrative", "business_response",
            "customer_answers", "outcomes", "quote", "score"}
    assert all(keys <= set(c) for c in data["citations"])
    assert data["matching"]["count"] >= len(data["citations"])


def test_user_errors_exit_1_with_one_line(cli, sample_index, tmp_path):
    for args in (["ask", "anything", "--index", str(tmp_path / "nowhere")],
                 ["ask", "anything", "--since", "April 2025", "--index", str(sample_index)],
                 ["ask", "  ", "--index", str(sample_index)],
                 ["stats", "--index", str(tmp_path / "nowhere")]):
        result = cli(*args)
        assert result.returncode == 1, args
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert cli("ask").returncode == 2  # usage


def test_stats_counts_the_sample(cli, sample_index):
    result = cli("stats", "--json", "--index", str(sample_index))
    data = json.loads(result.stdout)
    assert data["complaints"] == 10
    assert data["by_type"] == {"Billing Issues": 8, "Delivery Issues": 1, "Order Issues": 1}
    assert data["by_status"] == {"Resolved": 7, "Answered": 3}
    assert data["by_month"] == {"2025-04": 10}
    assert data["by_outcome"]["no_business_response"] == 2
    text = cli("stats", "--index", str(sample_index)).stdout
    assert "Billing Issues" in text and "complaints: 10" in text


def test_sentences_split_as_complaints_are_written():
    from index.sentences import split_sentences

    assert split_sentences("the agent was helpful . two days later , they cut me off . i called") == [
        "the agent was helpful .", "two days later , they cut me off .", "i called"]
    assert split_sentences("AFTER 1. 5 YEARS I MOVED. I spoke with Ms. [redacted] today.") == [
        "AFTER 1. 5 YEARS I MOVED.", "I spoke with Ms. [redacted] today."]


def test_letter_furniture_is_never_quoted_as_what_someone_said():
    from index.sentences import is_boilerplate

    for furniture in ("Sincerely,", "Acme Widgets Corporation", "[redacted], [redacted], CA [redacted] To : "
                      "Consumer Protection Bureau : Complaint regarding [redacted] Name : [redacted].",
                      "This letter is in response to the complaint filed with your office.",
                      "To whom it may concern.", "Thank you for your assistance in this matter.", "Dear Sir or Madam,"):
        assert is_boilerplate(furniture), furniture
    for said in ("They charged me for the whole month after I cancelled.",
                 "I called [redacted] on [redacted] and they refused to refund the fee.",
                 "To whom it may concern, this is my third attempt to correct my credit report.",
                 "Thank you for nothing, the fee is still on my bill."):
        assert not is_boilerplate(said), said


def test_argument_mistakes_are_reported_before_the_model_loads(sample_index):
    import subprocess
    import sys

    code = ("import sys; from assistant.cli import main\n"
            f"rcs = [main(['ask', q, '--index', {str(sample_index)!r}]) for q in ('  ', 'x' * 5000, '?!')]\n"
            "rcs.append(main(['ask', 'late fees?', '--since', 'April 2025', '--index', " + repr(str(sample_index)) + "]))\n"
            "print(rcs, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["[1,", "1,", "1,", "1]", "False", "False"], out.stdout + out.stderr
    assert "the question is empty" in out.stderr and "characters long" in out.stderr and "--since" in out.stderr
    assert "the question has no words" in out.stderr


def test_the_matching_set_is_counted_past_the_first_page_of_results(tmp_path):
    """160 complaints alike but for their dates and amounts (as form letters and a big index's many
    near-twins are), more than one page of 50 search results: the matching set holds them all, and
    the 40 about something else stay out."""
    from assistant import Assistant
    from index import Settings

    billed = [f"I cancelled my Spectrum service mid-cycle on April {1 + i % 28} but was billed ${40 + i}.{10 + i % 80} "
              "for the entire month; they refused to prorate my final bill." for i in range(160)]
    other = [f"The technician who came on April {1 + i % 28} left a cable across my yard and never came back "
             f"to bury it; {i + 2} calls later it is still there." for i in range(40)]
    rows = [{"company": "Charter Spectrum", "date": f"2025-04-{1 + i % 28:02d}", "type": "Billing Issues",
             "status": "Resolved", "narrative": text, "external_id": f"many-{i}"}
            for i, text in enumerate(billed + other)]
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    a = Assistant.open(settings=Settings.from_env(home=tmp_path / "index", chroma_host=""), create=True)
    assert not a.ingest([path]).errors
    matching = a.ask("How does Charter handle mid-cycle cancellations?").matching
    assert "within" in matching["rule"]  # the relative cut, not a label: every complaint is "Billing Issues"
    assert matching["count"] == 160 and "200 best search results" in matching["rule"], matching
    assert "floor" not in matching["rule"]  # the search ran deep enough to see where the cut ends


def test_a_reply_of_short_sentences_is_still_quoted_not_called_missing():
    from assistant.answer_evidence import _said

    rows = [("complaint", 0, "They billed me twice for the same month of service.", None),
            ("business_response", 0, "Account credited.", None), ("business_response", 1, "Sincerely,", None)]
    # Every sentence of this reply is short: quoted anyway, never "no business response".
    assert [r[2] for r in _said(rows, "business_response")] == ["Account credited.", "Sincerely,"]
    assert [r[2] for r in _said(rows, "complaint")] == ["They billed me twice for the same month of service."]


def test_a_topic_left_out_that_no_complaint_writes_leaves_the_set_whole_and_says_so(assistant):
    whole = assistant.stats()["complaints"]
    result = assistant.ask("Complaints excluding equipment returns")
    assert result.filters == {"mentions_none": ["equipment returns"]} and result.matching["count"] == whole
    assert "no complaint in the index writes “equipment returns”: nothing was left out for it" in result.notes
    # Written by some: those are left out, and no note.
    internet = assistant.stats(filters={"mentions": ["internet"]})["complaints"]
    left = assistant.ask("Which complaints don't mention the internet?")
    assert left.matching["count"] == whole - internet and 0 < internet < whole
    assert not any(n.startswith("no complaint in the index writes") for n in left.notes)


def test_a_type_left_out_is_the_other_types(assistant):
    by_type = assistant.stats()["by_type"]
    result = assistant.ask("Complaints excluding billing issues")
    assert result.matching["count"] == sum(n for t, n in by_type.items() if t != "Billing Issues") > 0
    assert "(type: not Billing Issues)" in result.answer
