"""Errors a user can fix. The CLI prints them as one line and exits 1."""

from pathlib import Path

from index.embedding import EncoderError
from index.records import IngestError
from index.settings import SettingsError
from index.store import StoreError

from .filters import FilterError


class UserError(Exception):
    pass


class IndexMissing(UserError):
    pass


def check_index(settings) -> None:
    """One line where an embedded index is not there yet (a Chroma server is checked by connecting)."""
    if not settings.chroma_host and not Path(settings.home).is_dir():
        raise IndexMissing(f"no index at {settings.home}: run `complaint-chat ingest PATH --index "
                           f"{settings.home}` first")


def check_question(question: str, limit: int) -> str:
    """The question stripped, or the one line that says why it cannot be asked (the CLI checks
    before its model loads, the API on every question)."""
    question = (question or "").strip()
    if not question:
        raise UserError("the question is empty")
    if not any(ch.isalnum() for ch in question):
        raise UserError("the question has no words to search for")
    if len(question) > limit:
        raise UserError(f"the question is {len(question):,} characters long; the limit is {limit:,}")
    return question


USER_ERRORS = (UserError, IngestError, StoreError, FilterError, EncoderError, SettingsError)
