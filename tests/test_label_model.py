"""The labels' discriminant: fitted from the catalog's sums alone, equal to one fitted on the vectors."""

import numpy as np
import pytest

from assistant import label_model
from index.catalog import Catalog
from index.records import Complaint


def _row(n: int, issue: str, sub_issue: str | None, vector) -> dict:
    labels = {"issue": issue, "product": "Card", **({"sub_issue": sub_issue} if sub_issue else {})}
    c = Complaint(company="Acme", date="2024-01-01", type=issue, status="Closed", narrative=f"complaint {n}",
                  labels=labels, external_id=str(n)).assign_id()
    return {"complaint": c, "content_hash": f"h{n}", "passages": [],
            "sentences": [("complaint", 0, "s", vector)]}


def test_the_discriminant_from_the_catalogs_sums_equals_one_fitted_on_the_vectors(tmp_path):
    rng = np.random.default_rng(7)
    centres = {"Late fee": [1, 0, 0, 0, 0, 0], "Overdraft": [0, 1, 0, 0, 0, 0], "Scam": [0, 0, 1, 0, 0, 0]}
    rows, vectors, labels = [], [], []
    for n in range(60):
        sub = [*centres, None][n % 4]  # a quarter carry no sub-issue: they are a class of their own
        v = np.asarray(centres.get(sub, [0, 0, 0, 1, 0, 0]), float) + 0.4 * rng.standard_normal(6)
        v /= np.linalg.norm(v)
        rows.append(_row(n, "Fees", sub, v))
        vectors.append(np.frombuffer(v.astype(np.float16).tobytes(), np.float16).astype(np.float64))  # as stored
        labels.append(sub)
    catalog = Catalog(tmp_path / "catalog.sqlite")
    catalog.write(rows)
    model = label_model.fit(*catalog.label_sums("sub_issue"), catalog.vector_scatter(), shrinkage=0.3)

    X = np.stack(vectors)
    classes = sorted(set(labels), key=str)
    means = {c: X[[lab == c for lab in labels]].mean(axis=0) for c in classes}
    resid = X - np.stack([means[lab] for lab in labels])
    within = resid.T @ resid / len(X)
    cov = 0.7 * within + 0.3 * np.trace(within) / 6 * np.eye(6)
    assert model.values == ["Late fee", "Overdraft", "Scam"]
    for value, weights in zip(model.values, model.weights):
        assert weights == pytest.approx(np.linalg.solve(cov, means[value]), rel=1e-3, abs=1e-3)

    # A question near one label's complaints reads as that label.
    scores = model.scores(np.asarray(centres["Overdraft"], np.float32))
    assert max(scores, key=scores.get) == "Overdraft"


def test_a_label_most_complaints_carry_is_never_the_topic_but_keeps_its_probability():
    scores = {"Billing Issues": 3.0, "Delivery Issues": 1.0, "Order Issues": 0.0}
    held = {"Billing Issues": 8, "Delivery Issues": 1, "Order Issues": 1}
    value, p = label_model.most_likely(scores, held, 10, temperature=1.0, too_common=0.5)
    # Delivery is the best label that may be a topic, but the question most likely means Billing:
    # Delivery's probability stays small, so no "sure" threshold makes it the topic.
    assert value == "Delivery Issues" and p == pytest.approx(np.exp(1) / (np.exp(3) + np.exp(1) + 1))
    # Labels the filtered complaints do not hold are no answer at all.
    assert label_model.most_likely(scores, {"Order Issues": 0}, 10, 1.0, 0.5) is None
