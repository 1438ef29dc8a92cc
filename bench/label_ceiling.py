"""How far the CFPB's own labels can be read from this model's vectors at all.

A whole-set answer counts the complaints of one label, so its count is right only when the label,
at the question's level (Issue or Sub-issue), is. This prints how often a label can be read:
- from a complaint's own whole narrative (leave-one-out over the index: the majority of its 8
  nearest complaints, the nearest label centroid, a logistic regression cross-validated 5-fold),
- from each question of the CFPB set: the first label of the label centroids (what the labels'
  votes are scored with), of the labels' discriminant the retrieval reads first
  (assistant/label_model.py, from the catalog's sums), and of a logistic regression trained on the
  index's complaints and labels, and for whole-set questions that classifier's label at the level
  of the question's truth, told that level for free.
Needs an index holding the three CFPB exports (`complaint-chat ingest ../shared/data/cfpb --index
DIR`). Holds every complaint vector in memory: a measurement for a 10k-scale index, not a product path.

    .venv/bin/python bench/label_ceiling.py --index DIR [--set FILE]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import index  # noqa: E402,F401  (offline environment before llama-index / HF load)

LEVELS = (("type", "issue"), ("sub_issue", "sub_issue"))  # (index field, question-set key)


def complaint_vectors(catalog):
    """Every complaint's vector (the mean of its stored sentence vectors) and its record, a page at a time."""
    import numpy as np

    from index.catalog import complaint_vector, pages

    vectors, records = [], []
    for part in pages(list(catalog.ids()), 500):
        sentences, complaints = catalog.sentences(part), catalog.complaints(part)
        for cid in part:
            v = complaint_vector((section, vec) for section, _, _, vec in sentences[cid])
            if v is not None:
                vectors.append(v.astype(np.float32))
                records.append(complaints[cid])
    return np.stack(vectors), records


def label_of(record, field: str) -> str:
    return (record.type if field == "type" else record.labels.get(field)) or ""


def from_narratives(X, labels) -> dict[str, float]:
    """Leave-one-out accuracy of reading a complaint's label from its own vector."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    keep = labels != ""
    X, labels = X[keep], labels[keep]
    sims = X @ X.T
    np.fill_diagonal(sims, -np.inf)
    nearest = np.argsort(-sims, axis=1)[:, :8]
    knn = np.mean([Counter(labels[nearest[i]]).most_common(1)[0][0] == labels[i] for i in range(len(X))])
    values = sorted(set(labels))
    row = {v: k for k, v in enumerate(values)}
    sums = np.zeros((len(values), X.shape[1]))
    np.add.at(sums, [row[v] for v in labels], X)
    right = 0
    for i, v in enumerate(labels):
        without = sums.copy()
        without[row[v]] -= X[i]
        without /= np.maximum(np.linalg.norm(without, axis=1, keepdims=True), 1e-12)
        right += values[int(np.argmax(without @ X[i]))] == v
    logistic = cross_val_score(LogisticRegression(C=1.0, max_iter=300), X, labels, cv=5).mean()
    return {"values": len(values), "commonest": Counter(labels).most_common(1)[0][1] / len(labels),
            "knn8": float(knn), "centroid": right / len(labels), "logistic_cv5": float(logistic)}


def main(argv=None) -> int:
    import warnings

    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    from assistant import Assistant, label_model
    from assistant.evaluation import CFPB_QUESTIONS, load_questions
    from index import Settings
    from index.catalog import unit_rows

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", required=True, help="an index holding the CFPB files")
    parser.add_argument("--set", default=str(CFPB_QUESTIONS))
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    assistant = Assistant.open(settings=Settings.from_env(home=args.index, chroma_host=""))
    X, records = complaint_vectors(assistant.store.catalog)
    questions = [q for q in load_questions(args.set)
                 if q.kind in ("topic", "company", "whole-set") and isinstance(q.relevant, dict)]
    Q = np.stack([np.asarray(assistant.embed_model.get_query_embedding(q.question), np.float32) for q in questions])
    companies = np.array([r.company or "" for r in records])
    catalog, params = assistant.store.catalog, assistant.retriever.params
    scatter = catalog.vector_scatter()
    print(f"{len(records)} complaints, {len(questions)} label questions; model: the project's embedding model\n")

    whole_right: dict[str, list[bool]] = {"dev": [], "test": []}
    for field, key in LEVELS:
        labels = np.array([label_of(r, field) for r in records])
        n = from_narratives(X, labels)
        print(f"{key}: {n['values']} values. From a complaint's own narrative, leave-one-out: commonest value "
              f"{n['commonest']:.3f}, 8 nearest complaints' majority {n['knn8']:.3f}, nearest centroid "
              f"{n['centroid']:.3f}, logistic regression (5-fold) {n['logistic_cv5']:.3f}")
        keep = labels != ""
        # The centroids and the discriminant as the retrieval reads them, from the catalog's sums.
        values, sums, counts = catalog.label_sums(field)
        centroids = unit_rows(sums)
        model = LogisticRegression(C=1.0, max_iter=300).fit(X[keep], labels[keep])
        by_centroid = [values[int(np.argmax(centroids @ q))] for q in Q]
        discriminant = label_model.fit(values, sums, counts, scatter, params.label_shrinkage)
        by_discriminant = [max(s, key=s.get) for s in map(discriminant.scores, Q)]
        probabilities = model.predict_proba(Q)
        for split in ("dev", "test"):
            asked = [i for i, q in enumerate(questions) if q.split == split and q.relevant.get(key)]
            hits = {name: sum(first[i] in q_truth for i in asked
                              for q_truth in [set(questions[i].relevant[key])])
                    for name, first in (("centroid", by_centroid), ("discriminant", by_discriminant),
                                        ("logistic", [model.classes_[int(np.argmax(p))] for p in probabilities]))}
            print(f"  {split}: the question's {key} ranked first for {hits['centroid']} of {len(asked)} "
                  f"questions by label centroids, {hits['discriminant']} by the labels' discriminant, "
                  f"{hits['logistic']} by the logistic regression")
        for i, q in enumerate(questions):
            # The truth's level: the most specific label the question names.
            if q.kind != "whole-set" or key != ("sub_issue" if q.relevant.get("sub_issue") else "issue"):
                continue
            held = set(labels[companies == q.relevant["company"]]) if q.relevant.get("company") else set(values)
            order = [model.classes_[j] for j in np.argsort(-probabilities[i]) if model.classes_[j] in held]
            whole_right[q.split].append(bool(order) and order[0] in set(q.relevant[key]))
        print()
    for split, right in whole_right.items():
        print(f"whole-set, {split}: the logistic regression's label, among those the named company holds, at the "
              f"level of the question's truth (given), is right for {sum(right)} of {len(right)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
