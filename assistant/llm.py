"""The language model behind the `openai` and `llama-cpp` backends, built through llama-index.

One model per process: a GGUF file is loaded once and shared by every question;
llama.cpp contexts are not thread-safe, so generations take turns on `lock`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from index.chunking import encoding
from index.settings import Settings

from .errors import UserError

# Greedy decoding: the answer should follow the sources, not explore.
TEMPERATURE = 0.0
# Without a base URL the openai client talks to OpenAI itself; pick a model that exists there.
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"


class LLMUnavailable(UserError):
    """The configured model cannot be used (not set, missing file, package not installed)."""


@dataclass
class LoadedLLM:
    backend: str
    llm: object  # a llama_index.core.llms.LLM
    name: str
    context_window: int
    max_output: int
    count_tokens: Callable[[str], int]
    # A remote server counts with its own tokenizer; tiktoken is only an estimate of it.
    token_margin: float = 1.0
    lock: threading.Lock = field(default_factory=threading.Lock)


_cache: dict[tuple, LoadedLLM] = {}
_cache_lock = threading.Lock()


def max_output_tokens(settings: Settings) -> int:
    return max(16, int(settings.llm_max_tokens))


def get_llm(settings: Settings, backend: str) -> LoadedLLM:
    """The model for `backend`, loaded on first use and cached for the life of the process."""
    max_out = max_output_tokens(settings)
    if backend == "llama-cpp":
        key = (backend, settings.gguf_path, settings.llm_context_tokens, max_out)
        build = _llama_cpp
    elif backend == "openai":
        key = (backend, settings.openai_base_url, settings.openai_api_key, settings.llm_model,
               settings.llm_timeout_s, settings.llm_context_tokens, max_out)
        build = _openai
    else:
        raise LLMUnavailable(f"backend {backend!r} has no language model")
    with _cache_lock:
        if key not in _cache:
            _cache[key] = build(settings, max_out)
        return _cache[key]


def _tiktoken_count(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def _openai(settings: Settings, max_out: int) -> LoadedLLM:
    try:
        from llama_index.llms.openai_like import OpenAILike
    except ImportError as exc:
        raise LLMUnavailable(f"the openai backend needs llama-index-llms-openai-like ({exc})") from None
    if not settings.openai_base_url and not settings.openai_api_key:
        raise LLMUnavailable("the openai backend needs OPENAI_BASE_URL (any OpenAI-compatible server) "
                             "or OPENAI_API_KEY (OpenAI itself)")
    model = settings.llm_model or (None if settings.openai_base_url else DEFAULT_OPENAI_MODEL)
    if not model:
        raise LLMUnavailable(f"LLM_MODEL is not set: name the model that {settings.openai_base_url} serves")
    llm = OpenAILike(
        model=model,
        api_base=settings.openai_base_url,
        # Local servers (llama.cpp, vLLM, Ollama) ignore the key, but the client insists on one.
        api_key=settings.openai_api_key or "not-needed",
        is_chat_model=True,
        context_window=settings.llm_context_tokens,
        max_tokens=max_out,
        temperature=TEMPERATURE,
        timeout=settings.llm_timeout_s,
        # A retry doubles the wait before the user sees the fallback answer.
        max_retries=0,
    )
    return LoadedLLM("openai", llm, model, settings.llm_context_tokens, max_out, _tiktoken_count,
                     token_margin=1.15)


def _llama_cpp(settings: Settings, max_out: int) -> LoadedLLM:
    path = settings.gguf_path
    if not path:
        raise LLMUnavailable("LLM_GGUF_PATH is not set: point it at a .gguf model file")
    if not Path(path).is_file():
        raise LLMUnavailable(f"LLM_GGUF_PATH {path} is not a file")
    try:
        from llama_index.llms.llama_cpp import LlamaCPP
    except ImportError as exc:
        raise LLMUnavailable("the llama-cpp backend needs the local-llm extra: "
                             f"pip install 'complaint-chat[local-llm]' ({exc})") from None
    try:
        llm = LlamaCPP(model_path=str(path), temperature=TEMPERATURE, max_new_tokens=max_out,
                       context_window=settings.llm_context_tokens, verbose=False,
                       # Small models loop on one sentence under greedy decoding without it.
                       generate_kwargs={"repeat_penalty": 1.15}, model_kwargs={})
    except Exception as exc:  # llama.cpp reports a bad file as ValueError/RuntimeError
        raise LLMUnavailable(f"could not load {path}: {one_line(exc)}") from None
    model = llm._model
    chat_prompt = _chat_template(model)
    if chat_prompt is not None:
        # LlamaCPP's default prompt format is Llama-2's; the GGUF knows its own.
        llm.messages_to_prompt = chat_prompt

    def count(text: str) -> int:
        return len(model.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    return LoadedLLM("llama-cpp", llm, Path(path).name, model.n_ctx(), max_out, count)


def _chat_template(model) -> Callable | None:
    template = (model.metadata or {}).get("tokenizer.chat_template")
    if not template:
        return None
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    def token_text(token_id: int) -> str:
        return model._model.token_get_text(token_id) if token_id >= 0 else ""

    formatter = Jinja2ChatFormatter(template=template, eos_token=token_text(model.token_eos()),
                                    bos_token=token_text(model.token_bos()))

    def messages_to_prompt(messages) -> str:
        plain = [{"role": getattr(m.role, "value", m.role), "content": m.content or ""} for m in messages]
        return formatter(messages=plain).prompt

    return messages_to_prompt


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."
