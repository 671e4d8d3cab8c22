"""Text features shared by origin grouping and event clustering.

Kept deliberately light (regexes, no model) so grouping still works when the
extract stage returns empty annotations; annotations only make it better.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache

from anyascii import anyascii
from spacy.lang.en.stop_words import STOP_WORDS

from newsledger.model import Annotations, Sentence

_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
_SENT_END = re.compile(r"(?<=[.!?»”\"])\s+(?=[\"“«(]?[A-Z0-9À-Ý])|\n+")
_PARA = re.compile(r"\n[ \t]*\n")
_NAME = re.compile(
    r"(?<![\w'’])(?:[A-Z][\w'’-]*|[A-Z]\.)"
    r"(?:\s+(?:(?:of|de|du|la|al|el|von|van|der|for)\s+)?(?:[A-Z][\w'’-]*|[A-Z]\.))*"
)
_EXTRA_STOP = {"said", "says", "told", "according", "also", "would", "could", "one", "two", "new"}
STOP = frozenset(STOP_WORDS) | _EXTRA_STOP


def fold(text: str) -> str:
    """Lowercase ASCII form so transliterations and accents compare equal."""
    return anyascii(text).lower()


@cache
def stem(word: str) -> str:
    """A crude suffix stripper: enough to merge shooting/shootings/shooter, kept fast."""
    w = word
    for suffix in ("ings", "ing", "ers", "er", "edly", "ed", "ies", "es", "s", "ly"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            w = w[: -len(suffix)]
            break
    return w[:9]


def words(text: str) -> list[str]:
    return [fold(m.group()) for m in _WORD.finditer(text)]


@lru_cache(maxsize=500_000)
def _term(token: str) -> str | None:
    w = fold(token).strip("'’-")
    return stem(w) if len(w) > 2 and w not in STOP else None


def content_terms(text: str) -> list[str]:
    """Stemmed content words, stop words and one-letter tokens dropped."""
    return [t for m in _WORD.finditer(text) if (t := _term(m.group())) is not None]


def split_sentences(text: str) -> tuple[Sentence, ...]:
    """Fallback segmentation when the extractor gave none: lines, then sentence ends."""
    out: list[Sentence] = []
    pos = 0
    for m in [*_SENT_END.finditer(text), None]:
        end = m.start() if m else len(text)
        chunk = text[pos:end]
        stripped = chunk.strip()
        if stripped:
            lead = len(chunk) - len(chunk.lstrip())
            out.append(Sentence(pos + lead, pos + lead + len(stripped)))
        if m is None:
            break
        pos = m.end()
    return tuple(out)


def sentences_of(text: str, annotation: Annotations | None) -> tuple[Sentence, ...]:
    """The sentence list every SentenceRef indexes: the extractor's, else the fallback."""
    if annotation is not None and annotation.sentences:
        return annotation.sentences
    return split_sentences(text)


def paragraph_starts(text: str) -> list[int]:
    """Offsets where paragraphs begin (blank lines; single newlines when there are none)."""
    pattern = _PARA if _PARA.search(text) else re.compile(r"\n")
    return [0, *(m.end() for m in pattern.finditer(text))]


def capitalised_names(text: str) -> Iterator[tuple[int, int, str]]:
    """Capitalised word runs, a stand-in for NER when no mentions are annotated."""
    for m in _NAME.finditer(text):
        name = m.group()
        if len(name) < 3:
            continue
        first = name.split()[0]
        if " " not in name and fold(first) in STOP:
            continue
        yield m.start(), m.end(), name
