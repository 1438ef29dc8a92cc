"""Shared fixtures: the real sample, the real model, a real embedded Chroma.

The sample index is built once per test session (embedding is the slow part)
and shared read-only; tests that write get their own folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import index  # noqa: F401  (offline environment for every test)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "samples" / "bbb_charter_spectrum_2025-04.txt"
# Real CFPB exports (see its README); CI clones the repository beside shared/ as well.
CFPB = ROOT.parent / "shared" / "data" / "cfpb"
CFPB_QUESTIONS = ROOT / "data" / "eval" / "cfpb_questions.jsonl"
CLI = [sys.executable, "-m", "assistant.cli"]


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory) -> Path:
    """An index of the sample, built once through the real ingest path."""
    from index import ComplaintStore, Settings, ingest

    home = tmp_path_factory.mktemp("sample_index")
    settings = Settings.from_env(home=home, chroma_host="")
    report = ingest([SAMPLE], settings, ComplaintStore(settings))
    assert not report.errors
    return home


@pytest.fixture(scope="session")
def assistant(sample_index):
    from assistant import Assistant
    from index import Settings

    return Assistant.open(settings=Settings.from_env(home=sample_index, chroma_host=""))


@pytest.fixture(scope="session")
def cfpb_ingest(tmp_path_factory):
    """All three real CFPB exports (6,518 narratives) through the real ingest path, once per
    session: (index folder, ingest report as a dict)."""
    from index import ComplaintStore, Settings, ingest

    home = tmp_path_factory.mktemp("cfpb_index")
    settings = Settings.from_env(home=home, chroma_host="")
    report = ingest([CFPB], settings, ComplaintStore(settings))
    return home, report.to_dict()


@pytest.fixture(scope="session")
def cfpb_assistant(cfpb_ingest):
    from assistant import Assistant
    from index import Settings

    return Assistant.open(settings=Settings.from_env(home=cfpb_ingest[0], chroma_host=""))


@pytest.fixture()
def fresh_index(tmp_path) -> Path:
    return tmp_path / "index"


def free_port() -> int:
    """A loopback port nobody listens on right now (for servers the tests start)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """The installed command line, as a user runs it, in a child process."""
    full_env = {**os.environ, **(env or {})}
    if "CHROMA_HOST" not in (env or {}):
        full_env.pop("CHROMA_HOST", None)  # the embedded store unless a test asks for a server
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, env=full_env,
                          cwd=ROOT)


@pytest.fixture(scope="session")
def cli():
    return run_cli


@pytest.fixture()
def copy_sample(tmp_path):
    def _copy(name: str = "page.txt") -> Path:
        target = tmp_path / name
        shutil.copy(SAMPLE, target)
        return target

    return _copy
