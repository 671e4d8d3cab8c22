"""Name keys: one spelling-independent form per name, so variants meet in an index.

Names from different romanisation schemes (BGN, ISO 9, German, French, Polish) and
scripts (Cyrillic, Latin) reduce to one *skeleton* by folding the letter groups those
schemes disagree on; a consonant-only *phonetic* key catches the rest, and candidates
from it are always checked by a fuzzy score before use.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

# Apostrophes, primes and the Cyrillic soft/hard signs: dropped by every scheme that drops them.
_APOSTROPHES = re.compile(
    r"[\u0027\u2018\u2019\u02b9\u02bb\u02bc\u02bf\u0060\u00b4\u044c\u042c\u044a\u042a]"
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DOUBLE = re.compile(r"([a-z])\1+")

# Ordered rewrites: longer groups first. Each folds letters that one Cyrillic
# letter becomes in different schemes (shch/sch/szcz, kh/ch/h/x, ts/tz/c, zh/j/z, ...).
_FOLDS: tuple[tuple[str, str], ...] = (
    ("shch", "s"),
    ("szcz", "s"),
    ("schtsch", "s"),
    ("tsch", "c"),
    ("sch", "s"),
    ("tch", "c"),
    ("dzh", "j"),
    ("zh", "j"),
    ("sz", "s"),
    ("sh", "s"),
    ("kh", "h"),
    ("ch", "c"),
    ("cz", "c"),
    ("ts", "c"),
    ("tz", "c"),
    ("ks", "x"),
    ("w", "v"),
    ("ph", "f"),
    ("ck", "k"),
    ("q", "k"),
)
_IOTATED = re.compile(r"(?<=[a-z])[yji](?=[aeouё])|^[yji](?=[aeou])")
_Y_AS_I = re.compile(r"[yj]")
_WORD_END_I = re.compile(r"(?<=[a-z])i+\b")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=200_000)
def norm(text: str) -> str:
    """Casefolded ASCII with punctuation as single spaces: the exact-match key."""
    ascii_text = anyascii(_APOSTROPHES.sub("", strip_accents(text)))
    return _NON_ALNUM.sub(" ", ascii_text.casefold()).strip()


@lru_cache(maxsize=200_000)
def skeleton(text: str) -> str:
    """Romanisation-independent key: yo/io/jo/e, y/i/j, kh/h/ch, ts/tz/c ... folded."""
    words = []
    for word in norm(text).split():
        w = word
        w = w.replace("yo", "e").replace("jo", "e").replace("io", "e")
        for old, new in _FOLDS:
            w = w.replace(old, new)
        w = _IOTATED.sub("", w)
        w = _Y_AS_I.sub("i", w)
        w = _DOUBLE.sub(r"\1", w)
        w = _WORD_END_I.sub("", w) or w  # -iy / -y / -i endings
        words.append(w)
    return " ".join(words)


@lru_cache(maxsize=200_000)
def phonetic(text: str) -> str:
    """Consonant skeleton (first letter kept): a coarse key whose hits need a fuzzy check."""
    out = []
    for word in skeleton(text).split():
        if not word:
            continue
        rest = re.sub(r"[aeiouh]", "", word[1:])
        rest = rest.replace("g", "k").replace("d", "t").replace("b", "p").replace("z", "s")
        out.append(word[0] + _DOUBLE.sub(r"\1", rest))
    return " ".join(out)


def reading_variants(text: str) -> set[str]:
    """Skeletons of the ways a Latin spelling may be read (ch as kh or sh, h as kh, j as y)."""
    base = norm(text)
    variants = {base}
    for old, alternatives in (("ch", ("kh", "sh")), ("h", ("kh",)), ("j", ("y", "zh")),
                              ("e", ("ye",)), ("v", ("w",)), ("i", ("y",))):
        for new in alternatives:
            if old in base:
                variants.add(base.replace(old, new))
    return {skeleton(v) for v in variants if v}
