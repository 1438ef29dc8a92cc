"""Ingest side of Complaint Chat: parse -> clean -> chunk -> embed -> store."""

from . import offline  # noqa: F401  (must run before tiktoken / HF / chroma are imported)
from .ingest import IngestReport, ingest
from .records import Chunk, Complaint, IngestError, Reply
from .settings import Settings
from .store import ComplaintStore, StoreError

__all__ = ["Chunk", "Complaint", "ComplaintStore", "IngestError", "IngestReport", "Reply", "Settings",
           "StoreError", "ingest"]
