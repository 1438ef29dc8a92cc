"""Ingest into a real embedded Chroma: idempotence, updates, interruptions, bad input."""

import json
import re
import shutil
import sys

import pytest

from index import ComplaintStore, Settings, ingest
from index.store import ComplaintStore as Store
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "bbb_charter_spectrum_2025-04.txt"


def _settings(home):
    return Settings.from_env(home=home, chroma_host="")


def _snapshot(store: ComplaintStore):
    got = store.chunks.get(include=["metadatas"])
    texts = store.texts(got["ids"])
    chunks = sorted(zip(got["ids"], [texts[i] for i in got["ids"]], [json.dumps(m, sort_keys=True) for m in got["metadatas"]]))
    db = store.catalog.db
    records = sorted(db.execute("SELECT * FROM complaints"))
    passages = sorted(db.execute("SELECT chunk_id, complaint_id, section, terms FROM passages"))
    # Vectors are compared apart: batches of another size round the last bits differently.
    sentences = sorted(db.execute("SELECT complaint_id, section, n, text FROM sentences"))
    return chunks, records, passages, sentences


def _sentence_vectors(store: ComplaintStore):
    import numpy as np

    rows = sorted(store.catalog.db.execute("SELECT complaint_id, section, n, vec FROM sentences"))
    return np.stack([np.frombuffer(r[3], dtype=np.float16).astype(np.float32) for r in rows])


def test_same_input_twice_leaves_the_index_as_it_was(fresh_index):
    settings = _settings(fresh_index)
    store = ComplaintStore(settings)
    first = ingest([SAMPLE], settings, store).to_dict()
    assert (first["complaints_added"], first["complaints_updated"], first["complaints_unchanged"]) == (10, 0, 0)
    assert first["chunks"] == store.chunks.count() > 10
    before = _snapshot(store)
    second = ingest([SAMPLE, SAMPLE.parent], settings, store).to_dict()
    assert (second["complaints_added"], second["complaints_updated"], second["chunks"]) == (0, 0, 0)
    assert second["complaints_unchanged"] == 20
    assert _snapshot(store) == before


def test_changed_complaint_replaces_its_chunks_and_leaves_none_behind(fresh_index, tmp_path):
    settings = _settings(fresh_index)
    store = ComplaintStore(settings)
    ingest([SAMPLE], settings, store)
    page = SAMPLE.read_text()
    # The business rewrites its long reply to the proration complaint into one line.
    start = page.index("discussed Spectrum’s Monthly Subscription Service policy")
    block_end = page.index("Customer Answer", start)
    begin = page.rindex("Business Response", 0, start)
    changed = page[:begin] + "Business Response\n\n      Date: 04/21/2025\n\n      Credit denied per policy.\n\n      " + page[block_end:]
    target = tmp_path / "changed.txt"
    target.write_text(changed)

    report = ingest([target], settings, store).to_dict()
    assert (report["complaints_added"], report["complaints_updated"], report["complaints_unchanged"]) == (0, 1, 9)
    records = store.catalog.complaints(store.catalog.ids())
    [record] = [c for c in records.values() if "PRORATION" in c.narrative]
    assert record.business_responses[0].text == "Credit denied per policy."
    assert "credit_denied" in record.outcomes and "adjustment_applied" not in record.outcomes
    kept = store.chunks.get(where={"complaint_id": record.complaint_id}, include=["metadatas"])
    assert kept["ids"] and not any("Monthly Subscription" in t for t in store.texts(kept["ids"]).values())
    assert all(m["outcomes"] == "|".join(record.outcomes) for m in kept["metadatas"])
    # The keyword index and the quote candidates follow the new text too.
    assert store.keywords.search(["monthli"], 10, ("WHERE c.id = ?", [record.complaint_id])) == []
    quotes = store.catalog.sentences([record.complaint_id])[record.complaint_id]
    assert any(text == "Credit denied per policy." for _, _, text, _ in quotes)
    assert store.count() == 10


@pytest.mark.parametrize("overlap", [False, True], ids=["writes-in-line", "writes-in-a-thread"])
def test_interrupted_ingest_reruns_to_the_same_result(fresh_index, tmp_path, monkeypatch, overlap):
    # Both write paths: in line where torch fills every core, in a thread beside a GPU.
    monkeypatch.setattr(sys.modules["index.ingest"], "_spare_cores", lambda settings: overlap)
    clean_settings = _settings(tmp_path / "clean")
    clean = ComplaintStore(clean_settings)
    ingest([SAMPLE], clean_settings, clean)

    settings = _settings(fresh_index)
    store = ComplaintStore(settings)
    calls = {"n": 0}
    real_write = store.catalog.write

    def crash_on_second_batch(*args, **kwargs):
        # The process dies after writing a batch's chunks but before its catalog rows.
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real_write(*args, **kwargs)

    write_batch = sys.modules["index.ingest"].WRITE_BATCH
    monkeypatch.setattr(sys.modules["index.ingest"], "WRITE_BATCH", 3)
    monkeypatch.setattr(store.catalog, "write", crash_on_second_batch)
    with pytest.raises(KeyboardInterrupt):
        ingest([SAMPLE], settings, store)
    monkeypatch.setattr(store.catalog, "write", real_write)
    monkeypatch.setattr(sys.modules["index.ingest"], "WRITE_BATCH", write_batch)
    assert store.count() == 3  # only completed complaints count

    # Orphan chunks of the half-written complaint are never evidence.
    from assistant import Assistant

    partial = Assistant(settings, store)
    cited = {c.complaint_id for c in partial.ask("final bill after cancelling $108.43", k=10).citations}
    assert cited <= set(store.catalog.ids())

    rerun = ingest([SAMPLE], settings, Store(settings)).to_dict()
    assert (rerun["complaints_added"], rerun["complaints_unchanged"]) == (7, 3)
    assert _snapshot(store) == _snapshot(clean)
    assert abs(_sentence_vectors(store) - _sentence_vectors(clean)).max() < 0.01


def test_missing_empty_and_junk_files_are_reported_and_good_files_still_ingest(cli, fresh_index, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    junk = tmp_path / "notes.txt"
    junk.write_text("Shopping list: eggs, milk.\n")
    result = cli("ingest", str(tmp_path / "missing.txt"), str(empty), str(junk), str(SAMPLE), "--json",
                 "--index", str(fresh_index))
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["complaints_added"] == 10
    errors = {e["path"]: e["error"] for e in data["errors"]}
    assert errors == {
        str(tmp_path / "missing.txt"): "no such file or directory",
        str(empty): "empty file",
        str(junk): "no complaints found (expected a BBB complaint page, CFPB CSV or JSON Lines)",
    }
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("error: ") for line in lines)
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("content, message", [
    (None, "no such file or directory"),
    ("", "empty file"),
    ("hello", "no complaints found"),
])
def test_a_single_bad_path_exits_1_with_one_line(cli, fresh_index, tmp_path, content, message):
    bad = tmp_path / "input.txt"
    if content is not None:
        bad.write_text(content)
    result = cli("ingest", str(bad), "--index", str(fresh_index))
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr and "Traceback" not in result.stderr


def test_sources_and_remove_manage_what_was_ingested(cli, fresh_index, tmp_path):
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"company": "Acme Bank", "date": "2024-03-02", "type": "Fees", "status": "Closed",
                                "narrative": "They charged me a monthly fee I never agreed to."}) + "\n")
    assert cli("ingest", str(SAMPLE), str(rows), "--index", str(fresh_index)).returncode == 0
    listed = json.loads(cli("sources", "--json", "--index", str(fresh_index)).stdout)
    assert {(Path(s["source"]).name, s["complaints"]) for s in listed} == {(SAMPLE.name, 10), ("rows.jsonl", 1)}

    removed = cli("remove", SAMPLE.name, "--json", "--index", str(fresh_index))
    assert removed.returncode == 0, removed.stderr
    assert json.loads(removed.stdout) == {"removed": {SAMPLE.name: 10}, "complaints_left": 1}
    store = ComplaintStore(_settings(fresh_index))
    assert store.chunks.get(where={"company": "Charter Spectrum"})["ids"] == []
    assert store.keywords.search(["charter"], 10) == []
    assert [Path(s["source"]).name for s in store.catalog.sources()] == ["rows.jsonl"]

    unknown = cli("remove", "nothing.txt", "--index", str(fresh_index))
    assert unknown.returncode == 1 and "no ingested source" in unknown.stderr


def test_a_zipped_page_ingests_as_the_page_and_is_one_source(cli, fresh_index, tmp_path):
    import zipfile

    zipped = tmp_path / "spectrum.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(SAMPLE, "pages/spectrum.txt")
    result = cli("ingest", str(zipped), "--json", "--index", str(fresh_index))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["complaints_added"], data["rows_skipped"], data["files"][0]["format"]) == (10, 0, "bbb-text")
    # The same complaints as the page itself: ingesting it adds nothing.
    again = json.loads(cli("ingest", str(SAMPLE), "--json", "--index", str(fresh_index)).stdout)
    assert (again["complaints_added"], again["complaints_unchanged"]) == (0, 10)
    listed = json.loads(cli("sources", "--json", "--index", str(fresh_index)).stdout)
    assert {(Path(s["source"]).name, s["complaints"]) for s in listed} == {("spectrum.zip", 10), (SAMPLE.name, 0)}
    removed = json.loads(cli("remove", "spectrum.zip", "--json", "--index", str(fresh_index)).stdout)
    assert removed == {"removed": {"spectrum.zip": 10}, "complaints_left": 0}


def _export(path: Path, rows: int) -> Path:
    import gzip

    lines = [json.dumps({"company": "Acme Bank", "date": "2024-03-02", "type": "Fees", "status": "Closed",
                         "narrative": f"They charged me fee number {i} that I never agreed to. " * 5})
             for i in range(rows)]
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def test_progress_follows_the_bytes_read_to_the_end_with_a_shrinking_eta(fresh_index, tmp_path):
    settings = _settings(fresh_index)
    export = _export(tmp_path / "rows.jsonl", 300)  # two batches
    seen = []
    report = ingest([export], settings, ComplaintStore(settings), on_progress=seen.append).to_dict()
    assert report["complaints_added"] == 300
    assert [p.rows for p in seen] == [256, 300]
    assert seen[-1].bytes_total == export.stat().st_size
    assert 0.8 < seen[0].bytes_read / seen[0].bytes_total < 1 and seen[-1].bytes_read == seen[-1].bytes_total
    assert seen[0].eta_s > 0 and seen[-1].eta_s == 0


def test_the_command_line_bar_shows_rates_and_time_left_on_a_terminal(fresh_index, tmp_path):
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import termios

    export = _export(tmp_path / "rows.jsonl.gz", 3)
    terminal, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 200, 0, 0))  # a fresh pty is 0 wide
    proc = subprocess.Popen([str(Path(sys.executable).parent / "complaint-chat"), "ingest", str(export),
                             "--index", str(fresh_index)], stdout=subprocess.PIPE, stderr=child,
                            env={k: v for k, v in os.environ.items() if k != "CHROMA_HOST"})
    os.close(child)
    shown = b""
    while True:
        try:
            block = os.read(terminal, 4096)
        except OSError:  # the child closed the terminal
            break
        if not block:
            break
        shown += block
    out, _ = proc.communicate(timeout=300)
    os.close(terminal)
    assert proc.returncode == 0 and b"3 added" in out
    last = shown.decode().replace("\r", "\n").strip().splitlines()[-1]
    assert "100%" in last and "3 complaints (" in last and "chunks (" in last and "file 1/1" in last, last
    assert re.search(r"\[\d\d:\d\d<\d\d:\d\d", last), last  # elapsed<left


def test_the_whole_index_breakdown_follows_ingest_and_remove(fresh_index, tmp_path):
    # It is kept between questions: a stale one would count complaints that are gone.
    settings = _settings(fresh_index)
    store = ComplaintStore(settings)
    ingest([SAMPLE], settings, store)
    assert store.catalog.breakdown()[0] == 10

    def one(company):
        rows = tmp_path / f"{company}.jsonl"
        rows.write_text(json.dumps({"company": company, "date": "2024-03-02", "type": "Fees", "status": "Closed",
                                    "narrative": "They charged me a monthly fee I never agreed to."}) + "\n")
        ingest([rows], settings, store)

    one("Acme Bank")
    total, counts = store.catalog.breakdown()
    assert total == 11 and counts["company"]["Acme Bank"] == 1
    # Removed, and another as long put in its place: as many complaints and passages as before.
    store.remove(list(store.catalog.ids(("WHERE c.company = ?", ["Acme Bank"]))))
    one("Other Bank")
    total, counts = store.catalog.breakdown()
    assert total == 11 and "Acme Bank" not in counts["company"] and counts["company"]["Other Bank"] == 1


def test_company_weights_are_counted_from_indexes_alone(tmp_path):
    """The company names' weights (passages per company) are read on the first question after
    every index change; from the records' table that was 12.7 s at 100,000 complaints on a cold
    page cache, from two covering indexes 0.19 s. A catalog made before gets the index when opened."""
    from index.catalog import Catalog

    path = tmp_path / "catalog.sqlite"
    Catalog(path).db.execute("DROP INDEX complaints_company_id")  # as a catalog from before it
    catalog = Catalog(path)
    plan = " ".join(row[-1] for row in catalog.db.execute(
        "EXPLAIN QUERY PLAN SELECT c.company, count(*) FROM passages p JOIN complaints c "
        "ON c.id = p.complaint_id GROUP BY c.company"))
    assert "COVERING INDEX complaints_company_id" in plan and "COVERING INDEX passages_by_complaint" in plan, plan


def test_an_index_in_the_older_layout_answers_as_before(sample_index, assistant, tmp_path):
    # Indexes written before chunk texts moved to the catalog hold them in Chroma's documents, have
    # no text column and use the one collection every index used then: they open, take the column,
    # keep their collection and read those texts from Chroma.
    from assistant import Assistant
    from index.store import CHUNKS

    older = tmp_path / "older"
    shutil.copytree(sample_index, older)
    settings = _settings(older)
    store = ComplaintStore(settings)
    rows = store.catalog.db.execute("SELECT chunk_id, text FROM passages").fetchall()
    got = store.chunks.get(ids=[i for i, _ in rows], include=["embeddings", "metadatas"])
    text = dict(rows)
    store.client.get_or_create_collection(CHUNKS, metadata={"hnsw:space": "cosine"}, embedding_function=None).add(
        ids=got["ids"], embeddings=got["embeddings"], metadatas=got["metadatas"],
        documents=[text[i] for i in got["ids"]])
    store.client.delete_collection(store.chunks.name)
    store.catalog.db.execute("DELETE FROM meta WHERE key = 'chroma_collection'")
    store.catalog.db.execute("ALTER TABLE passages DROP COLUMN text")
    reopened = Assistant.open(settings=settings)
    assert reopened.store.chunks.name == CHUNKS and reopened.store.chunks.count() == len(rows)
    assert reopened.store.catalog.passages([rows[0][0]])[rows[0][0]][2] is None
    for question in ("How does Spectrum handle cancellations mid-cycle?", "Were late fees waived?"):
        # The passages are what an LLM backend is given of each complaint.
        now, before = reopened.retrieve(question), assistant.retrieve(question)
        assert now and all(text for ev in now for _, text, _ in ev.passages)
        assert [ev.passages for ev in now] == [ev.passages for ev in before]
        assert reopened.ask(question).answer == assistant.ask(question).answer


def test_an_index_over_a_chroma_without_its_vectors_says_so_in_one_line(sample_index, cli, tmp_path):
    # A catalog whose Chroma holds none of its vectors (CHROMA_HOST pointed at another server, a
    # server started on another folder) would answer every question with nothing, and an ingest
    # would take every complaint as unchanged: both stop with one line, and nothing is written.
    moved = tmp_path / "moved"
    shutil.copytree(sample_index, moved)
    store = ComplaintStore(_settings(moved))
    store.client.delete_collection(store.chunks.name)
    for args in (("ask", "Were late fees waived?"), ("ingest", str(SAMPLE))):
        result = cli(*args, "--index", str(moved))
        assert result.returncode == 1, result.stdout
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "holds no vectors for this index's 10 complaints" in lines[0], result.stderr
    reopened = ComplaintStore(_settings(moved))
    assert reopened.count() == 10 and reopened.chunks.count() == 0


def test_keyword_hits_whose_vectors_are_gone_are_left_out(sample_index, assistant, tmp_path):
    # A `remove` interrupted after Chroma's delete leaves catalog rows (and keyword hits) whose
    # vectors are gone: questions still answer, from the complaints Chroma still holds.
    from assistant import Assistant

    fees = "Were late fees waived?"
    kept = assistant.ask(fees).citations[0].complaint_id  # the whole index's best answer
    partial = tmp_path / "partial"
    shutil.copytree(sample_index, partial)
    store = ComplaintStore(_settings(partial))
    gone = [cid for (cid,) in store.catalog.db.execute("SELECT id FROM complaints") if cid != kept]
    store.chunks.delete(where={"complaint_id": {"$in": gone}})
    reopened = Assistant.open(settings=_settings(partial))
    assert [c.complaint_id for c in reopened.ask(fees).citations] == [kept]
    for question in (fees, "How does Spectrum handle cancellations mid-cycle?"):
        assert {c.complaint_id for c in reopened.ask(question).citations} <= {kept}
        assert {ev.complaint.complaint_id for ev in reopened.retrieve(question)} <= {kept}
