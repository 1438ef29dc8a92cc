"""Label centroids in the catalog: kept by every write and delete, equal to a backfill."""

import numpy as np
import pytest

from index.catalog import Catalog
from index.records import Complaint


def _row(n: int, issue: str, sub_issue: str, vectors: list) -> dict:
    c = Complaint(company="Acme", date="2024-01-0%d" % (n % 9 + 1), type=issue, status="Closed",
                  narrative=f"complaint {n}", labels={"issue": issue, "sub_issue": sub_issue, "product": "Card"},
                  external_id=str(n)).assign_id()
    sentences = [("complaint", i, f"s{i}", v) for i, v in enumerate(vectors)]
    sentences.append(("business_response", 99, "reply", np.ones(4)))  # replies do not count
    return {"complaint": c, "content_hash": f"h{n}-{vectors[0][0]}", "passages": [], "sentences": sentences}


def _unit(*xs):
    v = np.asarray(xs, dtype=np.float64)
    return v / np.linalg.norm(v)


def _centroids(catalog: Catalog, field: str) -> dict:
    values, matrix, counts = catalog.label_centroids(field)
    return {v: (n, tuple(np.round(row, 2))) for v, row, n in zip(values, matrix, counts)}


def test_sums_and_scatter_follow_writes_updates_and_deletes_and_equal_a_backfill(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite")
    a = _row(1, "Fees", "Late fee", [_unit(1, 0, 0, 0), _unit(1, 0, 0, 0)])
    b = _row(2, "Fees", "Overdraft", [_unit(0, 1, 0, 0)])
    c = _row(3, "Fraud", "Scam", [_unit(0, 0, 1, 0)])
    catalog.write([a, b, c])
    got = _centroids(catalog, "issue")
    assert got["Fees"][0] == 2 and got["Fees"][1] == pytest.approx(tuple(np.round(_unit(1, 1, 0, 0), 2)))
    assert got["Fraud"] == (1, (0.0, 0.0, 1.0, 0.0))

    # An update replaces the old vector; a delete removes it; an emptied label disappears.
    catalog.write([_row(2, "Fees", "Overdraft", [_unit(0, 0, 0, 1)])])
    catalog.delete([c["complaint"].complaint_id])
    kept = {f: _centroids(catalog, f) for f in ("type", "issue", "sub_issue", "product")}
    assert "Fraud" not in kept["issue"] and kept["product"]["Card"][0] == 2
    assert kept["issue"]["Fees"][1] == pytest.approx(tuple(np.round(_unit(1, 0, 0, 1), 2)))
    # The scatter the labels' discriminant is fitted from: every current complaint's vector,
    # summed and summed as outer products. A drift here would skew every question's label.
    vectors = [_unit(1, 0, 0, 0), _unit(0, 0, 0, 1)]
    n, total, scatter = catalog.vector_scatter()
    assert n == 2 and total == pytest.approx(sum(vectors))
    assert scatter == pytest.approx(sum(np.outer(v, v) for v in vectors))

    # An index written before the sums existed is backfilled on first read, to the same sums.
    catalog.db.execute("DELETE FROM meta")
    catalog.db.execute("DELETE FROM label_vectors")
    catalog.db.execute("DELETE FROM vector_scatter")
    assert {f: _centroids(catalog, f) for f in kept} == kept
    n2, total2, scatter2 = catalog.vector_scatter()
    assert n2 == n and total2 == pytest.approx(total) and scatter2 == pytest.approx(scatter)


def test_an_index_with_label_sums_but_no_scatter_gets_both_on_first_read(tmp_path):
    # An index written by the release before the scatter existed: its label sums are kept, its
    # scatter is not; the first question fills the scatter rather than fitting on nothing.
    catalog = Catalog(tmp_path / "catalog.sqlite")
    catalog.write([_row(1, "Fees", "Late fee", [_unit(1, 0, 0, 0)]), _row(2, "Fraud", "Scam", [_unit(0, 1, 0, 0)])])
    catalog.db.execute("DELETE FROM meta WHERE key = 'vector_scatter'")
    catalog.db.execute("DELETE FROM vector_scatter")
    catalog.write([_row(3, "Fees", "Late fee", [_unit(0, 0, 1, 0)])])  # written while the scatter was missing
    n, total, _ = catalog.vector_scatter()
    assert n == 3 and total == pytest.approx(_unit(1, 0, 0, 0) + _unit(0, 1, 0, 0) + _unit(0, 0, 1, 0))
    assert _centroids(catalog, "issue")["Fees"][0] == 2
