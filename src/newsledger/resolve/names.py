"""Matching keys for people and organisations, and the rules that say two names co-refer.

People: titles dropped, the surname's transliteration skeleton (-oit/-oyt, -slav/-slaw,
-sky/-ski/-skiy fold together) plus a compatible first name. Organisations: the bag of
content words (prepositions, articles and possessives dropped; US/UK spellings and
demonym/country forms folded), so word-order variants share one key; acronyms match
the initials of a long form or a "Long Name (ACR)" definition in the text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from rapidfuzz import fuzz

from newsledger.lemmas import english_gloss
from newsledger.resolve.keys import norm, skeleton


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Honorifics, ranks and offices that precede a name; never part of the person's key.
TITLES = _wordset(
    """mr mrs ms miss dr prof sir dame lord lady president vice prime minister premier
    chancellor governor gov general gen colonel col lieutenant lt major maj captain capt
    sergeant sgt commander cmdr admiral adm marshal senator sen representative rep mayor
    secretary spokesman spokeswoman spokesperson ambassador judge justice king queen prince
    princess sheikh pope father rev reverend saint st deputy head chief director founder
    leader chairman chairwoman ceo minister acting former late"""
)
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_STOP = _wordset(
    "the of for on in and a an to at by with de del la le les du des von van s"
)
_ACRONYM = re.compile(r"^(?:[A-ZА-ЯЁ][A-Za-zА-Яа-яЁё]?){1,3}[A-ZА-ЯЁ]$")


# --------------------------------------------------------------------------- people


@dataclass(frozen=True)
class PersonName:
    first: tuple[str, ...]  # skeletons of given names (and initials)
    surname: str  # skeleton

    @property
    def full(self) -> bool:
        return bool(self.first)


def person_name(text: str) -> PersonName | None:
    words = [w for w in norm(re.sub(r"['’]s?$", "", text.strip())).split() if w]
    titled = [i for i, w in enumerate(words[:-1]) if w in TITLES]
    if titled:  # "Tver Governor Igor Rudenya": the name starts after the last title
        words = words[titled[-1] + 1 :]
    while words and words[-1] in _SUFFIXES:
        words = words[:-1]
    if not words:
        return None
    return PersonName(tuple(skeleton(w) for w in words[:-1]), skeleton(words[-1]))


def same_surname(a: str, b: str) -> bool:
    if a == b:
        return True
    return min(len(a), len(b)) >= 6 and a[0] == b[0] and fuzz.ratio(a, b) >= 88


def first_names_agree(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Given names agree when one is empty, an initial of the other, or a close spelling."""
    if not a or not b:
        return True
    x, y = a[0], b[0]
    if len(x) == 1 or len(y) == 1:
        return x[0] == y[0]
    return x == y or (x[0] == y[0] and fuzz.ratio(x, y) >= 80)


# --------------------------------------------------------------------------- organisations


def _spelling(word: str) -> str:
    """US spelling and singular form, so defence/defense and forces/force meet."""
    if word.endswith("ence") and len(word) > 6:
        word = word[:-4] + "ense"
    if word.endswith("our") and len(word) >= 5:
        word = word[:-3] + "or"
    if word.endswith("tre") and len(word) >= 5:
        word = word[:-3] + "ter"
    word = re.sub(r"is(e|ation|ing|ed)$", r"iz\1", word) if len(word) > 6 else word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        word = word[:-1]
    return word


@lru_cache(maxsize=1)
def _country_words() -> dict[str, str]:
    """Country names and demonyms (countryinfo) -> one country key: "russian" -> "russia"."""
    out: dict[str, str] = {}
    try:
        folder = Path(str(resources.files("countryinfo").joinpath("data")))
    except ModuleNotFoundError:
        return out
    for path in folder.glob("*.json"):
        record = json.loads(path.read_text("utf-8"))
        name = norm(record.get("name") or "")
        if not name or " " in name:
            continue
        out[name] = name
        demonym = norm(record.get("demonym") or "")
        if demonym and " " not in demonym:
            out[demonym] = name
    return out


@lru_cache(maxsize=65536)
def org_words(text: str) -> tuple[str, ...]:
    """Content words of an organisation name in order, possessives and stopwords dropped.

    Cached: resolution asks again for the same surface forms when it compares pairs."""
    cleaned = re.sub(r"['’]s\b", " ", english_gloss(text))  # «Минобороны» = Defense Ministry
    countries = _country_words()
    words = []
    for w in norm(cleaned).split():
        if w in _STOP:
            continue
        w = countries.get(w, w)
        words.append(_spelling(w))
    return tuple(words)


def org_key(text: str) -> str:
    return " ".join(sorted(org_words(text)))


@lru_cache(maxsize=1)
def _country_keys() -> frozenset[str]:
    """The country keys as a set: a membership test on dict values is a linear scan."""
    return frozenset(_country_words().values())


def is_demonym(word: str) -> bool:
    """"Russian", "Ukrainian": a nationality word, not the country's name itself."""
    key = norm(word)
    country = _country_words().get(key)
    return country is not None and country != key


def is_country_word(word: str) -> bool:
    return word in _country_keys()


def is_acronym(text: str) -> bool:
    compact = text.replace(".", "").strip()
    return 2 <= len(compact) <= 6 and bool(_ACRONYM.match(compact))


def acronym_forms(text: str) -> set[str]:
    """Initials a long name may be abbreviated to, with and without its function words."""
    words = [w for w in norm(re.sub(r"['’]s\b", " ", text)).split()]
    if len(words) < 2:
        return set()
    content = [w for w in words if w not in _STOP]
    forms = {"".join(w[0] for w in words), "".join(w[0] for w in content)}
    # "Russia's Federal Security Service" -> FSB-like forms without the leading country.
    if content and is_country_word(org_words(content[0])[0] if org_words(content[0]) else ""):
        forms.add("".join(w[0] for w in content[1:]))
    return {f for f in forms if len(f) >= 2}


def acronym_key(text: str) -> str:
    return norm(text.replace(".", "")).replace(" ", "")


def defined_acronyms(text: str) -> list[tuple[str, str]]:
    """("Long Name", "ACR") for every "Long Name (ACR)" in a text whose initials fit loosely."""
    found = []
    for m in re.finditer(r"\(([A-ZА-ЯЁ][A-Za-zА-Яа-яЁё.]{1,7})\)", text):
        acr = m.group(1)
        if not is_acronym(acr):
            continue
        before = text[max(0, m.start() - 120) : m.start()].rstrip()
        words = re.findall(r"[\w’'-]+", before)
        n = len(acronym_key(acr))
        for size in range(n, min(len(words), 2 * n + 2) + 1):
            candidate = " ".join(words[-size:])
            if words[-size][:1].isupper():
                found.append((candidate, acr))
                break
    return found


STEM_LETTERS = 5  # two forms of one word share at least this many first letters


def word_stem(word: str) -> str:
    """The letters two forms of ``word`` that :func:`words_match` always share: an index
    by stem finds every word that may match (a short word's stem is the word itself)."""
    return word[:STEM_LETTERS]


def words_match(a: str, b: str) -> bool:
    """One word in two forms: equal, or sharing a long stem ("Siberia"/"Siberian")."""
    if a == b:
        return True
    if len(a) < STEM_LETTERS or len(b) < STEM_LETTERS or word_stem(a) != word_stem(b):
        return False  # the common case, decided at once
    shorter = min(len(a), len(b))
    common = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), shorter)
    return common >= 0.75 * shorter


def bag_bucket(words: tuple[str, ...]) -> tuple[str, ...]:
    """Coarse bucket for bags that may match: only bags in one bucket are compared."""
    return tuple(sorted(w[:4] for w in words))


def _unmatched(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[list[str], list[str]]:
    rest = list(b)
    left = []
    for w in a:
        hit = next((i for i, v in enumerate(rest) if words_match(w, v)), None)
        if hit is None:
            left.append(w)
        else:
            rest.pop(hit)
    return left, rest


def bag_relation(a: tuple[str, ...], b: tuple[str, ...]) -> str:
    """"equal", "sub" (a inside b, differing only by country words), "super", or "none"."""
    left, right = _unmatched(a, b)
    if not left and not right:
        return "equal"
    if not left and all(is_country_word(w) for w in right):
        return "sub"
    if not right and all(is_country_word(w) for w in left):
        return "super"
    return "none"


def acronym_near_miss(acronym: str, text: str) -> bool:
    """An acronym of the native name: the translated initials differ only in the last letter
    ("Federal Security Service" / FSB), with one letter per content word."""
    key = acronym_key(acronym)
    content = [w for w in org_words(text) if not is_country_word(w)]
    if len(key) < 3 or len(content) != len(key):
        return False
    initials = "".join(w[0] for w in content)
    return initials[:-1] == key[:-1] and initials != key


def clean_name(text: str) -> str:
    """A surface form without a leading article or unbalanced quotes, for display."""
    text = re.sub(r"^(?:the|a|an)\s+", "", text.strip(), flags=re.I)
    for quote in ('"', "“", "”", "«", "»"):
        if text.count(quote) % 2 == 1:
            text = text.replace(quote, "")
    if text.count("“") != text.count("”"):
        text = text.replace("“", "").replace("”", "")
    return re.sub(r"\s+", " ", text).strip()


def informative(forms: Iterable[str]) -> str:
    """The surface form with most words, then most frequent, then first alphabetically."""
    counts: dict[str, int] = {}
    for f in forms:
        counts[f] = counts.get(f, 0) + 1
    return max(sorted(counts), key=lambda f: (len(f.split()) > 1, len(org_words(f)),
                                              counts[f], -len(f)))
