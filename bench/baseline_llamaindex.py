"""The plain llama-index quickstart, scored by the same evaluation as Complaint Chat.

What a user would build without this project: every file as one Document, the default
SentenceSplitter, the same embedding model (the bundled all-MiniLM-L6-v2 through
HuggingFaceEmbedding), a Chroma collection, and VectorStoreIndex's retriever with
top-k chunks. A chunk knows nothing about complaints, so each retrieved chunk is mapped
back to every parsed complaint whose text it overlaps, and cites all of them; that is
what a reader of those chunks would have in front of them.

    .venv/bin/python bench/baseline_llamaindex.py [--index DIR] [--top-k 5] [--json]

Without --index, the sample is ingested into a temporary index for "ours".
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import index  # noqa: E402,F401  (offline environment before llama-index / HF / chroma load)

SHINGLE = 8  # words; long enough that two complaints never share one by chance


def _words(text: str) -> list[str]:
    # Masks ("*****" in the raw page, "[redacted]" after cleaning) are dropped on both sides.
    text = re.sub(r"\[redacted\]|\*+", " ", text.lower())
    return re.findall(r"[a-z0-9$.]+", text)


def _shingles(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + SHINGLE]) for i in range(max(len(words) - SHINGLE + 1, 0))}


class ChunkMapper:
    """Retrieved chunk -> the complaints whose own words it contains."""

    def __init__(self, complaints):
        from assistant.evaluation import complaint_text

        self.order = [c.complaint_id for c in complaints]
        own = {c.complaint_id: _shingles(_words(complaint_text(c))) for c in complaints}
        seen: dict[tuple, int] = {}
        for grams in own.values():
            for g in grams:
                seen[g] = seen.get(g, 0) + 1
        # Letter furniture ("This letter is in response to ...") is shared; it identifies nobody.
        self.own = {cid: {g for g in grams if seen[g] == 1} for cid, grams in own.items()}

    def complaints_in(self, chunk_text: str) -> list[str]:
        grams = _shingles(_words(chunk_text))
        return [cid for cid in self.order if self.own[cid] & grams]


class Baseline:
    def __init__(self, files: list[Path], top_k: int = 5):
        import chromadb
        from llama_index.core import Document, StorageContext, VectorStoreIndex
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding
        from llama_index.vector_stores.chroma import ChromaVectorStore

        from index.settings import bundled_embed_model

        embed = HuggingFaceEmbedding(model_name=bundled_embed_model())
        client = chromadb.EphemeralClient()
        collection = client.get_or_create_collection("baseline", embedding_function=None)
        storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
        documents = [Document(text=f.read_text(encoding="utf-8"), metadata={"file": f.name}) for f in files]
        self.index = VectorStoreIndex.from_documents(documents, storage_context=storage, embed_model=embed)
        self.retriever = self.index.as_retriever(similarity_top_k=top_k)
        self.chunks = len(collection.get()["ids"])

    def system(self, mapper: ChunkMapper):
        def run(question: str, history: list):
            # The quickstart has no notion of a conversation: the follow-up goes in as typed.
            ranked = []
            for hit in self.retriever.retrieve(question):
                for cid in mapper.complaints_in(hit.node.get_content()):
                    if cid not in ranked:
                        ranked.append(cid)
            return ranked, ranked, ""

        return run


# --- the quickstart over the real CFPB exports -------------------------------------------------
CFPB_DIR = ROOT.parent / "shared" / "data" / "cfpb"
CACHE = Path("/work/cache/eval")

# The CSV headers and the JSON export's API names of the fields a quickstart user keeps.
_CFPB_FIELDS = {
    "complaint_id": ("Complaint ID", "complaint_id"),
    "narrative": ("Consumer complaint narrative", "complaint_what_happened"),
    "company": ("Company", "company"),
    "date": ("Date received", "date_received"),
    "product": ("Product", "product"),
    "sub_product": ("Sub-product", "sub_product"),
    "issue": ("Issue", "issue"),
    "sub_issue": ("Sub-issue", "sub_issue"),
    "state": ("State", "state"),
    "response": ("Company response to consumer", "company_response"),
}


def _value(row: dict, names: tuple[str, ...]) -> str:
    for name in names:
        value = row.get(name)
        if value is not None:
            value = str(value).strip()
            return "" if value == "None" else value
    return ""


def read_cfpb_rows(path: Path) -> list[dict]:
    """The rows with a narrative of one CFPB export, CSV or JSON, read the way a quickstart
    user reads them: csv.DictReader / json.load, no cleaning."""
    import csv

    if path.suffix.lower() == ".json":
        raw = json.loads(path.read_text(encoding="utf-8"))
    else:
        with path.open(encoding="utf-8", newline="") as f:
            raw = list(csv.DictReader(f))
    rows = []
    for row in raw:
        record = {key: _value(row, names) for key, names in _CFPB_FIELDS.items()}
        if record["narrative"] and record["complaint_id"]:
            rows.append(record)
    return rows


def cfpb_rows(files: list[Path] | None = None) -> list[dict]:
    files = files or sorted(p for p in CFPB_DIR.iterdir() if p.suffix.lower() in (".csv", ".json"))
    return [row for f in files for row in read_cfpb_rows(f)]


def row_complaint(row: dict):
    """A raw row as a Complaint carrying its CFPB labels, with the id the project's ingest
    gives the same complaint (company + CFPB Complaint ID), so one scorer reads both."""
    from index.records import Complaint

    labels = {k: row[k] for k in ("product", "sub_product", "issue", "sub_issue", "state") if row[k]}
    return Complaint(company=row["company"], date=row["date"][:10], type=row["issue"] or row["product"],
                     status=row["response"], narrative=row["narrative"], external_id=row["complaint_id"],
                     labels=labels).assign_id()


class QuickstartCFPB:
    """VectorStoreIndex over one Document per narrative row (the complaint id in metadata),
    default SentenceSplitter, the bundled model; persisted once under CACHE and reused."""

    def __init__(self, rows: list[dict], top_k: int = 8, cache: Path = CACHE / "quickstart_cfpb"):
        import chromadb
        from llama_index.core import Document, StorageContext, VectorStoreIndex
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding
        from llama_index.vector_stores.chroma import ChromaVectorStore

        from index.settings import bundled_embed_model

        embed = HuggingFaceEmbedding(model_name=bundled_embed_model())
        client = chromadb.PersistentClient(path=str(cache))
        collection = client.get_or_create_collection("quickstart", embedding_function=None)
        store = ChromaVectorStore(chroma_collection=collection)
        if collection.count() == 0:
            documents = [Document(text=r["narrative"], metadata={"complaint_id": r["complaint_id"],
                                                                 "company": r["company"]}) for r in rows]
            storage = StorageContext.from_defaults(vector_store=store)
            self.index = VectorStoreIndex.from_documents(documents, storage_context=storage,
                                                         embed_model=embed, show_progress=True)
        else:
            self.index = VectorStoreIndex.from_vector_store(store, embed_model=embed)
        self.retriever = self.index.as_retriever(similarity_top_k=top_k)
        self.chunks = collection.count()
        self.top_k = top_k
        # CFPB Complaint ID -> the project's complaint id.
        self.ids = {r["complaint_id"]: row_complaint(r).complaint_id for r in rows}

    def system(self):
        from assistant.evaluation import SystemAnswer

        def run(question: str, history: list):
            # No notion of a conversation: the follow-up goes in as typed. Everything retrieved
            # is cited, and the retrieved complaints are all it can say about the matching set.
            ranked = []
            for hit in self.retriever.retrieve(question):
                cid = self.ids.get(str(hit.node.metadata.get("complaint_id")))
                if cid and cid not in ranked:
                    ranked.append(cid)
            return SystemAnswer(ranked=ranked, cited=ranked, matching=ranked)

        return run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", help="an index of the sample for 'ours' (default: build a temporary one)")
    parser.add_argument("--files", nargs="*", default=[str(ROOT / "data" / "samples")])
    parser.add_argument("--questions", default=None)
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from assistant import Assistant
    from assistant.evaluation import (DEFAULT_QUESTIONS, format_report, load_questions, metrics_table,
                                      run_eval, score)
    from index import Settings
    from index.parsers import expand_paths, read_complaints

    files, errors = expand_paths(args.files)
    if errors:
        print(f"error: {errors[0][0]}: {errors[0][1]}", file=sys.stderr)
        return 1
    questions_path = args.questions or DEFAULT_QUESTIONS

    with tempfile.TemporaryDirectory() as tmp:
        home = args.index or tmp
        if not args.index:
            from index import ComplaintStore, ingest

            settings = Settings.from_env(home=home, chroma_host="")
            ingest(files, settings, ComplaintStore(settings))
        assistant = Assistant.open(settings=Settings.from_env(home=home, chroma_host=""))
        ours = run_eval(assistant, questions_path)

    complaints = [c for f in files for c in read_complaints(f)]
    baseline = Baseline(files, top_k=args.top_k)
    theirs = score(baseline.system(ChunkMapper(complaints)), load_questions(questions_path), complaints)
    theirs["system"] = f"plain llama-index (top-{args.top_k}, {baseline.chunks} chunks)"

    if args.json:
        print(json.dumps({"ours": ours, "baseline": theirs}, indent=2))
        return 0
    k = ours["k"]
    print(metrics_table({"Complaint Chat": ours, theirs["system"]: theirs}))
    print()
    r, p = f"recall@{k}", "citation_precision"
    print(f"Recall@{k}: {ours[r]:.3f} vs {theirs[r]:.3f} ({ours[r] - theirs[r]:+.3f}); "
          f"citation precision: {ours[p]:.3f} vs {theirs[p]:.3f} ({ours[p] - theirs[p]:+.3f})")
    print("\n--- baseline per question ---")
    print(format_report(theirs).split("\n\n", 3)[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
