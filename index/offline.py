"""Keep every library we use from reaching the network at run time.

Imported first by the `index` package, before tiktoken, huggingface or chroma
are touched, because several of them read these variables only once, at import.
"""

import os
from importlib.util import find_spec
from pathlib import Path


def _llama_index_tiktoken_cache() -> str | None:
    # llama-index ships cl100k_base; without this tiktoken downloads it on first use.
    try:
        spec = find_spec("llama_index.core")
    except ModuleNotFoundError:  # no llama_index at all (bench/embed_gpu.py on a bare GPU machine)
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "_static" / "tiktoken_cache"
    return str(folder) if folder.is_dir() else None


def configure() -> None:
    defaults = {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # model-loading bars would clutter CLI stderr
        "TOKENIZERS_PARALLELISM": "false",
        "ANONYMIZED_TELEMETRY": "False",  # chromadb's posthog
        "GRADIO_ANALYTICS_ENABLED": "False",
        "DO_NOT_TRACK": "1",
    }
    cache = _llama_index_tiktoken_cache()
    if cache:
        defaults["TIKTOKEN_CACHE_DIR"] = cache
    for key, value in defaults.items():
        os.environ.setdefault(key, value)


configure()
