"""Context-aware geocoding of one document's toponyms against the gazetteer.

Each toponym gets candidates by name, alternate name, transliteration skeleton,
admin stem and (bounded) fuzzy match; candidates are scored by match quality,
population and feature class, then re-scored a few rounds with the document's
context: countries and admin1 regions it names, "X, Y" and "Y's X" containment,
and distance to the other toponyms' current choices. The toponym's own sentence
weighs more: a candidate inside or near a country, region or big town named there
(tagged or not) gains, and a mere sound-alike far from all of them is dropped.

Names a country holds exactly stay with it; a facility never takes a namesake town; a
region name without a city cue is the region; a place below the gazetteer's cut-off is
left unresolved with its reason (and, in Ukraine, its KATOTTG oblast): see
``docs/geocoding.md``.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz

from newsledger.lemmas import name_forms
from newsledger.resolve.gazetteer import (
    ADMIN_WORDS,
    ALTERNATE,
    CODE,
    PHONETIC,
    PRIMARY,
    STEM,
    TRANSLIT,
    Gazetteer,
    Place,
    admin_stems,
    haversine_km,
)
from newsledger.resolve.keys import norm, phonetic, reading_variants, skeleton
from newsledger.resolve.names import is_demonym

FUZZY = 6
FOCUS_ADMIN, FOCUS_COUNTRY = 0.3, 0.15
POP_WEIGHT = 2.0  # population prior, against the context bonuses below
WHOLE_BONUS = 0.6  # countries and continents: a name they share is nearly always theirs
CONTEXT = 1.0  # scale of the document-context bonuses
ALT_SHADOW = 0.5  # a town's alternate name against towns whose own name it is
BIG_CITY = 500_000  # a cut name ("Phila.") may stand for a city this big
_KIND_SCORE = {PRIMARY: 1.0, ALTERNATE: 0.9, CODE: 0.85, TRANSLIT: 0.75, STEM: 0.6,
               PHONETIC: 0.45, FUZZY: 0.45}
# "Tver region", "the Poltava Oblast": a generic admin word right after the name.
_ADMIN_AFTER = re.compile(
    r"^['’]?\s*(?:" + "|".join(sorted(ADMIN_WORDS, key=len, reverse=True)) + r")\b", re.I
)
# Words that name a kind or part of place, never a place on their own ("West Surrey").
_GENERIC = frozenset(
    {"north", "south", "east", "west", "northern", "southern", "eastern", "western", "central",
     "upper", "lower", "new", "old", "great", "greater", "middle", "inner", "outer", "town",
     "city", "estate", "park", "center", "centre", "county", "island", "lake", "river", "bay",
     "gulf", "coast", "valley", "mount", "hill", "hills", "and", "of", "the", "saint", "st",
     "port", "fort", "grand", "little", "big", "high", "district", "state", "national"}
)
# After a capitalised "X Department" / "X State", "of ..." or another capitalised word means
# the admin word opens an institution's name ("U.S. Department of Justice", "Ohio State
# University"); a lower-case "region" stays a hint even before a title ("Tver region Governor").
_NAME_GOES_ON = re.compile(r"^\s+(?:of\b|[A-Z])")
# Nouns of institutions and facilities: in "Bank of X" or "X University" the place is X.
_INSTITUTION = frozenset(
    {"university", "college", "school", "academy", "institute", "bank", "hospital", "church",
     "cathedral", "airport", "station", "street", "road", "avenue", "center", "centre", "hotel",
     "stadium", "mall", "office", "embassy", "court", "prison", "tower", "bridge", "museum",
     "library", "club", "company", "council", "ministry", "department", "union", "federal",
     "republic", "kingdom", "united", "democratic", "islamic", "international", "metro",
     "house", "hall", "summit", "cup", "world", "league", "party", "committee", "commission"}
)
_LOCAL_ADMIN = frozenset({"county", "parish", "district", "raion", "rayon", "municipality"})
_DEMONYM_END = re.compile(r"[a-z](?:ians?|ans?|ese|ish|is|s)$")
_LEADING = re.compile(r"^(?:the|city of|town of|village of|greater)\s+", re.I)
_POSSESSIVE = re.compile(r"['’]s?$")


@dataclass(frozen=True)
class Candidate:
    place: Place
    kind: int
    base: float


@dataclass(frozen=True)
class Toponym:
    start: int
    end: int
    text: str


def _clean(text: str) -> str:
    text = _LEADING.sub("", text.strip())
    return _POSSESSIVE.sub("", text).strip(" .,;:\"'")


def _admin_hint(text: str, doc: str, end: int) -> tuple[str, str | None]:
    """(name without its admin word, the admin word) for "X Oblast" or "X" + " region"."""
    words = text.split()
    if len(words) > 1 and words[-1].casefold().strip(".") in ADMIN_WORDS:
        return " ".join(words[:-1]), words[-1].casefold()
    match = _ADMIN_AFTER.match(doc[end : end + 20]) if doc else None
    if match and not (match.group(0).strip(" '’")[:1].isupper()
                      and _NAME_GOES_ON.match(doc[end + match.end() : end + match.end() + 20])):
        return text, match.group(0).strip(" '’").casefold()
    return text, _list_admin(doc, end) if doc else None


# A plural admin word applies to every member of the list it closes or opens: "the Moscow,
# Leningrad and Tver regions", "several regions, including Moscow, Tver and Tula".
_PLURAL_ADMIN = {"regions": "region", "oblasts": "oblast", "provinces": "province",
                 "oblasti": "oblast", "counties": "county", "districts": "district",
                 "governorates": "governorate", "prefectures": "prefecture",
                 "territories": "territory", "krais": "krai", "raions": "raion",
                 "rayons": "rayon", "voivodeships": "voivodeship", "parishes": "parish"}
_LIST_NAME = r"[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*){0,3}"
_PLURALS = "|".join(_PLURAL_ADMIN)
_LIST_THEN_ADMIN = re.compile(
    rf"^(?:[ \t]*,[ \t]*{_LIST_NAME})*[ \t]*,?[ \t]+(?:and|or|&)[ \t]+{_LIST_NAME}[ \t]+"
    rf"({_PLURALS})\b"
)
_ADMIN_THEN_LIST = re.compile(
    rf"\b({_PLURALS}),?[ \t]+(?:including|such[ \t]+as|like|namely)[ \t]+"
    rf"(?:{_LIST_NAME}[ \t]*,[ \t]*(?:(?:and|or)[ \t]+)?)*(?:(?:and|or)[ \t]+)?{_LIST_NAME}$"
)
# A governor heads a region, not a town: "the governors of Tver and Tula", "X's governor".
_GOVERNOR_OF = re.compile(
    rf"\b[Gg]overnors?[ \t]+of[ \t]+(?:the[ \t]+)?(?:{_LIST_NAME}[ \t]*,[ \t]*)*"
    rf"(?:{_LIST_NAME}[ \t]*,?[ \t]+(?:and|or)[ \t]+)?{_LIST_NAME}$"
)
_GOVERNOR_AFTER = re.compile(r"^(?:['’]s)?[ \t]+governor\b")
_LIST_SPAN = 200


def _list_admin(doc: str, end: int) -> str | None:
    """The singular admin word of a plural one closing or opening the name's list, or
    "region" for the land a governor heads."""
    before = doc[max(0, end - _LIST_SPAN) : end]
    found = _LIST_THEN_ADMIN.match(doc[end : end + _LIST_SPAN]) or _ADMIN_THEN_LIST.search(before)
    if found:
        return _PLURAL_ADMIN[found.group(1).casefold()]
    if _GOVERNOR_OF.search(before) or _GOVERNOR_AFTER.match(doc[end : end + 20]):
        return "region"
    return None


def candidates(gaz: Gazetteer, text: str, doc: str = "", end: int = 0) -> list[Candidate]:
    """Every place the toponym may name, with a context-free score; a name the gazetteer
    lacks ("Arizona State University", "Dubai World Cup") falls back to the place it
    embeds, when that is a region, country or sizeable town. A facility ("White House",
    "Heathrow airport") never takes a town that merely shares its name."""
    facility = facility_word(text, doc, end)
    found = _candidates(gaz, text, doc, end)
    if facility and len(text.split()) > 1:  # "White House": the building, not a namesake town
        found = [c for c in found if c.place.feature in ("A.PCLI", "A.ADM1", "L.CONT")]
    elif facility:  # "Heathrow airport": a bare name may still be a big town's
        found = [c for c in found if not _merely_shares_name(c)]
    if found or len(text.split()) < 2 or _OPEN_WATER & set(norm(text).split()):
        return found
    words = text.split()
    for size in range(len(words) - 1, 0, -1):
        inner: dict[int, Candidate] = {}
        for start in range(len(words) - size + 1):
            part = " ".join(words[start : start + size])
            if not part[:1].isupper() or all(norm(w) in _GENERIC | _INSTITUTION
                                             for w in part.split()):
                continue
            modified = start > 0 and norm(words[start - 1]) not in _PLAIN_BEFORE
            if _abbreviation(part) or (facility and (
                    _POSSESSIVE.search(part) or is_demonym(_clean(part)))):
                continue  # "No. 2 Centre", "St. Peter's Basilica", "Russian Embassy": no place
            found = _candidates(gaz, part, "", 0, loose=False)
            country = any(c.place.feature == "A.PCLI" and c.kind <= CODE for c in found)
            for c in found:
                if facility and (c.place.feature in ("A.PCLI", "L.CONT")
                                 or c.kind not in (PRIMARY, CODE)):
                    continue  # "Stade de France" is a building in a town, not the country
                if modified and (c.kind == ALTERNATE or (country and c.place.is_admin is False)):
                    continue  # "Latin America": a qualified short form is another region
                gid = c.place.geonames_id
                if c.kind > CODE or (c.place.feature.startswith("P.")
                                     and c.place.population < 10_000):
                    continue
                if gid not in inner or inner[gid].base < c.base - 0.3:
                    inner[gid] = Candidate(c.place, c.kind, c.base - 0.3)
        if inner:  # every part of the longest size that names a place ("Bank of Japan")
            return list(inner.values())
    return []


_ROAD = frozenset({"highway", "route", "road", "interstate", "street", "avenue", "hwy", "rte",
                   "st", "ave", "rd", "exit", "us"})
_CONNECTORS = frozenset({"of", "the", "in", "at", "for", "and", "de", "du", "des", "la", "le",
                         "di", "del", "da", "do", "von", "van"})
# Words before a name that keep it the same place ("West Columbia", "Smart Dubai Office"
# keeps Dubai by its primary name; "Latin America" is no United States).
_PLAIN_BEFORE = (_INSTITUTION | _CONNECTORS | _GENERIC
                 | frozenset({"n", "s", "e", "w", "st", "mt", "ft", "pt"}))
# Head nouns of buildings and sites that no town is named after in full: "X Airport",
# "Y Stadium", "the White House". Such a name, or a bare name the text follows with one
# ("Heathrow airport"), is the facility; a town that merely shares the name is elsewhere.
FACILITY_WORDS = frozenset(
    {"airport", "airfield", "airbase", "stadium", "arena", "museum", "palace", "basilica",
     "cathedral", "embassy", "consulate", "hotel", "racecourse", "castle", "house",
     "terminal"}
)
_FACILITY_AFTER = re.compile(
    r"^['’]?s?[ \t]+(" + "|".join(sorted(FACILITY_WORDS - {"house"}, key=len, reverse=True))
    + r")\b", re.I)
# Seas and oceans: the country or town inside their name ("Indian Ocean") is far away.
_OPEN_WATER = frozenset({"sea", "ocean", "gulf", "strait", "straits"})
BIG_TOWN = 100_000  # a bare name before "airport" may still be this big a town's


# The same heads in languages that put them first: "Stade de France", "Palacio de X".
_FACILITY_FIRST = frozenset({"stade", "stadio", "estadio", "stadion", "aeroport", "aeropuerto",
                             "aeroporto", "palais", "palacio", "palazzo", "musee", "museo",
                             "hotel", "castillo", "chateau", "basilique", "basilica"})


def facility_word(text: str, doc: str = "", end: int = 0) -> str | None:
    """The facility word that heads the toponym ("Dulles International Airport", "Stade
    de France") or follows it in the text ("Heathrow airport"), if any."""
    words = norm(_clean(text)).split()
    if len(words) > 1 and words[-1] in FACILITY_WORDS:
        return words[-1]
    if len(words) > 1 and words[0] in _FACILITY_FIRST:
        return words[0]
    m = _FACILITY_AFTER.match(doc[end : end + 30]) if doc else None
    return m.group(1).casefold() if m else None


def _merely_shares_name(c: Candidate) -> bool:
    """A town or district that is not big enough to host a facility named after it."""
    return not c.place.feature.startswith(("A.PCLI", "A.ADM1", "L.")) and (
        c.place.population < BIG_TOWN)


# Head nouns of water bodies and other natural features: the gazetteer has towns and
# regions only, so such a name either is a town's own name in full ("Fall River",
# "Safety Bay") or no place; never the town or region in it ("Dnipro" in "Dnipro River").
_WATER = frozenset(
    {"river", "rivers", "sea", "ocean", "lake", "lakes", "gulf", "bay", "strait", "straits",
     "creek", "canal", "channel", "estuary", "lagoon", "reservoir", "delta", "isthmus",
     "peninsula", "mountains", "range", "desert", "glacier", "falls"}
)
_WATER_FIRST = frozenset({"lake", "gulf", "sea", "isthmus", "strait", "straits", "mount"})


def names_other_thing(text: str, place: Place) -> bool:
    """Whether a natural feature's mention ("the Dnipro River") got a town or region only
    named after it or lying on it: a fair point on a map, never the same entity."""
    return _water_body(text) and norm(_clean(text)) != norm(place.name)


def _water_body(text: str) -> bool:
    """"the Dnipro River", "Lake Michigan", "Gulf of Mexico": a natural feature's name."""
    words = norm(_LEADING.sub("", text.strip())).split()
    if len(words) < 2:
        return False
    return words[-1] in _WATER or (words[0] in _WATER_FIRST and words[1] != "city")


def _candidates(gaz: Gazetteer, text: str, doc: str, end: int, loose: bool = True
                ) -> list[Candidate]:
    cleaned = _clean(text)
    if not cleaned:
        return []
    if all(norm(w) in _GENERIC for w in cleaned.split()):
        return []  # "East", "Gulf", "Central": a direction or a kind of place, not a name
    if re.search(r"\d", cleaned) and _ROAD & set(norm(cleaned).split()):
        return []  # "Highway 377 N", "Route 31": a road, never the town or region of a letter
    base, admin_word = _admin_hint(cleaned, doc, end)
    wants_admin = admin_word is not None
    is_code = len(cleaned.replace(".", "")) <= 3 and cleaned.replace(".", "").isupper()
    # "UCLA", "FATA", "NATO": an acronym is exact or nothing, never a sound-alike town.
    acronym = bool(re.fullmatch(r"[A-Z]{2,5}", cleaned))
    keys = {norm(cleaned): None}
    short = len(norm(cleaned).replace(" ", "")) <= 4  # "U.S.", "Ufa": spelling keys too loose
    if not short:
        keys[skeleton(cleaned)] = None
        for variant in reading_variants(cleaned):
            keys[variant] = None
    if base != cleaned:
        keys[norm(base)] = None
        keys[skeleton(base)] = None
    if cleaned.replace(".", "") != cleaned:
        keys[norm(cleaned.replace(".", ""))] = None
    exact_keys = {norm(cleaned), norm(cleaned.replace(".", "")), norm(base)}
    if wants_admin:
        for stem in admin_stems(base):
            keys[stem] = None
    for expanded in [*_expansions(cleaned), *_article_variants(cleaned)]:
        keys[norm(expanded)] = None
        exact_keys.add(norm(expanded))
    for form in name_forms(cleaned):  # «Тверской области» is «Тверская область» in the index
        keys[norm(form)] = None
        exact_keys.add(norm(form))
    rows = gaz.lookup(keys)
    abbreviation = _abbreviation(text)
    if abbreviation:
        rows = [r for r in rows if r[1] == CODE] + _abbreviation_rows(gaz, abbreviation)
    exact_rows = [r for r in rows if r[1] in (PRIMARY, ALTERNATE) and r[2] in exact_keys]
    demonym_gids: set[int] = set()
    if not abbreviation and not is_code and (not exact_rows or _DEMONYM_END.search(cleaned)):
        # "Syrians", "Korean", "English": the country, region or continent, never a town
        # that merely shares the stem; an exact name match keeps its own candidates.
        stems = _demonym_stems(cleaned)
        extra = [(g, ALTERNATE, k) for g, kind, k in gaz.lookup(stems) if kind <= ALTERNATE]
        if extra:
            demonym_gids = {g for g, _, _ in extra} - {g for g, _, _ in exact_rows}
            rows = [*rows, *extra]
            exact_keys.update(stems)
    if not rows and not abbreviation and not short and loose:
        rows = [(g, PHONETIC, k) for g, _, k in gaz.lookup([phonetic(base)])]
    if not rows and not abbreviation and not short and loose:
        rows = _fuzzy_rows(gaz, base)
    places = gaz.places(g for g, _, _ in rows)
    best: dict[int, int] = {}
    for gid, kind, key in rows:
        if kind == CODE and not is_code:
            continue
        if kind in (PRIMARY, ALTERNATE) and key not in exact_keys:
            kind = TRANSLIT
        if kind == STEM and not wants_admin:
            continue
        if acronym and kind > CODE:
            continue
        best[gid] = min(best.get(gid, 99), kind)
    out = []
    target = skeleton(base)
    for gid, kind in best.items():
        place = places.get(gid)
        if place is None:
            continue
        if kind == PHONETIC and (len(target) < 5 or fuzz.ratio(target, skeleton(place.name)) < 85):
            continue
        if gid in demonym_gids and place.feature.startswith("P."):
            continue  # "Syrians" names a country or region, never a town called Syria
        out.append(Candidate(place, kind, _prior(place, kind, admin_word)))
    if abbreviation is None:  # "Ga.", "Pa.": cuts of a region's name, not spellings
        out = _country_keeps_its_names(out, is_code)
    if any(c.kind == PRIMARY and c.place.feature.startswith("P.") for c in out):
        # A town's alternate name that is another town's own name is mostly a former or
        # variant name ("Riverdale" for a Glendale): the namesakes come first.
        out = [Candidate(c.place, c.kind, c.base - ALT_SHADOW)
               if c.kind == ALTERNATE and c.place.feature.startswith("P.") else c for c in out]
    big_town = max((c.place for c in out if c.place.feature.startswith("P.")
                    and c.kind in (PRIMARY, ALTERNATE)), key=lambda p: p.population, default=None)
    lean = (_city_first(doc, end, text, big_town) if big_town is not None and admin_word is None
            and big_town.population >= BIG_REGION_TOWN else 0.0)
    if lean:
        out = [Candidate(c.place, c.kind, c.base - lean) if c.place.feature == "A.ADM1" else c
               for c in out]
    if wants_admin and admin_word not in _LOCAL_ADMIN:
        out.extend(_regions_of_cities(gaz, out, admin_word))
        out = _surrounding_region_first(gaz, out)
    return out


def _article_variants(text: str) -> list[str]:
    """"Democratic Republic of Congo" / "... of the Congo": long forms with and without
    the article after "of", both spellings in use."""
    if re.search(r"\bof the\b", text, re.I):
        return [re.sub(r"\bof the\b", "of", text, flags=re.I)]
    if re.search(r"\bof\b", text, re.I):
        return [re.sub(r"\bof\b", "of the", text, count=1, flags=re.I)]
    return []


def _country_keeps_its_names(found: list[Candidate], code_like: bool) -> list[Candidate]:
    """A name that a country holds exactly (its name, code or demonym) stays with it:
    another country or territory that lists it only as an alternate ("China" of Hong Kong
    or Taiwan, "American" of the Northern Marianas) drops out, and spelling keys
    ("US" as the skeleton of "Wuxi") never stand beside an exact country match."""
    whole = [c for c in found if c.place.feature in ("A.PCLI", "L.CONT") and c.kind <= CODE]
    if not whole:
        if code_like:  # a code names what holds it as a code, never a spelling-alike
            return [c for c in found if c.kind <= CODE]
        return found
    best = min(whole, key=lambda c: (c.kind, -c.place.population))
    out = []
    for c in found:
        if c.place.feature in ("A.PCLI", "L.CONT") and c is not best and c.kind <= CODE:
            if c.kind > best.kind or (c.kind == best.kind == ALTERNATE
                                      and c.place.population * 5 <= best.place.population):
                continue
        elif c.kind > CODE:
            continue
        elif (c.kind == ALTERNATE and c.place.feature.startswith("P.")
              and best.kind <= ALTERNATE):
            c = Candidate(c.place, c.kind, c.base - 1.0)
        elif c is not best and c.place.feature == "A.PCLI" and c.kind == best.kind:
            c = Candidate(c.place, c.kind, c.base - 0.05)  # "Korea": the bigger one first
        out.append(c)
    return out


BIG_REGION_TOWN = 200_000
# "the city of Quebec", "downtown New York", "New York's mayor": the town, not its region.
_CITY_BEFORE = re.compile(r"\b(?:city|town|downtown|mayor|suburbs?|outskirts|streets|"
                          r"center|centre)(?:\s+of)?(?:\s+the)?\s+$", re.I)
_CITY_AFTER = re.compile(r"^(?:['’]s)?\s+(?:city|mayor|police|downtown|suburbs?|"
                         r"metropolitan|metro|airport|subway|residents?)\b", re.I)


_REGION_BEFORE = re.compile(r"\b(?:state|province|provinces|states|region)\s+of\s+(?:the\s+)?$"
                            r"|\b(?:states|provinces)\s+(?:such\s+as|like|including)\s+$", re.I)


def _city_first(doc: str, end: int, text: str, town: Place) -> float:
    """How far a name shared by a big city and its region ("New York", "Quebec") leans to
    the city: a city cue ("the mayor of Quebec") far, a region cue ("the state of New
    York", "states such as Washington") not at all; without either, a capital or a city
    of a million does, since the name then stands for the city and its government
    ("Washington said"); other cities yield to their region ("in Quebec")."""
    start = max(0, end - len(text))
    before = doc[max(0, start - 30) : start] if doc else ""
    if _REGION_BEFORE.search(before):
        return 0.0
    if doc and (_CITY_BEFORE.search(before) or _CITY_AFTER.match(doc[end : end + 25])):
        return 1.2
    return 0.6 if not doc or town.feature == "P.PPLC" or town.population >= MILLION_CITY else 0.0


MILLION_CITY = 1_000_000


def _surrounding_region_first(gaz: Gazetteer, found: list[Candidate]) -> list[Candidate]:
    """"Moscow region", "Kyiv Oblast": when a city with a region's status (an admin1 whose
    largest town is the named city) and the region named after it both match, the admin
    word names the region around the city."""
    regions = [c for c in found if c.place.feature == "A.ADM1" and c.place.admin1]
    if len(regions) < 2:
        return found
    towns = {c.place.geonames_id for c in found
             if c.place.feature.startswith("P.") and c.kind in (PRIMARY, ALTERNATE)}
    cities = {c.place.geonames_id for c in regions
              if gaz.largest_in_admin1(c.place.admin1) in towns}
    around = {c.place.country for c in regions if c.place.geonames_id not in cities}
    return [Candidate(c.place, c.kind, c.base - 0.6)
            if c.place.geonames_id in cities and c.place.country in around else c
            for c in found]


def _fuzzy_rows(gaz: Gazetteer, text: str) -> list[tuple[int, int, str]]:
    """Near misses among keys sharing the first letters: bounded by the prefix scan."""
    target = skeleton(text)
    if len(target) < 6:
        return []
    rows = gaz.prefix_scan(target[:3])
    return [(g, FUZZY, k) for k, g, kind in rows
            if kind == TRANSLIT and fuzz.ratio(k, target) >= 90]


# Abbreviated generic words in place names ("Loudon Co.", "Mt. Vernon", "Ft. Worth").
_WORD_ABBREVIATIONS = {"co": "county", "twp": "township", "mt": "mount", "ft": "fort",
                       "st": "saint", "pt": "point", "hts": "heights", "is": "island"}


def _expansions(text: str) -> list[str]:
    words = re.findall(r"[\w'’-]+\.?", text)
    expanded = [_WORD_ABBREVIATIONS.get(w.rstrip(".").casefold(), w.rstrip(".")) for w in words]
    joined = " ".join(expanded)
    return [joined] if norm(joined) != norm(text) else []


def _abbreviation(raw: str) -> str | None:
    """"Conn." / "Calif." / "Ky.": a short capitalised word cut with a full stop; "W.Va.":
    several such cuts, returned space-separated."""
    m = re.fullmatch(r"\s*([A-Z][a-z]{1,5})\.\s*", raw)
    if m:
        return m.group(1).casefold()
    m = re.fullmatch(r"\s*((?:[A-Z][a-z]{0,4}\.\s?){2,3})\s*", raw)
    if m and any(len(p) > 1 for p in m.group(1).split(".")):  # not "U.S.": a code
        return " ".join(p.strip().casefold() for p in m.group(1).split(".") if p.strip())
    return None


def _cut_of(cut: str, word: str) -> bool:
    """Whether ``cut`` abbreviates ``word``: same first letter, its letters in order."""
    it = iter(word)
    return word[:1] == cut[:1] and all(ch in it for ch in cut)


def _abbreviation_rows(gaz: Gazetteer, abbreviation: str) -> list[tuple[int, int, str]]:
    """Admin1 regions whose name starts with the abbreviation's first letter and contains
    its letters in order; prefixes ("Ariz." of Arizona, "W.Va." of West Virginia) count as
    alternate names. A long cut no region starts with may be a big city's ("Phila.")."""
    out = []
    parts = abbreviation.split()
    for code, name in gaz.admin1_names.items():
        key = norm(name)
        if len(parts) > 1:
            words = key.split()
            if len(words) == len(parts) and all(map(_cut_of, parts, words)):
                out.append((gaz.admin1_gid[code], ALTERNATE, abbreviation))
            continue
        if _cut_of(abbreviation, key):
            kind = ALTERNATE if key.startswith(abbreviation) else TRANSLIT
            out.append((gaz.admin1_gid[code], kind, abbreviation))
    if len(parts) == 1 and len(abbreviation) >= 4 and not any(k == ALTERNATE for _, k, _ in out):
        starts = {g for key, g, kind in gaz.prefix_scan(abbreviation) if kind == PRIMARY}
        out.extend((g, ALTERNATE, abbreviation) for g, p in gaz.places(starts).items()
                   if p.feature.startswith("P.") and p.population >= BIG_CITY)
    return out


def _demonym_stems(text: str) -> list[str]:
    """Place names a demonym or plural may come from: "Europeans" -> "europe", "North
    American" -> "north america" (a qualifier word is kept in front)."""
    words = norm(text).split()
    if not words or len(words) > 2 or len(words[-1]) < 5:
        return []
    head, word = " ".join(words[:-1]), words[-1]
    if word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    stems = {word}
    for suffix, repl in (("ian", "ia"), ("ian", "e"), ("ian", ""), ("an", "a"), ("an", "e"),
                         ("an", ""), ("ese", ""), ("ish", ""), ("ish", "istan"), ("i", ""),
                         ("ean", "e"), ("n", ""), ("lish", "land"), ("ian", "io"), ("ian", "a"),
                         ("ian", "y"), ("an", "as")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            stems.add(word[: -len(suffix)] + repl)
    return sorted(f"{head} {s}".strip() for s in stems)


def _regions_of_cities(gaz: Gazetteer, found: list[Candidate], admin_word: str | None
                       ) -> list[Candidate]:
    """"Orel region": the admin1 whose largest city the name names, when no admin matched."""
    if any(c.place.feature == "A.ADM1" for c in found):
        return []
    extra = []
    for cand in found:
        code = cand.place.admin1
        if not cand.place.feature.startswith("P.") or not code:
            continue
        if gaz.largest_in_admin1(code) != cand.place.geonames_id:
            continue
        region = gaz.admin1_place(code)
        if region is not None:
            extra.append(Candidate(region, STEM, _prior(region, STEM, admin_word)))
    return extra


def _prior(place: Place, kind: int, admin_word: str | None) -> float:
    score = _KIND_SCORE[kind] + POP_WEIGHT * min(1.0, math.log10(place.population + 1) / 7)
    feature = place.feature
    if admin_word is not None:
        if admin_word in _LOCAL_ADMIN:
            score += 1.0 if feature == "A.ADM2" else (0.3 if feature == "A.ADM1" else -0.6)
        else:
            score += 1.0 if feature == "A.ADM1" else -0.6
    else:
        if kind == CODE and feature == "A.ADM1":
            score -= 0.5
        if feature in ("A.PCLI", "L.CONT"):
            score += WHOLE_BONUS
        elif feature == "A.ADM1":
            score += 0.3 if kind in (PRIMARY, CODE) else -0.6
        elif feature == "A.ADM2":
            score -= 0.3 if kind == PRIMARY else 0.8
        elif feature == "P.PPLC":
            score += 0.3
    return score


@dataclass(frozen=True)
class Resolved:
    """A toponym's place, or None with the reason it is left unresolved (and the admin
    region the text or KATOTTG gives for a place below the gazetteer's cut-off)."""

    place: Place | None
    reason: str | None = None


def geocode(gaz: Gazetteer, doc: str, toponyms: Sequence[Toponym], rounds: int = 3
            ) -> list[Place | None]:
    """A place (or None) for each toponym, chosen with the whole document as context."""
    return [r.place for r in geocode_detailed(gaz, doc, toponyms, rounds)]


def geocode_detailed(gaz: Gazetteer, doc: str, toponyms: Sequence[Toponym], rounds: int = 3
                     ) -> list[Resolved]:
    """Like ``geocode``, with the reason for every toponym left unresolved."""
    by_text: dict[str, list[int]] = {}
    for i, t in enumerate(toponyms):
        by_text.setdefault(toponym_key(t, doc), []).append(i)
    groups = list(by_text.values())
    cands = [candidates(gaz, toponyms[g[0]].text, doc, toponyms[g[0]].end) for g in groups]
    _initials_of_named(gaz, toponyms, groups, cands)
    contain, holds = _containers(gaz, doc, toponyms, groups, cands)
    outer_of = _comma_outer(doc, toponyms, groups)
    siblings = _siblings(doc, toponyms, groups)
    local = {gi: around for gi, around in _local_context(gaz, doc, toponyms, groups).items()
             if not any(c.kind <= CODE and c.place.feature in _WHOLE for c in cands[gi])}
    for gi, around in local.items():  # a weak spelling match far from what its sentence names
        cands[gi] = [c for c in cands[gi]
                     if c.kind not in _WEAK or any(_agrees(c.place, p) for p in around)]
    focus = _focus(cands)
    choice: list[Candidate | None] = [max(c, key=lambda x: x.base) if c else None for c in cands]
    for _ in range(rounds):
        countries, admins = Counter(), Counter()
        for ch, g in zip(choice, groups, strict=True):
            if ch is None:
                continue
            if ch.place.feature == "A.PCLI":
                countries[ch.place.country] += len(g)
            elif ch.place.feature == "A.ADM1":
                admins[ch.place.admin1] += len(g)
                countries[ch.place.country] += 0.5 * len(g)
            else:
                countries[ch.place.country] += 0.25 * len(g)
                admins[ch.place.admin1] += 0.25 * len(g)
        new_choice = []
        for gi, clist in enumerate(cands):
            if not clist:
                new_choice.append(None)
                continue
            others = [c.place for j, c in enumerate(choice) if j != gi and c is not None]
            own = choice[gi]
            around = local.get(gi, ())
            new_choice.append(max(clist, key=lambda c: _score(
                c, countries, admins, others, own, contain.get(gi, ()), len(groups[gi]))
                + focus.bonus(gi, c.place) + _holds_bonus(c.place, holds.get(gi, ()))
                + _sibling_bonus(c.place, [choice[j] for j in siblings.get(gi, ())])
                + (LOCAL if any(_agrees(c.place, p) for p in around) else 0.0)))
        if new_choice == choice:
            break
        choice = new_choice
    ukraine = "ukrain" in doc.casefold() or any(
        ch is not None and ch.place.country == "UA" for ch in choice)
    out: list[Resolved] = [Resolved(None)] * len(toponyms)
    for gi, (ch, g) in enumerate(zip(choice, groups, strict=True)):
        t = toponyms[g[0]]
        wrappers = tuple(choice[o].place for o in outer_of.get(gi, ())
                         if choice[o] is not None and choice[o].place.feature in
                         ("A.ADM1", "A.ADM2"))
        found = _settle(gaz, doc, t, ch, (*contain.get(gi, ()), *local.get(gi, ())), ukraine,
                        wrappers)
        for i in g:
            out[i] = found
    return out


def _settle(gaz: Gazetteer, doc: str, t: Toponym, ch: Candidate | None,
            containers: tuple[Place, ...], ukraine: bool,
            syntactic: tuple[Place, ...] = ()) -> Resolved:
    """The final word on one toponym: its choice, unless it is a sound-alike of a place
    below the gazetteer's cut-off (a village the text or KATOTTG puts elsewhere).
    ``containers``: the places its syntax or its sentence names around it; ``syntactic``:
    the regions chosen for the "X, Y" that follows it."""
    regions = list({c.geonames_id: c for c in containers if c.feature == "A.ADM1"}.values())
    # A spelling-key match abroad stays (a Russian village spelt another way); one in
    # Ukraine, or a sound-alike anywhere, must agree with KATOTTG and the text.
    weak = ch is None or ch.kind in _WEAK or (ch.kind == TRANSLIT and ch.place.country == "UA")
    wrappers = list(syntactic)
    if ch is not None and not ch.place.feature.startswith(("A.PCLI", "L.")):
        wrappers = [c for c in wrappers if c.feature == "A.ADM1"]  # a town: its state only
    if (ch is not None and wrappers and ch.place.feature != "A.ADM1"
            and not any(_inside(ch.place, c) for c in wrappers)):
        # "Turkey, Texas": a town the index lacks, not the country (or a namesake town)
        # outside the state the text puts it in
        return Resolved(None, "not in the gazetteer; the text places it in "
                        + " or ".join(sorted({c.name for c in wrappers})))
    if not weak:
        return Resolved(ch.place)
    if ukraine:
        cleaned = _clean(t.text)
        keys = [skeleton(cleaned), *reading_variants(cleaned)]
        rows = [r for r in gaz.ua_settlements(keys)
                if not regions or any(r[1] == c.admin1 for c in regions)]
        if rows:
            if ch is not None and ch.place.country == "UA" and ch.place.admin1 in {
                    r[1] for r in rows}:
                return Resolved(ch.place)  # the town itself, spelt another way
            oblasts = sorted({gaz.admin1_names.get(r[1], r[1]) for r in rows})
            return Resolved(None, "below the gazetteer's cut-off (KATOTTG): a settlement of "
                            + " or ".join(oblasts))
    if ch is not None and regions and not any(_inside(ch.place, c) for c in regions):
        return Resolved(None, "not in the gazetteer; the text places it in "
                        + " or ".join(sorted({r.name for r in regions})))
    if ch is not None:
        return Resolved(ch.place)
    word = facility_word(t.text, doc, t.end)
    if word:
        return Resolved(None, f"a facility ({word}); no town of that name is meant")
    if regions:
        return Resolved(None, "not in the gazetteer; the text places it in "
                        + " or ".join(sorted({r.name for r in regions})))
    return Resolved(None, "not in the gazetteer")


_WEAK = (PHONETIC, FUZZY)
# A country's, region's or continent's own name: its sentence's other names do not move it.
_WHOLE = frozenset({"A.PCLI", "A.ADM1", "L.CONT"})
LOCAL = 0.5  # a candidate inside or near a place its own sentence names
LOCAL_KM = 200
LOCAL_TOWN = 100_000  # an untagged town name is context only when it is a big one
_SENTENCE_END = re.compile(r"(?<=[.!?…»”\"])\s+(?=[A-Z“\"«(])|\n+")
_NAME = re.compile(r"[A-Z][\w'’-]*[a-z][\w'’-]*(?:\s+[A-Z][\w'’-]*[a-z][\w'’-]*){0,2}")


def _sentences(doc: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(doc):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(doc)))
    return spans


def _local_context(gaz: Gazetteer, doc: str, toponyms: Sequence[Toponym],
                   groups: list[list[int]]) -> dict[int, tuple[Place, ...]]:
    """Per toponym group, the countries, regions and big towns named in the toponym's own
    sentences, tagged or not ("Nevelske, near the city of Donetsk"): the nearest context,
    which outweighs the document's. Only exact names count; nationality words do not."""
    if not doc:
        return {}
    spans = _sentences(doc)
    starts = [a for a, _ in spans]
    group_of = {i: gi for gi, g in enumerate(groups) for i in g}
    by_sentence: dict[int, list[int]] = {}
    for i, t in enumerate(toponyms):
        by_sentence.setdefault(bisect.bisect_right(starts, t.start) - 1, []).append(i)
    out: dict[int, list[Place]] = {}
    for si, members in by_sentence.items():
        a, b = spans[si]
        named: list[tuple[int, int, Place]] = []  # (start, end, place) of the sentence's names
        for m in _NAME.finditer(doc, a, b):  # whole runs only: "Air Canada" names no place
            place = _context_place(gaz, m.group(0), doc, m.end())
            tagged = any(toponyms[i].start < m.end() and m.start() < toponyms[i].end
                         for i in members)
            # A tagged town is itself being resolved, by the document: only untagged ones
            # ("near the city of Donetsk") and whole countries and regions are context here.
            if place is not None and not (tagged and place.feature.startswith("P.")):
                named.append((m.start(), m.end(), place))
        for i in members:
            t = toponyms[i]
            gi = group_of[i]
            own_key = norm(_clean(t.text))
            around = [p for s, e, p in named
                      if (e <= t.start or s >= t.end) and norm(doc[s:e]) != own_key]
            if around:
                out.setdefault(gi, []).extend(around)
    return {k: tuple(v) for k, v in out.items()}


def _context_place(gaz: Gazetteer, phrase: str, doc: str, end: int) -> Place | None:
    """The country, admin1 region or big town an exact name in the text stands for."""
    cleaned = _clean(phrase)
    if (len(cleaned) < 4 or all(norm(w) in _GENERIC for w in cleaned.split())
            or is_demonym(cleaned)):
        return None
    key = norm(cleaned)
    base, admin_word = _admin_hint(cleaned, doc, end)
    keys = [key] + (sorted(admin_stems(base)) if admin_word else [])
    rows = gaz.lookup(keys)
    places = gaz.places(g for g, _, _ in rows)
    best: tuple[float, Place] | None = None
    towns = sorted((places[g].population for g, kind, k in rows if g in places
                    and kind <= ALTERNATE and k == key and places[g].feature.startswith("P.")),
                   reverse=True)
    for gid, kind, k in rows:
        place = places.get(gid)
        if place is None:
            continue
        if admin_word is not None:
            if place.feature != "A.ADM1" or kind > STEM:
                continue
        elif kind > ALTERNATE or k != key or not (
                place.feature in ("A.PCLI", "A.ADM1") or _dominant_town(place, towns)):
            continue
        score = _prior(place, min(kind, STEM), admin_word)
        if best is None or score > best[0]:
            best = (score, place)
    return best[1] if best else None


def _dominant_town(place: Place, towns: list[int]) -> bool:
    """A big town that dwarfs its namesakes ("Donetsk"), unlike "Jackson" or "Springfield"."""
    if not place.feature.startswith("P.") or place.population < LOCAL_TOWN:
        return False
    return place.population >= towns[0] and (len(towns) < 2 or towns[1] * 5 <= towns[0])


def _agrees(place: Place, context: Place) -> bool:
    if place.geonames_id == context.geonames_id:
        return True
    if context.feature in ("A.PCLI", "A.ADM1", "A.ADM2") and _inside(place, context):
        return True
    return haversine_km(place.lat, place.lon, context.lat, context.lon) < LOCAL_KM


@dataclass
class _Focus:
    """Spatial minimality: the admin1 regions and countries that the candidates of many
    different toponyms share are where the document is; each toponym votes once per area."""

    admin_votes: Counter
    country_votes: Counter
    own_admins: list[set[str]]
    own_countries: list[set[str]]
    groups: int

    def bonus(self, gi: int, place: Place) -> float:
        if self.groups < 2:
            return 0.0
        share = 0.0
        if place.admin1:
            votes = self.admin_votes[place.admin1] - (place.admin1 in self.own_admins[gi])
            share += FOCUS_ADMIN * votes / (self.groups - 1)
        if place.country:
            votes = self.country_votes[place.country] - (place.country in self.own_countries[gi])
            share += FOCUS_COUNTRY * votes / (self.groups - 1)
        return share


def _focus(cands: list[list[Candidate]]) -> _Focus:
    admin_votes: Counter = Counter()
    country_votes: Counter = Counter()
    own_admins, own_countries = [], []
    for clist in cands:
        top = max((c.base for c in clist), default=0.0)
        plausible = [c.place for c in clist if c.base >= top - 1.0]
        admins = {p.admin1 for p in plausible if p.admin1}
        countries = {p.country for p in plausible if p.country}
        admin_votes.update(admins)
        country_votes.update(countries)
        own_admins.append(admins)
        own_countries.append(countries)
    return _Focus(admin_votes, country_votes, own_admins, own_countries,
                  sum(1 for c in cands if c))


def display_name(t: Toponym, doc: str) -> str:
    """The mention with the admin word that follows it in the text: "Tver" + " region"."""
    cleaned = t.text.strip()
    _, admin_word = _admin_hint(_clean(cleaned), doc, t.end)
    if admin_word and admin_word not in norm(cleaned).split():
        if not _ADMIN_AFTER.match(doc[t.end : t.end + 20]):
            return f"{cleaned} {admin_word}"  # one of a list: "Moscow, Tver and Tula regions"
        word = doc[t.end:].split()[0].strip(",.;:")
        if word.casefold().endswith("s") and word.casefold()[:-1] in ADMIN_WORDS:
            word = word[:-1]  # "Tver and Pskov regions": each one region
        return f"{cleaned} {word}"
    return cleaned


def toponym_key(t: Toponym, doc: str) -> str:
    """Mentions with one key name one place in a document: the name plus any admin word."""
    cleaned = _clean(t.text)
    _, admin_word = _admin_hint(cleaned, doc, t.end)
    return f"{norm(cleaned)}|{admin_word or ''}"


def _containers(gaz: Gazetteer, doc: str, toponyms: Sequence[Toponym], groups: list[list[int]],
                cands: list[list[Candidate]]
                ) -> tuple[dict[int, tuple[Place, ...]], dict[int, tuple[Place, ...]]]:
    """Places that contain a toponym by syntax: "X, Y" (Y after) and "Y's X" (Y before),
    per inner group; and, per outer group, the inner group's candidates, so that the
    container is chosen to hold its town ("London, Ont.", "Sioux Falls, S.D."). A
    qualifier the tagger missed ("London, Ont.") counts too."""
    group_of = {i: gi for gi, g in enumerate(groups) for i in g}
    order = sorted(range(len(toponyms)), key=lambda i: toponyms[i].start)
    out: dict[int, list[Place]] = {}
    held: dict[int, list[Place]] = {}
    paired: set[int] = set()
    for a, b in itertools.pairwise(order):
        ta, tb = toponyms[a], toponyms[b]
        gap = doc[ta.end : tb.start] if doc else ""
        if re.fullmatch(r",\s*", gap):
            inner, outer = a, b
        elif re.fullmatch(r"['’]s?\s+", gap) or re.fullmatch(r"['’]s?\s+\w+\s+", gap):
            inner, outer = b, a
        else:
            continue
        paired.add(inner)
        wrappers = [c.place for c in cands[group_of[outer]]
                    if c.place.feature in ("A.PCLI", "A.ADM1", "A.ADM2")]
        if wrappers:
            out.setdefault(group_of[inner], []).extend(wrappers)
            held.setdefault(group_of[outer], []).extend(c.place for c in cands[group_of[inner]])
    tagged_starts = {t.start for t in toponyms}
    for i, t in enumerate(toponyms):
        if i in paired or not doc:
            continue
        m = _QUALIFIER.match(doc, t.end)
        if m is None or m.start(1) in tagged_starts:
            continue
        wrappers = [c.place for c in _candidates(gaz, m.group(1), "", 0, loose=False)
                    if c.place.feature in ("A.PCLI", "A.ADM1") and c.kind <= CODE]
        if wrappers:
            out.setdefault(group_of[i], []).extend(wrappers)
    return ({k: tuple(v) for k, v in out.items()}, {k: tuple(v) for k, v in held.items()})


def _initials(name: str) -> str:
    words = [w for w in norm(name).split() if w not in ("of", "the", "and")]
    return "".join(w[0] for w in words) if len(words) > 1 else ""


def _initials_of_named(gaz: Gazetteer, toponyms: Sequence[Toponym], groups: list[list[int]],
                       cands: list[list[Candidate]]) -> None:
    """"SA" beside "South Africa", "NSW" beside "New South Wales": a code-like toponym
    whose letters are the initials of a country or region the document names stands for
    it, ahead of whatever holds the code (Saudi Arabia, South America)."""
    named: dict[str, list[Candidate]] = {}
    for g, clist in zip(groups, cands, strict=True):
        top = max(clist, key=lambda c: c.base, default=None)
        if top is None or top.place.feature not in ("A.PCLI", "A.ADM1") or top.kind > ALTERNATE:
            continue
        for key in {_initials(toponyms[g[0]].text), _initials(top.place.name)} - {""}:
            named.setdefault(key, []).append(top)
    if not named:
        return
    for gi, g in enumerate(groups):
        code = toponyms[g[0]].text.replace(".", "").strip()
        if not re.fullmatch(r"[A-Z]{2,4}", code) or code.casefold() not in named:
            continue
        meant = {c.place.geonames_id: c for c in named[code.casefold()]}
        best = max((c.base for c in cands[gi]), default=0.0)
        cands[gi] = [c for c in cands[gi] if c.place.geonames_id not in meant] + [
            Candidate(c.place, CODE, max(best, c.base) + INITIALS) for c in meant.values()]


INITIALS = 0.5  # the initials of a place named in the same document, over the code's holder


def _comma_outer(doc: str, toponyms: Sequence[Toponym], groups: list[list[int]]
                 ) -> dict[int, list[int]]:
    """Per group, the groups that follow it as "X, Y" outside any list ("Turkey, Texas,")."""
    group_of = {i: gi for gi, g in enumerate(groups) for i in g}
    order = sorted(range(len(toponyms)), key=lambda i: toponyms[i].start)
    out: dict[int, list[int]] = {}
    for a, b in itertools.pairwise(order):
        gap = doc[toponyms[a].end : toponyms[b].start] if doc else ""
        if not re.fullmatch(r",\s*", gap) or not re.fullmatch(r"[^\W\d][^\d]*", toponyms[b].text):
            continue
        after = doc[toponyms[b].end : toponyms[b].end + 6]
        before = doc[max(0, toponyms[a].start - 2) : toponyms[a].start]
        if (re.match(r"\s*(?:,\s*)?(?:and|or)\b", after) or before.strip() == ","
                or not re.match(r"\s*(?:[,.;:)]|$)", after)):
            continue  # "Ethiopia, the Philippines, Sudan and Syria", "Madrid, Barcelona are"
        out.setdefault(group_of[a], []).append(group_of[b])
    return out


# ", Ont." / ", Italy" right after a toponym, closed by punctuation or a line end.
_QUALIFIER = re.compile(r",[ \t]+((?:[A-Z][a-z]{1,5}\.|(?:[A-Z]\.){2,3}|[A-Z][a-z]+"
                        r"(?:[ \t][A-Z][a-z]+)?))(?=[\s,;:)\]]|$)")


_LIST_GAP = re.compile(r"\s*,?\s+(?:and|or|&)\s+|\s*,\s*")
_AND_OR = re.compile(r"\b(?:and|or)\b|&")


def _siblings(doc: str, toponyms: Sequence[Toponym], groups: list[list[int]]
              ) -> dict[int, tuple[int, ...]]:
    """Groups that share a coordination with a toponym ("Utah, Colorado, and Idaho",
    "California or Washington"): members of one list are places of one kind. A bare
    comma pair ("Moscow, Idaho") is containment, not a list, unless an "and"/"or" joins
    the run."""
    if not doc:
        return {}
    group_of = {i: gi for gi, g in enumerate(groups) for i in g}
    order = sorted(range(len(toponyms)), key=lambda i: toponyms[i].start)
    out: dict[int, set[int]] = {}
    run = [order[0]] if order else []
    joined = False

    def close() -> None:
        if len(run) > 1 and joined:
            members = {group_of[i] for i in run}
            for gi in members:
                out.setdefault(gi, set()).update(members - {gi})

    for a, b in itertools.pairwise(order):
        gap = doc[toponyms[a].end : toponyms[b].start]
        if _LIST_GAP.fullmatch(gap):
            run.append(b)
            joined = joined or bool(_AND_OR.search(gap))
        else:
            close()
            run, joined = [b], False
    close()
    return {k: tuple(sorted(v)) for k, v in out.items()}


SIBLING = 0.8  # a list's members are places of one kind: regions with regions


def _sibling_bonus(place: Place, others: list[Candidate | None]) -> float:
    kinds = {o.place.feature for o in others if o is not None}
    if place.feature in ("A.ADM1", "A.PCLI") and place.feature in kinds:
        return SIBLING
    return 0.0


def _holds_bonus(place: Place, inner: tuple[Place, ...]) -> float:
    """"Sioux Falls, S.D.": the container candidate that holds one of the town's."""
    if not inner or place.feature not in ("A.PCLI", "A.ADM1", "A.ADM2"):
        return 0.0
    return CONTAIN if any(_inside(p, place) for p in inner) else 0.0


CONTAIN = 1.5


def _inside(place: Place, container: Place) -> bool:
    if container.feature == "A.PCLI":
        return place.country == container.country and place.geonames_id != container.geonames_id
    if container.feature == "A.ADM1":
        return place.admin1 == container.admin1 and place.geonames_id != container.geonames_id
    return place.admin2 == container.admin2 and place.geonames_id != container.geonames_id


def _score(c: Candidate, countries: Counter, admins: Counter, others: list[Place],
           own: Candidate | None, containers: tuple[Place, ...], weight: int) -> float:
    score = 0.0
    p = c.place
    total = sum(countries.values()) or 1.0
    own_country = 0.0
    own_admin = 0.0
    if own is not None:
        own_country = weight * (1.0 if own.place.feature == "A.PCLI" else 0.25)
        own_admin = weight * (1.0 if own.place.feature == "A.ADM1" else 0.25)
    country_share = (countries.get(p.country, 0) - (own_country if own and own.place.country
                                                     == p.country else 0)) / total
    score += 0.8 * max(0.0, country_share)
    if p.admin1 and p.feature != "A.ADM1":
        admin_votes = admins.get(p.admin1, 0) - (own_admin if own and own.place.admin1 == p.admin1
                                                 else 0)
        score += 0.6 * min(1.0, admin_votes)
    if containers:
        score += 1.5 if any(_inside(p, ctr) for ctr in containers) else -0.3
    if others:
        near = min(haversine_km(p.lat, p.lon, o.lat, o.lon) for o in others
                   if o.geonames_id != p.geonames_id) if any(
            o.geonames_id != p.geonames_id for o in others) else 1e9
        if near < 50:
            score += 0.7
        elif near < 200:
            score += 0.45
        elif near < 800:
            score += 0.15
    return c.base + CONTEXT * score


def big_place_named(word: str) -> bool:
    """Whether a bare word is the exact name of a country, admin1 region or a big town
    that dwarfs its namesakes: a name that, tagged as a person, is a tagging slip."""
    from newsledger.resolve.gazetteer import default_index_path

    return _big_place_at(str(default_index_path()), word)


@lru_cache(maxsize=65536)
def _big_place_at(index: str, word: str) -> bool:
    """Cached per index and word: corpora repeat their one-word names many times."""
    from newsledger.resolve.gazetteer import open_gazetteer

    try:
        gaz = open_gazetteer(Path(index))
    except Exception:  # no index: nothing is known to be a place
        return False
    return _context_place(gaz, word, "", 0) is not None
