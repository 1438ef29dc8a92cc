"""`ingest --company/--product/--state/--since/--until`: only some complaints of a file, the rest
counted as left out, on the real CFPB exports and through the command line."""

import json
from pathlib import Path

import pytest

from index.parsers import read_file
from index.records import Complaint, IngestError, LeftOut
from index.subset import Subset

CFPB = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cfpb"
EXPORT = CFPB / "cfpb_2023-06_export.json"


@pytest.fixture(scope="module")
def everything():
    return [c for c in read_file(EXPORT) if isinstance(c, Complaint)]


@pytest.mark.parametrize("subset, wanted", [
    (Subset.of(companies=["equifax"]), lambda c: c.company == "EQUIFAX, INC."),
    (Subset.of(companies=["wells fargo", "Bank of America"]),
     lambda c: c.company in ("WELLS FARGO & COMPANY", "BANK OF AMERICA, NATIONAL ASSOCIATION")),
    (Subset.of(products=["mortgage"]), lambda c: c.labels.get("product") == "Mortgage"),
    (Subset.of(states=["tx"], since="2023-06-10", until="2023-06-20"),
     lambda c: c.labels.get("state") == "TX" and "2023-06-10" <= c.date <= "2023-06-20"),
])
def test_a_subset_keeps_exactly_the_complaints_its_labels_name(everything, subset, wanted):
    items = list(read_file(EXPORT, keep=subset.keeps))
    kept = [c for c in items if isinstance(c, Complaint)]
    left_out = sum(isinstance(i, LeftOut) for i in items)
    expected = [c.complaint_id for c in everything if wanted(c)]
    assert 0 < len(expected) < len(everything)
    assert [c.complaint_id for c in kept] == expected
    assert left_out == len(everything) - len(expected)


def test_company_words_are_whole_words_and_undated_complaints_are_outside_a_period():
    def complaint(company, date="2024-03-02"):
        return Complaint(company=company, date=date, type="Fees", status="Closed", narrative="x")

    chase = Subset.of(companies=["Chase"])
    assert chase.keeps(complaint("JPMORGAN CHASE & CO.")) and not chase.keeps(complaint("CHASER LLC"))
    assert not Subset.of(companies=["citi"]).keeps(complaint("CITIBANK, N.A."))
    assert not Subset.of(since="2020-01-01").keeps(complaint("Acme", date="Unknown"))
    assert Subset.of(until="2024-03-02").keeps(complaint("Acme")) and not Subset.of(until="2024-03-01").keeps(complaint("Acme"))
    assert not Subset.of() and Subset.of(states=["ca"]).states == ("CA",)


@pytest.mark.parametrize("kwargs, message", [
    ({"since": "2020-13-01"}, "--since must be a date as YYYY-MM-DD"),
    ({"since": "2021-01-01", "until": "2020-01-01"}, "the period ends before it starts"),
    ({"companies": [" & "]}, "--company must hold a word"),
])
def test_a_bad_subset_is_a_one_line_error(kwargs, message):
    with pytest.raises(IngestError, match=message):
        Subset.of(**kwargs)


def test_the_command_line_ingests_only_the_subset_and_counts_the_rest(cli, fresh_index, tmp_path):
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps({"company": company, "date": "2024-03-02", "type": "Fees", "status": "Closed",
                                        "narrative": f"{company} charged me a fee I never agreed to."}) + "\n"
                            for company in ("Acme Bank", "Other Bank", "Acme Bank Holdings", "Third Bank")))
    result = cli("ingest", str(rows), "--company", "acme bank", "--json", "--index", str(fresh_index))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["complaints_added"], data["rows_left_out"], data["errors"]) == (2, 2, [])
    stats = json.loads(cli("stats", "--json", "--index", str(fresh_index)).stdout)
    assert set(stats["by_company"]) == {"Acme Bank", "Acme Bank Holdings"}
    listed = cli("sources", "--index", str(fresh_index)).stdout
    assert "(only company acme bank)" in listed, listed

    # A file the subset leaves whole is no error: nothing was wrong with it.
    none = cli("ingest", str(rows), "--company", "nobody", "--index", str(fresh_index))
    assert none.returncode == 0 and "0 complaints" in none.stdout and "4 left out (company nobody)" in none.stdout
    [source] = json.loads(cli("sources", "--json", "--index", str(fresh_index)).stdout)
    assert (source["complaints"], source["subset"]) == (2, "company acme bank; company nobody")
    # The whole file afterwards: `sources` no longer says it holds only a part.
    assert cli("ingest", str(rows), "--index", str(fresh_index)).returncode == 0
    [source] = json.loads(cli("sources", "--json", "--index", str(fresh_index)).stdout)
    assert (source["complaints"], source["subset"]) == (4, "")

    bad = cli("ingest", str(rows), "--until", "March", "--index", str(fresh_index))
    assert bad.returncode == 1 and bad.stderr.strip().count("\n") == 0 and "--until must be a date" in bad.stderr


def test_an_index_written_before_subsets_were_recorded_opens_and_lists_its_sources(tmp_path):
    import sqlite3

    from index.catalog import Catalog

    path = tmp_path / "catalog.sqlite"
    with sqlite3.connect(path) as db:  # the table as earlier versions wrote it
        db.execute("CREATE TABLE sources (path TEXT PRIMARY KEY, format TEXT, rows_skipped INTEGER, ingested_at TEXT)")
        db.execute("INSERT INTO sources VALUES ('/data/a.csv', 'cfpb-csv', 3, '2026-11-01T10:00:00+0000')")
    catalog = Catalog(path)
    assert [(s["source"], s["rows_skipped"], s["subset"]) for s in catalog.sources()] == [("/data/a.csv", 3, "")]
    catalog.record_source("/data/a.csv", "cfpb-csv", 0, "state TX")
    assert catalog.sources()[0]["subset"] == ""  # the whole file was already in: still all of it
