"""Filters a question implies, proposed only with values the index holds."""

import pytest

from assistant.breakdowns import Newest, Shown, breakdown_asked, newest_asked, shown_asked
from assistant.companies import CompanyNames
from assistant.query_filters import Implied, Vocabulary, applied, detect, leftover, merge, not_given
from assistant.question_products import products_alike

VOCAB = Vocabulary(companies=["Charter Spectrum", "Comcast"], types=["Billing Issues", "Delivery Issues"],
                   statuses=["Resolved", "Answered"],
                   outcomes=["credit_denied", "adjustment_applied", "customer_accepted", "customer_rejected"])


def found(question, vocabulary=VOCAB):
    return {i.key: i.value for i in detect(question, vocabulary)}


def test_year_month_and_open_ranges():
    assert found("billing complaints in 2025") == {"type": "Billing Issues", "since": "2025-01-01",
                                                   "until": "2025-12-31"}
    assert found("what happened in April 2025?") == {"since": "2025-04-01", "until": "2025-04-30"}
    assert found("since March 2025") == {"since": "2025-03-01"}
    assert found("after 2024") == {"since": "2025-01-01"}
    assert found("before 2025") == {"until": "2024-12-31"}
    assert found("between Jan 2024 and Feb 2024") == {"since": "2024-01-01", "until": "2024-02-29"}


def test_status_uses_what_the_index_holds():
    assert found("unresolved complaints") == {"status": "Answered"}
    assert found("only resolved complaints") == {"status": "Resolved"}
    assert found("how were they resolved?") == {}  # a verb, not a filter
    assert found("How were billing complaints resolved?") == {"type": "Billing Issues"}
    # ...but counted or listed, the ones that were are those with the status.
    assert found("How many complaints were resolved?") == {"status": "Resolved"}
    assert found("Which complaints about billing were actually resolved?") == {"status": "Resolved",
                                                                              "type": "Billing Issues"}
    # Asked of the business: "How many did Spectrum resolve?"
    assert found("How many complaints did the business resolve?") == {"status": "Resolved"}
    assert found("How does the business resolve billing complaints?") == {"type": "Billing Issues"}
    assert found("Which ones were resolved (about late fees)?") == {"status": "Resolved"}
    with_unresolved = Vocabulary(statuses=["Resolved", "Unresolved"])
    assert found("still unresolved", with_unresolved) == {"status": "Unresolved"}
    # "still" is read with it: left behind, it was a word to search ("still" is rare in a small
    # index), and "Which complaints are still unresolved?" found none of the unresolved ones.
    assert [i.phrase for i in detect("Which complaints are still unresolved?", VOCAB)] == ["still unresolved"]


def test_type_only_when_present():
    assert found("delivery problems") == {"type": "Delivery Issues"}
    assert found("order issues") == {}
    assert found("How does Charter handle billing disputes?") == {"company": "Charter Spectrum"}


def test_a_type_named_by_a_stop_word_is_never_read_from_one():
    # The CFPB has an issue called "Other"; "What have other people run into?" does not mean it.
    cfpb = Vocabulary(types=["Other", "Incorrect information on your report", "Closing an account"])
    assert found("What have other people run into?", cfpb) == {}
    assert found("trouble closing an account", cfpb) == {"type": "Closing an account"}


def test_a_company_chip_quotes_the_words_the_question_used():
    # The API's rule (CompanyNames) names the company; the chip quotes the user, not the index.
    names = CompanyNames(["Charter Spectrum", "BANK OF AMERICA, NATIONAL ASSOCIATION", "Comcast"])
    vocabulary = Vocabulary(companies=names.names, companies_in=lambda q: names.match(q, lambda stems: 1.0))
    chips = detect("How does Charter handle cancellations?", vocabulary)
    assert [(i.value, i.phrase) for i in chips] == [("Charter Spectrum", "Charter")]
    chips = detect("Does Bank of America waive fees?", vocabulary)
    assert [i.phrase for i in chips] == ["Bank of America"]
    # ...and the quoted words leave the question, as every chip's phrase does.
    question = "How does Charter handle cancellations?"
    assert "charter" not in leftover(question, detect(question, vocabulary))


def test_company_needs_more_than_one_in_the_index():
    assert found("How does Charter handle it?", Vocabulary(companies=["Charter Spectrum"])) == {}


def test_a_status_received_is_read_where_the_word_received_is_the_statuses_own():
    cfpb = Vocabulary(statuses=["Closed with monetary relief", "Closed with non-monetary relief",
                                "Closed with explanation", "Untimely response", "In progress", "Closed"])
    assert found("Which ones got relief?", cfpb) == {"status": ("Closed with monetary relief",
                                                                 "Closed with non-monetary relief")}
    assert found("Did anyone get an explanation?", cfpb) == {"status": "Closed with explanation"}
    assert found("I never got relief", cfpb) == {}
    assert found("How many got a response?", cfpb) == {}  # not "Untimely response"
    # Said from the company's side: given, provided, or closed with.
    relief = {"status": ("Closed with monetary relief", "Closed with non-monetary relief")}
    assert found("Which company gives relief most often?", cfpb) == relief
    assert found("Which company resolves the most complaints with relief?", cfpb) == relief
    assert [i.phrase for i in detect("Which companies close complaints with explanation most often?", cfpb)] == [
        "close complaints with explanation"]
    assert found("complaints about debt relief companies", cfpb) == {}


def test_a_status_is_read_by_the_words_that_set_it_apart():
    cfpb = Vocabulary(statuses=["Closed with explanation", "Closed with monetary relief", "Closed",
                                "Closed with non-monetary relief", "In progress", "Untimely response"])
    chips = detect("How often do companies close the complaint with monetary relief?", cfpb)
    assert [(i.value, i.phrase) for i in chips] == [("Closed with monetary relief",
                                                     "close the complaint with monetary relief")]
    assert found("Which complaints got non-monetary relief?", cfpb) == {"status": "Closed with non-monetary relief"}
    assert found("untimely responses from lenders", cfpb) == {"status": "Untimely response"}
    # One distinguishing word alone is as often the topic: never read.
    assert found("Why was my account closed without explanation?", cfpb) == {}
    assert found("Do they offer debt relief?", cfpb) == {}
    # "in progress" is the status's whole name, said of complaints (not of one's own dispute).
    assert found("complaints still in progress", cfpb) == {"status": "In progress"}
    # The head word most statuses share, with one word of their own: every status it names.
    assert found("What share of Navient complaints were closed with relief?", cfpb) == {
        "status": ("Closed with monetary relief", "Closed with non-monetary relief")}
    assert found("How many were closed with explanation?", cfpb) == {"status": "Closed with explanation"}
    assert found("My account was closed with no explanation", cfpb) == {}
    # How it ended is asked with the status; negated, the status names the others of its head word.
    ended = detect("What share of mortgage complaints ended with monetary relief?", cfpb)
    assert [(i.value, i.phrase) for i in ended] == [("Closed with monetary relief", "ended with monetary relief")]
    others = ("Closed", "Closed with explanation", "Closed with non-monetary relief")
    assert [(i.value, i.phrase) for i in detect("Complaints closed without monetary relief", cfpb)] == [
        (others, "closed without monetary relief")]
    assert found("How many complaints didn't get monetary relief?", cfpb) == {"status": others}
    # Relief not received, said of the complaints: every status without it (it read nothing).
    unrelieved = {"status": ("Closed", "Closed with explanation", "In progress", "Untimely response")}
    assert found("Which complaints didn't get any relief?", cfpb) == unrelieved
    assert found("How many got no relief?", cfpb) == unrelieved
    assert found("Which companies never gave relief?", cfpb) == {}  # asked of companies
    # "weren't resolved" as "not resolved" (it read nothing either).
    assert found("How many complaints weren't resolved?", VOCAB) == {"status": "Answered"}
    assert found("How many complaints ended in non-monetary relief?", cfpb) == {
        "status": "Closed with non-monetary relief"}
    # A verb of ending stands for the head word.
    assert found("How many were resolved with relief?", cfpb) == {
        "status": ("Closed with monetary relief", "Closed with non-monetary relief")}
    assert found("complaints that ended with an explanation", cfpb) == {"status": "Closed with explanation"}
    # Negated, the statuses of that head without the word ("Which complaints were closed without relief?").
    assert found("resolved with no relief", cfpb) == {"status": ("Closed", "Closed with explanation")}
    assert found("Which complaints were closed without relief?", cfpb) == {
        "status": ("Closed", "Closed with explanation")}
    # "never" is said of companies, not of complaints: no status.
    assert found("Which companies never gave monetary relief?", cfpb) == {}


def test_a_state_is_read_by_its_name_only_where_it_says_where():
    states = Vocabulary(states=["TX", "NY", "IN", "OR", "WA", "CA"])
    assert found("Show me complaints from Texas", states) == {"state": "TX"}
    assert found("complaints in New York since 2020", states) == {"state": "NY", "since": "2020-01-01"}
    assert found("in Indiana or in Oregon", states) == {"state": ("IN", "OR")}
    assert found("complaints from Texas Capital Bank", states) == {}  # a company's name
    # Asked alone, a name is the state (it was searched as a word: nothing close).
    assert found("Texas?", states) == {"state": "TX"} and found("New York.", states) == {"state": "NY"}
    assert found("OR", states) == {}
    assert found("What about in Washington Mutual?", states) == {}
    assert found("complaints in Ohio", states) == {}  # not a state the index holds
    assert found("Can I opt in or out?", states) == {}
    # A code is read as written by someone naming a state: capitals, after "in" or "from".
    assert found("complaints from NY since 2020", states) == {"state": "NY", "since": "2020-01-01"}
    assert found("What about borrowers in TX and WA?", states) == {"state": ("TX", "WA")}
    assert found("in New York, Texas or Washington", states) == {"state": ("NY", "TX", "WA")}
    assert found("How many complaints in California versus Texas?", states) == {"state": ("CA", "TX")}
    assert found("from Texas compared to Washington", states) == {"state": ("TX", "WA")}
    assert found("complaints from ny", states) == {}  # lower case: too often a word
    assert found("I AM IN DEBT FROM TX", states) == {}  # shouted: every word is capitals
    assert found("Can I opt in OR out?", states) == {}  # a code that is an English word
    assert found("Complaints from NY Community Bank", states) == {}  # a company's name


def test_a_tag_is_read_with_every_value_that_holds_it():
    # The CFPB joins tags in one value; a question about servicemembers means both values with it.
    tags = Vocabulary(tags=["Older American", "Older American, Servicemember", "Servicemember"])
    chips = detect("How do debt collectors treat servicemembers?", tags)
    assert [(i.value, i.chip) for i in chips] == [(("Older American, Servicemember", "Servicemember"),
                                                  "Tags: Servicemember (“servicemembers”)")]
    assert found("How do banks treat older Americans?", tags) == {"tags": ("Older American",
                                                                           "Older American, Servicemember")}
    assert found("American Express fees", tags) == {}


def test_a_product_is_read_where_it_is_the_questions_subject():
    cfpb = Vocabulary(products=["Mortgage", "Debt collection", "Credit card", "Credit card or prepaid card",
                                "Vehicle loan or lease", "Checking or savings account", "Bank account or service"],
                      sub_products=["Credit card debt", "Checking account", "Loan", "Lease"],
                      alike={"Bank account or service": ["Checking or savings account"],
                             "Checking or savings account": ["Bank account or service"]})
    assert found("How do mortgage companies treat late payers?", cfpb) == {"product": "Mortgage"}
    assert found("What do people complain about with mortgages?", cfpb) == {"product": "Mortgage"}
    chips = detect("How do credit card companies handle late fees?", cfpb)
    assert [(i.value, i.chip) for i in chips] == [(("Credit card", "Credit card or prepaid card"),
                                                  "Product: Credit card (“credit card”)")]
    # The longer name wins: a collector's credit card debt is not the credit card product.
    assert found("How do collectors handle credit card debt complaints?", cfpb) == {"sub_product": "Credit card debt"}
    # The same category under its older name comes with it.
    assert found("problems with their bank accounts", cfpb) == {
        "product": ("Bank account or service", "Checking or savings account")}
    # A passing mention, a listed one-word name ("lease", "Checking") or a sub-product's one word
    # ("Loan") is not read.
    assert found("I checked my mortgage statement", cfpb) == {}
    assert found("Can I break my lease early?", cfpb) == {}
    assert found("loan complaints", cfpb) == {}
    # The product's last word as the noun for who does it: collectors do debt collection.
    assert found("complaints from Texas about debt collectors", cfpb) == {"product": "Debt collection"}
    assert found("A debt collector called my work", cfpb) == {}
    # After "by" only the noun for who does it: who treated them, not how they paid.
    assert found("Are older Americans treated differently by debt collectors?", cfpb) == {"product": "Debt collection"}
    assert found("What's the share of untimely responses for debt collectors?", cfpb) == {"product": "Debt collection"}
    assert found("I paid by credit card and was charged twice", cfpb) == {}
    # What a comparison is on; "on" elsewhere is where something was written.
    assert found("Compare Chase and Bank of America on checking accounts", cfpb) == {"sub_product": "Checking account"}
    assert found("They put late payments on my mortgage statement", cfpb) == {}
    # So is a business counted or ranked.
    assert found("Which debt collector gets the most complaints?", cfpb) == {"product": "Debt collection"}
    assert found("Complaints per debt collector", cfpb) == {"product": "Debt collection"}
    # "for" after the words for complaints, not after any verb.
    assert found("What is the most common issue for credit cards?", cfpb) == {
        "product": ("Credit card", "Credit card or prepaid card")}
    # A company's name between ("issues for Capital One credit cards") leaves the product the
    # subject; it used to be no product, and the question took a 2-complaint label.
    assert found("Top issues for Capital One credit cards", cfpb) == {
        "product": ("Credit card", "Credit card or prepaid card")}
    assert found("complaints about Chase's mortgages", cfpb) == {"product": "Mortgage"}
    assert found("complaints about late mortgage payments", cfpb) == {}  # lower case: a word, not a name
    assert found("Which issues are most common for mortgages?", cfpb) == {"product": "Mortgage"}
    assert found("I applied for a mortgage and was turned down", cfpb) == {}
    assert found("Which servicer is worst for student loans?", Vocabulary(products=["Student loan"])) == {
        "product": "Student loan"}
    # "under" a product: the category a ranking is asked within.
    assert found("Top 5 sub-issues under debt collection", cfpb) == {"product": "Debt collection"}
    # A product that lists several names yields to the sub-product that is the one said; a name
    # ending in "services" is said without it too.
    reports = Vocabulary(products=["Credit reporting, credit repair services, or other personal consumer reports",
                                   "Credit card"],
                         sub_products=["Credit repair services", "Credit reporting", "Credit card"])
    assert found("List the complaints about credit repair companies", reports) == {
        "sub_product": "Credit repair services"}
    assert found("credit card complaints", reports) == {"product": "Credit card"}
    # ... only where the sub-product lies under that product: "Vehicle loan" is the older Consumer
    # Loan's (8 complaints), "vehicle loans" the 114 of "Vehicle loan or lease".
    parents = {"Credit repair services": {reports.products[0]}, "Vehicle loan": {"Consumer Loan"}}
    vehicles = Vocabulary(products=[reports.products[0], "Vehicle loan or lease", "Consumer Loan"],
                          sub_products=["Credit repair services", "Vehicle loan"], parents=parents)
    assert found("Are complaints about vehicle loans mostly about repossession?", vehicles) == {
        "product": "Vehicle loan or lease"}
    assert found("List the complaints about credit repair companies", vehicles) == {
        "sub_product": "Credit repair services"}


def test_products_alike_are_one_category_under_two_names():
    pairs = {("Bank account or service", "Checking account"): 11, ("Bank account or service", "Savings account"): 3,
             ("Bank account or service", "Other bank product/service"): 7,
             ("Checking or savings account", "Checking account"): 298,
             ("Checking or savings account", "Savings account"): 35,
             ("Checking or savings account", "Personal line of credit"): 4,
             ("Payday loan, title loan, or personal loan", "Personal line of credit"): 3,
             ("Payday loan, title loan, or personal loan", "Payday loan"): 14,
             ("Debt collection", "Payday loan"): 17, ("Debt collection", "Medical debt"): 96,
             ("Credit card", ""): 22, ("Credit reporting", ""): 35}
    assert products_alike(pairs) == {"Bank account or service": ["Checking or savings account"],
                                     "Checking or savings account": ["Bank account or service"]}


def test_an_answers_timing_is_read_as_the_cfpb_timely_response():
    cfpb = Vocabulary(timely=["Yes", "No"], statuses=["Closed with explanation", "Untimely response"])
    assert found("How many complaints were not answered on time?", cfpb) == {"timely_response": "No"}
    # Answered late, not "no response": the outcome inside the phrase is not read beside it.
    assert [(i.key, i.phrase) for i in detect("Which companies didn't respond in time?", cfpb)] == [
        ("timely_response", "didn't respond in time")]
    assert found("How often did companies respond late?", cfpb) == {"timely_response": "No"}
    assert found("How often do companies miss the response deadline?", cfpb) == {"timely_response": "No"}
    assert found("Which companies missed the deadline to respond?", cfpb) == {"timely_response": "No"}
    assert found("I missed the deadline to pay", cfpb) == {}
    assert found("Did Equifax answer complaints on time?", cfpb) == {"timely_response": "Yes"}
    # How fast: the slowest answer late, the fastest in time.
    assert found("Which companies are slowest to respond?", cfpb) == {"timely_response": "No"}
    # "fail to" is a "not": it was read as answered on time
    assert found("How often do companies fail to respond on time?", cfpb) == {"timely_response": "No"}
    assert found("What share saw a failure to respond in time?", cfpb) == {"timely_response": "No"}
    assert found("Which lenders respond the fastest?", cfpb) == {"timely_response": "Yes"}
    assert found("Does Equifax respond quickly?", cfpb) == {"timely_response": "Yes"}
    assert found("My bank was slow to fix the error", cfpb) == {}
    # ...and "Which companies" with them ranks each one by its own share, not by its count.
    for question in ("Which companies are slowest to respond?", "Which companies respond the fastest?",
                     "Which debt collectors are quickest to respond?"):
        asked = breakdown_asked(question)
        assert (asked.field, asked.rate, asked.fewest) == ("company", True, False), question
    # A status that says it already; someone else's timing; a value the index lacks.
    assert found("untimely responses from lenders", cfpb) == {"status": "Untimely response"}
    assert found("the payment was not posted on time", cfpb) == {}
    assert found("My response was on time but they charged a fee", cfpb) == {}
    assert found("complaints answered in time", Vocabulary(timely=["No"])) == {}


def test_a_disputed_response_is_read_as_the_cfpb_consumer_disputed():
    cfpb = Vocabulary(disputed=["Yes", "No"])
    assert found("Did consumers dispute the company's response?", cfpb) == {"consumer_disputed": "Yes"}
    assert found("complaints where the response was disputed", cfpb) == {"consumer_disputed": "Yes"}
    assert found("customers who didn't dispute the resolution", cfpb) == {"consumer_disputed": "No"}
    # Disputing a charge, a debt or a report is the complaint's topic.
    assert found("I disputed a charge on my card", cfpb) == {}
    assert found("How often do people dispute their credit report?", cfpb) == {}
    # A company's possessive before the response: its name stays out of the phrase, so that
    # the company is still read from the question.
    assert found("What share of complaints were disputed by the consumer?", cfpb) == {"consumer_disputed": "Yes"}
    assert found("a charge disputed by the customer", cfpb) == {}  # the complaint's topic
    # Complaints that were disputed: the consumer disputed them; complaints that dispute a charge did not.
    assert found("What percentage of Navient complaints were disputed?", cfpb) == {"consumer_disputed": "Yes"}
    assert found("How many complaints were disputed in 2016?", cfpb)["consumer_disputed"] == "Yes"
    assert found("complaints that disputed a charge", cfpb) == {}
    assert found("complaints were disputed charges", cfpb) == {}
    chips = detect("How often do consumers dispute TransUnion's response?", cfpb)
    assert [(i.key, i.value, i.phrase) for i in chips] == [("consumer_disputed", "Yes", "dispute / response")]
    assert leftover("How often do consumers dispute TransUnion's response?", chips, ["TransUnion"]) == []


def test_a_question_for_the_newest_complaints_is_read_with_how_many():
    newest = lambda q: (lambda n: n and (n.top, n.phrase))(newest_asked(q))  # noqa: E731
    assert newest("Show me the 3 most recent complaints about Chase") == (3, "the 3 most recent complaints")
    assert newest("What are the latest Equifax complaints?") == (0, "latest Equifax complaints")
    assert newest("the last 5 complaints about debt collection") == (5, "last 5 complaints")
    assert newest("the most recent 40 complaints")[0] == 20  # at most what an answer lists
    # One complaint asked for is one; the oldest are the other end.
    assert newest("What is the latest complaint about Chase?") == (1, "latest complaint")
    assert newest_asked("What is the oldest complaint?") == Newest("oldest complaint", 1, oldest=True)
    assert newest_asked("Show me the 3 earliest complaints about Navient").oldest
    assert newest_asked("What was the first complaint in the index?") == Newest("first complaint", 1, oldest=True)
    assert newest("my first complaint was ignored") is None
    assert newest("Show me the newest one") == (1, "newest one")  # a follow-up's: it cited 8
    assert newest("What do people say about the first one?") is None  # the first value listed
    assert not newest_asked("the 3 most recent complaints").oldest
    # The newest of something else is what a complaint is about.
    assert newest("My latest statement shows a wrong charge") is None
    assert newest("my last complaint was ignored") is None
    # Its words are words of asking: nothing is left to search.
    assert leftover("Show me the latest complaints", []) == []
    assert leftover("what do ppl say about it", []) == []  # people, as typed in a hurry
    # A summary, a volume, a jump and how many are asked for, not searched.
    assert leftover("Give me a summary of complaints", []) == []
    assert leftover("How did complaint volume change?", []) == []
    assert leftover("Which company had the biggest jump in complaints?", []) == []
    assert leftover("What are the three biggest problems?", []) == []
    # "better or worse" compares the named companies: it searched "better" and found nothing.
    assert leftover("Is Navient better or worse than Nelnet?", [], ["Navient", "Nelnet"]) == []


def test_a_breakdown_is_read_from_the_fields_a_question_ranks():
    asked = lambda q: (lambda b: b and (b.field, b.phrase))(breakdown_asked(q))  # noqa: E731
    assert asked("Which states have the most complaints?") == ("state", "Which states")
    assert asked("complaints by product") == ("product", "by product")
    assert asked("Which sub-issues are most common?") == ("sub_issue", "Which sub-issues")
    assert asked("What issues do Chase customers have?") == ("issue", "What issues")
    assert asked("Complaints per year about debt collection") == ("month", "per year")
    assert asked("How do they handle the state of my account?") is None
    # "by status" read nothing (its stem lost its last letter), nor did a breakdown said as a noun.
    assert asked("Break down debt collection complaints by status") == ("status", "by status")
    assert asked("What's the breakdown of statuses for debt collection complaints?") == (
        "status", "breakdown of statuses")
    assert asked("What is the status breakdown for debt collection complaints?") == ("status", "status breakdown")
    assert asked("I want a breakdown of my fees") is None
    # A ranking of problems is the category counted; a trend is the months.
    assert asked("What are the most common problems with prepaid cards?") == ("issue", "most common problems")
    assert asked("What's the trend in credit reporting complaints over time?") == ("month", "trend / over time")
    assert asked("Has it taken a long time?") is None
    assert asked("What are customers most upset about?") == ("issue", "most upset about")
    assert asked("What do people complain about most with Equifax?") == ("issue", "complain about most")
    assert asked("I am upset about the fees") is None
    # What a set is about, asked of it (a follow-up, its context in brackets): its categories.
    assert asked("What were they about (about Navient in 2019)?") == ("issue", "they about")
    assert asked("What are these complaints about?") == ("issue", "these complaints about")
    assert asked("What were they about late fees?") is None
    assert asked("What are the main issues with student loans?") == ("issue", "main issues")
    # The question word names the field: who is a company, where a state, when a month.
    assert asked("Who gets the most complaints?") == ("company", "Who")
    assert asked("Where do most complaints come from?") == ("state", "Where")
    assert asked("When did most complaints happen?") == ("month", "When")
    assert asked("Who handles disputes?") is None and asked("Where can I complain?") is None
    assert asked("What kind of problems do people have with Nationstar?") == ("type", "What kind")
    assert leftover("What kind of problems do people have?", []) == []
    # Ranked, worst or best: the field's breakdown, and those words are no topic.
    assert asked("Rank companies by monetary relief") == ("company", "Rank companies")
    assert leftover("Which company is the worst?", []) == []
    # Complaints that rise or fall: the months.
    assert asked("Are mortgage complaints increasing?") == ("month", "increasing")
    assert asked("Are complaints about fraud rising?") == ("month", "rising")
    assert asked("Are banks increasing fees?") is None
    assert asked("How has the number of TransUnion complaints changed over time?") == ("month", "changed over time")
    assert asked("What are the top 5 companies for mortgage complaints?") == ("company", "top 5 companies")
    assert breakdown_asked("What are the top 5 companies for mortgage complaints?").top == 5
    assert breakdown_asked("Which companies have the most complaints?").top is None
    # The least asked for: the same field, its smallest values.
    assert breakdown_asked("Which company has the fewest complaints?").fewest
    # A count threshold lists the values that pass it, named with it or by a field right before it.
    over = breakdown_asked("List the companies with more than 100 complaints")
    assert (over.field, over.least, over.most, over.passing, over.fewest) == (
        "company", 101, None, "more than 100", False)
    assert (lambda b: (b.field, b.least))(breakdown_asked("Which companies have at least 1,000 complaints?")) == (
        "company", 1000)
    assert (lambda b: (b.field, b.most, b.phrase))(breakdown_asked("states with fewer than 10 complaints")) == (
        "state", 9, "states with fewer than 10 complaints")
    assert breakdown_asked("I called more than 10 times about 3 complaints") is None
    # A change from the period before: the biggest rise, or fall.
    jump = breakdown_asked("Which company had the biggest jump in 2023?")
    assert (jump.field, jump.growth, jump.rate) == ("company", 1, False)
    assert breakdown_asked("Which issue had the biggest drop in 2020?").growth == -1
    assert (lambda b: (b.field, b.growth))(breakdown_asked("Which debt collectors saw the largest increase?")) == (
        "company", 1)
    assert breakdown_asked("Which states have the most complaints?").growth == 0
    # Better or worse over time, however the verb is said.
    assert breakdown_asked("Has Capital One gotten better or worse?").field == "month"
    assert breakdown_asked("I got better terms elsewhere") is None
    # The businesses complained about are the companies; the words before the noun say which, and
    # stay to be read ("credit" searched, "debt collector" a product).
    assert asked("How many complaints does each credit bureau get?") == ("company", "each / bureau")
    assert asked("Which lender gets the most complaints?") == ("company", "Which lender")
    assert asked("Rank the student loan servicers") == ("company", "Rank the / servicers")
    assert asked("Which bank accounts get frozen?") is None
    assert asked("Which bank account has the most fees?") is None
    assert asked("Which lenders approved me?") is None
    assert not breakdown_asked("Which company has the most complaints?").fewest
    # "What do they complain about?" with nothing after it: what about, counted.
    assert asked("What do servicemembers complain about?") == ("issue", "complain about")
    assert asked("What do people complain about regarding fees?") is None
    # ...or only whose or where: "with student loans" is read as a product, "at Navient" a company.
    assert asked("What do people complain about with student loans?") == ("issue", "complain about")
    assert asked("What do customers complain about at Navient?") == ("issue", "complain about")
    # How long companies take, asked as an average: the CFPB's answered-in-time field.
    assert asked("What's the average time for a company to respond?") == ("timely_response", "average time / respond")
    assert asked("What is the typical response time for Equifax?") == ("timely_response", "typical / response time")
    assert asked("What is the average balance of the loans?") is None
    # How many values, in words or right before the words asking; "top 3" businesses are ranked.
    assert breakdown_asked("What are the three biggest problems people have with Experian?").top == 3
    assert breakdown_asked("What is the top issue for the three bureaus?").top is None
    assert asked("Who are the top 3 debt collectors?") == ("company", "top 3 / collectors")
    assert breakdown_asked("Who are the top 3 debt collectors?").top == 3
    # Asked to break a set down, split or count it by a field: the whole phrase is asking words.
    assert asked("Break them down by state") == ("state", "Break them down by state")
    assert asked("break down the complaints by year") == ("month", "break down the complaints by year")
    assert asked("Can you split those per company?") == ("company", "split those per company")
    assert leftover("Break them down by state", [Implied("by", "state", "Break them down by state")]) == []
    # How many values, or all of them: the breakdown, with how many there are and as many as shown.
    assert asked("How many companies are in the index?") == ("company", "How many companies")
    assert asked("List all companies") == ("company", "List all companies")
    every = breakdown_asked("List all the issues for student loans")
    assert (every.field, every.every, every.top) == ("issue", True, 20)
    assert asked("How many complaints about mortgages?") is None
    assert asked("Is Wells Fargo getting better or worse?") == ("month", "getting better or worse")
    assert asked("Are Equifax complaints improving?") == ("month", "improving")
    assert asked("Is my credit improving?") is None
    # A peak is the months' most: "When did Navient complaints peak?"; growth is no topic.
    assert asked("When did Navient complaints peak?") == ("month", "When")
    assert asked("Complaints about overdraft fees: Who charges them the most?") == ("company", "Who")
    assert leftover("Which issue grew the most?", [Implied("by", "issue", "Which issue")]) == []
    # How long a company takes to answer is the CFPB's timely-response field; the name between
    # the asking words stays to be read.
    assert asked("How long does Equifax take to respond?") == ("timely_response", "How long / take to respond")
    assert asked("How long did it take Navient to answer complaints?") == (
        "timely_response", "How long / take Navient to answer")
    assert asked("How long does it take to get a refund?") is None


def test_outcomes():
    assert found("Which complaints were resolved with money back?") == {"outcome": "adjustment_applied"}
    # The business asked whether it did not respond (it read nothing, and the whole index answered).
    silent = Vocabulary(outcomes=["no_business_response"])
    assert found("How many complaints did the business not respond to?", silent) == {"outcome": "no_business_response"}
    assert found("Did the business respond?", silent) == {}
    # A type asked after "are about", or as a follow-up's bracket (both were searched as words).
    assert found("Which complaints are about billing?") == {"type": "Billing Issues"}
    assert found("What happened (about billing)?") == {"type": "Billing Issues"}
    assert found("What do customers say about billing after cancelling?") == {}  # a topic, as before
    # The verb of ending goes with it: "end" was searched as the topic (a 24-complaint label).
    read = detect("What share of complaints end with money back?", VOCAB)
    assert [(i.key, i.phrase) for i in read] == [("outcome", "end with money back")] and leftover(
        "What share of complaints end with money back?", read) == []
    assert found("Did anyone get a refund in 2025?") == {"outcome": "adjustment_applied", "since": "2025-01-01",
                                                         "until": "2025-12-31"}
    assert leftover("Did anyone get a refund in 2025?", detect("Did anyone get a refund in 2025?", VOCAB)) == []
    assert found("Did Spectrum ever refund anyone?") == {"outcome": "adjustment_applied"}
    assert found("They never refunded me") == {"outcome": "credit_denied"}
    assert found("I was trying to get a refund") == {}  # what the complaint is about
    # The customer's answer, with what was accepted, so that nothing of it is left to search.
    accepted = detect("How many customers accepted the resolution?", VOCAB)
    assert [(i.value, i.phrase) for i in accepted] == [("customer_accepted", "customers accepted the resolution")]
    assert found("Which complaints did the customer reject?") == {"outcome": "customer_rejected"}
    assert found("the customer didn't accept") == {}
    assert found("Did anyone get their money back?") == {"outcome": "adjustment_applied"}
    assert found("I never got my money back") == {"outcome": "credit_denied"}
    assert found("when were customers denied credit?") == {"outcome": "credit_denied"}
    assert found("complaints where a refund was issued") == {"outcome": "adjustment_applied"}
    assert found("what about refunds?") == {}
    assert found("Did Spectrum ever give refunds?") == {"outcome": "adjustment_applied"}
    # A negation turns it round: these used to read as "an adjustment was applied".
    assert found("customers who never got a refund") == {"outcome": "credit_denied"}
    assert found("They refused to give a refund") == {"outcome": "credit_denied"}
    assert found("I didn't receive a credit") == {"outcome": "credit_denied"}


def test_merge_panel_wins_and_outcomes_add_up():
    implied = detect("unresolved billing complaints where credits were denied", VOCAB)
    merged = merge({"status": ["Resolved"], "outcome": ["adjustment_applied"]}, implied)
    assert merged == {"status": ["Resolved"], "type": "Billing Issues",
                      "outcome": ["adjustment_applied", "credit_denied"]}


def test_a_period_alone_or_before_complaints_is_that_period_and_a_model_year_is_not():
    assert found("2019?") == {"since": "2019-01-01", "until": "2019-12-31"}
    assert found("March 2019?") == {"since": "2019-03-01", "until": "2019-03-31"}
    assert found("2019 complaints about billing") == {"since": "2019-01-01", "until": "2019-12-31",
                                                      "type": "Billing Issues"}
    assert found("my 2019 Honda was repossessed") == {}
    # "Just 2023" after a question read nothing, and the set stayed every year's.
    year = {"since": "2023-01-01", "until": "2023-12-31"}
    assert found("Which companies get complaints about billing Just 2023?") == {**year, "type": "Billing Issues"}
    assert found("billing complaints, 2023 only") == {**year, "type": "Billing Issues"}
    assert found("only 2023 versus 2022") == {"periods": ("2022-01-01/2022-12-31", "2023-01-01/2023-12-31")}


def test_two_periods_compared_are_each_period_not_the_years_between():
    # "2019 versus 2023" used to read as 2019-2023, and counted 2020-2022 into the comparison.
    both = {"periods": ("2019-01-01/2019-12-31", "2023-01-01/2023-12-31")}
    assert found("How many complaints did Experian get in 2019 versus 2023?") == both
    assert found("complaints in 2023 and 2019") == both  # in either order
    assert found("Compare March 2023 with April 2023") == {"periods": ("2023-03-01/2023-03-31", "2023-04-01/2023-04-30")}
    chip = next(i for i in detect("complaints in 2019 vs 2023", VOCAB) if i.key == "periods").chip
    assert chip == "Periods: 2019 or 2023 (“in 2019 vs 2023”)"
    # A range is one period: "to", "between ... and", "from ... to"; and periods that overlap.
    span = {"since": "2019-01-01", "until": "2023-12-31"}
    assert found("complaints in 2019 to 2023") == span
    assert found("complaints between 2019 and 2023") == span
    assert found("complaints from 2019 to 2023") == span
    assert found("complaints in 2019 and March 2019") == {"since": "2019-01-01", "until": "2019-12-31"}
    assert found("I paid my 2019 and 2020 taxes") == {}  # no period said


def test_periods_are_checked_and_counted_as_any_one_of_them():
    from assistant.filters import FilterError, normalize, to_sql
    periods = normalize({"periods": ["2023-01-01/2023-12-31", "2019-01-01/2019-12-31"]})
    assert periods == {"periods": ["2019-01-01/2019-12-31", "2023-01-01/2023-12-31"]}
    assert to_sql(periods) == ("WHERE (c.date BETWEEN ? AND ? OR c.date BETWEEN ? AND ?)",
                               [20190101, 20191231, 20230101, 20231231])
    for bad in ("2019", "2019-12-31/2019-01-01", "2019-01-01/soon"):
        with pytest.raises(FilterError, match="periods"):
            normalize({"periods": [bad]})


def test_a_half_year_is_its_six_months_and_since_a_quarter_starts_there():
    assert found("How many complaints in the first half of 2019?") == {"since": "2019-01-01", "until": "2019-06-30"}
    assert found("complaints from the second half of 2018") == {"since": "2018-07-01", "until": "2018-12-31"}
    # The "of" inside the period belongs to "since" / "before": these used to be all of 2019.
    assert found("since the third quarter of 2019") == {"since": "2019-07-01"}
    assert found("before the second half of 2019") == {"until": "2019-06-30"}


def test_a_named_month_quarter_or_year_is_that_whole_period():
    # "from April 2025" means April 2025, not "anything since April 1st" (issue 10, item 4).
    assert found("Which unresolved billing complaints from April 2025 mention a refund?") == {
        "status": "Answered", "type": "Billing Issues", "since": "2025-04-01", "until": "2025-04-30",
        "mentions": "refund"}
    assert found("complaints from 2024") == {"since": "2024-01-01", "until": "2024-12-31"}
    assert found("what happened in Q2 2025?") == {"since": "2025-04-01", "until": "2025-06-30"}
    assert found("in the first quarter of 2024") == {"since": "2024-01-01", "until": "2024-03-31"}
    assert found("during the fourth quarter 2023") == {"since": "2023-10-01", "until": "2023-12-31"}
    assert found("from March 2025 to May 2025") == {"since": "2025-03-01", "until": "2025-05-31"}
    assert found("between Q1 2024 and Q3 2024") == {"since": "2024-01-01", "until": "2024-09-30"}
    assert found("complaints between 2023 and 2019") == {"since": "2019-01-01", "until": "2023-12-31"}
    assert found("after Q1 2025") == {"since": "2025-04-01"}
    assert found("since Feb 2024") == {"since": "2024-02-01"}


def test_unresolved_excludes_every_kind_of_relief():
    cfpb = Vocabulary(statuses=["Resolved", "Answered", "Closed with explanation", "Closed with monetary relief",
                                "Closed with non-monetary relief"])
    assert found("unresolved complaints", cfpb) == {"status": ("Answered", "Closed with explanation")}


def test_a_given_date_range_wins_over_both_ends_the_words_imply():
    implied = detect("billing complaints in 2024", VOCAB)
    assert {i.key for i in not_given(implied, {"since": "2025-01-01"})} == {"type"}
    assert {i.key for i in not_given(implied, {"type": "Delivery Issues"})} == {"since", "until"}
    outcome = [Implied("outcome", "credit_denied", "denied credit")]
    assert not_given(outcome, {"outcome": ["adjustment_applied"]}) == outcome  # outcomes add up


def test_what_is_left_of_a_question_once_its_filters_are_read():
    question = "Which Charter complaints got an adjustment in 2025?"
    assert leftover(question, detect(question, VOCAB), ["Charter Spectrum"]) == []
    question = "Which complaints about a data breach got an adjustment?"
    assert leftover(question, detect(question, VOCAB)) == ["data", "breach"]
    # How the set was handled is what every answer reports: the words that ask it are no topic.
    tags = Vocabulary(tags=["Servicemember"])
    question = "How do companies respond to complaints from servicemembers?"
    assert leftover(question, detect(question, tags)) == []
    question = "How are Charter complaints usually closed?"
    assert leftover(question, detect(question, VOCAB), ["Charter Spectrum"]) == []
    question = "Why was my Charter account closed?"
    assert leftover(question, detect(question, VOCAB), ["Charter Spectrum"]) == ["account", "close"]
    question = "How does Charter handle disputes about late fees?"
    assert leftover(question, detect(question, VOCAB), ["Charter Spectrum"]) == ["disput", "late", "fee"]


def test_a_panel_date_and_a_year_in_the_question_do_not_collide_in_the_chat():
    from assistant.chat_session import ChatSession

    turn = ChatSession().prepare("billing complaints in 2024", VOCAB, {"since": "2025-01-01"})
    assert turn.filters == {"since": "2025-01-01", "type": "Billing Issues"}  # not until 2024-12-31


def test_a_removed_chip_gives_its_words_back_to_the_question():
    question = "Which complaints from Texas got a refund?"
    stated = detect(question, Vocabulary(states=["TX"], outcomes=["adjustment_applied"]))
    both = {"state": ["TX"], "outcome": ["adjustment_applied"]}
    assert leftover(question, applied(stated, both)) == []
    # The state chip removed in the chat: "Texas" is asked about again, the refund is still a filter.
    assert leftover(question, applied(stated, {"outcome": ["adjustment_applied"]})) == ["texa"]
    # Phrases leave as whole words: taking "car" out leaves "card".
    assert leftover("Which complaints mention a car or a credit card?", [Implied("mentions", "car", "car")]) == [
        "credit", "card"]


def test_a_question_about_what_complaints_mention_reads_the_words_themselves():
    vocabulary = Vocabulary(companies=["EQUIFAX, INC.", "Experian"], states=["TX"],
                            distinctive=lambda stems: [t for t in stems if t != "credit"])
    assert found("Which complaints mention bankruptcy?", vocabulary) == {"mentions": "bankruptcy"}
    assert found("How many complaints from Texas mention a car being repossessed?", vocabulary) == {
        "state": "TX", "mentions": ("car", "repossessed")}
    # A company's name is the company, not a word to find.
    assert found("Which Equifax complaints mention bankruptcy?", vocabulary) == {
        "company": "EQUIFAX, INC.", "mentions": "bankruptcy"}
    # A word most passages use finds nearly everything: searched as a question instead.
    assert found("Which complaints mention credit?", vocabulary) == {}
    # Many words beside "mention" are a topic, not words to find; no "mention", no words.
    assert found("Did anyone mention that the bank ignored disputes about late fees for months?", vocabulary) == {}
    assert found("Which complaints are about bankruptcy?", vocabulary) == {}
    # A quoted phrase is found as written, its words side by side, unless most passages hold it.
    phrases = Vocabulary(distinctive=lambda stems: [t for t in stems if t != "credit"],
                         distinctive_phrase=lambda stems: stems != ["credit", "report"])
    assert found('Which complaints mention "credit freeze"?', phrases) == {"mentions": "credit freeze"}
    assert found("complaints mentioning \u201cChapter 7\u201d or \u201csecurity freeze\u201d", phrases) == {
        "mentions": ("chapter 7", "security freeze")}
    assert found('How many complaints mention "credit report"?', phrases) == {}


def test_complaints_named_by_the_sources_own_ids_where_the_index_holds_them():
    held = {"7093004": "c-1", "3193394": "c-2"}
    cfpb = Vocabulary(complaint_ids=lambda ids: {i: held[i] for i in ids if i in held})
    (named,) = detect("What is CFPB complaint 7093004 about?", cfpb)
    assert (named.key, named.value, named.phrase, named.chip) == (
        "complaint_id", ("c-1",), "CFPB complaint 7093004", "Complaint: 7093004 (“CFPB complaint 7093004”)")
    assert detect("Compare complaints 3193394 and #7093004", cfpb)[0].value == ("c-1", "c-2")
    assert detect("Show me complaint 99999999", cfpb) == []
    assert [i.key for i in detect("How many complaints in 2023?", cfpb)] == ["since", "until"]


def test_a_product_or_state_the_question_excludes_is_read_as_the_others_the_index_holds():
    cfpb = Vocabulary(products=["Mortgage", "Debt collection", "Credit reporting"], states=["CA", "TX", "NY"],
                      alike={})
    (product,) = detect("Complaints not about credit reporting", cfpb)
    assert (product.value, product.phrase, product.chip) == (
        ("Debt collection", "Mortgage"), "not about credit reporting",
        "Product: not Credit reporting (“not about credit reporting”)")
    assert found("Which companies get the most complaints excluding mortgages?", cfpb) == {
        "product": ("Credit reporting", "Debt collection")}
    assert found("Debt collection complaints outside Texas", cfpb) == {"product": "Debt collection",
                                                                       "state": ("CA", "NY")}
    assert found("How many complaints are not from California?", cfpb) == {"state": ("NY", "TX")}
    assert found("Complaints from California about mortgages", cfpb) == {"state": "CA", "product": "Mortgage"}


def test_a_relative_period_is_read_against_the_clock(monkeypatch):
    from datetime import date

    from assistant import question_periods

    monkeypatch.setattr(question_periods, "today", lambda: date(2026, 3, 31))
    assert found("How many complaints in the last 6 months?") == {"since": "2025-10-01", "until": "2026-03-31"}
    assert found("complaints over the past year") == {"since": "2025-04-01", "until": "2026-03-31"}
    assert found("complaints from the last two weeks") == {"since": "2026-03-18", "until": "2026-03-31"}
    # Without "the", last year and last month are the calendar ones; "this year" runs to today.
    assert found("How many complaints last year?") == {"since": "2025-01-01", "until": "2025-12-31"}
    assert found("complaints last month") == {"since": "2026-02-01", "until": "2026-02-28"}
    assert found("complaints this year") == {"since": "2026-01-01", "until": "2026-03-31"}
    # Someone's own story says how long it went on, not which complaints to read.
    assert found("They have called me every day for the past two years") == {}
    assert found("Show me complaints from the past year") == {"since": "2025-04-01", "until": "2026-03-31"}


def test_in_progress_and_taking_too_long_are_the_cfpb_status_and_timely_response():
    cfpb = Vocabulary(statuses=["Closed with explanation", "In progress"], timely=["Yes", "No"])
    assert found("How many complaints were still in progress?", cfpb) == {"status": "In progress"}
    assert found("My dispute is still in progress, what can I do?", cfpb) == {}
    assert found("Which companies took more than 15 days to respond?", cfpb) == {"timely_response": "No"}
    assert found("Which companies take too long to reply?", cfpb) == {"timely_response": "No"}


def test_how_many_examples_a_question_asks_for():
    assert shown_asked("Show 5 complaints about escrow shortages") == Shown("Show 5 complaints", 5)
    assert shown_asked("Give me 12 examples of Navient complaints") == Shown("Give me 12 examples", 12)
    assert shown_asked("show me 40 complaints").top == 20  # at most what an answer lists
    assert shown_asked("I had 5 complaints about them") is None
    assert shown_asked("Show me three examples") == Shown("Show me three examples", 3)
    assert leftover("Show 5 complaints about escrow", [Implied("shown", 5, "Show 5 complaints")]) == ["escrow"]


def test_the_data_said_of_the_index_is_no_topic():
    assert leftover("What date range does the data cover?", [Implied("by", "month", "date range")]) == []
    assert leftover("How many complaints are in the data?", []) == []
    assert leftover("Which companies sold the data to a broker?", []) == ["sold", "data", "broker"]
    assert leftover("complaints about a data breach", []) == ["data", "breach"]


def test_a_rate_asked_ranks_each_value_by_its_own_share():
    high = breakdown_asked("Which product has the highest rate of monetary relief?")
    assert (high.field, high.rate, high.fewest, high.phrase) == ("product", True, False, "Which product / highest rate")
    low = breakdown_asked("Which state has the lowest share of timely responses?")
    assert (low.field, low.rate, low.fewest) == ("state", True, True)
    assert breakdown_asked("Which company is most likely to give monetary relief?").rate
    assert not breakdown_asked("Which companies have the most complaints?").rate
    assert not breakdown_asked("Which company is the worst?").rate


def test_a_rate_asked_per_value_is_each_values_own_rate():
    for question, field in (("What is the relief rate by company?", "company"),
                            ("What percentage of complaints got relief in each state?", "state"),
                            ("What's the share of complaints with monetary relief for each product?", "product")):
        asked = breakdown_asked(question)
        assert (asked.field, asked.rate) == (field, True)
    # per value without a rate word is the counts
    assert not breakdown_asked("How many complaints per product got relief?").rate


def test_a_rate_threshold_asks_the_values_whose_own_rate_passes():
    below = breakdown_asked("Which companies have a timely response rate below 90%?")
    assert (below.field, below.rate, below.fewest, below.passing) == ("company", True, True, "rate below 90%")
    assert below.rate_most < 0.9 < below.rate_most + 1e-6 and below.rate_least is None
    above = breakdown_asked("Which states have a relief rate of at least 40 percent?")
    assert (above.field, above.fewest, above.rate_least, above.rate_most) == ("state", False, 0.4, None)
    # a count threshold is not a rate
    assert breakdown_asked("Which companies have more than 90 complaints?").rate_most is None


def test_outcomes_and_statuses_are_fields_a_question_can_rank_and_outcomes_read_in_more_words():
    assert breakdown_asked("What is the most common outcome?").field == "outcome"
    assert breakdown_asked("Which statuses are most common for Equifax?").field == "status"
    assert found("How often do they apply an adjustment?") == {"outcome": "adjustment_applied"}
    assert found("Which type has the highest rate of adjustments?") == {"outcome": "adjustment_applied"}
    assert found("Do they coach their staff?", Vocabulary(outcomes=["coaching"])) == {"outcome": "coaching"}
    assert leftover("Which type has the highest rate of adjustments?",
                    [Implied("by", "type", "Which type / highest rate"),
                     Implied("outcome", "adjustment_applied", "rate of adjustments")]) == []


def test_a_company_named_after_mention_is_a_word_the_complaints_write():
    cfpb = Vocabulary(companies=["Experian Information Solutions Inc.", "EQUIFAX, INC."],
                      products=["Debt collection"])
    read = detect("How many debt collection complaints mention Experian?", cfpb)
    assert [(i.key, i.value) for i in read] == [("product", "Debt collection"), ("mentions", "experian")]
    both = [i for i in detect("How many complaints mention both Equifax and Experian?", cfpb) if i.key == "mentions"]
    assert both[0].value == ("equifax", "experian") and both[0].chip.startswith("Mentions: equifax and experian")
    # Named before "mention", it is whom the complaints are against.
    assert [i.key for i in detect("Which Equifax complaints mention bankruptcy?", cfpb)] == ["company", "mentions"]



def test_the_words_to_find_are_the_ones_after_mention_and_a_name_is_found_as_written():
    vocabulary = Vocabulary(companies=["EQUIFAX, INC.", "Cash Time Title Loans, Inc."])
    # A name no company holds, written as one: its words side by side, not each anywhere.
    assert found("How many complaints mention Cash App?", vocabulary) == {"mentions": "cash app"}
    assert found("Which complaints mention cash and an app?", vocabulary) == {"mentions": ("cash", "app")}
    # "or" between them: any one of them.
    assert found("How many complaints mention Zelle or Venmo?", vocabulary) == {"mentions_any": ("zelle", "venmo")}
    assert found("complaints mentioning zelle, venmo or paypal", vocabulary) == {
        "mentions_any": ("zelle", "venmo", "paypal")}
    # Before "mention" is whom or what the question is about: left to the company rule and the search.
    assert found("How did Charter respond to the ones that mention autopay?", vocabulary) == {"mentions": "autopay"}
    assert found("Do complaints about late fees mention autopay?", vocabulary) == {"mentions": "autopay"}
    assert found("Complaints where arbitration is mentioned", vocabulary) == {"mentions": "arbitration"}


def test_how_a_complaint_was_sent_is_read_as_the_cfpb_submitted_via():
    cfpb = Vocabulary(submitted_via=["Web", "Referral", "Postal mail", "Phone"])
    assert found("How many complaints were filed via the web?", cfpb) == {"submitted_via": "Web"}
    assert found("Which complaints came in by referral?", cfpb) == {"submitted_via": "Referral"}
    assert found("complaints sent by postal mail or submitted by phone", cfpb) == {
        "submitted_via": ("Phone", "Postal mail")}
    # After no verb of sending it is what the complaint is about; a value the index lacks is not read.
    assert found("Debt collectors harassing me by phone", cfpb) == {}
    assert found("complaints filed by fax", cfpb) == {}


def test_the_period_before_is_the_same_months_or_days_before():
    from assistant.matching import _periods

    assert _periods({"since": "2023-04-01", "until": "2023-06-30"}, {}) == (
        ("2023-04-01", "2023-06-30"), ("2023-01-01", "2023-03-31"))
    assert _periods({"since": "2024-03-01", "until": "2024-03-31"}, {})[1] == ("2024-02-01", "2024-02-29")
    assert _periods({"since": "2023-01-10", "until": "2023-01-19"}, {})[1] == ("2022-12-31", "2023-01-09")
    # No period asked: the set's latest year against the one before; nothing dated, nothing to compare.
    assert _periods({}, {"2019-02": 3, "2023-06": 5}) == (("2023-01-01", "2023-12-31"), ("2022-01-01", "2022-12-31"))
    assert _periods({}, {}) is None
    # A span of whole years ("grew between 2019 and 2023"): its last year against its first.
    assert _periods({"since": "2019-01-01", "until": "2023-12-31"}, {}) == (
        ("2023-01-01", "2023-12-31"), ("2019-01-01", "2019-12-31"))
    assert _periods({"since": "2023-01-01", "until": "2023-12-31"}, {})[1] == ("2022-01-01", "2022-12-31")


def test_the_whole_a_share_is_asked_of_is_named_between_of_and_complaints():
    from assistant.query_filters import share_of

    product = Implied("product", "Credit card", "credit cards")
    assert share_of("What percent of Capital One complaints are about credit cards?", [product],
                    ["Capital One"]) == ("company",)
    texas = Implied("state", "TX", "of Texas")
    assert share_of("What percentage of Texas complaints are about debt collection?",
                    [texas, Implied("product", "Debt collection", "debt collection")]) == ("state",)
    # The place and period qualify the whole wherever they are said.
    year = [Implied("since", "2019-01-01", "in 2019"), Implied("until", "2019-12-31", "in 2019")]
    assert share_of("What share of Navient complaints in 2019 were about forbearance?", year, ["Navient"]) == (
        "company", "since", "until")
    assert share_of("In 2019, what share of Navient complaints were about forbearance?",
                    [Implied("since", "2019-01-01", "In 2019"), Implied("until", "2019-12-31", "In 2019")],
                    ["Navient"]) == ("company", "since", "until")
    # Said after a verb, the place or period is the part asked, not the whole.
    california = Implied("state", "CA", "California")
    mortgage = Implied("product", "Mortgage", "mortgage")
    assert share_of("What share of mortgage complaints come from California?", [mortgage, california]) == ("product",)
    assert share_of("What percentage of mortgage complaints from California were disputed?",
                    [mortgage, california]) == ("product", "state")
    assert share_of("What percentage of Equifax complaints were filed in 2023?",
                    [Implied("since", "2023-01-01", "in 2023"), Implied("until", "2023-12-31", "in 2023")],
                    ["Equifax"]) == ("company",)
    # After the verb beside something else asked, a period says when that happened: of that year's.
    in_2019 = [Implied("since", "2019-01-01", "in 2019"), Implied("until", "2019-12-31", "in 2019")]
    relief = Implied("status", "Closed with monetary relief", "got monetary relief")
    assert share_of("What share of Capital One complaints got monetary relief in 2019?", [relief, *in_2019],
                    ["Capital One"]) == ("company", "since", "until")
    # Or after "complaints", up to the verb.
    servicemembers = Implied("tags", "Servicemember", "servicemembers")
    assert share_of("What proportion of complaints submitted by servicemembers were about debt collection?",
                    [servicemembers, Implied("product", "Debt collection", "debt collection")]) == ("tags",)
    assert share_of("What percent of complaints from Texas are about mortgages?",
                    [Implied("state", "TX", "from Texas"), Implied("product", "Mortgage", "mortgages")]) == ("state",)
    # No filter named as the whole: the usual share.
    assert share_of("What percentage of complaints come from California?", [california]) == ()


def test_customer_service_is_a_topic_though_each_word_alone_is_asking():
    assert leftover("What do people say about customer service?", []) == ["custom", "servic"]
    assert leftover("What do customers complain about?", []) == []


def test_a_topic_left_out_is_words_its_complaints_must_not_write():
    cfpb = Vocabulary(products=["Debt collection", "Credit reporting", "Student loan"], states=["TX", "CA"])
    assert found("Complaints about student loans not about forbearance", cfpb) == {
        "product": "Student loan", "mentions_none": "forbearance"}
    assert found("Debt collection complaints that don't mention medical debt", cfpb) == {
        "product": "Debt collection", "mentions_none": "medical debt"}
    assert found("Complaints other than identity theft in Texas", cfpb) == {"state": "TX",
                                                                           "mentions_none": "identity theft"}
    # A list left out: none of them.
    assert found("Complaints about student loans not about forbearance or deferment", cfpb) == {
        "product": "Student loan", "mentions_none": ("forbearance", "deferment")}
    assert found("complaints excluding late fees, overdraft or interest in Texas", cfpb) == {
        "state": "TX", "mentions_none": ("late fees", "overdraft", "interest")}
    chip = next(i for i in detect("complaints excluding late fees", cfpb) if i.key == "mentions_none").chip
    assert chip.startswith("Not mentioning: late fees")
    # A product or a state left out is the other values; "without" says what happened, not what is left out.
    assert found("Complaints not about credit reporting", cfpb) == {"product": ("Debt collection", "Student loan")}
    assert found("car repossession without notice", cfpb) == {}
    # "mention" after a negation is no word to find.
    assert "mentions" not in found("Which complaints don't mention arbitration?", cfpb)


def test_the_values_with_no_complaints_and_the_average_per_value_are_breakdowns():
    none = breakdown_asked("Which states had no complaints?")
    assert (none.field, none.most, none.least) == ("state", 0, None)
    assert breakdown_asked("Which companies had zero complaints answered late?").most == 0
    assert breakdown_asked("I have no complaints about Equifax") is None
    # Words between "no" and complaints or responses say which set ("no untimely responses", "no
    # student loan complaints"): it listed the 68 late complaints' companies, not those with none.
    late = breakdown_asked("Which companies had no untimely responses?")
    assert (late.field, late.most) == ("company", 0)
    assert breakdown_asked("Which states had no student loan complaints?").most == 0
    assert breakdown_asked("Which companies got no response?").most is None  # a response none was given
    average = breakdown_asked("What is the average number of complaints per company?")
    assert (average.field, average.average) == ("company", True)
    assert breakdown_asked("How many complaints per month on average?").average
    # The average time to respond is the timely-response share, no average of counts.
    assert not breakdown_asked("What is the average response time?").average


def test_a_product_after_in_is_the_subject_after_the_words_for_complaints():
    cfpb = Vocabulary(products=["Credit reporting", "Debt collection"], states=["TX"])
    assert found("Top sub-issues in credit reporting", cfpb) == {"product": "Credit reporting"}
    assert found("complaints in debt collection", cfpb) == {"product": "Debt collection"}
    assert found("complaints in Texas", cfpb) == {"state": "TX"}
    # "dispute rate" is the CFPB's consumer-disputed field, as analysts say it
    assert found("Which product has the highest dispute rate?", Vocabulary(disputed=["No", "Yes"])) == {
        "consumer_disputed": "Yes"}


def test_open_complaints_are_the_ones_in_progress_where_the_index_holds_that_status():
    cfpb = Vocabulary(statuses=["Closed with explanation", "Closed with monetary relief", "In progress"])
    assert found("Which complaints are still open?", cfpb) == {"status": "In progress"}
    assert found("How many open complaints does Experian have?", cfpb) == {"status": "In progress"}
    # A BBB page has no such status: open is every status but the resolved ones.
    assert found("Which complaints are still open?", Vocabulary(statuses=["Resolved", "Answered"])) == {
        "status": "Answered"}


def test_busiest_and_growing_fastest_ask_for_breakdowns():
    assert breakdown_asked("What was the busiest month for Equifax complaints?").field == "month"
    growing = breakdown_asked("Which issues are growing the fastest?")
    assert (growing.field, growing.growth) == ("issue", 1)
    assert breakdown_asked("Which companies are declining the most?").growth == -1


def test_resolved_is_the_relief_statuses_where_no_status_is_called_resolved():
    cfpb = Vocabulary(statuses=["Closed with explanation", "Closed with monetary relief",
                                "Closed with non-monetary relief", "In progress"])
    relief = ("Closed with monetary relief", "Closed with non-monetary relief")
    assert found("How many complaints were resolved?", cfpb) == {"status": relief}
    assert found("What share of complaints were resolved in the consumer's favor?", cfpb) == {"status": relief}
    assert found("Which complaints were decided in their favour?", cfpb) == {"status": relief}
    assert found("How were they resolved?", cfpb) == {}  # a verb


def test_a_status_rate_is_the_status_asked_as_a_rate():
    cfpb = Vocabulary(statuses=["Closed", "Closed with explanation", "Closed with monetary relief",
                                "Closed with non-monetary relief", "In progress", "Untimely response"],
                      products=["Credit card"])
    relief = ("Closed with monetary relief", "Closed with non-monetary relief")
    assert found("Which company has the lowest relief rate?", cfpb) == {"status": relief}
    read = detect("What is the monetary relief rate for credit cards?", cfpb)
    assert {i.key: i.value for i in read} == {"status": "Closed with monetary relief", "product": "Credit card"}
    assert leftover("What is the monetary relief rate for credit cards?", read) == []
    assert found("Which banks have the highest interest rates?", cfpb) == {}  # no status's word


def test_a_question_of_change_said_of_complaints_asks_their_trend():
    for question, growth in (("Have mortgage complaints gone up?", 1), ("Did Equifax complaints go down in 2020?", -1),
                             ("Did complaints about identity theft increase in 2023?", 1),
                             ("Has the number of complaints about Experian gone up or down?", 1)):
        asked = breakdown_asked(question)
        assert (asked.field, asked.growth) == ("month", growth), question
    assert breakdown_asked("My credit score went down after a hard inquiry") is None  # not said of complaints


def test_states_compared_with_compare_to_and_a_product_after_there_for():
    cfpb = Vocabulary(states=["TX", "CA"], products=["Mortgage"])
    assert found("How do complaints in Texas compare to California?", cfpb) == {"state": ("CA", "TX")}
    assert found("How many different issues are there for mortgages?", cfpb) == {"product": "Mortgage"}
    assert breakdown_asked("What are complaints about Capital One mostly about?").field == "issue"


def test_a_few_values_named_are_what_a_bare_which_or_a_compared_rate_asks_of():
    # "Which has the higher relief rate, Equifax or TransUnion?": no field after "which", so the
    # field of which the question names a few values; the comparative is a rate, the lower the fewest.
    for question in ("Which has the higher relief rate, Equifax or TransUnion?",
                     "Which of Navient and Nelnet has the lower rate of relief?",
                     "Does Navient or Nelnet have a lower relief rate?",
                     "Texas vs California: which gets relief more often?"):
        asked = breakdown_asked(question, "company")
        assert asked is not None and asked.field == "company" and asked.rate, question
        assert asked.fewest == ("lower" in question), question
    assert breakdown_asked("Which has the higher relief rate, Equifax or TransUnion?") is None  # none named
    assert breakdown_asked("Which has more complaints, Texas or California?", "state").field == "state"
    assert breakdown_asked("Why was my card declined?", "company") is None


def test_two_states_listed_are_read_wherever_they_stand_and_a_rate_of_a_status_is_that_status():
    cfpb = Vocabulary(states=["TX", "CA", "OR", "IN"],
                      statuses=["Closed with monetary relief", "Closed with non-monetary relief",
                                "Closed with explanation", "In progress"])
    assert found("Which has more complaints, Texas or California?", cfpb) == {"state": ("CA", "TX")}
    assert found("Texas vs California: which is worse?", cfpb) == {"state": ("CA", "TX")}
    # One name alone still needs "in" / "from": a name is also a company's or a person's.
    assert found("Texas Roadhouse charged me twice", cfpb) == {}
    # Codes are words too ("or", "in"): only names are read without a preposition.
    assert found("Do I pay it OR dispute it IN writing?", cfpb) == {}
    relief = ("Closed with monetary relief", "Closed with non-monetary relief")
    assert found("Which company has the lowest rate of relief?", cfpb) == {"status": relief}
    assert found("the share of getting relief for mortgages", cfpb) == {"status": relief}
    assert "status" not in found("What share of complaints mention fees?", cfpb)


def test_a_period_left_out_is_every_day_outside_it_never_the_period_itself():
    assert found("Complaints about Equifax not in 2023") == {"outside": ("2023-01-01", "2023-12-31")}
    assert found("Equifax complaints excluding March 2020") == {"outside": ("2020-03-01", "2020-03-31")}
    assert found("complaints other than those from 2019") == {"outside": ("2019-01-01", "2019-12-31")}
    assert found("complaints before 2023 but not in 2020") == {"outside": ("2020-01-01", "2020-12-31"),
                                                               "until": "2022-12-31"}
    assert found("complaints in 2023") == {"since": "2023-01-01", "until": "2023-12-31"}


def test_the_outside_filter_is_checked_and_said_and_only_sql_applies_it():
    import pytest

    from assistant import filters as filtering

    clean = filtering.normalize({"outside": ("2023-12-31", "2023-01-01")})
    assert clean == {"outside": ["2023-01-01", "2023-12-31"]}
    assert filtering.to_sql(clean) == ("WHERE (c.date < ? OR c.date > ?)", [20230101, 20231231])
    assert filtering.describe(clean) == "outside: 2023-01-01 to 2023-12-31"
    assert filtering.to_chroma_where(clean) is None and "outside" in filtering.SQL_ONLY
    for bad in (["2023-01-01"], ["2023-01-01", "someday"]):
        with pytest.raises(filtering.FilterError):
            filtering.normalize({"outside": bad})


def test_kinds_of_problems_ask_the_issues_and_a_kind_of_word_names_no_product():
    assert breakdown_asked("What kinds of problems do people have with mortgages?").field in ("issue", "type")
    assert breakdown_asked("What sorts of complaints does Navient get?").field in ("issue", "type")
    cfpb = Vocabulary(products=["Mortgage", "Checking or savings account"],
                      sub_products=["Other type of mortgage", "Conventional home mortgage", "Checking account"])
    # "Other type of mortgage" is named by "mortgage": "types of mortgage" is the product's words.
    assert found("What types of mortgage problems do people report?", cfpb) == {"product": "Mortgage"}
    # The field asked "of" a product names it as the subject.
    assert found("Which sub-products of checking accounts get the most complaints?", cfpb) == {
        "sub_product": "Checking account"}
    assert found("What are the most common issues of mortgages?", cfpb) == {"product": "Mortgage"}


def test_products_listed_side_by_side_are_the_subjects_and_a_bare_which_asks_of_them():
    cfpb = Vocabulary(products=["Mortgage", "Student loan", "Credit card"],
                      sub_products=["Checking account", "Credit card"])
    assert found("Which gets more complaints, mortgages or student loans?", cfpb) == {
        "product": ("Mortgage", "Student loan")}
    # One alone, or a list one of whose names is a subject already, reads as before.
    assert found("I took a mortgage to pay for my kids", cfpb) == {}
    assert found("Compare credit card and checking account complaints", cfpb) == {"sub_product": "Checking account"}
    # A product listed beside one that is the subject is the subject too.
    assert found("Complaints about student loans or mortgages", cfpb) == {"product": ("Mortgage", "Student loan")}
    assert breakdown_asked("Which gets more complaints, mortgages or student loans?", "product").field == "product"


def test_who_makes_a_loan_is_a_lender_and_who_does_credit_reporting_a_credit_bureau():
    cfpb = Vocabulary(products=["Payday loan", "Credit reporting", "Mortgage"])
    assert found("Which payday lenders get the most complaints?", cfpb) == {"product": "Payday loan"}
    assert found("Which credit bureau has the most complaints?", cfpb) == {"product": "Credit reporting"}
    assert found("How do credit bureaus treat disputes?", cfpb) == {}  # not the subject: a topic's words
    # The one a yes/no question asks about is its subject (it was searched for as words, and abstained)
    assert found("Do credit bureaus ever give monetary relief?", cfpb) == {"product": "Credit reporting"}
    assert found("How often do payday lenders roll over loans?", cfpb) == {"product": "Payday loan"}


def test_rates_compared_across_businesses_are_each_ones_own():
    asked = breakdown_asked("Compare monetary relief rates across the three credit bureaus")
    assert (asked.field, asked.rate, asked.fewest) == ("company", True, False)
    assert breakdown_asked("Compare relief rates among debt collectors").rate
    assert not breakdown_asked("Which debt collectors get the most complaints?").rate
    cfpb = Vocabulary(products=["Credit reporting", "Debt collection"])
    assert found("Compare relief rates across the three credit bureaus", cfpb) == {"product": "Credit reporting"}
    assert found("Compare relief rates among debt collectors", cfpb) == {"product": "Debt collection"}


def test_a_product_named_in_other_words_is_the_one_its_complaints_are_filed_under():
    # "auto loans" is no product's name: it read as no product, and "Any complaints about auto loans?"
    # voted a label of 18. The complaints that write "auto loan" hold Vehicle loan or lease far
    # beyond its share of the index; credit reporting holds more of them, but no more than its share.
    counts = {"Credit reporting": 4000, "Vehicle loan or lease": 100, "Mortgage": 300, "Debt collection": 700}
    written = {("auto", "loan"): {"Credit reporting": 24, "Vehicle loan or lease": 8, "Debt collection": 4},
               ("home", "loan"): {"Credit reporting": 17, "Mortgage": 13},
               ("busi", "loan"): {"Credit reporting": 2, "Vehicle loan or lease": 1},
               ("auto",): {"Credit reporting": 80, "Vehicle loan or lease": 20, "Mortgage": 10},
               ("home",): {"Credit reporting": 200, "Mortgage": 100},
               # "online accounts": written in one product's complaints, but "online" alone leans nowhere
               ("onlin", "loan"): {"Credit reporting": 5, "Vehicle loan or lease": 4},
               ("onlin",): {"Credit reporting": 250, "Vehicle loan or lease": 6, "Mortgage": 20, "Debt collection": 40}}
    cfpb = Vocabulary(products=list(counts), product_counts=counts,
                      product_usage=lambda stems: written.get(tuple(stems), {}))
    assert found("Any complaints about auto loans?", cfpb) == {"product": "Vehicle loan or lease"}
    assert found("Which auto loan lenders get the most complaints?", cfpb) == {"product": "Vehicle loan or lease"}
    assert found("home loan complaints", cfpb) == {"product": "Mortgage"}
    assert found("complaints about business loans", cfpb) == {}  # too few to say
    assert found("complaints about online loans", cfpb) == {}
    assert found("My auto loan was reported late", cfpb) == {}  # not the question's subject
    # A name before the product's word is whose, not which product ("Synchrony loans"); after it
    # the words are read as before ("Chase auto loans").
    written[("synchroni", "loan")] = {"Vehicle loan or lease": 10}
    assert found("complaints about Synchrony loans", cfpb) == {}
    assert found("complaints about Chase auto loans", cfpb) == {"product": "Vehicle loan or lease"}
