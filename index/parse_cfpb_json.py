"""JSON arrays of records, read one element at a time: the CFPB JSON export (API field
names) and arrays of our own records.

The CFPB export is one multi-MB line, so neither `json.load` nor line iteration bounds
memory; a small buffer and `JSONDecoder.raw_decode` take one element at a time.
Row numbers in errors are element numbers (1-based), the export has no useful lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TextIO

from .parse_jsonl import RecordReader
from .records import Complaint, IngestError, RowError

READ_SIZE = 64 * 1024
MAX_ELEMENT_CHARS = 32 * 1024 * 1024  # one record larger than this is not a complaint
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder(strict=False)  # raw tabs/newlines inside strings are common and harmless
# An error this far before the buffer's end is in the JSON itself, not a cut-off element
# (an unterminated string is reported at its start, so it always asks for more input).
_INCOMPLETE_MARGIN = 16


class _Buffer:
    """The unread part of a text stream: enough of it to decode the next element."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.text = ""
        self.pos = 0
        self.eof = False

    def more(self, at_least: int = READ_SIZE) -> bool:
        if self.eof:
            return False
        chunk = self.stream.read(max(at_least, READ_SIZE))
        if not chunk:
            self.eof = True
            return False
        self.text = self.text[self.pos :] + chunk
        self.pos = 0
        return True

    def next_char(self) -> str:
        """The next character that is not whitespace ('' at the end), not consumed."""
        while True:
            self.pos = _WHITESPACE.match(self.text, self.pos).end()
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def decode(self):
        """The next JSON value; JSONDecodeError only when more input cannot complete it."""
        want = READ_SIZE
        self.next_char()  # raw_decode does not skip leading whitespace
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                cut_off = exc.pos >= len(self.text) - _INCOMPLETE_MARGIN or exc.msg.startswith("Unterminated string")
                if not cut_off:
                    raise
                if len(self.text) - self.pos > MAX_ELEMENT_CHARS:
                    raise ValueError(f"element larger than {MAX_ELEMENT_CHARS // 2**20} MB") from None
                if self.more(want):
                    want *= 2  # a long element: read in growing steps, not one block per retry
                    continue
                raise
            # A number or literal at the buffer's end may continue in the next block.
            if end == len(self.text) and not isinstance(value, (dict, list, str)) and self.more():
                continue
            self.pos = end
            return value


def iter_json_array(stream: TextIO) -> Iterator[tuple[int, object] | RowError]:
    """(element number, value) for each element of a top-level JSON array.

    Broken JSON cannot be resynchronised inside an array: it ends the file with a RowError
    naming the element, after every element before it.
    """
    buf = _Buffer(stream)
    if buf.next_char() != "[":
        raise IngestError("JSON file is not an array of records (expected '[' first)")
    buf.pos += 1
    number = 0
    if buf.next_char() == "]":
        return
    while True:
        number += 1
        try:
            value = buf.decode()
        except json.JSONDecodeError as exc:
            yield RowError(number, f"invalid JSON ({exc.msg}): the rest of the file is skipped")
            return
        except ValueError as exc:
            yield RowError(number, f"{exc}: the rest of the file is skipped")
            return
        yield number, value
        after = buf.next_char()
        if after == ",":
            buf.pos += 1
        elif after == "]":
            return
        else:
            what = f"{after!r}" if after else "the end of the file"
            yield RowError(number + 1, f"invalid JSON (expected ',' or ']', found {what}): "
                                       "the rest of the file is skipped")
            return


def parse_json_array(stream: TextIO, source: str = "") -> Iterator[Complaint | RowError]:
    read = RecordReader(source, record_format="json", cfpb_format="cfpb-json")
    for item in iter_json_array(stream):
        if isinstance(item, RowError):
            yield item
            continue
        number, value = item
        result = read(value, number, number)
        if result is not None:
            yield result
    return read.empty_message("no complaint records in JSON file")
