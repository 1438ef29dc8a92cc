"""Speed of the local llama-cpp path: time to first token and tokens/s on this machine.

    LLM_GGUF_PATH=.venv/models/SmolLM2-135M-Instruct.Q4_1.gguf .venv/bin/python bench/llm_speed.py

The prompt is the real one the LLM answerer sends (system prompt + numbered sources)
when an index is found at --index, otherwise sample complaints read from data/samples.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import index  # noqa: E402,F401  (offline environment first)
from index import Settings  # noqa: E402

QUESTION = "How does Charter handle mid-cycle cancellations?"
DEFAULT_GGUF = ROOT / ".venv" / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"


def _messages(settings: Settings, handle, k: int):
    from assistant import Assistant
    from assistant.answer_llm import LLMAnswerer

    home = Path(settings.home)
    if not home.is_dir():
        from index import ComplaintStore, ingest

        print(f"no index at {home}: ingesting data/samples into it first")
        ingest([ROOT / "data" / "samples"], settings, ComplaintStore(settings))
    assistant = Assistant.open(settings=settings)
    evidence = assistant.retrieve(QUESTION, k=k)
    answerer = LLMAnswerer(settings, assistant.evidence_answerer, assistant.embed_model)
    return answerer._messages(handle, QUESTION, evidence, "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=os.environ.get("COMPLAINT_CHAT_HOME") or "/tmp/complaint-chat-bench-index")
    parser.add_argument("--k", type=int, default=8, help="complaints in the prompt (default 8)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=256)
    args = parser.parse_args()

    from assistant.llm import get_llm

    gguf = os.environ.get("LLM_GGUF_PATH") or str(DEFAULT_GGUF)
    settings = Settings.from_env(home=args.index, gguf_path=gguf, chroma_host="",
                                 llm_max_tokens=args.max_tokens)
    started = time.perf_counter()
    handle = get_llm(settings, "llama-cpp")
    load_s = time.perf_counter() - started
    messages, given = _messages(settings, handle, args.k)
    prompt_tokens = handle.count_tokens(handle.llm.messages_to_prompt(messages))
    model = handle.llm._model
    print(f"model {handle.name}, n_ctx {handle.context_window}, threads {model.n_threads}, "
          f"cpu cores {os.cpu_count()}, load {load_s:.2f}s")
    print(f"prompt: {given} sources, {prompt_tokens} tokens; max {args.max_tokens} new tokens")

    ttfts, rates, prefill = [], [], []
    for run in range(1, args.runs + 1):
        model.reset()  # llama.cpp reuses a cached prompt prefix; every run starts cold
        started = time.perf_counter()
        first = None
        tokens = 0
        for chunk in handle.llm.stream_chat(messages):
            if first is None:
                first = time.perf_counter()
            tokens += 1  # llama.cpp streams one sampled token per chunk
        ended = time.perf_counter()
        ttft = first - started
        rate = (tokens - 1) / (ended - first) if tokens > 1 and ended > first else 0.0
        ttfts.append(ttft)
        rates.append(rate)
        prefill.append(prompt_tokens / ttft)
        print(f"run {run}: time to first token {ttft:.2f}s ({prompt_tokens / ttft:.0f} prompt tokens/s), "
              f"{tokens} tokens at {rate:.1f} tokens/s")
    print(f"median: time to first token {statistics.median(ttfts):.2f}s, "
          f"prompt {statistics.median(prefill):.0f} tokens/s, generation {statistics.median(rates):.1f} tokens/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
