"""Counts over the whole index (or a filtered part of it), from the catalog alone: `complaint-chat
stats` and `Assistant.stats` load no model and no vector store."""

from __future__ import annotations

from index.catalog import LABEL_KEYS

from . import filters as filtering


def catalog_stats(catalog, filters: dict | None = None) -> dict:
    """Counts by company, type, status, month, outcome and the source's own labels."""
    where = filtering.to_sql(filtering.normalize(filters))
    out = {"complaints": catalog.count(where)}
    for name in ("company", "type", "status", "month", "outcome", *LABEL_KEYS):
        counts = catalog.group_counts(name, where)
        if name in LABEL_KEYS and set(counts) <= {"Unknown"}:
            continue  # a field this index's sources do not have
        out[f"by_{name}"] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return out
