"""The catalog: one SQLite file beside the vectors, maintained by ingest.

Chroma holds the chunk vectors; everything retrieval and whole-set answers need
besides nearest neighbours lives here, updated incrementally one batch at a time:

- `complaints`: one row per complaint (the record as JSON plus the columns we filter
  and group on). The row is written last, in the same transaction as the rest, and
  carries the content hash: it is the commit marker of a complaint.
- `passages` + `passages_fts`: each chunk's text, and the keyword index (FTS5, BM25 ranking)
  over its stemmed words, behind `keyword_search` (see index/keywords.py for the interface).
  The text lives here rather than in Chroma: Chroma's `add` of a chunk's document (with the
  full-text index it keeps beside it) cost 0.4-0.9 ms a chunk; storing a chunk took 0.93-1.26 ms
  with it and takes 0.53-0.85 without.
- `sentences`: every sentence of every section with its vector, pooled from the
  passage's own forward pass at ingest, so quotes cost no model call at question time.
- `sources`: what was ingested from where.
- `label_vectors`: per value of the sources' own categories (complaint type, CFPB product,
  issue, sub-issue) the running sum and count of its complaints' vectors, kept by the same
  transaction, so a label's centroid costs one row read and never a pass over the corpus.

Nothing here reads the whole corpus: every query is bounded by an index and a LIMIT.
SQLite in WAL mode lets the app read while an ingest in another process writes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .records import Complaint

# The source's own category fields we keep as columns (CFPB names; BBB has none of them).
LABEL_KEYS = ("product", "sub_product", "issue", "sub_issue", "state", "tags", "submitted_via",
              "timely_response", "consumer_disputed")
# Columns a filter or a breakdown may name.
FIELDS = ("company", "type", "status", "month", "source", *LABEL_KEYS)
PAGE = 500  # rows per page for every read that could be large


def pages(items, size: int = PAGE) -> Iterator[list]:
    """`items` a page at a time: SQLite caps the variables one statement takes, and Chroma the ids
    one `get` takes."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _marks(part: list) -> str:
    """The placeholders for a page of values in `IN (...)`."""
    return ",".join("?" * len(part))


# A filtered search (keyword here, dense in assistant/retrieval.py) looks this many times deeper,
# unfiltered, first, and keeps what passes the filter.
FILTER_OVERFETCH = 20
# The sources' own categories: a question's topic is one of them. Each has a centroid in
# `label_vectors`, and an index holding it with BREAKDOWN, so that a whole matching set of
# 12,000 complaints is counted from that index alone in 4 ms, where looking up each row (a
# row holds the whole record) took 200 ms, and the outcome join 0.5-3 s, at 100,000 complaints.
CATEGORY_FIELDS = ("sub_issue", "issue", "product", "type")
BREAKDOWN = ("status", "company", "month", "outcomes")
PHRASE_SAMPLE = 5000  # passages `phrase_by` reads of a phrase, at most
_LABEL_VECTORS_READY = "label_vectors"  # meta key: the label sums cover every complaint
_SCATTER_READY = "vector_scatter"  # meta key: so does the vectors' scatter (both are kept, or neither)
_WRITES = "writes"  # meta key: how many writes and removals the catalog has had (a cache key)

_SCHEMA = f"""
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS complaints (
    id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, source TEXT, position INTEGER,
    source_format TEXT, external_id TEXT, company TEXT, date INTEGER, month TEXT, type TEXT,
    status TEXT, outcomes TEXT, {", ".join(f"{k} TEXT" for k in LABEL_KEYS)}, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outcome_flags (complaint_id TEXT NOT NULL, outcome TEXT NOT NULL,
    PRIMARY KEY (outcome, complaint_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS outcome_by_complaint ON outcome_flags (complaint_id);
CREATE TABLE IF NOT EXISTS passages (rowid INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE NOT NULL,
    complaint_id TEXT NOT NULL, section TEXT, terms TEXT NOT NULL, text TEXT);
CREATE INDEX IF NOT EXISTS passages_by_complaint ON passages (complaint_id);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(terms, content='passages', content_rowid='rowid');
-- Passages holding each term, kept by the write transaction itself: FTS5's own vocabulary
-- table would scan every posting list to answer one look-up.
CREATE TABLE IF NOT EXISTS terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS passages_ai AFTER INSERT ON passages BEGIN
    INSERT INTO passages_fts(rowid, terms) VALUES (new.rowid, new.terms); END;
CREATE TRIGGER IF NOT EXISTS passages_ad AFTER DELETE ON passages BEGIN
    INSERT INTO passages_fts(passages_fts, rowid, terms) VALUES ('delete', old.rowid, old.terms); END;
CREATE TABLE IF NOT EXISTS sentences (complaint_id TEXT NOT NULL, section TEXT, n INTEGER,
    text TEXT NOT NULL, vec BLOB);
CREATE INDEX IF NOT EXISTS sentences_by_complaint ON sentences (complaint_id);
-- subset: what `ingest --company ...` took of the file, "" for all of it ("; " between ingests).
CREATE TABLE IF NOT EXISTS sources (path TEXT PRIMARY KEY, format TEXT, rows_skipped INTEGER,
    ingested_at TEXT, subset TEXT NOT NULL DEFAULT '');
-- float64 sums: ingest adds and removes complaints for years without drifting.
CREATE TABLE IF NOT EXISTS label_vectors (field TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL,
    total BLOB NOT NULL, PRIMARY KEY (field, value)) WITHOUT ROWID;
-- Over every complaint's vector: how many, their float64 sum, and the sum of their outer products
-- (dim x dim). With the label sums it gives the labels' within-label covariance, the labels'
-- discriminant (assistant/label_model.py), with no pass over the complaints.
CREATE TABLE IF NOT EXISTS vector_scatter (key TEXT PRIMARY KEY, n INTEGER NOT NULL, total BLOB NOT NULL,
    scatter BLOB NOT NULL) WITHOUT ROWID;
-- Facts about the whole index (which encoder built its vectors, whether the label sums cover it).
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
{"".join(f"CREATE INDEX IF NOT EXISTS complaints_by_{f} ON complaints ({f});" for f in FIELDS)}
CREATE INDEX IF NOT EXISTS complaints_by_date ON complaints (date);
{"".join(f"CREATE INDEX IF NOT EXISTS complaints_breakdown_{f} ON complaints ({f}, {', '.join(BREAKDOWN)});"
         for f in CATEGORY_FIELDS)}
CREATE INDEX IF NOT EXISTS complaints_company_labels ON complaints (company, {", ".join(CATEGORY_FIELDS)});
CREATE INDEX IF NOT EXISTS complaints_company_id ON complaints (company, id);
-- "Show me complaint 7093004": the source's own id, looked up as people quote it.
CREATE INDEX IF NOT EXISTS complaints_by_external_id ON complaints (external_id);
-- Products alike under two names (assistant/question_products.products_alike) are read from these
-- pairs once per index change: 8 ms at 100,000 complaints with it, 219 ms without.
CREATE INDEX IF NOT EXISTS complaints_product_pairs ON complaints (product, sub_product);
"""


def fts_phrase(stems: list[str]) -> str:
    """Stems side by side as one FTS5 phrase query."""
    return '"' + " ".join(s.replace('"', "") for s in stems) + '"'


def _vec_blob(vector) -> bytes:
    return np.asarray(vector, dtype=np.float16).tobytes()


def vectors_from_blobs(blobs: list[bytes]) -> np.ndarray:
    return np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(len(blobs), -1).astype(np.float32)


def unit_rows(sums: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (label sums -> centroids), as float32; (0, 0) for none."""
    if not len(sums):
        return np.zeros((0, 0), np.float32)
    return (sums / np.linalg.norm(sums, axis=1, keepdims=True)).astype(np.float32)


def complaint_vector(sentences: Iterable[tuple[str, object]]) -> np.ndarray | None:
    """What a complaint is about, as one unit vector: the mean of its narrative's sentence
    vectors (the customer's own words; replies talk about policy, not the problem), or of
    every section's when it has no narrative. `sentences`: (section, vector or blob or None)."""
    by_section: dict[str, list] = {}
    for section, vec in sentences:
        if vec is None:
            continue
        vec = np.frombuffer(vec, dtype=np.float16) if isinstance(vec, bytes) else np.asarray(vec)
        by_section.setdefault(section, []).append(vec.astype(np.float64))
    chosen = by_section.get("complaint") or [v for part in by_section.values() for v in part]
    if not chosen:
        return None
    mean = np.mean(chosen, axis=0)
    norm = np.linalg.norm(mean)
    return mean / norm if norm > 0 else None


class Catalog:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._whole_index: tuple | None = None  # (generation, breakdown of every complaint)
        self.db.executescript(_SCHEMA)
        # Columns an older index lacks. Its chunk texts stay in Chroma (ComplaintStore.passages).
        self._add_column("sources", "subset", "TEXT NOT NULL DEFAULT ''")
        self._add_column("passages", "text", "TEXT")
        if self.db.execute("SELECT 1 FROM complaints LIMIT 1").fetchone() is None:
            # An empty catalog: the sums cover everything from the first write on.
            self.db.executemany("INSERT OR IGNORE INTO meta VALUES (?, '1')",
                                [(_LABEL_VECTORS_READY,), (_SCATTER_READY,)])

    def _add_column(self, table: str, column: str, declaration: str) -> None:
        if column in {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}:
            return
        try:
            self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
        except sqlite3.OperationalError as exc:  # another process opening the same index added it first
            if "duplicate column" not in str(exc):
                raise

    @property
    def db(self) -> sqlite3.Connection:
        # One connection per thread: the app answers several people at once.
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout = 60000")
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self):
        with self._write_lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    # --- writing ---------------------------------------------------------------------------
    def stored_hashes(self, ids: list[str]) -> dict[str, str]:
        out = {}
        for part in pages(ids):
            out.update(self.db.execute(f"SELECT id, content_hash FROM complaints WHERE id IN ({_marks(part)})", part))
        return out

    def write(self, rows: list[dict]) -> None:
        """Replace complaints whole, in one transaction. Each row: complaint, content_hash,
        passages [(chunk_id, section, terms, text)], sentences [(section, n, text, vector|None)]."""
        added: Counter = Counter()
        for row in rows:
            for _, _, terms, _ in row["passages"]:
                added.update(set(terms.split()))
        with self.transaction() as db:
            self._bump_writes(db)
            self._count_terms(db, added, +1)
            keep_vectors = self._label_vectors_ready(db)
            moved: list[tuple[np.ndarray, int]] = []  # (complaint vector, +1 added / -1 removed)
            for row in rows:
                c: Complaint = row["complaint"]
                moved += self._delete(db, c.complaint_id, keep_vectors)
                if keep_vectors:
                    # From the float16 vectors as stored, so a later delete subtracts exactly this.
                    vector = complaint_vector((s, None if v is None else _vec_blob(v))
                                              for s, _, _, v in row["sentences"])
                    self._add_label_vector(db, _vector_labels(c.type, c.labels.get), vector, +1)
                    if vector is not None:
                        moved.append((vector, +1))
                db.executemany("INSERT INTO passages (chunk_id, complaint_id, section, terms, text) "
                               "VALUES (?, ?, ?, ?, ?)",
                               [(cid, c.complaint_id, section, terms, text)
                                for cid, section, terms, text in row["passages"]])
                db.executemany("INSERT INTO sentences (complaint_id, section, n, text, vec) VALUES (?, ?, ?, ?, ?)",
                               [(c.complaint_id, s, n, t, None if v is None else _vec_blob(v))
                                for s, n, t, v in row["sentences"]])
                db.executemany("INSERT INTO outcome_flags VALUES (?, ?)",
                               [(c.complaint_id, o) for o in dict.fromkeys(c.outcomes)])
                labels = [c.labels.get(k) or None for k in LABEL_KEYS]
                db.execute(
                    f"INSERT INTO complaints VALUES ({','.join('?' * (13 + len(LABEL_KEYS)))})",
                    (c.complaint_id, row["content_hash"], c.source, c.position, c.source_format, c.external_id,
                     c.company, c.date_int, c.month, c.type, c.status, "|".join(c.outcomes), *labels,
                     json.dumps(c.to_dict(), ensure_ascii=False)))
            self._add_scatter(db, moved)

    @staticmethod
    def _bump_writes(db) -> None:
        # A write counter for `generation`: a count and a highest rowid can come back to what they
        # were (remove the newest complaint, add another with as many passages).
        db.execute("INSERT INTO meta VALUES (?, '1') ON CONFLICT(key) DO UPDATE SET value = value + 1", (_WRITES,))

    @staticmethod
    def _count_terms(db, counts: Counter, sign: int) -> None:
        db.executemany("INSERT INTO terms VALUES (?, ?) ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
                       [(t, sign * n) for t, n in counts.items()])

    @staticmethod
    def _label_vectors_ready(db) -> bool:
        """Whether the label sums and the scatter cover every complaint (an index written before
        either existed has them backfilled, both at once, on first read)."""
        return db.execute("SELECT count(*) FROM meta WHERE key IN (?, ?)",
                          (_LABEL_VECTORS_READY, _SCATTER_READY)).fetchone()[0] == 2

    @staticmethod
    def _add_scatter(db, moved: list[tuple[np.ndarray, int]]) -> None:
        """One read and write of the scatter row per transaction: it is dim x dim float64 (1.2 MB)."""
        if not moved:
            return
        vectors = np.stack([v for v, _ in moved])
        signs = np.array([sign for _, sign in moved], dtype=np.float64)
        got = db.execute("SELECT n, total, scatter FROM vector_scatter WHERE key = 'all'").fetchone()
        dim = vectors.shape[1]
        n, total, scatter = ((got[0], np.frombuffer(got[1]), np.frombuffer(got[2]).reshape(dim, dim)) if got
                             else (0, np.zeros(dim), np.zeros((dim, dim))))
        n += int(signs.sum())
        total = total + signs @ vectors
        scatter = scatter + (vectors * signs[:, None]).T @ vectors
        db.execute("INSERT OR REPLACE INTO vector_scatter VALUES ('all', ?, ?, ?)",
                   (n, total.tobytes(), scatter.tobytes()))

    @staticmethod
    def _add_label_vector(db, labels: list[tuple[str, str]], vector, sign: int) -> None:
        if vector is None:
            return
        for field, value in labels:
            got = db.execute("SELECT n, total FROM label_vectors WHERE field = ? AND value = ?",
                             (field, value)).fetchone()
            n, total = (got[0], np.frombuffer(got[1], dtype=np.float64)) if got else (0, np.zeros(len(vector)))
            n, total = n + sign, total + sign * vector
            if n <= 0:
                db.execute("DELETE FROM label_vectors WHERE field = ? AND value = ?", (field, value))
            else:
                db.execute("INSERT OR REPLACE INTO label_vectors VALUES (?, ?, ?, ?)",
                           (field, value, n, np.asarray(total, dtype=np.float64).tobytes()))

    def _delete(self, db, complaint_id: str, keep_vectors: bool) -> list[tuple[np.ndarray, int]]:
        """Removes one complaint; returns its vector as the scatter must lose it (or nothing).
        `keep_vectors`: the transaction's `_label_vectors_ready`, read once by the caller."""
        old = db.execute(f"SELECT {', '.join(CATEGORY_FIELDS)} FROM complaints WHERE id = ?", (complaint_id,)).fetchone()
        gone = []
        if old is not None and keep_vectors:
            vector = complaint_vector(db.execute("SELECT section, vec FROM sentences WHERE complaint_id = ?",
                                                 (complaint_id,)))
            row = dict(zip(CATEGORY_FIELDS, old))
            self._add_label_vector(db, _vector_labels(row["type"], row.get), vector, -1)
            if vector is not None:
                gone.append((vector, -1))
        removed: Counter = Counter()
        for (terms,) in db.execute("SELECT terms FROM passages WHERE complaint_id = ?", (complaint_id,)):
            removed.update(set(terms.split()))
        if removed:
            self._count_terms(db, removed, -1)
        for table, key in (("passages", "complaint_id"), ("sentences", "complaint_id"),
                           ("outcome_flags", "complaint_id"), ("complaints", "id")):
            db.execute(f"DELETE FROM {table} WHERE {key} = ?", (complaint_id,))
        return gone

    def delete(self, ids: list[str]) -> None:
        with self.transaction() as db:
            self._bump_writes(db)
            keep_vectors, moved = self._label_vectors_ready(db), []
            for cid in ids:
                moved += self._delete(db, cid, keep_vectors)
            self._add_scatter(db, moved)

    def record_source(self, path: str, fmt: str, rows_skipped: int, subset: str = "") -> None:
        """`subset`: the part of the file this ingest took ("" for all of it). Parts taken by
        earlier ingests of the same file are kept beside it, until one takes the whole file."""
        with self.transaction() as db:
            before = db.execute("SELECT subset FROM sources WHERE path = ?", (path,)).fetchone()
            if subset and before is not None:
                parts = before[0].split("; ") if before[0] else []
                subset = "; ".join(dict.fromkeys([*parts, subset])) if parts else ""
            db.execute("INSERT OR REPLACE INTO sources (path, format, rows_skipped, ingested_at, subset) "
                       "VALUES (?, ?, ?, ?, ?)",
                       (path, fmt, rows_skipped, time.strftime("%Y-%m-%dT%H:%M:%S%z"), subset))

    def forget_source(self, path: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM sources WHERE path = ?", (path,))

    # --- reading ---------------------------------------------------------------------------
    def count(self, where: tuple[str, list] = ("", [])) -> int:
        clause, params = where
        return self.db.execute(f"SELECT count(*) FROM complaints c {clause}", params).fetchone()[0]

    def holds(self, field: str) -> bool:
        """Whether any complaint has a value in `field` (one index look-up, not a count)."""
        if field == "outcome":
            return self.db.execute("SELECT 1 FROM outcome_flags LIMIT 1").fetchone() is not None
        if field not in FIELDS:
            raise ValueError(f"unknown field {field!r}")
        return self.db.execute(f"SELECT 1 FROM complaints c WHERE c.{field} IS NOT NULL "
                               f"AND c.{field} NOT IN ('', 'Unknown') LIMIT 1").fetchone() is not None

    def date_span(self) -> tuple[str, str] | None:
        """The first and last complaint dates the index holds, as YYYY-MM-DD (two look-ups on
        the date index; an undated complaint is stored as 0 or NULL)."""
        first = self.db.execute("SELECT min(date) FROM complaints WHERE date > 0").fetchone()[0]
        last = self.db.execute("SELECT max(date) FROM complaints").fetchone()[0]
        if not first:
            return None
        return tuple(f"{d // 10000:04d}-{d // 100 % 100:02d}-{d % 100:02d}" for d in (first, last))

    def years(self) -> list[int]:
        """The years that hold a dated complaint: one look-up on the date index per year held,
        each jumping to the next year that has one."""
        held, after = [], 1
        while True:
            found = self.db.execute("SELECT min(date) FROM complaints WHERE date >= ?", (after,)).fetchone()[0]
            if not found:
                return held
            held.append(found // 10000)
            after = (found // 10000 + 1) * 10000

    def ids(self, where: tuple[str, list] = ("", []), page: int = PAGE) -> Iterator[str]:
        """Every matching id, read a page at a time (keyset pagination, so no OFFSET scans)."""
        clause, params = where
        joiner = "AND" if clause else "WHERE"
        last = ""
        while True:
            rows = self.db.execute(f"SELECT c.id FROM complaints c {clause} {joiner} c.id > ? ORDER BY c.id LIMIT ?",
                                   [*params, last, page]).fetchall()
            if not rows:
                return
            yield from (r[0] for r in rows)
            last = rows[-1][0]

    def complaints(self, ids: Iterable[str]) -> dict[str, Complaint]:
        out = {}
        for part in pages(list(ids)):
            for cid, doc in self.db.execute(f"SELECT id, doc FROM complaints WHERE id IN ({_marks(part)})", part):
                out[cid] = Complaint.from_dict(json.loads(doc))
        return out

    def group_counts(self, field: str, where: tuple[str, list] = ("", []), limit: int | None = None,
                     fewest: bool = False, between: tuple[int | None, int | None] = (None, None)) -> dict[str, int]:
        """Complaints per value of `field` under `where`, the most first (`fewest`: the fewest);
        `between`: only the values with at least / at most that many (either end None: open)."""
        clause, params = where
        if field == "outcome":
            sql = (f"SELECT o.outcome, count(*) n FROM outcome_flags o JOIN complaints c ON c.id = o.complaint_id "
                   f"{clause} GROUP BY o.outcome")
        else:
            if field not in FIELDS:
                raise ValueError(f"unknown field {field!r}")
            sql = f"SELECT c.{field}, count(*) n FROM complaints c {clause} GROUP BY c.{field}"
        having = [f"n {op} {int(n)}" for op, n in zip((">=", "<="), between) if n is not None]
        sql += (f" HAVING {' AND '.join(having)}" if having else "") + f" ORDER BY n {'ASC' if fewest else 'DESC'}"
        sql += f" LIMIT {int(limit)}" if limit else ""
        return {(k if k is not None else "Unknown"): n for k, n in self.db.execute(sql, params)}

    def distinct_count(self, field: str, where: tuple[str, list] = ("", [])) -> int:
        """How many values of `field` the complaints under `where` hold (none for Unknown or empty)."""
        if field not in FIELDS:
            raise ValueError(f"unknown field {field!r}")
        clause, params = where
        known = f"c.{field} IS NOT NULL AND c.{field} NOT IN ('', 'Unknown')"
        clause = f"{clause} AND {known}" if clause else f"WHERE {known}"
        return self.db.execute(f"SELECT count(DISTINCT c.{field}) FROM complaints c {clause}", params).fetchone()[0]

    def chunk_owners(self, chunk_ids: list[str], where: tuple[str, list] = ("", [])) -> dict[str, str]:
        """chunk id -> complaint id, for those of `chunk_ids` whose complaint passes the filter
        (and is committed)."""
        clause, params = where
        joiner = "AND" if clause else "WHERE"
        out: dict[str, str] = {}
        for part in pages(chunk_ids):
            # CROSS JOIN keeps SQLite on the chunk ids it was given, not on every complaint the
            # filter matches.
            out.update(self.db.execute(
                f"SELECT p.chunk_id, p.complaint_id FROM passages p CROSS JOIN complaints c ON c.id = p.complaint_id "
                f"{clause} {joiner} p.chunk_id IN ({_marks(part)})", [*params, *part]))
        return out

    def passages(self, chunk_ids: list[str]) -> dict[str, tuple[str, str, str | None]]:
        """chunk id -> (complaint id, section, text), for the committed chunks among `chunk_ids`;
        the text is None for a chunk an older index kept in Chroma."""
        out: dict[str, tuple[str, str, str | None]] = {}
        for part in pages(chunk_ids):
            for chunk_id, owner, section, text in self.db.execute(
                    f"SELECT chunk_id, complaint_id, section, text FROM passages WHERE chunk_id IN "
                    f"({_marks(part)})", part):
                out[chunk_id] = (owner, section or "complaint", text)
        return out

    def chunks_of(self, where: tuple[str, list], limit: int) -> dict[str, str] | None:
        """Every chunk of the complaints passing the filter, chunk id -> complaint id, or None when
        there are more than `limit`."""
        clause, params = where
        rows = self.db.execute(f"SELECT p.chunk_id, p.complaint_id FROM complaints c CROSS JOIN passages p "
                               f"ON p.complaint_id = c.id {clause} LIMIT ?", [*params, limit + 1]).fetchall()
        return None if len(rows) > limit else dict(rows)

    def groups(self, where: tuple[str, list] = ("", [])) -> Iterator[tuple[str, str, str, tuple[str, ...], int]]:
        """The matching complaints grouped by (status, company, month, outcomes), each outcome once:
        one pass over one covering index, so a breakdown or a per-company table of 100,000
        complaints never loads a record."""
        clause, params = where
        for status, company, month, outcomes, n in self.db.execute(
                f"SELECT c.status, c.company, c.month, c.outcomes, count(*) FROM complaints c {clause} "
                f"GROUP BY 1, 2, 3, 4", params):
            yield (status or "Unknown", company or "Unknown", month or "Unknown",
                   tuple(dict.fromkeys(filter(None, (outcomes or "").split("|")))), n)

    def breakdown(self, where: tuple[str, list] = ("", [])) -> tuple[int, dict[str, dict[str, int]]]:
        """How many complaints match, and their counts by status, company, month, outcome and
        (company, status) pair.
        The whole index's is kept until the index changes: at 100,000 complaints it is a 200 ms
        pass, and "Which companies get the most complaints?" asks for it."""
        if where[0]:
            return self._breakdown(where)
        generation = self.generation()
        cached = self._whole_index
        if cached is None or cached[0] != generation:
            cached = self._whole_index = (generation, self._breakdown(where))
        total, counts = cached[1]
        return total, {k: dict(v) for k, v in counts.items()}

    def _breakdown(self, where: tuple[str, list]) -> tuple[int, dict[str, dict]]:
        out: dict[str, Counter] = {"status": Counter(), "company": Counter(), "month": Counter(),
                                   "outcome": Counter(), "company_status": Counter()}
        total = 0
        for status, company, month, outcomes, n in self.groups(where):
            total += n
            out["status"][status] += n
            out["company"][company] += n
            out["company_status"][(company, status)] += n
            out["month"][month] += n
            for tag in outcomes:
                out["outcome"][tag] += n
        return total, {k: dict(v.most_common()) for k, v in out.items()}

    def pair_counts(self, first: str, second: str, where: tuple[str, list] = ("", [])) -> dict[tuple[str, str], int]:
        """Counts of the matching complaints by two fields at once (say company and type)."""
        if first not in FIELDS or second not in FIELDS:
            raise ValueError(f"unknown field {first!r} or {second!r}")
        clause, params = where
        return {(a or "Unknown", b or "Unknown"): n for a, b, n in self.db.execute(
            f"SELECT c.{first}, c.{second}, count(*) FROM complaints c {clause} GROUP BY 1, 2", params)}

    def ids_of_external(self, external_ids: list[str]) -> dict[str, str]:
        """The source's own ids (CFPB Complaint ID) the index holds -> the complaint ids (one
        indexed look-up per page)."""
        out = {}
        for part in pages(external_ids):
            out.update(self.db.execute(f"SELECT external_id, id FROM complaints WHERE external_id IN "
                                       f"({_marks(part)})", part).fetchall())
        return out

    def newest_ids(self, where: tuple[str, list] = ("", []), limit: int = PAGE, oldest: bool = False) -> list[str]:
        """The ids of the newest (or the oldest dated) matching complaints, at most `limit` (the
        date index, not a sort of the whole set, when no filter is narrower)."""
        clause, params = where
        if oldest:  # an undated complaint (0 or NULL) is not the oldest
            clause = f"WHERE ({clause.removeprefix('WHERE ')}) AND c.date > 0" if clause else "WHERE c.date > 0"
        order = "ASC" if oldest else "DESC"
        return [r[0] for r in self.db.execute(
            f"SELECT c.id FROM complaints c {clause} ORDER BY c.date {order}, c.id LIMIT ?", [*params, int(limit)])]

    def sentences(self, complaint_ids: list[str]) -> dict[str, list[tuple[str, int, str, bytes | None]]]:
        out: dict[str, list] = {cid: [] for cid in complaint_ids}
        for cid, section, n, text, vec in self.db.execute(
                f"SELECT complaint_id, section, n, text, vec FROM sentences "
                f"WHERE complaint_id IN ({_marks(complaint_ids)}) ORDER BY complaint_id, rowid", complaint_ids):
            out[cid].append((section, n, text, vec))
        return out

    def keyword_search(self, terms: list[str], n: int, where: tuple[str, list] = ("", [])
                       ) -> list[tuple[str, str, float]]:
        """(chunk_id, complaint_id, score) for passages holding any of `terms`, best BM25 first.

        Under a filter: the passages that pass it among the FILTER_OVERFETCH x n best of all,
        so possibly fewer than n. Ranking every match of a large filtered set took seconds at
        100,000 complaints; dense search, exact under any filter, carries a narrow one."""
        if not terms:
            return []
        clause, params = where
        match = " OR ".join(f'"{t}"' for t in terms)
        # FTS5 ranks its matches alone first; only the winners are joined. Joining every match
        # before the sort costs three times the ranking itself at 100k complaints.
        sql = (f"SELECT p.chunk_id, p.complaint_id, f.s FROM (SELECT rowid, bm25(passages_fts) s FROM passages_fts "
               f"WHERE passages_fts MATCH ? ORDER BY s LIMIT ?) f JOIN passages p ON p.rowid = f.rowid "
               f"JOIN complaints c ON c.id = p.complaint_id {clause} ORDER BY f.s LIMIT ?")
        fetch = n * FILTER_OVERFETCH if clause else n
        # FTS5's bm25() is lower-is-better; flip it so higher is better like every other score.
        return [(chunk, cid, -s) for chunk, cid, s in self.db.execute(sql, [match, fetch, *params, n])]

    def term_frequencies(self, terms: list[str]) -> dict[str, int]:
        """Passages holding each term (the index's own vocabulary statistics)."""
        if not terms:
            return {}
        found = dict(self.db.execute(f"SELECT term, df FROM terms WHERE term IN ({_marks(terms)})", terms))
        return {t: found.get(t, 0) for t in terms}

    def phrase_frequency(self, stems: list[str]) -> int:
        """Passages holding these terms side by side (an FTS5 phrase): how often a compound
        word such as "T-Mobile" ("t mobil") is written, where each part alone is everyday."""
        if not stems:
            return 0
        return self.db.execute("SELECT count(*) FROM passages_fts WHERE passages_fts MATCH ?",
                               (fts_phrase(stems),)).fetchone()[0]

    def phrase_by(self, field: str, stems: list[str], most: int = PHRASE_SAMPLE) -> dict[str, int]:
        """Complaints per value of `field` among the first `most` passages that hold these terms
        side by side (an FTS5 phrase): which product "car loan" is written in, set against each
        product's share. A sample, so that a question costs the same at any size: "home" is in
        5,541 complaints at 100,000, and all of them took 0.9 s from a cold page cache (33 ms warm);
        5,000 passages give Mortgage the same share, 0.348, in 14 ms."""
        if field not in FIELDS:
            raise ValueError(f"unknown field {field!r}")
        if not stems:
            return {}
        sql = (f"SELECT c.{field}, count(DISTINCT c.id) FROM complaints c JOIN passages p ON p.complaint_id = c.id "
               f"WHERE p.rowid IN (SELECT rowid FROM passages_fts WHERE passages_fts MATCH ? LIMIT ?) "
               f"GROUP BY c.{field}")
        return {(k if k is not None else "Unknown"): n for k, n in self.db.execute(sql, (fts_phrase(stems), most))}

    def passage_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM passages").fetchone()[0]

    def passages_by(self, field: str) -> dict[str, int]:
        """Passages per value of a complaint column (company names' own weight in the index).
        For the company, two covering indexes answer it (complaints_company_id, passages_by_complaint)
        without a look-up into the records: at 100,000 complaints 0.08 s warm and 0.19 s from a cold
        page cache, where the records' table made it 0.34 s and 12.7 s (the first question's wait)."""
        if field not in FIELDS:
            raise ValueError(f"unknown field {field!r}")
        return dict(self.db.execute(f"SELECT c.{field}, count(*) FROM passages p JOIN complaints c "
                                    f"ON c.id = p.complaint_id GROUP BY c.{field}"))

    def label_sums(self, field: str) -> tuple[list[str], np.ndarray, list[int]]:
        """(values, float64 sum of their complaints' vectors as rows, complaints per value) of one
        category. An index written before the sums existed gets them here, once
        (`backfill_label_vectors`)."""
        if not self._label_vectors_ready(self.db):
            self.backfill_label_vectors()
        values, sums, counts = [], [], []
        for value, n, total in self.db.execute("SELECT value, n, total FROM label_vectors WHERE field = ? "
                                               "ORDER BY value", (field,)):
            vec = np.frombuffer(total, dtype=np.float64)
            if np.linalg.norm(vec) > 0:
                values.append(value)
                sums.append(vec)
                counts.append(n)
        return values, (np.stack(sums) if sums else np.zeros((0, 0))), counts

    def label_centroids(self, field: str) -> tuple[list[str], np.ndarray, list[int]]:
        """(values, unit centroid per value as rows, complaints per value) of one category."""
        values, sums, counts = self.label_sums(field)
        return values, unit_rows(sums), counts

    def vector_scatter(self) -> tuple[int, np.ndarray, np.ndarray] | None:
        """(complaints with a vector, the sum of their vectors, the sum of their outer products)."""
        if not self._label_vectors_ready(self.db):
            self.backfill_label_vectors()
        got = self.db.execute("SELECT n, total, scatter FROM vector_scatter WHERE key = 'all'").fetchone()
        if got is None or got[0] <= 0:
            return None
        total = np.frombuffer(got[1])
        return got[0], total, np.frombuffer(got[2]).reshape(len(total), len(total))

    def backfill_label_vectors(self) -> None:
        """Sum every complaint's vector into its labels, a page of complaints at a time, in one
        write transaction (an ingest in another process waits rather than being half counted)."""
        with self.transaction() as db:
            if self._label_vectors_ready(db):
                return  # another process did it while we waited
            db.execute("DELETE FROM label_vectors")
            db.execute("DELETE FROM vector_scatter")
            sums: dict[tuple[str, str], list] = {}
            last = ""
            while True:
                page = db.execute(f"SELECT id, {', '.join(CATEGORY_FIELDS)} FROM complaints WHERE id > ? "
                                  f"ORDER BY id LIMIT ?", (last, PAGE)).fetchall()
                if not page:
                    break
                last = page[-1][0]
                sentences: dict[str, list] = {}
                for cid, section, vec in db.execute(f"SELECT complaint_id, section, vec FROM sentences "
                                                    f"WHERE complaint_id IN ({_marks(page)})", [r[0] for r in page]):
                    sentences.setdefault(cid, []).append((section, vec))
                moved: list[tuple[np.ndarray, int]] = []
                for cid, *labels in page:
                    vector = complaint_vector(sentences.get(cid, []))
                    if vector is None:
                        continue
                    moved.append((vector, +1))
                    row = dict(zip(CATEGORY_FIELDS, labels))
                    for key in _vector_labels(row["type"], row.get):
                        entry = sums.setdefault(key, [0, np.zeros(len(vector))])
                        entry[0] += 1
                        entry[1] += vector
                self._add_scatter(db, moved)  # a page at a time: memory is a page's vectors
            db.executemany("INSERT INTO label_vectors VALUES (?, ?, ?, ?)",
                           [(f, v, n, total.tobytes()) for (f, v), (n, total) in sums.items()])
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, '1')", [(_LABEL_VECTORS_READY,), (_SCATTER_READY,)])

    def generation(self) -> tuple[int, int, str | None]:
        """Changes whenever complaints are written or removed (by any process): cache key."""
        return self.db.execute("SELECT (SELECT count(*) FROM complaints), (SELECT max(rowid) FROM passages), "
                               "(SELECT value FROM meta WHERE key = ?)", (_WRITES,)).fetchone()

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def meta_default(self, key: str, value: str) -> str:
        """The key's value, set to `value` first if it has none (whichever process sets it first wins)."""
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (key, value))
        return self.meta(key)

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       (key, value))

    def sources(self) -> list[dict]:
        counts = dict(self.db.execute("SELECT source, count(*) FROM complaints GROUP BY source"))
        rows = self.db.execute("SELECT path, format, rows_skipped, ingested_at, subset FROM sources ORDER BY path")
        return [{"source": path, "format": fmt, "complaints": counts.get(path, 0), "rows_skipped": skipped,
                 "ingested_at": when, "subset": subset}
                for path, fmt, skipped, when, subset in rows]


def _vector_labels(complaint_type: str | None, label) -> list[tuple[str, str]]:
    """(field, value) pairs whose centroids a complaint counts in."""
    values = {"type": complaint_type, **{k: label(k) for k in CATEGORY_FIELDS if k != "type"}}
    return [(k, v) for k, v in values.items() if v]
