"""`complaint-chat`: a thin command line over the Python API (see CONTRACT.md)."""

from __future__ import annotations

import argparse
import json
import os
import sys

import index  # noqa: F401  (offline environment first)

from .errors import USER_ERRORS


def _index_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", metavar="DIR", default=None,
                        help="index folder (default: $COMPLAINT_CHAT_HOME or ./data/index)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="complaint-chat", description="Ask questions of consumer complaints.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="add BBB pages, CFPB CSV exports or JSON Lines to the index")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true")
    _index_arg(p)

    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question")
    p.add_argument("--json", action="store_true")
    p.add_argument("--k", type=int, default=8, help="complaints to retrieve at most (default 8)")
    p.add_argument("--company")
    p.add_argument("--type")
    p.add_argument("--status")
    p.add_argument("--outcome", action="append", help="outcome tag; repeat for several (all must hold)")
    p.add_argument("--since", metavar="YYYY-MM-DD")
    p.add_argument("--until", metavar="YYYY-MM-DD")
    p.add_argument("--backend", choices=["evidence", "openai", "llama-cpp"])
    _index_arg(p)

    p = sub.add_parser("serve", help="serve the Gradio app")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--seed", metavar="PATH", help="ingest PATH first when the index is empty")
    _index_arg(p)

    p = sub.add_parser("stats", help="counts by company, type, status, month, outcome")
    p.add_argument("--json", action="store_true")
    _index_arg(p)

    p = sub.add_parser("eval", help="retrieval and answer quality on the evaluation set")
    p.add_argument("--json", action="store_true")
    _index_arg(p)
    return parser


def _settings(args):
    from index import Settings

    return Settings.from_env(home=args.index)


def cmd_ingest(args) -> int:
    from index import ComplaintStore, ingest

    settings = _settings(args)
    report = ingest(args.paths, settings, ComplaintStore(settings))
    data = report.to_dict()
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        for f in report.files:
            if not f.error:
                print(f"{f.path}: {f.complaints} complaints ({f.added} added, {f.updated} updated, "
                      f"{f.unchanged} unchanged), {f.chunks} chunks")
        print(f"total: {data['complaints_added']} added, {data['complaints_updated']} updated, "
              f"{data['complaints_unchanged']} unchanged, {data['chunks']} chunks")
    for err in report.errors:
        print(f"error: {err['path']}: {err['error']}", file=sys.stderr)
    return 1 if report.errors else 0


def cmd_ask(args) -> int:
    from .assistant import Assistant
    from .results import AskResult

    assistant = Assistant.open(settings=_settings(args))
    filters = {"company": args.company, "type": args.type, "status": args.status, "outcome": args.outcome,
               "since": args.since, "until": args.until}
    result = None
    for item in assistant.stream(args.question, k=args.k, filters=filters, backend=args.backend):
        if isinstance(item, AskResult):
            result = item
        elif not args.json:
            print(item, end="", flush=True)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return 0
    print()
    for note in result.notes:
        print(f"note: {note}")
    if result.citations:
        print("\nSources")
    for c in result.citations:
        print(f"[{c.ref}] {c.date} · {c.company} · {c.type} · {c.status} · {c.complaint_id}")
        print(f"    \"{c.quote}\"")
    return 0


def cmd_stats(args) -> int:
    from .assistant import Assistant

    stats = Assistant.open(settings=_settings(args)).stats()
    if args.json:
        print(json.dumps(stats, indent=2, ensure_ascii=False))
        return 0
    print(f"complaints: {stats['complaints']}")
    for key, counts in stats.items():
        if key.startswith("by_"):
            print(f"\n{key[3:]}:")
            for name, n in counts.items():
                print(f"  {n:6d}  {name}")
    return 0


def cmd_serve(args) -> int:
    settings = _settings(args)
    if args.seed:
        from index import ComplaintStore, ingest

        store = ComplaintStore(settings)
        if store.count() == 0:
            report = ingest([args.seed], settings, store)
            print(f"seeded the empty index with {report.to_dict()['complaints_added']} complaints from {args.seed}")
    import app

    host = args.host or os.environ.get("HOST") or "127.0.0.1"
    port = args.port or int(os.environ.get("PORT") or 7860)
    app.serve(settings, host=host, port=port)
    return 0


def cmd_eval(args) -> int:
    from .assistant import Assistant
    from .evaluation import format_report, run_eval

    report = run_eval(Assistant.open(settings=_settings(args)))
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


COMMANDS = {"ingest": cmd_ingest, "ask": cmd_ask, "serve": cmd_serve, "stats": cmd_stats, "eval": cmd_eval}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except USER_ERRORS as exc:
        print(f"complaint-chat: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("complaint-chat: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
