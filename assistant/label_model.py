"""Which of the index's own labels a question is about, read by a linear discriminant.

The labels vote (assistant/retrieval.py) through the few complaints a search finds first; when
none of those carries the question's label, no weighting of their votes finds it. A discriminant
reads the label from the question's vector against every labelled complaint at once: each label
is a Gaussian around its complaints' mean vector, all sharing one covariance, so directions in
which complaints of one label differ among themselves count less than directions that set labels
apart. On the CFPB dev questions it ranks the question's Issue first 19 of 40 times and its
Sub-issue 14 of 25, where the label centroids do 15 and 7 (bench/label_ceiling.py).

It is fitted from sums the catalog keeps with every write (each label's vector sum and count, and
every vector's sum and outer-product sum), so nothing here reads the complaints: a question costs
one (labels x dim) product, a change of the index one dim x dim solve per field.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LabelModel:
    values: list[str]
    weights: np.ndarray  # (labels, dim): the shared covariance's inverse times each label's mean
    bias: np.ndarray  # (labels,): -1/2 mean' inverse mean + log(share of the complaints)

    def scores(self, query_vector) -> dict[str, float]:
        """Each label's log-odds for the question, up to a constant shared by all."""
        q = np.asarray(query_vector, dtype=np.float32)
        return dict(zip(self.values, (self.weights @ q + self.bias).tolist()))


def fit(values: list[str], sums: np.ndarray, counts: list[int], scatter: tuple[int, np.ndarray, np.ndarray] | None,
        shrinkage: float) -> LabelModel | None:
    """The discriminant of one label field. `sums`, `counts`: per label (Catalog.label_sums);
    `scatter`: (complaints, sum of vectors, sum of outer products) over every complaint
    (Catalog.vector_scatter). Complaints without a value of the field are one more class, so
    that they do not count as spread within the labels. `shrinkage` pulls the covariance toward
    a sphere of the same total spread: with 100-odd labels of a few complaints each the raw
    estimate is far too sure of the directions it has seen least."""
    if scatter is None or not values:
        return None
    n, total, outer = scatter
    counts_ = np.asarray(counts, dtype=np.float64)
    if n < 2 or counts_.sum() > n:
        return None
    means = sums / counts_[:, None]
    between = sums.T @ means
    unlabelled, unlabelled_sum = n - counts_.sum(), total - sums.sum(axis=0)
    if unlabelled > 0:
        between += np.outer(unlabelled_sum, unlabelled_sum) / unlabelled
    within = (outer - between) / n
    within = (within + within.T) / 2
    spread = np.trace(within) / len(within)
    if spread <= 1e-12:
        return None
    covariance = (1 - shrinkage) * within + shrinkage * spread * np.eye(len(within))
    weights = np.linalg.solve(covariance, means.T).T
    bias = -0.5 * np.einsum("ij,ij->i", weights, means) + np.log(counts_ / n)
    return LabelModel(list(values), weights.astype(np.float32), bias.astype(np.float32))


def most_likely(scores: dict[str, float], held: dict[str, int], total: int, temperature: float,
                too_common: float) -> tuple[str, float] | None:
    """The label the question most likely means among those the complaints under its filters
    hold (`held`: value -> complaints, of `total`), and its probability among them. A label
    carried by more than `too_common` of those complaints names no topic ("Billing Issues" on a
    page of billing complaints) and is never the answer, but keeps its share of the probability:
    the question being about it makes every other label less likely."""
    held_scores = [(v, scores[v]) for v, n in held.items() if n and v in scores]
    if not held_scores or not total:
        return None
    logits = np.array([s for _, s in held_scores]) / temperature
    p = np.exp(logits - logits.max())
    p /= p.sum()
    for i in np.argsort(-p):
        value = held_scores[i][0]
        if held[value] / total <= too_common:
            return value, float(p[i])
    return None
