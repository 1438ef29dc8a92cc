"""Plain dense top-k over the project's own index, scored by the same evaluation.

The same chunks and vectors Complaint Chat searches, read through llama-index with no
machinery of ours: VectorStoreIndex.from_vector_store(ChromaVectorStore(store.chunks)),
top-k chunks, each mapped to its complaint, every retrieved complaint cited, and the
retrieved complaints are all it can state about the matching set. What is left between
this and Complaint Chat is what our retrieval and answer logic add.

    .venv/bin/python bench/baseline_dense.py --index DIR [--set FILE] [--split dev|test] [--top-k 8] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import index  # noqa: E402,F401  (offline environment before llama-index / HF / chroma load)


class DenseBaseline:
    def __init__(self, store, settings, top_k: int = 8):
        from llama_index.core import VectorStoreIndex
        from llama_index.vector_stores.chroma import ChromaVectorStore

        from index.embedding import embed_model

        vector_store = ChromaVectorStore(chroma_collection=store.chunks)
        self.index = VectorStoreIndex.from_vector_store(vector_store, embed_model=embed_model(settings.embed_model_path))
        self.retriever = self.index.as_retriever(similarity_top_k=top_k)
        self.top_k = top_k
        self.chunks = store.chunks.count()

    def system(self):
        from assistant.evaluation import SystemAnswer

        def run(question: str, history: list):
            # No conversation either: a follow-up is searched as typed.
            ranked = []
            for hit in self.retriever.retrieve(question):
                cid = hit.node.metadata.get("complaint_id")
                if cid and cid not in ranked:
                    ranked.append(cid)
            return SystemAnswer(ranked=ranked, cited=ranked, matching=ranked)

        return run


def score_dense(home: str | Path, questions_path, split: str | None = None, top_k: int = 8, k: int | None = None):
    from assistant import Assistant
    from assistant.evaluation import K, load_questions, score
    from index import Settings

    settings = Settings.from_env(home=home, chroma_host="")
    assistant = Assistant.open(settings=settings)  # only for reading the complaints back
    baseline = DenseBaseline(assistant.store, settings, top_k=top_k)
    report = score(baseline.system(), load_questions(questions_path, split=split), assistant.complaints(),
                   k=k or K)
    report["system"] = f"plain dense top-{top_k}"
    report["split"] = split or "all"
    return report


def main(argv=None) -> int:
    from assistant.evaluation import DEFAULT_QUESTIONS, format_report

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", required=True, help="a Complaint Chat index folder")
    parser.add_argument("--set", default=str(DEFAULT_QUESTIONS), help="question set (JSON Lines)")
    parser.add_argument("--split", choices=("dev", "test"))
    parser.add_argument("--top-k", type=int, default=8)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = score_dense(args.index, args.set, split=args.split, top_k=args.top_k)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
