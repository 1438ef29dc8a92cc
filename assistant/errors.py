"""Errors a user can fix. The CLI prints them as one line and exits 1."""

from index.embedding import EncoderError
from index.records import IngestError
from index.settings import SettingsError
from index.store import StoreError

from .filters import FilterError


class UserError(Exception):
    pass


class IndexMissing(UserError):
    pass


USER_ERRORS = (UserError, IngestError, StoreError, FilterError, EncoderError, SettingsError)
