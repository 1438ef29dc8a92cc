"""Question side of Complaint Chat: retrieve -> fuse -> answer -> cite."""

import index  # noqa: F401  (sets the offline environment before any model library loads)

from .assistant import Assistant
from .errors import IndexMissing, UserError
from .results import AskResult, Citation, Evidence

__all__ = ["AskResult", "Assistant", "Citation", "Evidence", "IndexMissing", "UserError"]
