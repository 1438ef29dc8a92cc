"""Ingest and ask with the network refused: nothing may download at run time."""

import json
import os
import subprocess
import sys
import textwrap

from .conftest import ROOT, SAMPLE

BLOCK_NETWORK = textwrap.dedent('''
    import socket

    class _Refused(OSError):
        pass

    def _refuse(*args, **kwargs):
        raise _Refused("network blocked by test")

    _real_connect = socket.socket.connect

    def _connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            raise _Refused(f"network blocked by test: {address}")
        return _real_connect(self, address)

    socket.socket.connect = _connect
    socket.socket.connect_ex = _connect
    socket.create_connection = _refuse
    socket.getaddrinfo = _refuse
''')


def _run(args, env):
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)


def test_ingest_and_ask_with_sockets_refused(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(BLOCK_NETWORK)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TIKTOKEN", "HF_", "TRANSFORMERS", "SENTENCE_TRANSFORMERS", "CHROMA"))}
    env.update(
        PYTHONPATH=str(tmp_path / "site"),
        HOME=str(tmp_path / "home"),  # no model or tokenizer cache of a previous run to fall back on
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    probe = subprocess.run([sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', 9))"],
                           env=env, capture_output=True, text=True)
    assert "network blocked by test" in probe.stderr  # the block is really in force

    index = tmp_path / "index"
    ingested = _run(["ingest", str(SAMPLE), "--json", "--index", str(index)], env)
    assert ingested.returncode == 0, ingested.stderr
    assert json.loads(ingested.stdout)["complaints_added"] == 10
    assert "blocked" not in ingested.stderr

    asked = _run(["ask", "How does Charter handle mid-cycle cancellations?", "--json", "--index", str(index)], env)
    assert asked.returncode == 0, asked.stderr
    cited = json.loads(asked.stdout)["citations"]
    assert cited and all(any(p in c["narrative"] for p in ("$108.43", "$80.41", "PRORATION")) for c in cited)


def test_tiktoken_uses_the_encoding_llama_index_ships(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(BLOCK_NETWORK)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIKTOKEN")}
    env.update(PYTHONPATH=str(tmp_path / "site"), HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"))
    code = ("import index, os, tiktoken; "
            "print(os.environ['TIKTOKEN_CACHE_DIR']); print(len(tiktoken.get_encoding('cl100k_base').encode('final bill')))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    cache_dir, tokens = out.stdout.split()
    assert cache_dir.endswith(os.path.join("llama_index", "core", "_static", "tiktoken_cache"))
    assert int(tokens) == 2
