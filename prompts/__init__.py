"""Prompt texts as files, so they can be read and changed without touching code.

Placeholders use `string.Template` ($name): complaint text is full of braces and
dollar amounts, and a substituted value is never scanned again.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from string import Template

FOLDER = Path(__file__).resolve().parent
NAMES = ("system", "answer_with_sources", "condense_followup")


@lru_cache(maxsize=None)
def load(name: str) -> str:
    if name not in NAMES:
        raise KeyError(f"unknown prompt {name!r} (known: {', '.join(NAMES)})")
    return (FOLDER / f"{name}.txt").read_text(encoding="utf-8").strip()


def render(name: str, **values) -> str:
    return Template(load(name)).substitute(**{k: str(v) for k, v in values.items()})
