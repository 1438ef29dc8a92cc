"""Follow-up questions become standalone questions, by rule."""

import re

import pytest

from assistant.followup import is_followup, narrows_by_ending, narrows_to_whom, standalone, topic_of

BILLING = [("How does Charter handle billing disputes?", "answer")]


@pytest.mark.parametrize("question, expected", [
    ("and late fees?", "How does Charter handle late fees?"),
    ("What about early termination fees?", "How does Charter handle early termination fees?"),
    ("late fees?", "How does Charter handle late fees?"),
    ("and in 2024?", "How does Charter handle billing disputes in 2024?"),
    ("2024?", "How does Charter handle billing disputes in 2024?"),
    ("what about March 2025?", "How does Charter handle billing disputes in March 2025?"),
    ("How many of those complaints were resolved?", "How many of billing disputes were resolved?"),
    ("How does Charter handle mid-cycle cancellations?", "How does Charter handle mid-cycle cancellations?"),
])
def test_standalone(question, expected):
    assert standalone(question, BILLING) == expected


def test_no_history_means_no_rewrite():
    assert standalone("and late fees?", []) == "and late fees?"
    assert not is_followup("and late fees?", None)


def test_chained_followups_resolve_from_the_first_question():
    history = [{"role": "user", "content": "Do they waive late fees?"}, {"role": "assistant", "content": "x"},
               {"role": "user", "content": "and reconnection fees?"}, {"role": "assistant", "content": "y"}]
    assert standalone("and in 2025?", history) == "Do they waive reconnection fees in 2025?"


def test_a_question_with_no_words_of_its_own_is_a_follow_up():
    # Nothing beyond words of asking: about the last set. Naming what it counts, it is new.
    assert is_followup("What was the outcome?", BILLING)
    assert is_followup("What happened?", BILLING)
    assert is_followup("Which were closed with explanation?", BILLING)
    assert not is_followup("How many complaints are there?", BILLING)
    assert not is_followup("What do people say about late fees?", BILLING)
    assert standalone("What was the outcome?", BILLING) == "What was the outcome (about billing disputes)?"
    # A pronoun standing for the whole last topic keeps it as the last question said it.
    assert standalone("What happened to them?", BILLING) == "What happened to them (about billing disputes)?"
    # Where it stands where a topic goes, the topic takes its place.
    assert standalone("What did they do about it?", BILLING) == "What did they do about billing disputes?"


def test_a_breakdown_follow_up_searches_the_last_questions_words():
    from assistant.followup import split_asked

    said = standalone("Which types?", BILLING)
    assert said == "How does Charter handle billing disputes: Which types?"
    assert split_asked("Which types?", said) == ("How does Charter handle billing disputes?", "Which types")
    assert split_asked("Give me 3 examples", standalone("Give me 3 examples", BILLING))[0] == BILLING[0][0]
    # A new question, or one with words of its own, is searched as it stands.
    assert split_asked("What about late fees?", standalone("What about late fees?", BILLING)) == (
        "How does Charter handle late fees?", "")
    assert split_asked("Navient: which states?", "Navient: which states?") == ("Navient: which states?", "")
    # The index said as such is the whole index, not the last set.
    assert not is_followup("How many companies are in the index?", BILLING)


def test_a_topic_of_pointing_words_alone_is_the_brackets():
    assert topic_of("Which of the two resolves more of them (about identity theft disputes)?") == (
        "Which of the two resolves more of them about", "identity theft disputes")


def test_topic_of():
    assert topic_of("How does Charter handle billing disputes?") == ("How does Charter handle", "billing disputes")
    assert topic_of("Tell me things") is None


def test_a_question_ending_on_a_pronoun_is_about_the_last_topic():
    assert standalone("What did the business do about it?", [("Do they waive late fees?", "x")]) == \
        "What did the business do about late fees?"
    assert standalone("What is it?", []) == "What is it?"


def _subjects(text):
    # What the index would name in these texts: two companies and a product.
    known = {"equifax": "company", "transunion": "company", "navient": "company", "student loan": "product",
             "mortgages": "product", "texas": "state", "NY": "state", "CA": "state"}
    return [(kind, m.group(0)) for word, kind in known.items()
            for m in [__import__("re").search(rf"\b{word}\b", text, 0 if word.isupper() else re.I)] if m]


def test_the_rest_of_a_set_narrowed_to_how_it_ended_is_the_status_negated():
    def statuses(text):
        return [("status", m.group(0)) for m in re.finditer(r"(?i)\b(?:were\s+resolved|got\s+relief)\b", text)]

    resolved = [("How many complaints were resolved?", "answer")]
    for rest in ("Which ones weren't?", "And the rest?", "What about the others?"):
        assert standalone(rest, resolved, statuses) == "How many complaints were not resolved?", rest
    # ... or how the last follow-up said it ended, in brackets.
    billing = [("What are the billing complaints about?", "a"), ("Which ones were resolved?", "b")]
    assert standalone("And the rest?", billing, statuses) == "What are the billing complaints about (were not resolved)?"
    # A short question with nothing of its own is asked of the last topic, not put in its place.
    assert standalone("What happened?", [("Which complaints are about delivery?", "a")]) == (
        "What happened (about delivery)?")
    relief = [("Which student loan complaints got relief?", "answer")]
    assert standalone("Which ones didn't?", relief, statuses) == "Which student loan complaints did not get relief?"


def test_a_followup_naming_another_company_or_product_asks_the_same_question_about_it():
    history = [("How does Equifax handle identity theft disputes?", "answer")]
    # "Now for ..." too (it was a question of its own).
    assert standalone("Now for TransUnion", history, _subjects) == "How does TransUnion handle identity theft disputes?"
    # Not "How does Equifax handle TransUnion?", nor both companies.
    assert standalone("and TransUnion?", history, _subjects) == "How does TransUnion handle identity theft disputes?"
    chained = history + [("and TransUnion?", "answer")]
    assert standalone("what about in 2019?", chained, _subjects) == (
        "How does TransUnion handle identity theft disputes in 2019?")
    loans = [("How many student loan complaints are there?", "answer")]
    assert standalone("what about mortgages?", loans, _subjects) == "How many mortgages complaints are there?"
    # A kind the first question did not name: the usual rule, the fragment as its topic.
    assert standalone("and mortgages?", history, _subjects) == "How does Equifax handle mortgages?"
    # Another company and another topic: the new company in the same frame, asked about the topic.
    assert standalone("and TransUnion's fees?", history, _subjects) == "How does TransUnion handle fees?"
    # A whole question that points back keeps its own words; the pronoun takes the topic.
    assert standalone("How did TransUnion respond to that?", history, _subjects) == (
        "How did TransUnion respond to identity theft disputes?")
    # After two compared, another one takes the place of both: "What about Navient?" asks of Navient.
    compared = [("How often do Equifax and TransUnion give relief?", "answer")]
    assert standalone("What about Navient?", compared, _subjects) == "How often do Navient give relief?"
    assert standalone("and CA?", [("Complaints from Texas or NY about fees", "answer")], _subjects) == (
        "Complaints from CA about fees?")


def test_a_short_question_for_a_breakdown_asks_it_of_the_last_set():
    loans = [("How many complaints about student loans are there?", "answer")]
    assert is_followup("Which companies?", loans)
    assert standalone("Which companies?", loans) == "How many complaints about student loans are there: Which companies?"
    assert standalone("By year?", loans) == "How many complaints about student loans are there: By year?"
    # A whole new question that happens to rank something is not a follow-up.
    assert standalone("Which states have the most complaints?", loans) == "Which states have the most complaints?"


def test_a_question_that_points_back_keeps_whom_and_where_the_last_one_was_about():
    navient = [("What do people say about Navient?", "answer")]
    # "they" are Navient; the question has no topic of its own, so the last one comes along.
    assert standalone("How did they respond?", navient, _subjects) == "How did they respond (about Navient)?"
    texas = [("Which companies get the most complaints about student loan servicing in Texas?", "answer")]
    assert standalone("How many were closed with monetary relief?", texas, _subjects) == (
        "How many were closed with monetary relief (about student loan servicing in Texas)?")
    # "ones" are the last question's complaints; a company it named is carried beside its topic.
    equifax = [("How does Equifax handle identity theft disputes?", "answer")]
    assert standalone("Show me the 3 most recent ones", equifax, _subjects) == (
        "Show me the 3 most recent ones (about identity theft disputes) (Equifax)?")
    # A chain: the context the last answer carried in brackets is not its topic.
    chain = equifax + [("Do they ever give refunds?", "answer")]
    assert standalone("Which states are they from?", chain, _subjects) == (
        "Which states are they from (about identity theft disputes) (Equifax)?")
    # A product the last question named is carried too.
    assert standalone("What did they say about fees?", [("Complaints about mortgages in Texas", "a")], _subjects) == (
        "What did they say about fees (about mortgages, in Texas)?")
    # "they" inside a question that names its own subject are that subject: a new question.
    assert standalone("Does TransUnion fix errors when they are disputed?", equifax, _subjects) == (
        "Does TransUnion fix errors when they are disputed?")
    # "its" points back as "their" does, and inside a question naming its own subject is that subject.
    assert standalone("How many of its complaints were answered late?", navient, _subjects) == (
        "How many of its complaints were answered late (about Navient)?")
    mortgages = [("What do people say about mortgages?", "answer")]
    assert standalone("How does Equifax handle its disputes?", mortgages, _subjects) == (
        "How does Equifax handle its disputes?")
    # An answer asked of a company with nothing answered is its answer to the last topic; where the
    # last question was only about a company, there is no topic to carry.
    fees = [("Complaints about late fees", "answer")]
    assert standalone("How did Equifax respond?", fees, _subjects) == "How did Equifax respond (about late fees)?"
    assert standalone("How did TransUnion react?", [("What do people say about Equifax?", "a")], _subjects) == (
        "How did TransUnion react?")
    # A question naming its own company carries no other.
    assert standalone("How did TransUnion respond to them?", equifax, _subjects) == (
        "How did TransUnion respond to identity theft disputes?")


def test_a_new_topic_keeps_whom_and_what_the_last_question_was_about():
    # "What about X?" asks X in the last question's place, of the same businesses and products.
    servicers = [("Are there complaints about mortgages servicers mishandling payments?", "answer")]
    assert standalone("What about people who couldn't keep up with the payments?", servicers, _subjects) == (
        "Are there complaints about people who couldn't keep up with the payments (about mortgages)?")
    navient = [("What do people say about Navient in Texas?", "answer")]
    assert standalone("What about late fees?", navient, _subjects) == (
        "What do people say about late fees (Navient, in Texas)?")
    assert standalone("What about late fees?", BILLING, _subjects) == "How does Charter handle late fees?"


def test_a_followup_naming_a_state_or_a_company_narrows_or_swaps_the_last_question():
    ny = [("Complaints from NY about mortgages", "answer")]
    assert standalone("and CA?", ny, _subjects) == "Complaints from CA about mortgages?"
    loans = [("How many student loan complaints are there?", "answer")]
    assert standalone("What about Texas?", loans, _subjects) == "How many student loan complaints are there in Texas?"
    assert standalone("What about Navient?", loans, _subjects) == (
        "How many student loan complaints are there at Navient?")
    # "And in CA?" after a question about Texas is California in its place, not both.
    texas = [("Complaints about student loans in Texas", "answer")]
    assert standalone("And in CA?", texas, _subjects) == "Complaints about student loans in CA?"


def test_a_followup_naming_another_period_asks_it_in_place_of_the_last_one():
    year = [("Which companies had the most complaints in 2019?", "answer")]
    assert standalone("And in 2023?", year) == "Which companies had the most complaints in 2023?"
    assert standalone("2023?", year) == "Which companies had the most complaints in 2023?"
    assert standalone("How many in 2023?", [("How many complaints about escrow were filed in 2019?", "a")]) == (
        "How many complaints about escrow were filed in 2023?")
    since = [("Complaints about Capital One since 2020", "answer")]
    # The other side of the last period, or its other end; a place narrows as before.
    assert standalone("What about before 2020?", since) == "Complaints about Capital One before 2020?"
    assert standalone("until 2022?", since) == "Complaints about Capital One since 2020 until 2022?"
    assert standalone("in Texas?", year) == "Which companies had the most complaints in 2019 in Texas?"


def test_more_ways_of_pointing_back():
    equifax = [("How does Equifax handle identity theft disputes?", "answer")]
    # "those" alone, and "any" of them.
    assert standalone("Which states do those come from?", equifax, _subjects) == (
        "Which states do those come from (about identity theft disputes) (Equifax)?")
    assert standalone("Were any refunded?", equifax, _subjects) == (
        "Were any refunded (about identity theft disputes) (Equifax)?")
    # "of those" is the last topic as the subject it was, so that a product in it is read.
    collectors = [("Show me complaints about debt collectors calling at work", "answer")]
    assert standalone("How many of those were resolved?", collectors) == (
        "How many of the complaints about debt collectors calling at work were resolved?")
    # Those in a place or a period: the last question itself, there or then, so that its set is
    # searched from the same words and only narrowed.
    assert standalone("How many of those were in California?", collectors) == (
        "Show me complaints about debt collectors calling at work in California?")
    assert standalone("Which ones came after 2020?", collectors) == (
        "Show me complaints about debt collectors calling at work after 2020?")
    # What is asked of them is the question's own topic: the last one does not come along.
    navient = [("How does Navient handle payment problems?", "answer")]
    assert standalone("What are their fees?", navient, _subjects) == "What are their fees (Navient)?"
    # A ranking that stops at its superlative ranks the last set; a whole one does not.
    reports = [("Complaints about credit reports in 2023", "answer")]
    assert standalone("Which bureau got the most?", reports) == (
        "Complaints about credit reports in 2023: Which bureau got the most?")
    assert standalone("Which states have the most complaints?", reports) == "Which states have the most complaints?"
    # "Any from ..." narrows; "Any about ..." is a new topic in the same frame.
    assert standalone("Any from servicemembers?", reports) == (
        "Complaints about credit reports in 2023 from servicemembers?")
    # ... as do "Show me the ones from ..." and "Only the ones that ...".
    assert standalone("Show me the ones from California", reports) == (
        "Complaints about credit reports in 2023 from California?")
    # "Any that ..." too: it was a question of its own, about the whole index.
    assert standalone("Any that were closed with relief?", reports) == (
        "Which ones were closed with relief (about credit reports in 2023)?")
    checking = [("Are there complaints about checking accounts?", "answer")]
    assert standalone("Any about the debit card not working?", checking) == (
        "Are there complaints about the debit card not working?")


def test_a_followup_that_asks_only_for_a_share_or_a_new_breakdown_and_one_about_their_product():
    refunds = [("How does Wells Fargo handle overdraft fees?", "a"), ("Do they refund them?", "b")]
    assert standalone("What percentage?", refunds, _subjects) == (
        "Do they refund overdraft fees?")
    # "How many complaints say so?": the count of the last set (it was asked beside it, a set of 4).
    steer = [("Do student loan servicers steer people into forbearance?", "a")]
    assert standalone("How many complaints say so?", steer) == "Do student loan servicers steer people into forbearance?"
    # A second breakdown replaces the first rather than stacking on it.
    loans = [("Complaints about student loans", "a"), ("By state?", "b")]
    assert standalone("Which servicer has the fewest?", loans) == (
        "Complaints about student loans: Which servicer has the fewest?")
    # So does a breakdown asked in a whole sentence ("Break them down by state").
    collectors = [("How many debt collection complaints are there?", "a"), ("Break them down by state", "b")]
    assert standalone("Which company has the most?", collectors) == (
        "How many debt collection complaints are there: Which company has the most?")
    # "their" product keeps whom the last question was about.
    navient = [("What do people say about Navient?", "a")]
    assert standalone("How about their student loan complaints?", navient, _subjects) == (
        "What do people say about their student loan complaints (Navient)?")


def test_a_new_topic_about_their_things_keeps_whom_and_where_and_about_ones_keeps_the_product():
    texas = [("What do people say about student loan payments in Texas?", "a")]
    # "their" are the companies: where they were is kept, the product was part of the old topic.
    assert standalone("What about their fees?", texas, _subjects) == (
        "What do people say about their fees (in Texas)?")
    # "ones" are the complaints: the product comes along.
    assert standalone("What about ones that mention fees?", texas, _subjects) == (
        "What do people say about ones that mention fees (about student loan, in Texas)?")


def test_which_one_of_the_businesses_and_how_it_ended_is_no_topic():
    bureaus = [("How do credit bureaus handle identity theft disputes?", "a")]
    assert topic_of(bureaus[0][0]) == ("How do credit bureaus handle", "identity theft disputes")
    assert standalone("Which one gets the most?", bureaus) == (
        "How do credit bureaus handle identity theft disputes: Which bureaus gets the most?")
    chain = bureaus + [("Which one gets the most?", "b")]
    assert standalone("How many were resolved with relief?", chain) == (
        "How many were resolved with relief (about identity theft disputes)?")


def test_the_companies_of_the_last_question_without_a_topic_of_their_own():
    calls = [("Show me complaints about debt collectors calling at work", "a")]
    assert standalone("What did the companies say?", calls) == (
        "What did the companies say (about debt collectors calling at work)?")
    # One business too (a BBB page's "the business").
    assert standalone("What did the business say?", [("Do they waive late fees?", "a")]) == (
        "What did the business say (about late fees)?")
    # With a topic of its own it is a new question.
    assert standalone("How do the banks handle overdraft fees?", calls) == "How do the banks handle overdraft fees?"


def test_which_one_of_two_companies_asked_in_turn_and_a_ranking_there():
    turns = [("What do people say about Equifax?", "a"), ("What about TransUnion?", "b")]
    # The last question about both, the fragment asked of it (searched as the last question's words).
    assert standalone("Which one has more complaints?", turns, _subjects) == (
        "What do people say about Equifax and TransUnion: Which one has more complaints?")
    # "the least common?" after the most common: the same ranking the other way round.
    common = [("Which issues are most common for checking accounts?", "a")]
    assert standalone("the least common?", common) == "Which issues are least common for checking accounts?"
    assert standalone("And the lowest?", [("Which company has the highest relief rate?", "a")]) == (
        "Which company has the lowest relief rate?")
    assert standalone("Which one has the lowest?", [("Which company has the highest relief rate?", "a")]) == (
        "Which company has the lowest relief rate?")
    # "Which year had more?" after two years asked apart: both years (it was the second's alone).
    years = [("How many complaints in 2023 were about identity theft?", "a"), ("What about 2019?", "b")]
    assert standalone("Which year had more?", years) == (
        "How many complaints in 2023 and in 2019 were about identity theft: Which year had more?")
    # Its businesses ranked, right after a question about them (it was a question of its own about
    # flexibility, which found nothing).
    lenders = [("How do lenders respond to hardship requests?", "a")]
    assert standalone("Which lender is most flexible?", lenders) == (
        "How do lenders respond to hardship requests: Which lender is most flexible?")
    assert standalone("Which lender is most flexible?", [("Complaints about overdraft fees", "a")]) == (
        "Which lender is most flexible?")
    # The superlative asked of the last set: its set stays ("which is the best" was searched alone).
    bureaus = [("How do credit bureaus handle disputes?", "a"), ("Which bureau is the worst?", "b")]
    assert standalone("And which is the best?", bureaus) == "How do credit bureaus handle disputes: Which bureau is the best?"
    assert standalone("Which one has a higher relief rate?", turns, _subjects) == (
        "What do people say about Equifax and TransUnion: Which one has a higher relief rate?")
    # "there" is where the last question was; "How many are there?" is no pointer.
    texas = [("Complaints about mortgages in Texas", "a")]
    assert standalone("Which company is most common there?", texas, _subjects) == (
        "Complaints about mortgages in Texas: Which company is most common?")
    assert standalone("How many complaints are there?", texas, _subjects) == "How many complaints are there?"
    assert standalone("What products are there?", texas, _subjects) == "What products are there?"


def test_it_as_the_subject_the_two_compared_and_what_was_asked_of_the_complaints():
    escrow = [("Tell me about escrow problems with mortgages", "a")]
    # "it" is the last topic when it is the subject of the whole question...
    assert standalone("Is it getting worse?", escrow) == "Is it getting worse (about escrow problems with mortgages)?"
    # ...not when it only opens a new one.
    assert standalone("Is it common for banks to freeze accounts?", escrow) == (
        "Is it common for banks to freeze accounts?")
    assert standalone("Is it true that Equifax ignores disputes?", escrow) == (
        "Is it true that Equifax ignores disputes?")
    # "Which of the two" are the two companies asked about in turn, about the same topic.
    turns = [("How does Equifax handle identity theft disputes?", "a"), ("And TransUnion?", "b")]
    assert standalone("Which of the two resolves more of them?", turns, _subjects) == (
        "How does Equifax and TransUnion handle identity theft disputes: Which of the two resolves more of them?")
    assert standalone("Which one has more complaints?", turns, _subjects) == (
        "How does Equifax and TransUnion handle identity theft disputes: Which one has more complaints?")
    # The complaints' topic ends where what was asked of them begins: Texas is carried as a place.
    texas = [("How many of the complaints about late fees were in Texas?", "a")]
    assert standalone("Did any get a refund?", texas, _subjects) == "Did any get a refund (about late fees) (in Texas)?"


def test_why_more_examples_the_oldest_and_it_before_a_ranking_word():
    synchrony = [("What do people say about Synchrony?", "a")]
    assert standalone("Why?", synchrony) == "What do people say about Synchrony?"
    assert standalone("Give me 3 examples", synchrony) == "What do people say about Synchrony: Give me 3 examples?"
    # In words: it was a question of its own about "examples", and found nothing.
    assert standalone("Show me three examples", synchrony) == (
        "What do people say about Synchrony: Show me three examples?")
    # The other end of the same set, not of the examples asked for before.
    more = synchrony + [("Give me 3 examples", "b")]
    assert standalone("What about the oldest?", more) == "What do people say about Synchrony: the oldest ones?"
    forbearance = [("Complaints about mortgage forbearance", "a")]
    assert standalone("Which company handled it best?", forbearance) == (
        "Which company handled mortgage forbearance best?")
    # A count that only narrows the last set.
    assert standalone("How many in 2023?", forbearance) == "Complaints about mortgage forbearance in 2023?"
    # "that" pointing back keeps the last topic even beside a company of its own.
    disputes = [("How do credit card companies handle disputed charges?", "a")]
    assert standalone("Is that common at Equifax?", disputes, _subjects) == (
        "Is that common at Equifax (about disputed charges)?")


def test_a_new_topic_takes_the_old_ones_place_and_what_was_asked_of_it_stays():
    asked = [("Did any of the complaints about mid-cycle cancellations get an adjustment (Charter)?", "a")]
    assert standalone("What about late fees?", asked) == (
        "Did any of the complaints about late fees get an adjustment (Charter)?")
    # A topic the user wrote with a verb in it is theirs whole.
    assert standalone("What about late fees?", [("Complaints about fees that are hidden", "a")]) == (
        "Complaints about late fees?")


def test_a_followup_that_narrows_the_last_set_to_a_company():
    calls = [("Complaints about debt collectors calling at work", "answer")]
    assert standalone("How many of those were at Encore?", calls) == (
        "Complaints about debt collectors calling at work at Encore?")
    assert narrows_to_whom("How many of those were at Encore?", calls)
    assert narrows_to_whom("Which ones were against Navient?", calls)
    # Not a part of the last set: a new question about a company, a place, or no history.
    assert not narrows_to_whom("What about Encore?", calls)
    assert not narrows_to_whom("How many of those were in Texas?", calls)
    assert not narrows_to_whom("How many of those were at Encore?", [])


def test_how_does_that_compare_to_another_company_asks_the_last_question_of_both():
    experian = [("What are the top complaints against Experian?", "answer")]
    subjects = lambda text: [("company", m.group(0)) for m in re.finditer(r"Experian|Equifax", text)]  # noqa: E731
    for follow in ("How does that compare to Equifax?", "Compare that with Equifax"):
        assert standalone(follow, experian, subjects) == "What are the top complaints against Experian and Equifax?"
    # No company in the last question: nothing to set beside it.
    assert standalone("How does that compare to Equifax?", [("Complaints about late fees", "a")], subjects) == (
        "How does that compare to Equifax (about late fees)?")
    # Said short, and of states or products as of companies.
    assert standalone("versus Equifax?", experian, subjects) == "What are the top complaints against Experian and Equifax?"
    texas = [("What do people complain about in Texas?", "answer")]
    for follow in ("Compared to CA?", "How does that compare to CA?", "and compared with CA?"):
        assert standalone(follow, texas, _subjects) == "What do people complain about in Texas and CA?"
    loans = [("What do people complain about with a student loan?", "answer")]
    assert standalone("Compared to mortgages?", loans, _subjects) == (
        "What do people complain about with a student loan and mortgages?")


def test_the_top_one_is_the_first_value_the_last_answer_listed():
    from assistant.answer_evidence import whole_set_lines

    # The answer as the evidence answerer writes it, so that the reader and the writer agree.
    matching = {"count": 804, "rule": "every complaint under the filters", "asked_by": "issue",
                "by_issue": {"Incorrect information on your report": 214, "Improper use of your report": 200},
                "by_status": {"Closed with explanation": 502}}
    texas = [("What are the most common issues in Texas?", "\n".join(whole_set_lines(matching, 8)))]
    subjects = lambda text: [("state", m.group(0)) for m in re.finditer(r"Texas", text)]  # noqa: E731
    assert standalone("What did the top one say?", texas, subjects) == (
        "What did complaints about Incorrect information on your report say (in Texas)?")
    # A later follow-up resolves it again from the answers before it, as pairs or as chat messages.
    top = "What did complaints about Incorrect information on your report say (in Texas)"
    chained = texas + [("What did the top one say?", "answer")]
    messages = [{"role": role, "content": text} for pair in chained for role, text in zip(("user", "assistant"), pair)]
    for history in (chained, messages):
        assert standalone("Why?", history, subjects) == top + "?"
    # Companies ranked by their own rate; the period of the last question kept.
    rated = {"count": 68, "rule": "r", "asked_by": "company", "rate_least": 10,
             "rate_by_company": {"Midwest Recovery Systems": {"count": 7, "of": 15}}}
    slowest = [("Which companies were slowest to respond in 2019?", "\n".join(whole_set_lines(rated, 8)))]
    assert standalone("Show me the top company", slowest, subjects) == "Show me Midwest Recovery Systems in 2019?"
    # Nothing listed: not read as one.
    plain = [("Tell me about Navient", "\n".join(whole_set_lines({"count": 41, "rule": "r",
                                                                   "by_status": {"Closed": 41}}, 8)))]
    assert "Navient" not in standalone("What did the top one say?", plain, subjects)


def test_a_followup_that_only_asks_how_the_last_set_ended_narrows_it():
    def subjects(text):  # what the index would read: statuses and an outcome, and a company
        known = {r"closed with relief": "status", r"\bresolved\b": "status", r"an adjustment": "outcome",
                 r"Equifax": "company"}
        return [(kind, m.group(0)) for pattern, kind in known.items() for m in re.finditer(pattern, text)]

    calls = [("Complaints about debt collectors calling at work", "answer")]
    assert standalone("How many were closed with relief?", calls, subjects) == (
        "Complaints about debt collectors calling at work (were closed with relief)?")
    for follow in ("How many were closed with relief?", "Did any of them get an adjustment?", "Were any resolved?",
                   "How often does that get closed with relief?"):
        assert narrows_by_ending(follow, calls, subjects), follow
    # Asking for its share again keeps it so; anything beyond how it ended is a question of its own.
    ended = calls + [("How many were closed with relief?", "answer")]
    assert narrows_by_ending("What percentage is that?", ended, subjects) == "How many were closed with relief?"
    # So does asking only how that set breaks down: "Which year had the most?" of those closed with relief.
    assert narrows_by_ending("Which year had the most?", ended, subjects) == "How many were closed with relief?"
    assert not narrows_by_ending("How many were closed with relief at Equifax?", calls, subjects)
    assert not narrows_by_ending("How many were about late fees?", calls, subjects)
    assert not narrows_by_ending("How many were closed with relief?", [], subjects)


def test_a_followup_can_leave_something_out_compare_another_period_or_ask_which_businesses():
    subjects = lambda text: [("company", m.group(0)) for m in re.finditer(r"Equifax|Wells Fargo", text)]  # noqa: E731
    theft = [("Which companies get the most complaints about identity theft?", "answer")]
    assert standalone("What about excluding Equifax?", theft, subjects) == (
        "Which companies get the most complaints about identity theft, excluding Equifax?")
    escrow = [("Complaints about escrow", "answer")]
    assert standalone("Excluding Wells Fargo?", escrow, subjects) == "Complaints about escrow, Excluding Wells Fargo?"
    loans = [("Complaints about student loan servicers in 2019", "answer")]
    assert standalone("How does that compare to 2023?", loans, subjects) == (
        "Complaints about student loan servicers in 2019 versus 2023?")
    fees = [("How many complaints about credit card fees?", "answer")]
    asked = standalone("Which banks?", fees, subjects)
    assert asked == "How many complaints about credit card fees: Which banks?"
    assert standalone("Which one has the highest share?", fees + [("Which banks?", "answer")], subjects) == (
        "How many complaints about credit card fees: Which banks has the highest share?")


def test_a_breakdown_asked_with_no_topic_and_no_word_for_complaints_is_of_the_last_set():
    debts = [("Complaints about debt collection", "answer")]
    assert standalone("What's the average per company?", debts) == (
        "Complaints about debt collection: What's the average per company?")
    assert standalone("Which states had none?", debts) == "Complaints about debt collection: Which states had none?"
    # Saying "complaints" asks it of the whole index.
    assert standalone("Which states have the most complaints?", debts) == "Which states have the most complaints?"
