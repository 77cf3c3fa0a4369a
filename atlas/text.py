"""Small wording helpers for figures shown to people."""

from __future__ import annotations


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """``1 incident``, ``2 incidents``, ``1,204 incidents``."""
    word = noun if count == 1 else (plural_form or f"{noun}s")
    return f"{count:,} {word}"
