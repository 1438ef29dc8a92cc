"""Question side of Complaint Chat: retrieve -> fuse -> answer -> cite."""

import index  # noqa: F401  (sets the offline environment before any model library loads)

from .errors import IndexMissing, UserError
from .results import AskResult, Citation, Evidence

__all__ = ["AskResult", "Assistant", "Citation", "Evidence", "IndexMissing", "UserError"]


def __getattr__(name: str):
    # `Assistant` brings llama-index and chromadb (3 s): imported when first used, so that the
    # command line's `sources`, `remove`, `stats` and argument errors answer without them.
    if name == "Assistant":
        from .assistant import Assistant

        return Assistant
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
