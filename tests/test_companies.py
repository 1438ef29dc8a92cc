"""Company names from the index's own names and word statistics (no model, no index)."""

from assistant.companies import CompanyNames
from index.keywords import terms

NAMES = ["Credit Card Receivables Fund Incorporated", "BANK OF AMERICA, NATIONAL ASSOCIATION", "Other Bank"]
# Passages per stem: "credit" and "card" are everywhere, "america" mostly in that bank's complaints.
SPREAD = {"credit": 4000, "card": 3000, "receiv": 40, "fund": 300, "incorpor": 20, "bank": 5000, "america": 350,
          "nation": 100, "associ": 80, "other": 2000}
OWN = {"Credit Card Receivables Fund Incorporated": 5, "BANK OF AMERICA, NATIONAL ASSOCIATION": 300, "Other Bank": 50}


def _names() -> CompanyNames:
    return CompanyNames(NAMES, passages=OWN.get,
                        word_passages=lambda stems: {s: SPREAD.get(s, 0) for s in stems})


def test_a_leading_pair_of_common_words_names_no_company():
    share = lambda stems: SPREAD.get(" ".join(stems), 0) / 10000  # noqa: E731
    assert _names().match("My credit card never gave me the sign-up bonus.", share).companies == []
    assert terms("credit card")  # the words are real index terms, not stop words


def test_a_leading_pair_with_a_distinctive_word_still_names_its_company():
    share = lambda stems: SPREAD.get(" ".join(stems), 0) / 10000  # noqa: E731
    got = _names().match("Bank of America account problems", share).companies
    assert got == ["BANK OF AMERICA, NATIONAL ASSOCIATION"]


def test_a_compound_name_of_everyday_parts_is_unknown_when_never_written_as_one():
    # "t" and "mobile" are everywhere; "t mobile" side by side is in no passage.
    spread = {"t": 9000, "mobil": 600, "tesla": 0}
    share = lambda stems: (spread.get(stems[0], 0) if len(stems) == 1 else 0) / 10000  # noqa: E731
    got = _names().match("How does T-Mobile treat people disputing early termination fees?", share)
    assert got.companies == [] and got.unknown == ["T-Mobile"]
    # parts side by side that the complaints do write are ordinary language, not a company
    share_written = lambda stems: 50 / 10000  # noqa: E731
    assert _names().match("Why did my E-Mail statement never arrive?", share_written).unknown == []


def test_a_possessive_names_its_company():
    # "Bank of America's" is Bank of America; it used to read as an unknown company, and the
    # question was refused with "the index holds no complaints about America's".
    share = lambda stems: SPREAD.get(" ".join(stems), 0) / 10000  # noqa: E731
    got = _names().match("Why was Bank of America's response so slow?", share)
    assert got.companies == ["BANK OF AMERICA, NATIONAL ASSOCIATION"] and got.unknown == []
    assert got.said == ["Bank of America"]
    spread = {"tesla": 0}
    unknown = _names().match("How does Tesla's lender treat late payers?", lambda stems: spread.get(stems[0], 0))
    assert unknown.unknown == ["Tesla"]


def test_a_brand_shared_by_a_family_of_companies_names_them_all():
    names = ["SANTANDER BANK, NATIONAL ASSOCIATION", "Santander Consumer USA Holdings Inc.",
             "SANTANDER HOLDINGS USA, INC.", "First Bank", "First Federal"]
    own = {names[0]: 4, names[1]: 18, names[2]: 3, "First Bank": 9, "First Federal": 5}
    spread = {"santand": 21, "first": 900}
    share = lambda stems: {"santand": 21, "santand bank": 3, "santand consum": 6}.get(" ".join(stems), 0) / 1e4  # noqa: E731
    family = CompanyNames(names, passages=own.get, word_passages=lambda stems: {s: spread.get(s, 0) for s in stems})
    got = family.match("What do people say about car repossessions by Santander?", share)
    assert got.companies == sorted(names[:3]) and got.said == ["Santander"]
    # An everyday first word ("First") names no family, nor a brand word not written as a name.
    assert family.match("Who was First to answer?", lambda stems: 0.0).companies == []
    assert family.match("Which bank is like santander?", share).companies == []
    # A brand word the complaints mostly write as one member's whole name ("American Express")
    # names no family: "American banks" are not five companies.
    names = ["AMERICAN EXPRESS COMPANY", "American Credit Acceptance, LLC"]
    american = CompanyNames(names, passages={names[0]: 90, names[1]: 10}.get,
                            word_passages=lambda stems: {s: 117 if s == "american" else 0 for s in stems})
    written = lambda stems: {"american": 117, "american express": 88, "american credit": 3}.get(" ".join(stems), 0)  # noqa: E731
    assert american.match("How do American banks treat overdrafts?", written).companies == []


def test_a_kind_of_company_after_its_name_belongs_to_the_name():
    # "Synchrony Bank": the bank is Synchrony, not a topic to search.
    names = CompanyNames(["SYNCHRONY FINANCIAL", "JPMORGAN CHASE & CO."])
    got = names.match("How does Synchrony Bank handle disputes?", lambda stems: 0.0)
    assert got.companies == ["SYNCHRONY FINANCIAL"] and got.said == ["Synchrony Bank"]
    assert names.match("Chase bank fees", lambda stems: 0.0).said == ["Chase bank"]
    # A bank account is what the complaint is about.
    assert names.match("Chase bank account closed", lambda stems: 0.0).said == ["Chase"]


def test_a_name_written_apart_names_its_company_when_capitalised():
    names = ["TRANSUNION INTERMEDIATE HOLDINGS, INC.", "LendUp Loans LLC"]
    # The complaints write "transunion" far more often than "trans union"; "lendup" more than "lend up".
    written = {"transunion": 3000, "trans union": 40, "lendup": 30, "lend up": 5, "trans": 32, "union": 79}
    share = lambda stems: written.get(" ".join(stems), 0) / 10000  # noqa: E731
    companies = CompanyNames(names)
    got = companies.match("How does Trans Union handle disputes?", share)
    assert got.companies == [names[0]] and got.said == ["Trans Union"] and got.joined == {"Trans Union": "TransUnion"}
    # Everyday words side by side in lower case are no name: "lend up to $500".
    assert companies.match("Do payday lenders lend up to $500?", share).companies == []
    # Nor a capitalised pair the complaints write apart more often than as one.
    apart = {"lendup": 5, "lend up": 30}
    assert companies.match("Do Lend Up loans renew?", lambda stems: apart.get(" ".join(stems), 0) / 1e4).joined == {}


def test_an_abbreviation_spelled_from_the_start_of_one_names_words_names_that_company():
    # "How does NFCU treat its members?" used to say the index holds no complaints about NFCU.
    names = ["NAVY FEDERAL CREDIT UNION", "PENTAGON FEDERAL CREDIT UNION", "BANK OF AMERICA, NATIONAL ASSOCIATION",
             "FIRST NATIONAL BANK OF OMAHA", "AMERICAN EXPRESS COMPANY", "CAPITAL ONE FINANCIAL CORPORATION",
             "PORTFOLIO RECOVERY ASSOCIATES INC", "Peter Roberts & Associates, Inc.", "Fee Services LLC"]
    own = dict.fromkeys(names, 50)
    spread = {"amex": 60, "fee": 3000, "one": 5000}  # passages that hold each stem; other words: none
    companies = CompanyNames(names, passages=own.get, word_passages=lambda stems: {s: spread.get(s, 0) for s in stems})
    rare = lambda stems: 0.0  # noqa: E731
    for question, name, said in [("How does NFCU treat its members?", names[0], "NFCU"),
                                 ("Complaints about PenFed", names[1], "PenFed"),
                                 ("Does BofA charge overdraft fees?", names[2], "BofA"),
                                 ("Did BOA close my account?", names[2], "BOA"),
                                 ("Complaints about FNBO credit cards", names[3], "FNBO"),  # "of" left out
                                 ("How does Amex treat late payments?", names[4], "Amex"),
                                 ("Complaints about Cap One", names[5], "Cap One")]:
        got = companies.match(question, rare)
        assert (got.companies, got.said, got.unknown) == ([name], [said], []), question
    # Two names spelled alike ("PRA") and alike in size: neither is chosen, and neither is said
    # to be absent; one far larger than the other is the one meant.
    assert (companies.match("What do people say about PRA?", rare).companies,
            companies.match("What do people say about PRA?", rare).unknown) == ([], [])
    sizes = {**own, "PORTFOLIO RECOVERY ASSOCIATES INC": 80, "Peter Roberts & Associates, Inc.": 2}
    larger = CompanyNames(names, passages=sizes.get, word_passages=lambda stems: {s: spread.get(s, 0) for s in stems})
    assert larger.match("What do people say about PRA?", rare).companies == ["PORTFOLIO RECOVERY ASSOCIATES INC"]
    # Everyday words: a question's first word ("Are"), a word the complaints use far beyond one
    # company's own ("Fees" spells "Fee Services"), a capital no name starts with ("Zelle"), which stays unknown.
    assert companies.match("Are there fees?", rare).companies == []
    # A question's first word: a name the complaints use ("Amex?", a follow-up) is one; one they
    # never write, not capitalised as a name, is taken for an everyday word ("Fnbo?").
    assert companies.match("Amex?", rare).companies == [names[4]]
    assert companies.match("Fnbo?", rare).companies == []
    assert companies.match("Why are the Fees so high?", rare).companies == []
    assert companies.match("How does Zelle handle fraud?", rare).unknown == ["Zelle"]
    # Two capitalised name words are the name's own ("New York" spells NEW YORK COMMUNITY BANCORP
    # letter for letter, and is a state).
    state = CompanyNames(["NEW YORK COMMUNITY BANCORP INC"], passages={"NEW YORK COMMUNITY BANCORP INC": 10}.get,
                         word_passages=lambda stems: {s: {"new": 5000, "york": 400}.get(s, 0) for s in stems})
    assert state.match("And in New York?", rare).companies == []


def test_a_company_left_out_beside_one_named_leaves_the_named_one():
    names = ["CAPITAL ONE FINANCIAL CORPORATION", "EQUIFAX, INC.", "Navient Solutions, LLC."]
    companies = CompanyNames(names)
    share = lambda stems: 0.0  # noqa: E731
    got = companies.match("Late fee complaints about Capital One, excluding Equifax", share)
    assert got.companies == [names[0]] and got.left_out == ["excluding Equifax"]
    # Left out alone it is still read, for the caller to turn into every other company.
    assert companies.match("Complaints other than Equifax", share).companies == [names[1]]
    # Both named: both are the match.
    both = companies.match("Compare Capital One and Navient", share)
    assert set(both.companies) == {names[0], names[2]} and both.left_out == []
