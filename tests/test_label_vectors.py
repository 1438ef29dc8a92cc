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


def test_sums_follow_writes_updates_and_deletes_and_equal_a_backfill(tmp_path):
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

    # An index written before the sums existed is backfilled on first read, to the same sums.
    catalog.db.execute("DELETE FROM meta")
    catalog.db.execute("DELETE FROM label_vectors")
    assert {f: _centroids(catalog, f) for f in kept} == kept
