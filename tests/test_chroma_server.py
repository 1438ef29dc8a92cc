"""The same CLI against a real `chroma run` server, from separate processes."""

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


def test_ingest_and_ask_through_a_chroma_server(chroma_server, tmp_path):
    env = {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma_server)}
    first = run_cli("ingest", str(SAMPLE), "--json", env=env)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["complaints_added"] == 10
    again = run_cli("ingest", str(SAMPLE), "--json", env=env)
    assert json.loads(again.stdout)["complaints_unchanged"] == 10
    assert not (tmp_path / "data").exists()

    asked = run_cli("ask", "How does Charter handle mid-cycle cancellations?", "--json", env=env)
    assert asked.returncode == 0, asked.stderr
    narratives = [c["narrative"] for c in json.loads(asked.stdout)["citations"]]
    assert any("$108.43" in n for n in narratives) and any("$80.41" in n for n in narratives)
    stats = json.loads(run_cli("stats", "--json", env=env).stdout)
    assert stats["complaints"] == 10


def test_unreachable_server_is_a_one_line_error():
    result = run_cli("stats", env={"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(free_port())})
    assert result.returncode == 1
    assert "cannot reach Chroma" in result.stderr and "Traceback" not in result.stderr
