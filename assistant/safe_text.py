"""Complaint text made inert for every place it is shown: markdown answers, cards, tables.

Anyone can file a complaint, so its words must never act as anything but words:
not as a citation marker ("see footnote [1]"), not as a markdown link or image
(`![pixel](http://evil.example/t.png)` would make the reader's browser fetch from
an outside host), not as emphasis or raw HTML, and not as a bidi override that
reverses what the reader sees. The text stays readable as it was written: the
active characters become look-alikes rather than being dropped or backslashed
(backslashes would show in the CLI and in JSON consumers that do not render
markdown).
"""

from __future__ import annotations

import re

# Markdown needs square brackets for links, images, reference links and footnotes, and our
# citation marker is [n]: without brackets none of them can be formed. < > carry raw HTML and
# autolinks; * _ ` ~ carry emphasis, code and strike-through. The look-alikes read the same to a
# person, mean nothing to a markdown parser, and are in the common Latin fonts (DejaVu, Arial,
# Segoe UI: full-width forms are not, and show as empty boxes without a CJK font).
_LOOKALIKES = str.maketrans({
    "[": "\u27e6",  # ⟦
    "]": "\u27e7",  # ⟧
    "<": "\u2039",  # ‹
    ">": "\u203a",  # ›
    "*": "\u2217",  # ∗
    "_": "\u02cd",  # ˍ
    "`": "\u02cb",  # ˋ
    "~": "\u223c",  # ∼
})
# Bidi embeddings, overrides and isolates (U+202E shows "gpj.exe" as "exe.jpg"), marks, and
# control characters other than tab and newline.
_INVISIBLE = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\x00-\x08\x0b-\x1f\x7f]")
# "&#91;1&#93;" renders as "[1]" in markdown and HTML: a word joiner after the & keeps a
# character reference as the characters it was written with.
_ENTITY = re.compile(r"&(?=#\d+;|#x[0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")


def inert(text: str | None) -> str:
    """The text with nothing in it that a markdown or HTML renderer, or a citation reader, acts on.

    For markdown (answers, exports) and renderers we do not control. Idempotent.
    """
    return _ENTITY.sub("&\u2060", plain(text)).translate(_LOOKALIKES)


def plain(text: str | None) -> str:
    """The text without bidi overrides and control characters, otherwise as written.

    For places that escape HTML themselves and render no markdown (cards): there "<script>"
    and "[42]" can be shown as the characters the customer typed.
    """
    if not text:
        return ""
    return _INVISIBLE.sub("", str(text).replace("\r\n", "\n").replace("\r", "\n"))


def matching_key(text: str | None) -> str:
    """plain(text) with inert's look-alikes, character for character: finds a quote an answer
    made inert inside the plain text a card shows (offsets in the key are offsets in plain)."""
    return plain(text).replace("&\u2060", "&").translate(_LOOKALIKES)
