"""Ingest (CLI, child processes) and questions (Python API, this process) against one real `chroma run`."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import SAMPLE, free_port, run_cli


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    port = free_port()
    data = tmp_path_factory.mktemp("chroma_server")
    chroma = Path(sys.executable).parent / "chroma"
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen([str(chroma), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma server did not start")
    yield port
    proc.terminate()
    proc.wait(timeout=20)


def test_ingest_by_cli_and_ask_by_api_through_a_chroma_server(chroma_server, tmp_path):
    import chromadb

    from assistant import Assistant
    from index import Settings

    home = tmp_path / "index"  # whatever the project keeps beside Chroma; the chunks go to the server
    env = {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma_server)}
    first = run_cli("ingest", str(SAMPLE), "--index", str(home), "--json", env=env)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["complaints_added"] == 10
    again = run_cli("ingest", str(SAMPLE), "--index", str(home), "--json", env=env)
    assert json.loads(again.stdout)["complaints_unchanged"] == 10

    server = chromadb.HttpClient(host="127.0.0.1", port=chroma_server)
    assert sum(c.count() for c in server.list_collections()) >= 10
    assert not (home / "chroma.sqlite3").exists()  # no embedded store on the side

    assistant = Assistant.open(settings=Settings.from_env(home=home, chroma_host="127.0.0.1",
                                                          chroma_port=chroma_server))
    result = assistant.ask("How does Charter handle mid-cycle cancellations?").to_dict()
    narratives = [c["narrative"] for c in result["citations"]]
    assert narratives and all(any(p in n for p in ("$108.43", "$80.41", "PRORATION")) for n in narratives)
    assert assistant.stats()["complaints"] == 10


def test_unreachable_server_is_a_one_line_error():
    result = run_cli("stats", env={"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(free_port())})
    assert result.returncode == 1
    assert "cannot reach Chroma" in result.stderr and "Traceback" not in result.stderr


def test_two_indexes_on_one_server_keep_their_own_chunks(chroma_server, tmp_path):
    # Chunk ids come from complaint ids: two indexes of the same complaints on one server would
    # rewrite each other's chunks if they shared a collection, and removing a source from one
    # would take the other's vectors with it.
    from assistant import Assistant
    from index import Settings

    # Through the Python API (the first test covers the command line): no model load per call.
    first, second = (Assistant.open(settings=Settings.from_env(home=tmp_path / name, chroma_host="127.0.0.1",
                                                               chroma_port=chroma_server))
                     for name in ("first", "second"))
    for index in (first, second):
        assert index.ingest([SAMPLE]).to_dict()["complaints_added"] == 10
    assert second.remove(str(SAMPLE)) == 10 and second.stats()["complaints"] == 0

    kept = Assistant.open(settings=first.settings)
    result = kept.ask("How does Charter handle mid-cycle cancellations?").to_dict()
    narratives = [c["narrative"] for c in result["citations"]]
    assert narratives and all(any(p in n for p in ("$108.43", "$80.41", "PRORATION")) for n in narratives)
    assert kept.store.chunks.count() > 10
