"""Concurrent visitors against the real app: N gradio_client sessions for T seconds.

Starts `complaint-chat serve` (as `python -m assistant.cli serve`) on 127.0.0.1 at a free
port over the index given, waits until it answers, then runs N client threads, each with
its own gradio_client session, asking questions from a fixed list through the `/ask` API
endpoint back to back until T seconds have passed (a call still in flight then finishes,
bounded by --call-timeout). Reports answered, failed, latency p50/p95, throughput and the
server's RSS before, at peak and after; then stops the server it started. Loopback only,
bounded count and time; asserts nothing.

    .venv/bin/python bench/load.py --index data/index --clients 20 --seconds 60
    .venv/bin/python bench/load.py --index /tmp/scale10k/index --questions my_questions.txt
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_CLIENTS, MAX_SECONDS = 200, 1800  # a load test, not a denial of service on a shared machine

QUESTIONS = [
    # the sample (Charter Spectrum, BBB)
    "How does Charter handle mid-cycle cancellations?",
    "Do they waive late fees?",
    "What happens when equipment never arrives?",
    "Was a promotional rate honored?",
    "What does Charter do when a customer moves out of the service area?",
    "Do customers accept Charter's responses?",
    # real-data wording (CFPB)
    "A debt collector keeps calling me about a debt that is not mine",
    "Why is there an account on my credit report that I never opened?",
    "My credit card was charged for purchases I did not make",
    "The bank closed my checking account and kept my money",
    # nothing in any index answers this
    "What is the capital of France?",
]


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ok(self, ms: float) -> None:
        with self.lock:
            self.latencies_ms.append(ms)

    def fail(self, why: str) -> None:
        with self.lock:
            self.failures.append(why)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int, field_name: str = "VmRSS") -> float:
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, -(-len(values) * p // 100) - 1))]


def start_server(index: Path, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with open(log, "w") as out:
        return subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--index", str(index),
                                 "--host", "127.0.0.1", "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)


def wait_ready(url: str, server: subprocess.Popen, timeout: float) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if server.poll() is not None:
            raise SystemExit(f"load.py: the server exited with {server.returncode} before answering")
        try:
            urllib.request.urlopen(url, timeout=2)
            return time.perf_counter() - start
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"load.py: the server did not answer within {timeout:.0f} s")


def client_loop(url: str, questions: list[str], offset: int, deadline: float, timeout: float, tally: Tally) -> None:
    from gradio_client import Client

    try:
        client = Client(url, verbose=False, httpx_kwargs={"timeout": timeout})
    except Exception as exc:
        tally.fail(f"connect: {type(exc).__name__}: {exc}")
        return
    n = offset
    while time.monotonic() < deadline:
        question = questions[n % len(questions)]
        n += 1
        start = time.perf_counter()
        try:
            answer, data = client.predict(question, api_name="/ask")
        except Exception as exc:
            tally.fail(f"{type(exc).__name__}: {str(exc)[:160]}")
            continue
        if not isinstance(answer, str) or not isinstance(data, dict) or "citations" not in data:
            tally.fail(f"malformed reply to {question!r}")
            continue
        tally.ok((time.perf_counter() - start) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description="N concurrent gradio_client sessions for T seconds")
    parser.add_argument("--index", type=Path, required=True, help="an index folder already ingested")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--questions", type=Path, help="a file of questions, one a line")
    parser.add_argument("--call-timeout", type=float, default=120, help="seconds one call may take")
    parser.add_argument("--start-timeout", type=float, default=300, help="seconds the server may take to start")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if not 1 <= args.clients <= MAX_CLIENTS or not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"--clients 1..{MAX_CLIENTS}, --seconds up to {MAX_SECONDS}")
    if not args.index.is_dir():
        parser.error(f"no index folder at {args.index}")
    questions = QUESTIONS
    if args.questions:
        questions = [q.strip() for q in args.questions.read_text().splitlines() if q.strip()]

    port = args.port or free_port()
    url = f"http://127.0.0.1:{port}/"
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"load-server-{port}.log"
    server = start_server(args.index.resolve(), port, log)
    try:
        started = wait_ready(url, server, args.start_timeout)
        from gradio_client import Client

        Client(url, verbose=False).predict(questions[0], api_name="/ask")  # warm: the first ask loads lazily
        rss_before = rss_mb(server.pid)

        tally = Tally()
        peak = [rss_before]
        stop = threading.Event()

        def watch() -> None:
            while not stop.wait(0.5):
                peak[0] = max(peak[0], rss_mb(server.pid))

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        load_before = os.getloadavg()[0]
        begin = time.perf_counter()
        deadline = time.monotonic() + args.seconds
        threads = [threading.Thread(target=client_loop, args=(url, questions, i, deadline, args.call_timeout, tally),
                                    daemon=True) for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(args.seconds + args.call_timeout + 30)
        elapsed = time.perf_counter() - begin
        stop.set()
        rss_after = rss_mb(server.pid)
        peak_hwm = rss_mb(server.pid, "VmHWM")
        stuck = sum(t.is_alive() for t in threads)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    lat = tally.latencies_ms
    fig = {"clients": args.clients, "seconds": args.seconds, "elapsed_s": elapsed, "index": str(args.index),
           "answered": len(lat), "failed": len(tally.failures), "stuck_clients": stuck,
           "p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "max_ms": max(lat, default=float("nan")),
           "per_s": len(lat) / elapsed, "server_start_s": started, "rss_before_mb": rss_before,
           "rss_peak_mb": max(peak[0], rss_after), "rss_hwm_mb": peak_hwm, "rss_after_mb": rss_after,
           "load_before": load_before, "load_after": os.getloadavg()[0], "failures": tally.failures[:10]}
    print(f"\nbench/load.py: {args.clients} gradio_client sessions x {args.seconds:.0f} s against "
          f"`complaint-chat serve` on 127.0.0.1:{port}, index {args.index}")
    print(f"machine: {os.cpu_count()} CPUs (clients and server share them); load average "
          f"{fig['load_before']:.1f} before, {fig['load_after']:.1f} after")
    print(f"  answered        {fig['answered']} ({fig['per_s']:.1f}/s over {elapsed:.0f} s)")
    print(f"  failed          {fig['failed']}" + (f" ({stuck} clients still waiting at the end)" if stuck else ""))
    print(f"  latency         p50 {fig['p50_ms']:.0f} ms, p95 {fig['p95_ms']:.0f} ms, max {fig['max_ms']:.0f} ms")
    print(f"  server RSS      {rss_before:.0f} MB before, {fig['rss_peak_mb']:.0f} MB peak (sampled), "
          f"{rss_after:.0f} MB after; server started in {started:.0f} s")
    for why in fig["failures"]:
        print(f"  failure: {why}")
    if args.json:
        args.json.write_text(json.dumps(fig, indent=2))


if __name__ == "__main__":
    main()
