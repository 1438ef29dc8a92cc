"""The int8 ONNX encoder: the bundled transformer exported with torch.onnx and its weights
quantized per channel by onnxruntime, built once into a cache folder.

It replaces only the transformer inside the SentenceTransformer (the module that turns word
pieces into token vectors); tokenization, pooling and normalisation stay sentence-transformers'
own. So passage vectors, the per-sentence vectors pooled from token vectors at ingest, and
query vectors all come out of the same code as with fp32, same shape, same normalisation.

Needs the `fast` extra (`pip install '.[fast]'`: onnx for the export, onnxruntime to run it).
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

FILE = "model_int8.onnx"
DEFAULT_CACHE = Path.home() / ".cache" / "complaint-chat" / "encoders"
INPUTS = ("input_ids", "attention_mask")


class FastExtraMissing(ImportError):
    pass


@dataclass(frozen=True)
class OnnxEncoder:
    """Where one model's int8 file lives (or will)."""

    model_path: str
    cache: Path

    @property
    def folder(self) -> Path:
        # Keyed by the model's folder and its weights file (size, modification time), so another
        # model, or new weights at the same path, never loads an export of the old ones.
        weights = next((p for p in (Path(self.model_path) / n for n in ("model.safetensors", "pytorch_model.bin"))
                        if p.exists()), None)
        stat = weights.stat() if weights else None
        stamp = f"{Path(self.model_path).resolve()}:{stat.st_size if stat else 0}:{stat.st_mtime_ns if stat else 0}"
        return self.cache / f"{Path(self.model_path).name}-{hashlib.sha1(stamp.encode()).hexdigest()[:12]}"

    @property
    def file(self) -> Path:
        return self.folder / FILE

    def built(self) -> bool:
        return self.file.exists()


def require_extra() -> None:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        raise FastExtraMissing("EMBED_BACKEND=onnx-int8 needs onnxruntime: pip install 'complaint-chat[fast]'") from None


class _LastHidden(torch.nn.Module):
    """The HF model with the two inputs single texts need, returning token vectors only."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        # token_type_ids left out: all zeros for single texts, and exporting them made the traced
        # graph disagree with eager (bench/encoder_speed.py); the model then defaults them to zeros.
        return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state


def build(encoder: OnnxEncoder, say=None) -> Path:
    """Export and quantize (under 10 s on 2 cores); a no-op when already built."""
    if encoder.built():
        return encoder.file
    require_extra()
    try:
        import onnx  # noqa: F401  (torch.onnx's exporter writes through it)
    except ImportError:
        raise FastExtraMissing("building the int8 encoder needs onnx: pip install 'complaint-chat[fast]'") from None
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel, AutoTokenizer

    (say or _stderr)(f"building the int8 ONNX encoder into {encoder.folder} (once, a few seconds) ...")
    encoder.folder.mkdir(parents=True, exist_ok=True)
    # eager attention: the export bench/encoder_speed.py checked against fp32
    model = _LastHidden(AutoModel.from_pretrained(encoder.model_path, attn_implementation="eager").eval())
    tokenizer = AutoTokenizer.from_pretrained(encoder.model_path)
    sample = tokenizer(["a short one", "a somewhat longer example sentence"], padding=True, return_tensors="pt")
    fp32 = encoder.folder / f"model_fp32.{os.getpid()}.onnx"
    part = encoder.folder / f"{FILE}.{os.getpid()}.part"
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
            "token_embeddings": {0: "batch", 1: "seq"}}
    quant_log = logging.getLogger()
    level = quant_log.level
    quant_log.setLevel(logging.ERROR)  # onnxruntime.quantization's advice to pre-process the model
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (sample["input_ids"], sample["attention_mask"]), str(fp32),
                              input_names=list(INPUTS), output_names=["token_embeddings"], dynamic_axes=axes,
                              opset_version=17, dynamo=False)
            # per channel: of the int8 variants bench/encoder_speed.py measured, the one past 1.5x
            # and closest to fp32 (mean cosine 0.994, top-10 overlap 0.85)
            quantize_dynamic(str(fp32), str(part), weight_type=QuantType.QInt8, per_channel=True)
        part.replace(encoder.file)  # atomic: a reader never sees a half-written model
    finally:
        quant_log.setLevel(level)
        fp32.unlink(missing_ok=True)
        part.unlink(missing_ok=True)
    return encoder.file


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _session(file: Path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])


class _OnnxHF(torch.nn.Module):
    """Stands in for the HF model inside sentence-transformers' Transformer module: same call,
    same `last_hidden_state` output, computed by onnxruntime."""

    def __init__(self, session, config):
        super().__init__()
        self.session = session
        self.config = config

    def forward(self, input_ids=None, attention_mask=None, **ignored):
        feeds = {"input_ids": input_ids.cpu().numpy().astype(np.int64),
                 "attention_mask": attention_mask.cpu().numpy().astype(np.int64)}
        hidden = self.session.run(None, feeds)[0]
        return {"last_hidden_state": torch.from_numpy(hidden)}


def install(st_model, file: Path, threads: int | None = None) -> None:
    """Swap the SentenceTransformer's transformer for the int8 ONNX one, in place."""
    transformer = st_model[0]
    hf = transformer.model
    session = _session(file, threads or torch.get_num_threads())
    transformer.model = _OnnxHF(session, hf.config)
    # The fp32 weights are no longer used; drop them (about 90 MB).
    del hf
