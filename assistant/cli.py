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
    subset = p.add_argument_group("only some of the complaints (the rest are counted as left out)")
    subset.add_argument("--company", action="append", default=[], metavar="NAME",
                        help="whole words of the company's name, as 'wells fargo'; repeat for any of several")
    subset.add_argument("--product", action="append", default=[], metavar="NAME",
                        help="whole words of the CFPB product (the complaint type where there is none)")
    subset.add_argument("--state", action="append", default=[], metavar="XX", help="two-letter state code")
    subset.add_argument("--since", metavar="YYYY-MM-DD")
    subset.add_argument("--until", metavar="YYYY-MM-DD")
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
    p.add_argument("--no-implied", dest="implied", action="store_false",
                   help="search as typed: no filters read from the question's words (dates, status, type, "
                        "outcome, company); a company the index lacks is still refused")
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
    p.add_argument("--set", metavar="FILE", help="question set (default: the sample's)")
    p.add_argument("--split", choices=["dev", "test"], help="only this split of the set")
    _index_arg(p)

    p = sub.add_parser("build-encoder", help="build the int8 ONNX encoder (EMBED_BACKEND=onnx-int8) into "
                                            "$EMBED_CACHE now, rather than on its first use")

    p = sub.add_parser("sources", help="what was ingested: file, format, complaints, when")
    p.add_argument("--json", action="store_true")
    _index_arg(p)

    p = sub.add_parser("remove", help="delete a source's complaints and chunks from the index")
    p.add_argument("sources", nargs="+", metavar="SOURCE")
    p.add_argument("--json", action="store_true")
    _index_arg(p)
    return parser


def _settings(args):
    from index import Settings

    return Settings.from_env(home=args.index)


class _ProgressBar:
    """Bytes read of all the files (so tqdm's ETA covers the whole call), complaints/s,
    chunks/s and the file, on stderr, only when stderr is a terminal."""

    def __init__(self):
        from tqdm import tqdm

        self.bar = tqdm(total=None, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr,
                        dynamic_ncols=True, desc="ingest")

    def __call__(self, p) -> None:
        if p.bytes_total and self.bar.total != p.bytes_total:
            self.bar.total = p.bytes_total
        seconds = p.elapsed_s or 1.0
        self.bar.set_postfix_str(f"{p.rows:,} complaints ({p.rows / seconds:.0f}/s), {p.chunks:,} chunks "
                                 f"({p.chunks / seconds:.0f}/s), {p.skipped} rows skipped, "
                                 + (f"{p.left_out:,} left out, " if p.left_out else "") +
                                 f"file {p.files_done + 1}/{p.files_total}", refresh=False)
        self.bar.update(max(p.bytes_read - self.bar.n, 0))

    def close(self) -> None:
        self.bar.close()


def cmd_ingest(args) -> int:
    from index import ComplaintStore, ingest
    from index.subset import Subset

    settings = _settings(args)
    subset = Subset.of(args.company, args.product, args.state, args.since, args.until)
    bar = _ProgressBar() if sys.stderr.isatty() else None
    try:
        report = ingest(args.paths, settings, ComplaintStore(settings), on_progress=bar, subset=subset or None)
    finally:
        if bar:
            bar.close()
    data = report.to_dict()
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        for f in report.files:
            if not f.error:
                print(f"{f.path}: {f.complaints} complaints ({f.added} added, {f.updated} updated, "
                      f"{f.unchanged} unchanged), {f.chunks} chunks"
                      + (f", {f.rows_skipped} rows skipped" if f.rows_skipped else "")
                      + (f", {f.rows_left_out} left out ({subset.describe()})" if f.rows_left_out else ""))
                for line in f.row_errors:
                    print(f"  skipped {line}")
        print(f"total: {data['complaints_added']} added, {data['complaints_updated']} updated, "
              f"{data['complaints_unchanged']} unchanged, {data['chunks']} chunks"
              + (f", {data['rows_left_out']} left out" if data["rows_left_out"] else ""))
    for f in report.files:
        for warning in f.warnings:
            print(f"warning: {f.path}: {warning}", file=sys.stderr)
    for err in report.errors:
        print(f"error: {err['path']}: {err['error']}", file=sys.stderr)
    return 1 if report.errors else 0


def cmd_ask(args) -> int:
    from .errors import UserError, check_question
    from .filters import normalize
    from .results import AskResult

    # Argument mistakes are reported before the model loads (seconds), not after.
    settings = _settings(args)
    check_question(args.question, settings.max_question_chars)
    if args.k < 1:
        raise UserError("--k must be at least 1")
    filters = normalize({"company": args.company, "type": args.type, "status": args.status,
                         "outcome": args.outcome, "since": args.since, "until": args.until})
    from .assistant import Assistant
    assistant = Assistant.open(settings=settings)
    result = None
    for item in assistant.stream(args.question, k=args.k, filters=filters, backend=args.backend,
                                 implied=args.implied):
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
        print(f"[{c.ref}] {c.date} · {c.company} · {c.type} · {c.status} · {c.identity}")
        print(f"    \"{c.quote}\"")
    return 0


def cmd_stats(args) -> int:
    from .index_stats import catalog_stats

    stats = catalog_stats(_open_catalog(args).catalog)
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

    if args.split and not args.set:
        from .errors import UserError

        raise UserError("--split needs --set (the sample's set has no splits)")
    if args.set and not os.path.isfile(args.set):
        from .errors import UserError

        raise UserError(f"no question set at {args.set}")
    assistant = Assistant.open(settings=_settings(args))
    report = run_eval(assistant, args.set, split=args.split) if args.set else run_eval(assistant)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def cmd_build_encoder(args) -> int:
    from index import encoder_onnx
    from index.embedding import EncoderError

    settings = _settings(argparse.Namespace(index=None))
    encoder = encoder_onnx.OnnxEncoder(settings.embed_model_path, settings.embed_cache)
    already = encoder.built()
    try:
        path = encoder_onnx.build(encoder, say=print)
    except encoder_onnx.FastExtraMissing as exc:
        raise EncoderError(str(exc)) from None
    print(f"{path}" + (" (already built)" if already else ""))
    return 0


def _open_catalog(args):
    """The catalog alone: listing and removing sources needs no model."""
    from index import ComplaintStore

    from .errors import check_index

    settings = _settings(args)
    check_index(settings)
    return ComplaintStore(settings)


def cmd_sources(args) -> int:
    sources = _open_catalog(args).catalog.sources()
    if args.json:
        print(json.dumps(sources, indent=2, ensure_ascii=False))
        return 0
    for s in sources:
        print(f"{s['complaints']:8,d}  {s['format'] or '-':<10} {s['ingested_at']}  {s['source']}"
              + (f"  (only {s['subset']})" if s["subset"] else "")
              + (f"  ({s['rows_skipped']} rows skipped)" if s["rows_skipped"] else ""))
    if not sources:
        print("nothing ingested yet")
    return 0


def cmd_remove(args) -> int:
    from .assistant import remove_source

    store = _open_catalog(args)
    removed = {source: remove_source(store, source) for source in args.sources}
    if args.json:
        print(json.dumps({"removed": removed, "complaints_left": store.count()}, indent=2))
    else:
        for source, n in removed.items():
            print(f"{source}: {n} complaints removed")
    return 0


COMMANDS = {"ingest": cmd_ingest, "ask": cmd_ask, "serve": cmd_serve, "stats": cmd_stats, "eval": cmd_eval,
            "sources": cmd_sources, "remove": cmd_remove, "build-encoder": cmd_build_encoder}


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
