"""Dictionary forms of Russian and Ukrainian words (pymorphy3 with its ru and uk dictionaries).

News in both languages names places and people in oblique cases: «в Тверской
области», «у Полтаві», «по словам Иванова». The gazetteer and the resolver
know names in the nominative, so a name is also looked up in its dictionary form,
with adjectives agreeing with their noun («Житомирської області» -> «житомирська
область»). Without pymorphy3 the words are returned as written (one logged message).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

log = logging.getLogger("newsledger")

_CYRILLIC = re.compile(r"[А-Яа-яЁёІіЇїЄєҐґ]")
_UKRAINIAN = re.compile(r"[ІіЇїЄєҐґ']")
_RUSSIAN = re.compile(r"[ЫыЭэЁёЪъ]")
_WORD = re.compile(r"[А-Яа-яЁёІіЇїЄєҐґ'’ʼ-]+|[^\s]+")
_warned = False


def is_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC.search(text))


def guess_language(text: str, hint: str | None = None) -> str:
    """"uk" or "ru" from the letters only one alphabet has, else the hint, else "ru"."""
    if hint in {"ru", "uk"}:
        return hint
    if _UKRAINIAN.search(text) and not _RUSSIAN.search(text):
        return "uk"
    return "ru"


@lru_cache(maxsize=2)
def _analyzer(lang: str) -> Any:
    global _warned
    try:
        import pymorphy3

        return pymorphy3.MorphAnalyzer(lang=lang)
    except (ImportError, ValueError, OSError) as exc:  # package or dictionary missing
        if not _warned:
            _warned = True
            log.warning(
                "newsledger: pymorphy3 with its %s dictionary is not available (%s); Russian and "
                "Ukrainian names are matched as written. Install: pip install pymorphy3 "
                "pymorphy3-dicts-ru pymorphy3-dicts-uk",
                lang,
                exc,
            )
        return None


@lru_cache(maxsize=200_000)
def _parse(word: str, lang: str) -> Any:
    analyzer = _analyzer(lang)
    if analyzer is None:
        return None
    parses = analyzer.parse(word)
    return parses[0] if parses else None


@lru_cache(maxsize=200_000)
def lemma(word: str, lang: str = "ru") -> str:
    """A word's dictionary form (lowercase), or the word lowercased."""
    p = _parse(word, lang)
    return p.normal_form if p is not None else word.lower()


def _nominative(word: str, lang: str, gender: str | None) -> str:
    p = _parse(word, lang)
    if p is None:
        return word.lower()
    if "ADJF" in p.tag or "PRTF" in p.tag:
        wanted = {"nomn"} | ({gender} if gender else set())
        inflected = p.inflect(wanted) or p.inflect(wanted | {"sing"})
        return inflected.word if inflected is not None else p.normal_form
    return p.normal_form


def _gender(word: str, lang: str) -> str | None:
    p = _parse(word, lang)
    if p is None or "NOUN" not in p.tag:
        return None
    for g in ("masc", "femn", "neut"):
        if g in p.tag:
            return g
    return None


@lru_cache(maxsize=100_000)
def name_forms(text: str, lang: str | None = None) -> tuple[str, ...]:
    """Nominative readings of a Cyrillic name phrase, most likely first; () if not Cyrillic.

    Adjectives take the gender of the last noun («Тверской области» -> «тверская
    область»), a lone word its dictionary form («Полтаві» -> «полтава»); the
    phrase as written is not repeated.
    """
    if not is_cyrillic(text):
        return ()
    lang = guess_language(text, lang)
    words = _WORD.findall(text)
    if not words or _analyzer(lang) is None:
        return ()
    gender = next((g for w in reversed(words) if (g := _gender(w, lang))), None)
    forms = [" ".join(_nominative(w, lang, gender) for w in words)]
    plain = " ".join(lemma(w, lang) for w in words)
    if plain not in forms:
        forms.append(plain)
    written = " ".join(w.lower() for w in words)
    return tuple(f for f in forms if f != written)


# Words of institution and unit names, by dictionary form, in English: organisations are
# named by what they are, so «Минобороны России» and «Міністерство оборони Росії» are the
# "Russian Defence Ministry" an English report names. Only generic words: names stay names.
GLOSS = {
    "минобороны": "defense ministry", "міноборони": "defense ministry",
    "министерство": "ministry", "міністерство": "ministry", "оборона": "defense",
    "мвд": "interior ministry", "мвс": "interior ministry", "внутренний": "interior",
    "внутрішній": "interior", "иностранный": "foreign", "закордонний": "foreign",
    "дело": "affairs", "справа": "affairs", "мид": "foreign ministry", "мзс": "foreign ministry",
    "чрезвычайный": "emergency", "надзвичайний": "emergency", "ситуація": "situations",
    "ситуация": "situations", "пограничный": "border", "прикордонний": "border",
    "служба": "service", "безопасность": "security", "безпека": "security",
    "федеральный": "federal", "генштаб": "general staff", "генеральный": "general",
    "генеральний": "general", "штаб": "staff", "вооружённый": "armed", "вооруженный": "armed",
    "збройний": "armed", "сила": "forces", "армия": "army", "армія": "army",
    "легион": "legion", "легіон": "legion", "корпус": "corps", "батальон": "battalion",
    "батальйон": "battalion", "бригада": "brigade", "добровольческий": "volunteer",
    "добровольчий": "volunteer", "правительство": "government", "уряд": "government",
    "администрация": "administration", "адміністрація": "administration",
    "национальный": "national", "національний": "national", "гвардия": "guard",
    "гвардія": "guard", "свобода": "freedom", "россия": "russia", "росія": "russia",
    "российский": "russia", "російський": "russia", "рф": "russia", "украина": "ukraine",
    "україна": "ukraine", "украинский": "ukraine", "український": "ukraine",
    "всу": "ukraine armed forces", "зсу": "ukraine armed forces", "фсб": "fsb", "сбу": "sbu",
    "область": "region", "губернатор": "governor",
}  # fmt: skip


@lru_cache(maxsize=50_000)
def english_gloss(text: str, lang: str | None = None) -> str:
    """An organisation name with its generic Russian or Ukrainian words in English."""
    if not is_cyrillic(text):
        return text
    lang = guess_language(text, lang)
    out = []
    for word in _WORD.findall(text.replace("«", " ").replace("»", " ")):
        if not is_cyrillic(word):
            out.append(word)
            continue
        base = lemma(word, lang)
        gloss = GLOSS.get(base) or GLOSS.get(word.lower())
        if gloss is None and lang == "uk":
            base_ru = lemma(word, "ru")
            gloss = GLOSS.get(base_ru)
        out.append(gloss or word)
    return " ".join(out)
