"""Text normalisation for comparing propositions across articles, rewrites and translations.

Statements are compared on stemmed content words, so inflection ("repelled" /
"repelling") and word order do not matter; transliterated names are folded to
ASCII first so spellings of one name share most characters.
"""

from __future__ import annotations

import re
from functools import lru_cache

from anyascii import anyascii
from rapidfuzz import fuzz
from spacy.lang.en.stop_words import STOP_WORDS

try:  # a small, well-kept stemmer; without it words are compared as written
    import snowballstemmer

    _STEMMER = snowballstemmer.stemmer("english")
except ImportError:  # pragma: no cover - optional dependency
    _STEMMER = None

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_QUOTES = "\"'“”‘’«»„‟‹›`"
# Words that carry no proposition of their own in reported speech.
_FILLER = frozenset(
    {"said", "say", "says", "claim", "claimed", "claims", "report", "reported", "reports",
     "according", "also", "added", "stated", "told", "announced", "declared", "assured"}
)


def fold(text: str) -> str:
    """Lowercase ASCII so transliterations and typographic quotes compare equal."""
    return anyascii(text).lower()


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _STEMMER.stemWord(word) if _STEMMER is not None else word


def content_words(text: str) -> tuple[str, ...]:
    """Stemmed content words in order (stop words and speech filler dropped)."""
    words = _WORD.findall(fold(text))
    return tuple(
        _stem(w) for w in words if w not in STOP_WORDS and w not in _FILLER and len(w) > 1
    )


def overlap(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Lexical closeness of two stemmed word lists in [0, 1].

    The larger of token-set ratio (robust to one side adding detail) and Jaccard,
    so a short paraphrase of a long statement still scores high when its words
    are a subset.
    """
    if not a or not b:
        return 0.0
    sa, sb = set(a), set(b)
    shared = len(sa & sb)
    jaccard = shared / len(sa | sb)
    containment = shared / min(len(sa), len(sb))
    ratio = fuzz.token_set_ratio(" ".join(sorted(sa)), " ".join(sorted(sb))) / 100
    # token_set_ratio is 1.0 for any subset, even a one-word one: a short side
    # must share several words before containment counts.
    weight = min(1.0, shared / 4)
    return max(jaccard, weight * min(ratio, containment))


def clean_content(text: str) -> str:
    """One readable clause from an attribution's content span."""
    text = " ".join(text.split())
    text = text.strip(_QUOTES + " ,;:–—-»«")
    # "claimed to have taken" -> "taken"; a quote's own "To minimize harm ..." stays
    text = re.sub(r"^(?:[Tt]hat|to have|to)\s+", "", text)
    text = text.strip(_QUOTES + " ,;:")
    text = _balance_quotes(text.rstrip(".!?…"))
    if len(text) > 220:
        cut = text.rfind(" ", 0, 210)
        text = text[: cut if cut > 0 else 210].rstrip(" ,;:") + " …"
    return text


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _balance_quotes(text: str) -> str:
    """Close a quotation the span cut off ("the border “violation" -> "the border “violation”").

    Trimming a span at its edges can drop one mark of a pair; a reader should
    still see where the quoted words end.
    """
    depth = 0
    for ch in text:
        if ch == "“":
            depth += 1
        elif ch == "”":
            if depth == 0:
                text = "“" + text  # the opening mark was cut off before the span
            else:
                depth -= 1
    if depth > 0:
        text += "”" * depth
    if text.count('"') % 2:
        text += '"'
    # marks glued to a word in the source ("hit”leaving") read as one word
    return re.sub(r"(?<=\w)“", " “", re.sub(r"”(?=\w)", "” ", text))
