"""Numbers with their meaning: value, range, qualifier, slot, subject and unit.

Numbers are found on the surface (digits, number words, vague plurals such as
"dozens" coded by ACLED's conventions) so that any language's digits work; the
slot and the counted subject come from the dependency parse when there is one:
the governing verb or noun ("were killed", "elimination of 60 soldiers",
"injuring two people") is looked up in small lemma lexicons. Dates, times,
ages, phone numbers and ordinals are not counts and are skipped. Reports of no
casualties ("no one was hurt") become zero counts so later stages can see the
contradiction with a positive figure.
"""

from __future__ import annotations

import bisect
import re

from spacy.tokens import Doc, Token

from newsledger.extract.nlp import children as _children
from newsledger.extract.nlp import doc_text, sentence_matches, sentence_of
from newsledger.isolation import check_deadline
from newsledger.model import Attribution, Quantity

UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "a dozen": 12, "dozen": 12, "a hundred": 100,
    "a thousand": 1000,
}  # fmt: skip
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
# Vague amounts: (best, low, high), best by ACLED's conventions where it has one.
VAGUE = {
    "dozens": (12, 12, 99), "scores": (20, 20, 99), "hundreds": (100, 100, 999),
    "thousands": (1000, 1000, 9999), "tens of thousands": (10000, 10000, 99999),
    "hundreds of thousands": (100000, 100000, 999999), "tens": (10, 10, 99),
    "several": (3, 3, 9), "a few": (3, 2, 5), "a couple of": (2, 2, 3), "a handful of": (3, 2, 5),
    "multiple": (2, 2, 9), "numerous": (10, 10, None),
}  # fmt: skip
WORD_NUM = "|".join(
    sorted((re.escape(w) for w in list(UNITS) + list(SCALES)), key=len, reverse=True)
)
NUMBER_RE = re.compile(
    r"(?<![\w.,/:-])(?:"
    r"(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?:\s*(?P<scale>million|billion|thousand|"
    r"hundred|mln|bn|k)\b)?"
    r"|(?P<words>(?:" + WORD_NUM + r")(?:[\s-]+(?:and\s+)?(?:" + WORD_NUM + r"))*)\b"
    r"|(?P<vague>tens of thousands|hundreds of thousands|dozens|scores|hundreds|thousands|"
    r"tens(?= of)|several|a few|a couple of|a handful of|multiple|numerous)\b"
    r")",
    re.IGNORECASE,
)
RANGE_RE = re.compile(
    r"^(?:\s*(?:-|–|—|to|or|and)\s*)(?P<num>\d{1,3}(?:,\d{3})+|\d+|" + WORD_NUM + r")\b",
    re.IGNORECASE,
)
QUALIFIERS = (
    (
        re.compile(
            r"\b(?:at least|no fewer than|no less than|a minimum of|not less than)\s*$", re.I
        ),
        "at_least",
    ),
    (re.compile(r"\b(?:more than|over|upwards of|in excess of|above|exceeding)\s*$", re.I), "over"),
    (re.compile(r"\b(?:up to|as many as|as much as)\s*$", re.I), "up_to"),
    (
        re.compile(
            r"\b(?:at most|no more than|fewer than|less than|under|below|not more than)\s*$", re.I
        ),
        "at_most",
    ),
    (re.compile(r"\b(?:about|around|approximately|roughly|some|nearly|almost|close to|an estimated|"
                r"estimated|approx\.|circa|~)\s*$", re.I), "about"),
)  # fmt: skip
BETWEEN_RE = re.compile(r"\bbetween\s*$", re.I)
MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|"
    "july|august|september|october|november|december"
)
DATE_CONTEXT_BEFORE = re.compile(
    r"(?:\b(?:" + MONTHS + r")\.?\s*$)|(?:\b(?:in|since|of|year|by)\s+$)", re.I
)
DATE_CONTEXT_AFTER = re.compile(
    r"^(?:\s*(?:st|nd|rd|th)\b|\s*(?:"
    + MONTHS
    + r")\b|\s*(?:a\.m\.|p\.m\.|am\b|pm\b|GMT|UTC|hours?\b|h\b)|"
    r"[:/]\d|-year-old|-years-old|\s*years?\s+old|\s*year-old|-month-old|\s*-?\s*percent\b|%)",
    re.I,
)
DATEISH_RE = re.compile(
    r"\b(?:" + MONTHS + r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|ago|"
    r"year|yesterday|today|tomorrow)\b|\b1[89]\d\d\b|\b20\d\d\b|\d/\d",
    re.I,
)
AGE_BEFORE = re.compile(r"(?:\bages?|\baged|,)\s*$", re.I)
PHONE_RE = re.compile(r"\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}|\+\d[\d\s-]{7,}")
MEASURE_UNITS = {
    "km": "km", "kilometer": "km", "kilometre": "km", "mile": "mi", "meter": "m", "metre": "m",
    "m": "m", "kg": "kg", "kilogram": "kg", "ton": "t", "tonne": "t", "hectare": "ha",
    "house": "houses", "home": "houses", "building": "buildings", "day": "days",
    "hour": "hours", "minute": "minutes", "week": "weeks", "month": "months", "year": "years",
    "dollar": "USD", "euro": "EUR", "ruble": "RUB", "rouble": "RUB", "hryvnia": "UAH",
    "barrel": "barrels", "acre": "acres", "square": "sq",
}  # fmt: skip
CURRENCY_BEFORE = {"$": "USD", "€": "EUR", "£": "GBP", "₽": "RUB", "₴": "UAH"}
DURATION_UNITS = frozenset({"days", "hours", "minutes", "weeks", "months", "years"})

# Lemmas deciding the slot: verbs (active/passive), nouns and adjectives.
SLOT_LEMMAS: dict[str, str] = {}
for _slot, _words in {
    "killed": "kill killing slaying die dead death fatality slay "
    "eliminate elimination neutralize neutralise "
    "liquidate liquidation murder massacre execute body corpse fatal perish toll lose",
    "wounded": "injure injured injury wound wounded hurt hospitalize hospitalise casualty "
    "shoot hit",
    "captured": "capture captive prisoner hostage detain detention arrest abduct kidnap seize "
    "take surrender pow",
    "destroyed": "destroy destruction demolish burn raze wreck damage ruin",
    "launched": "launch fire attack send use",
    "intercepted": "intercept interception down shoot_down repel repulse neutralize_air thwart",
    "displaced": "displace displacement evacuate evacuation flee refugee relocate",
    "affected": "affect",
}.items():
    for _w in _words.split():
        SLOT_LEMMAS.setdefault(_w, _slot)
PERSON_NOUNS = frozenset(
    [
        "man",
        "woman",
        "person",
        "people",
        "teen",
        "teenager",
        "boy",
        "girl",
        "child",
        "kid",
        "baby",
        "student",
        "soldier",
        "officer",
        "civilian",
        "resident",
        "victim",
        "worker",
        "driver",
        "passenger",
        "suspect",
        "gunman",
        "fighter",
        "militant",
        "serviceman",
        "trooper",
        "policeman",
        "deputy",
        "guard",
        "member",
        "youth",
        "adult",
        "bystander",
        "pedestrian",
        "customer",
        "employee",
        "toddler",
        "infant",
        "father",
        "mother",
        "son",
        "daughter",
        "brother",
        "sister",
        "husband",
        "wife",
        "friend",
        # kin and close relations, the usual victims of domestic and accidental shootings
        "cousin",
        "nephew",
        "niece",
        "uncle",
        "aunt",
        "grandson",
        "granddaughter",
        "grandmother",
        "grandfather",
        "grandparent",
        "girlfriend",
        "boyfriend",
        "fiance",
        "fiancee",
        "roommate",
        "stepson",
        "stepdaughter",
        "stepfather",
        "stepmother",
        "relative",
        "classmate",
        "coworker",
        "neighbor",
        "neighbour",
        "juvenile",
        "minor",
        "male",
        "female",
    ]
)
# Counted things that are never casualties themselves ("multiple gunshot wounds", "two shootings").
NOT_VICTIMS = frozenset(
    [
        "wound",
        "shot",
        "time",
        "round",
        "bullet",
        "hour",
        "day",
        "minute",
        "week",
        "month",
        "year",
        "shooting",
        "killing",
        "slaying",
        "call",
        "homicide",
        "incident",
        "attack",
        "case",
        "charge",
        "count",
        "block",
        "mile",
        "foot",
        "street",
        "car",
        "vehicle",
        "home",
        "house",
        "gun",
        "weapon",
        "suspect",
    ]
)
LIGHT_VERBS = frozenset(
    [
        "be",
        "have",
        "leave",
        "include",
        "remain",
        "number",
        "total",
        "rise",
        "reach",
        "climb",
        "stand",
        "bring",
        "put",
    ]
)
DEATH_WORDS_RE = re.compile(
    r"\b(?:murder|homicide|manslaughter|fatal(?:ly)?|deadly|dead|death|die[sd]?|killed|killing)\b",
    re.I,
)
HIT_VERBS = frozenset({"injure", "wound", "shoot", "hit", "strike"})
DEATH_NOUNS = frozenset({"killing", "death", "murder", "slaying", "homicide"})
AIR_OBJECTS = frozenset(
    [
        "drone",
        "missile",
        "rocket",
        "uav",
        "aircraft",
        "plane",
        "jet",
        "helicopter",
        "shell",
        "projectile",
    ]
)
NO_CASUALTY_RE = re.compile(
    r"\b(?:without (?:causing |any |inflicting )*"
    r"(?P<a>casualties|injuries|deaths|fatalities|victims)"
    r"|no (?:one|body) (?:was |were |has been |had been )?(?P<b>hurt|injured|wounded|killed|harmed)"
    r"|nobody (?:was |were |has been |had been )?(?P<c>hurt|injured|wounded|killed|harmed)"
    r"|no (?:reported )?(?P<d>casualties|injuries|deaths|fatalities|victims)"
    r"(?: (?:were|have been|had been|was) (?:reported|caused|recorded))?"
    r"|there (?:were|have been|was) no (?:reports? of )?"
    r"(?P<e>casualties|injuries|deaths|fatalities))",
    re.I,
)


# "6 dead", "five people killed", "six others injured", "3 shot dead": the word after the count.
SURFACE_SLOTS = {
    "dead": ("killed", "dead"), "killed": ("killed", "kill"), "died": ("killed", "die"),
    "slain": ("killed", "slay"), "injured": ("wounded", "injure"), "hurt": ("wounded", "hurt"),
    "wounded": ("wounded", "wound"), "shot": ("wounded", "shoot"),
}  # fmt: skip
SURFACE_SLOT_RE = re.compile(
    r"[ \t]+(?P<n>(?:(?!(?:and|or|in|at|on|of|to|after|before|by|with|but|while|as|who|that|"
    r"were|was|are|is|have|had|has|the|a|an|be|been)\b)[A-Za-z'’-]+[”\"]?\s+){0,2})"
    r"(?:(?:were|are|have\s+been|had\s+been|was|fatally)\s+)?"
    r"(?P<w>dead|killed|died|slain|injured|hurt|wounded|shot)\b(?P<dead>\s+(?:dead|to\s+death))?",
    re.IGNORECASE,
)


def _parse_words(words: str) -> float | None:
    """Value of "twenty-five", "two hundred", "three thousand five hundred"."""
    total = 0.0
    current = 0.0
    seen = False
    for w in re.split(r"[\s-]+", words.lower()):
        if w in {"and", "a"}:
            continue
        if w in UNITS:
            current += UNITS[w]
            seen = True
        elif w == "dozen":
            current = (current or 1) * 12
            seen = True
        elif w in SCALES:
            current = (current or 1) * SCALES[w]
            if SCALES[w] >= 1000:
                total += current
                current = 0
            seen = True
    return total + current if seen else None


_NOT_FIGURES = frozenset({"one", "a", "an"})


def exact_numbers(text: str) -> frozenset[float]:
    """The exact figures a text states ("two more years": 2; "July 1, 2024": 1 and 2024), so
    that statements of different figures are never one claim. Vague amounts ("dozens") and
    the word "one" (a pronoun as often: "one of them") are left out."""
    out: set[float] = set()
    for m in NUMBER_RE.finditer(text):
        value, _, _, vague = _parse_number(m)
        if value is not None and not vague and m.group(0).lower() not in _NOT_FIGURES:
            out.add(value)
    return frozenset(out)


MAX_COUNT = 1e12
"""Figures at or above this are not counts (a digit run of hundreds of digits overflows)."""


_GROUP_SEPARATORS = re.compile(r"(?<=\d),(?=\d)|(?<=\d)[\u00a0\u202f\u2009'’_ ](?=\d{3}(?!\d))")


def _digits_value(digits: str) -> float | None:
    """The value of a figure written in digits, thousands separators of any locale style
    ("10,000", "1,00,000", "10 000", "10’000") included; None when it is not a number.

    The one place digits become a count: every caller goes through it, so a separator
    never reaches ``float``."""
    plain = _GROUP_SEPARATORS.sub("", digits.strip())
    try:
        value = float(plain)
    except ValueError:
        return None
    return value


def _parse_number(m: re.Match[str]) -> tuple[float | None, float | None, float | None, bool]:
    """(value, low, high, vague) of a NUMBER_RE match."""
    if m.group("digits"):
        v = _digits_value(m.group("digits"))
        if v is None:
            return None, None, None, False
        scale = (m.group("scale") or "").lower()
        v *= {"million": 1e6, "mln": 1e6, "billion": 1e9, "bn": 1e9, "thousand": 1e3, "k": 1e3,
              "hundred": 100}.get(scale, 1)  # fmt: skip
        return v, v, v, False
    if m.group("words"):
        v = _parse_words(m.group("words"))
        return v, v, v, False
    best, low, high = VAGUE[m.group("vague").lower()]
    return float(best), float(low), (float(high) if high is not None else None), True


def _skip_context(text: str, start: int, end: int, m: re.Match[str]) -> bool:
    """Dates, times, ages, years, ordinals and phone numbers are not counts."""
    before = text[max(0, start - 12) : start]
    after = text[end : end + 14]
    digits = m.group("digits")
    if digits and len(digits) > 1 and digits.startswith("0") and "." not in digits:
        return True  # "06-17", "007": codes and dates, not counts
    if digits and not digits.replace(",", "").isdigit():
        digits = None if "." in digits and not digits.replace(".", "").isdigit() else digits
        if digits and "." in digits:
            return False  # decimals are measures, never dates or ages
    if DATE_CONTEXT_AFTER.match(after):
        return not after.lstrip().startswith(("%", "percent"))
    month_before = re.search(r"\b(?:" + MONTHS + r")\.?\s*$", before, re.I)
    if digits and DATE_CONTEXT_BEFORE.search(before) and len(digits) <= 4 and month_before:
        return True
    if digits and len(digits) == 4 and "," not in digits and 1900 <= int(digits) <= 2100:
        return True
    if (
        digits
        and AGE_BEFORE.search(before)
        and re.match(r"^\s*(?:,|and|\)|$)", after)
        and (_digits_value(digits) or 110) < 110
        and re.search(r"\bages?\b|\baged\b", text[max(0, start - 40) : start], re.I)
    ):
        return True
    if (
        digits
        and re.match(r"^(?:\s*(?:[,;]|\)|and\b)|[ \t]*(?:\n|$)|\.(?:\s|$))", after)
        and (
            re.search(r"[A-Z][A-Za-z]+\.?[”\"]?\s*[,(]\s*$", before)
            or _person_word_before(before)
            or re.search(r"\b(?:who|he|she)\s+(?:was|is)\s+$", before, re.I)
        )
    ):
        return True  # "John Smith, 21, was ...", "Ann Lee, 34; ...", "who was 59, had ..."
    if PARENT_OF_RE.search(text[max(0, start - 30) : start]):
        return True  # "a father of three": children, not casualties
    if digits and STATION_BEFORE_RE.search(text[max(0, start - 20) : start]):
        return True  # "CBS News 8", "WSMV Channel 4": a broadcaster's name
    if digits and ADDRESS_AFTER_RE.match(text[end : end + 60]):
        return True  # "308 Bobby Jones Lane": a street address
    if digits and re.match(r"^\)", after) and re.search(r"\(\s*$", before):
        return True  # "(21)"
    if digits == "911":
        return True  # the emergency number
    if digits and re.match(
        r"^(?:[A-Za-z]|\s*-?\s*(?:caliber|calibre|gauge|mm)\b"
        r"|\s*(?:[A-Z][a-z]+\s+)?(?:News|NBC|ABC|CBS|FOX|Fox)\b)",
        after,
    ):
        return True  # "41NBC", "22-caliber", "20 gauge", "19 Action News": names and calibres
    return bool(digits and (text[start - 1 : start] == "#" or re.match(r"^[:/]\d", after)))


PARENT_OF_RE = re.compile(
    r"\b(?:father|mother|parent|dad|mom|grandfather|grandmother)\s+of\s+$", re.I
)
STATION_BEFORE_RE = re.compile(
    r"(?:\b(?:Channel|News|TV|Radio|ABC|CBS|NBC|FOX|Fox|CW)|\b[KW][A-Z]{2,3}(?:-TV)?)\s+$"
)
ADDRESS_AFTER_RE = re.compile(
    r"\s+(?:[NSEW]\.?\s+)?(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|"
    r"Boulevard|Blvd|Court|Ct|Way|Place|Pl|Highway|Hwy|Circle|Cir|Parkway|Pkwy|Terrace|Trail)\b"
)
FATALLY_RE = re.compile(
    r",?[ \t]+(?:of[ \t]+them[ \t]+)?fatally\b(?![ \t]+(?:shot|wounded|injured|stabbed))", re.I
)
ONE_STATE_RE = re.compile(
    r"[ \t]+(?:(?:other|more|person|man|woman)[ \t]+)?(?:(?:was|is)[ \t]+)?"
    r"(?:dead|killed|injured|wounded|hurt)\b",
    re.I,
)
SINGLE_HURT_RE = re.compile(
    r"\b(?:(?:a|an|another|the|one|his|her|their)\s+)?(?:(?:\d{1,2}|[a-z]+)-(?:year|month)-old\s+)?"
    r"(?P<noun>man|woman|teen|teenager|boy|girl|child|toddler|baby|infant|person|student|youth|"
    r"father|mother|son|daughter|husband|wife|brother|sister|(?:\d{1,2}|[a-z]+)-(?:year|month)-old)"
    r"(?:,\s*\d{1,2},)?\s+(?:(?:was|is|has\s+been|had\s+been|got|gets)\s+)?"
    r"(?:(?:accidentally|accidently|reportedly|allegedly|critically|seriously)\s+){0,2}"
    r"(?:(?P<self>shoots?\s+(?:(?:him|her)self|self)|shot\s+(?:(?:him|her)self|self))|"
    r"(?P<shot>shot)(?!\s+(?:and\s+killed|dead|to\s+death|at|up|a|an|the|his|her|him|their|\d)\b)|"
    r"wounded|injured|hurt|in\s+(?:critical|serious|stable|fair)\s+condition)\b",
    re.I,
)
PART_OF_RE = re.compile(
    r"[ \t]+of[ \t]+(?:the|them|those|these|us|(?:\d+|two|three|four|five|six|seven|eight|nine|"
    r"ten)[ \t]+(?:other[ \t]+)?(?:victims|people|persons|men|women))\b",
    re.I,
)
ATTEMPTED_RE = re.compile(
    r"\s+(?:(?:counts?|charges?)\s+of\s+)?(?:attempted|attempt)\s+(?:murder|homicide|killing)", re.I
)
ATTEMPTED_BEFORE_RE = re.compile(
    r"\battempted\s+(?:murders?|homicides?|killings?)\s+of\s+(?:the\s+)?$", re.I
)
MULTIPLE_RE = re.compile(
    r"\b(?P<n>double|triple|quadruple|quintuple)(?:[\s-]+(?:fatal|deadly))?[\s-]+"
    r"(?P<what>shootings?|homicides?|murders?|slayings?|killings?)\b(?!-suicide|\s+suicide)",
    re.I,
)
MULTIPLES = {"double": 2, "triple": 3, "quadruple": 4, "quintuple": 5}
SUSPECT_AFTER_RE = re.compile(
    r"^[ \t]+(?:[A-Za-z'’-]+\s+){0,2}(?:(?:were|are|have\s+been|had\s+been|was)\s+)?"
    r"(?:charged|arrested|indicted|sentenced|convicted|accused|detained|held|sought|wanted|"
    r"questioned|booked|jailed|in\s+custody)\b",
    re.I,
)


STATISTIC_RE = re.compile(
    r"\b(?:separate (?:shootings|incidents|attacks)"
    r"|across the (?:\w+ )?(?:city|county|state|country|nation|boroughs|region)"
    r"|(?:two|three|four|five|six|seven|eight|nine|ten|\d+|several|multiple)"
    r" (?:shootings|incidents)\b"
    r"|weekend (?:shootings|violence)|so far (?:this|in) |since (?:january|the (?:start|beginning))"
    r"|in the (?:past|last) (?:\w+ )?(?:years?|months?|decades?)|per year|each year|annually"
    r"|nationwide|statewide)",
    re.I,
)


def _sent_text(text: str, starts: list[int], k: int) -> str:
    end = starts[k + 1] if k + 1 < len(starts) else len(text)
    return text[starts[k] : end]


class _Starts(list):
    """Sentence starts of one doc, with the sentences already scanned for STATISTIC_RE."""

    def __init__(self, starts: list[int]) -> None:
        super().__init__(starts)
        self.statistic: dict[int, bool] = {}


def _statistic_sentence(text: str, starts: list[int], k: int) -> bool:
    """Whether sentence ``k`` reads as a tally of many incidents; each sentence is scanned
    once per doc (a scan per figure is quadratic in a long sentence of figures)."""
    cache = starts.statistic if isinstance(starts, _Starts) else {}
    if k not in cache:
        cache[k] = STATISTIC_RE.search(_sent_text(text, starts, k)) is not None
    return cache[k]


HOSPITAL = r"to\s+(?:the\s+|a\s+|an\s+|area\s+|local\s+|nearby\s+|several\s+)*hospitals?\b"
TO_HOSPITAL_RE = re.compile(
    r"[ \t]+(?:[a-z'-]+\s+){0,2}(?:(?:were|was|have\s+been|had\s+been|are)\s+)?(?:all\s+)?"
    r"(?:taken|transported|rushed|sent|airlifted|driven|hospitalized)\s+(?:[a-z]+\s+){0,2}"
    + HOSPITAL,
    re.I,
)
SENT_TO_HOSPITAL_RE = re.compile(r"[ \t]+(?:[a-z'-]+\s+){0,2}" + HOSPITAL, re.I)


def _to_hospital(text: str, start: int, end: int) -> bool:
    """ "four people were taken to the hospital", "sent five to hospitals": the wounded."""
    if TO_HOSPITAL_RE.match(text, end):
        return True
    return bool(
        re.search(r"\bsen[dt]s?\s+$", text[max(0, start - 8) : start], re.I)
        and SENT_TO_HOSPITAL_RE.match(text, end)
    )


def _person_word_before(before: str) -> bool:
    """ "her brother, 6," : an age after a word naming one person."""
    m = re.search(r"\b([a-z]+)\s*[,(]\s*$", before)
    return bool(m and m.group(1) in PERSON_NOUNS)


def find_quantities(doc: Doc, attributions: tuple[Attribution, ...]) -> tuple[Quantity, ...]:
    """Counted quantities in ``doc``, each linked to the attribution whose content holds it."""
    text = doc_text(doc)
    phones = [(p.start(), p.end()) for p in PHONE_RE.finditer(text)]
    parsed = doc.has_annotation("DEP")
    sent_starts = _sentence_starts(doc)
    ent_skip = _entity_skips(doc)
    out: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    in_phone, in_skip = _Cover(phones), _Cover(ent_skip)
    taken_end = -1  # every span taken starts at or before the figures after it: its end decides
    for m in NUMBER_RE.finditer(text):
        check_deadline()
        start, end = m.span()
        if in_phone(start) or in_skip(start):
            continue
        if start < taken_end:
            continue
        if _skip_context(text, start, end, m):
            continue
        value, low, high, vague = _parse_number(m)
        if value is None or not value < MAX_COUNT:
            continue  # no count of anything in the news is this large; inf would poison JSON
        word = m.group(0).lower()
        if (
            word in {"one", "a hundred", "a thousand"}
            and not _one_is_count(doc, start, end)
            and not FATALLY_RE.match(text, end)
            and not ONE_STATE_RE.match(text, end)
        ):
            continue
        qualifier = "vague" if vague else "exact"
        q_start, q_end = start, end
        before = text[max(0, start - 30) : start]
        for rx, name in QUALIFIERS:
            qm = rx.search(before)
            if qm:
                qualifier = name
                q_start = start - (len(before) - qm.start())
                break
        if qualifier == "exact" and re.match(r"\s+or\s+more\b", text[end : end + 12], re.I):
            qualifier = "at_least"  # "one or more"
        rng = RANGE_RE.match(text[end : end + 30])
        if rng and not vague:
            other = rng.group("num")
            hv = _digits_value(other) if other[0].isdigit() else _parse_words(other)
            if hv is not None and value < hv < MAX_COUNT:
                low, high = value, hv
                qualifier = "range"
                q_end = end + rng.end()
                bm = BETWEEN_RE.search(before)
                if bm:
                    q_start = start - (len(before) - bm.start())
        if qualifier in {"at_least", "over"}:
            high = None
        elif qualifier in {"up_to", "at_most"}:
            low = None
        unit = _unit(text, start, q_end)
        if text[q_end : q_end + 10].lstrip().startswith(("%", "percent", "per cent")):
            unit = "%"
        sent = _sent_of(sent_starts, start)
        slot, subject, trigger = ("other", None, None)
        if parsed and unit in {None, "houses", "buildings"}:
            slot, subject, trigger = _meaning(doc, start, q_end)
        surface = SURFACE_SLOT_RE.match(text, q_end)
        if surface and unit is None:
            word = surface.group("w").lower()
            slot, trigger = SURFACE_SLOTS[word]
            if word == "shot" and (
                surface.group("dead") or re.search(r"\bfatally\s+shot\b", surface.group(0), re.I)
            ):
                slot, trigger = "killed", "shoot"
            subject = surface.group("n").strip().strip('”"') or None
        if unit in DURATION_UNITS or unit == "%":
            slot = "other"
        if slot in {"killed", "wounded"} and _statistic_sentence(text, sent_starts, sent):
            slot = (
                "other"  # "5 dead in weekend shootings across the city": a tally of many incidents
            )
        if re.match(
            r"\s+(?:times|shots|rounds|bullets|casings|gunshots)\b", text[q_end : q_end + 20]
        ):
            slot = "other"  # "shot about 10 times": shots, not people
        elif FATALLY_RE.match(text, q_end):
            slot, trigger = "killed", "shoot"  # "5 shot, one fatally"
        if slot == "wounded" and re.search(
            r"\b(?:shot|shoot|shooting|fired|firing|opened\s+fire)\s+(?:at|on|into)\s+$",
            text[max(0, q_start - 25) : q_start],
            re.I,
        ):
            slot = "other"  # "shot at twelve people": fired at, not hit
        elif slot == "wounded" and re.search(
            r"\bfatally\s+(?:shot|wounded|injured)\s+(?:the\s+)?$",
            text[max(0, q_start - 30) : q_start],
            re.I,
        ):
            slot, trigger = "killed", "shoot"  # "fatally wounded four friends"
        if slot == "wounded" and PART_OF_RE.match(text, q_end):
            slot = "other"  # "two of the four victims were shot": part of a toll stated elsewhere
        if (
            slot not in {"killed", "wounded"}
            and unit is None
            and _to_hospital(text, q_start, q_end)
        ):
            slot, trigger = "wounded", "hospitalize"  # "sent four people to the hospital"
        if slot == "killed" and (
            ATTEMPTED_RE.match(text, q_end)
            or ATTEMPTED_BEFORE_RE.search(text[max(0, q_start - 50) : q_start])
        ):
            slot = "other"  # "five attempted murders": nobody died
        if slot in {"killed", "wounded"} and SUSPECT_AFTER_RE.match(text, q_end):
            slot = "other"  # "Two men charged after ...": the suspects, not the victims
        if slot in {"killed", "wounded"} and parsed and qualifier == "exact" and not vague:
            value = low = high = _with_conjoined(doc, start, end, value)
        digits = m.group("digits") or ""
        if slot != "other" and value >= 1000 and digits.isdigit() and not m.group("scale"):
            slot = "other"  # "6301": an address or an id, written counts take a comma
        taken.append((q_start, q_end))
        taken_end = max(taken_end, q_end)
        out.append(
            Quantity(
                start=q_start,
                end=q_end,
                text=text[q_start:q_end],
                value=value,
                low=low,
                high=high,
                unit=unit,
                qualifier=qualifier,
                slot=slot,
                subject=subject,
                attribution=_enclosing(attributions, q_start, q_end),
                sentence=sent,
                trigger=trigger if slot != "other" else None,
            )
        )
    out.extend(_no_casualties(doc, attributions, sent_starts, taken))
    if parsed:
        out.extend(_implicit_singles(doc, attributions, sent_starts, taken))
    out.extend(_surface_singles(text, attributions, sent_starts, out))
    out.extend(_multiples(text, attributions, sent_starts))
    out.sort(key=lambda q: (q.start, q.slot))
    return tuple(out)


def _with_conjoined(doc: Doc, start: int, end: int, value: float) -> float:
    """ "he and three others were shot", "a woman and two men": the coordination's total."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or not len(span):
        return value
    num = span[-1]
    own = num.head if num.dep_ == "nummod" and num.head.pos_ in {"NOUN", "PROPN"} else num
    root = own
    while root.dep_ == "conj" and root.head.i != root.i:
        root = root.head
    if root.dep_ not in {"nsubj", "nsubjpass", "dobj"}:
        return value
    members = _conjoined_below(root)
    if len(members) < 2 or own not in members:
        return value
    total = 0.0
    for m in members:
        if any(
            c.dep_ in {"amod", "acl", "relcl", "oprd", "appos"}
            and _slot_of(c) in {"killed", "wounded"}
            for c in _children(m)
        ):
            return value  # "one dead and six others injured": separate states
        if m is own:
            total += value
            continue
        nums = [c for c in _children(m) if c.dep_ == "nummod" and c.like_num]
        if nums:
            t = nums[0].text
            v = _digits_value(t) if t[:1].isdigit() else _parse_words(t)
            if v is None:
                return value
            total += v
        elif _one_person(m):
            total += 1
        else:
            return value
    return total


def _one_person(tok: Token) -> bool:
    """A coordination member naming one person: "he", "a woman", "John Smith"."""
    if tok.tag_ == "PRP":
        return tok.lower_ in {"he", "she", "him", "her"}
    if tok.ent_type_ == "PERSON" and tok.tag_ == "NNP":
        return True
    return (
        tok.tag_ == "NN"
        and (tok.lemma_.lower() in PERSON_NOUNS or tok.lower_.endswith("year-old"))
        and any(
            c.dep_ in {"det", "poss"} and c.lower_ in {"a", "an", "his", "her"}
            for c in _children(tok)
        )
    )


class _Cover:
    """Whether a position lies inside any of a fixed set of spans, in log time: spans sorted
    by start with the running maximum of their ends (a scan per figure is quadratic)."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self.starts = [s for s, _ in ordered]
        self.reach: list[int] = []
        for _, e in ordered:
            self.reach.append(max(e, self.reach[-1]) if self.reach else e)

    def __call__(self, pos: int) -> bool:
        k = bisect.bisect_right(self.starts, pos)  # spans starting at or before pos
        return k > 0 and self.reach[k - 1] > pos


def _sentence_starts(doc: Doc) -> list[int]:
    if doc.has_annotation("SENT_START") or doc.has_annotation("DEP"):
        return _Starts([s.start_char for s in doc.sents])
    return _Starts([0])


def _sent_of(starts: list[int], pos: int) -> int:
    return max(0, bisect.bisect_right(starts, pos) - 1)


def _entity_skips(doc: Doc) -> list[tuple[int, int]]:
    """Spans NER marks as dates, times, ordinals or money, when there is NER."""
    if not doc.has_annotation("ENT_IOB"):
        return []
    return [
        (e.start_char, e.end_char)
        for e in doc.ents
        if e.label_ in {"TIME", "ORDINAL"} or (e.label_ == "DATE" and DATEISH_RE.search(e.text))
    ]


def _one_is_count(doc: Doc, start: int, end: int) -> bool:
    """ "one" counts only when it modifies or is the subject of a counted thing."""
    if not doc.has_annotation("DEP"):
        return False
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return False
    tok = span[-1]
    if tok.i > 0 and doc[tok.i - 1].lower_ in {
        "no",
        "any",
        "some",
        "every",
        "each",
        "this",
        "that",
    }:
        return False
    return tok.dep_ == "nummod" or (
        tok.dep_ in {"nsubj", "nsubjpass"} and tok.head.lemma_ in SLOT_LEMMAS
    )


def _unit(text: str, start: int, end: int) -> str | None:
    before = text[max(0, start - 1) : start]
    if before in CURRENCY_BEFORE:
        return CURRENCY_BEFORE[before]
    m = re.match(r"\s*(?:of\s+)?(?:-)?([a-zA-Z]+)", text[end : end + 20])
    if not m:
        return None
    w = m.group(1).lower()
    w = w[:-1] if w.endswith("s") and w[:-1] in MEASURE_UNITS else w
    w = w[:-2] if w.endswith("es") and w[:-2] in MEASURE_UNITS else w
    return MEASURE_UNITS.get(w)


def _enclosing(attributions: tuple[Attribution, ...], start: int, end: int) -> int | None:
    best = None
    for k, a in enumerate(attributions):
        if (
            a.content.start <= start
            and end <= a.content.end
            and (
                best is None
                or (a.content.end - a.content.start)
                < (attributions[best].content.end - attributions[best].content.start)
            )
        ):
            best = k
    return best


def _noun_phrase(tok: Token) -> str:
    """The counted noun with its modifiers, without the number and determiners."""
    keep = [
        c
        for c in tok.lefts
        if c.dep_ in {"amod", "compound", "nmod", "poss"} and c.like_num is False
    ]
    toks = sorted([*keep, tok], key=lambda t: t.i)
    first = toks[0].i
    return tok.doc[first : tok.i + 1].text if first <= tok.i else tok.text


def _slot_of(tok: Token) -> str | None:
    """Slot suggested by a token: lemma lexicon; "shot down" aircraft are intercepted."""
    lemma = tok.lemma_.lower()
    if lemma in {"shoot", "bring", "take"} and any(
        c.dep_ == "prt" and c.lower_ == "down" for c in _children(tok)
    ):
        return "intercepted"
    if lemma == "shoot" and any(
        c.lower_ in {"dead", "death"}
        or (c.dep_ == "prep" and any(g.lower_ == "death" for g in _children(c)))
        for c in _children(tok)
    ):
        return "killed"
    if lemma == "shoot" and any(
        c.dep_ == "conj" and c.lemma_ in {"kill", "die"} for c in _children(tok)
    ):
        return "killed"
    if tok.pos_ == "ADJ" and lemma in {"dead"}:
        return "killed"
    if lemma in {"critical", "serious", "stable"} and tok.pos_ == "ADJ":
        return "wounded"
    return SLOT_LEMMAS.get(lemma)


def _meaning(doc: Doc, start: int, end: int) -> tuple[str, str | None, str | None]:
    """Slot, subject and deciding lemma; things that cannot die are never casualties."""
    slot, subject, trigger = _meaning_raw(doc, start, end)
    if slot in {"killed", "wounded"} and subject is not None:
        head = subject.split()[-1].lower()
        if head.rstrip("s") in NOT_VICTIMS or head in NOT_VICTIMS:
            return "other", subject, None
    return slot, subject, trigger


def _meaning_raw(doc: Doc, start: int, end: int) -> tuple[str, str | None, str | None]:
    """Slot, subject and deciding lemma from the parse around the number."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or not len(span):
        return "other", None, None
    num = span[-1]
    noun: Token | None = None
    if num.dep_ in {"nummod", "quantmod", "amod"} and num.head.pos_ in {"NOUN", "PROPN"}:
        noun = num.head
    elif num.head.dep_ == "nummod" and num.head.head.pos_ in {"NOUN", "PROPN"}:
        noun = num.head.head
    elif (num.dep_ == "pobj" and num.head.lower_ == "of" and num.head.head.like_num) or (
        num.dep_ in {"nummod", "compound"} and num.head.lower_ == "of"
    ):
        if num.dep_ == "pobj":
            return "other", None, None  # "one of the six died": six is the group, not the dead
        noun = None
    # "60 of them", "dozens of soldiers"
    if noun is None:
        of = [c for c in _children(num) if c.dep_ == "prep" and c.lower_ == "of"]
        if of:
            pobj = [g for g in _children(of[0]) if g.dep_ == "pobj"]
            if pobj and pobj[0].pos_ in {"NOUN", "PROPN"}:
                noun = pobj[0]
    anchor = noun if noun is not None else num
    subject = _noun_phrase(noun) if noun is not None else None
    # modifiers on the counted noun: "60 dead", "two injured people", "soldiers who were killed"
    if noun is not None:
        noun_lemma = noun.lemma_.lower()
        if noun_lemma in SLOT_LEMMAS and noun_lemma not in {"body"} and noun.pos_ == "NOUN":
            slot = _slot_of(noun)
            if slot and noun_lemma in {
                "death", "fatality", "casualty", "injury", "prisoner", "captive", "hostage",
                "refugee", "dead", "wounded", "injured", "body", "toll",
            }:  # fmt: skip
                return slot, subject, noun_lemma
        for c in _children(noun):
            if c.dep_ in {"amod", "relcl", "acl"}:
                slot = _slot_of(c)
                if slot in {"killed", "wounded", "captured", "displaced", "destroyed"}:
                    return slot, subject, c.lemma_.lower()
    if noun is None:
        # headline style "Four injured", "3 dead": the participle hangs off the number
        for c in _children(num):
            if c.dep_ in {"amod", "acl", "relcl", "appos"}:
                slot = _slot_of(c)
                if slot in {"killed", "wounded"}:
                    if c.lemma_ in {"shoot", "hit"}:
                        slot = _shot_outcome(c)
                    return slot, subject, c.lemma_.lower()
    slot, trigger = _climb(anchor, noun)
    if slot in {"killed", "wounded"} and noun is not None and noun.lemma_.lower() in NOT_VICTIMS:
        slot = "other"
    return slot, subject, trigger


def _climb(anchor: Token, noun: Token | None) -> tuple[str, str | None]:
    """Climb the head chain to the governing verb or action noun."""
    tok = anchor
    for _ in range(4):
        head = tok.head
        if head.i == tok.i:
            break
        slot = _slot_of(head)
        if slot is not None and not (
            slot == "launched" and head.lemma_ == "attack" and head.pos_ == "NOUN"
        ):
            if slot in {"killed", "wounded"} and anchor.lemma_.lower() in AIR_OBJECTS:
                slot = "intercepted" if head.lemma_ in {"shoot", "down", "hit"} else "destroyed"
            if head.lemma_ in {"shoot", "hit"} and slot == "wounded":
                slot = _shot_outcome(head)
            if (
                slot == "intercepted"
                and anchor is not None
                and anchor.lemma_.lower() in PERSON_NOUNS
            ):
                slot = "killed" if head.lemma_ != "repel" else "other"
            elif (
                slot == "intercepted"
                and head.lemma_ in {"repel", "repulse", "thwart"}
                and anchor.lemma_.lower() not in AIR_OBJECTS
            ):
                slot = "other"  # "repelled three attacks": not objects brought down
            if slot == "launched" and anchor.lemma_.lower() in PERSON_NOUNS:
                slot = "other"
            if (
                slot == "captured"
                and anchor.lemma_.lower() not in PERSON_NOUNS
                and noun is not None
                and head.lemma_ in {"seize", "take"}
            ):
                slot = "other"
            return slot, head.lemma_.lower()
        # "killed" conj: "were killed and 20 wounded" keeps the nearest verb
        if head.pos_ in {"VERB"} and head.lemma_ not in LIGHT_VERBS:
            if tok.dep_ in {"nsubj", "nsubjpass", "dobj"}:
                # a conjoined participle carries the slot: "5 tanks destroyed"
                for c in _children(head):
                    if c.dep_ == "conj" and _slot_of(c):
                        return _slot_of(c) or "other", c.lemma_.lower()
            break  # another verb governs the number: its clause is not about casualties
        if head.dep_ == "ROOT":
            break
        tok = head
    return "other", None


def _shot_outcome(verb: Token) -> str:
    """ "shot" alone means wounded; "shot and killed", "shot dead", "fatally shot" mean killed."""
    for c in _children(verb):
        if c.lower_ in {"fatally", "dead"} or (c.dep_ == "conj" and c.lemma_ in {"kill", "die"}):
            return "killed"
        if c.dep_ == "prep" and any(g.lower_ == "death" for g in _children(c)):
            return "killed"
    return "wounded"


def _no_casualties(
    doc: Doc,
    attributions: tuple[Attribution, ...],
    sent_starts: list[int],
    taken: list[tuple[int, int]],
) -> list[Quantity]:
    """ "no one was hurt", "without causing any casualties": zero counts."""
    text = doc_text(doc)
    out: list[Quantity] = []
    for m in NO_CASUALTY_RE.finditer(text):
        if re.match(r"\s*(?:else|other)\b", text[m.end() : m.end() + 8]) or re.search(
            r"\b(?:one|body) else\b|\bno other\b", m.group(0), re.I
        ):
            continue  # "no one else was hurt" does not deny the victims already counted
        if re.search(r"\b(?:one|body)\s+else\b", text[m.start() : m.end() + 6], re.I):
            continue
        word = next(g for g in m.groups() if g).lower()
        slots = {
            "hurt": ("wounded", "killed"),
            "harmed": ("wounded", "killed"),
            "injured": ("wounded",),
            "wounded": ("wounded",),
            "injuries": ("wounded",),
            "killed": ("killed",),
            "deaths": ("killed",),
            "fatalities": ("killed",),
        }.get(word, ("killed", "wounded"))
        for slot in slots:
            out.append(
                Quantity(
                    start=m.start(),
                    end=m.end(),
                    text=m.group(0),
                    value=0.0,
                    low=0.0,
                    high=0.0,
                    qualifier="exact",
                    slot=slot,
                    attribution=_enclosing(attributions, m.start(), m.end()),
                    sentence=_sent_of(sent_starts, m.start()),
                    trigger=word,
                )
            )
    return out


def _implicit_singles(
    doc: Doc,
    attributions: tuple[Attribution, ...],
    sent_starts: list[int],
    taken: list[tuple[int, int]],
) -> list[Quantity]:
    """ "A man was killed", "a teen was shot": one casualty without a numeral (at least one)."""
    out: list[Quantity] = []
    in_taken = _Cover(taken)
    for tok in doc:
        if tok.dep_ not in {"nsubjpass", "nsubj", "dobj", "pobj"}:
            continue
        pronoun = tok.tag_ == "PRP" and tok.lower_ in {"he", "she"}
        relative = _relative_antecedent(tok)
        if relative is not None:
            # "a 56-year-old who had been shot", "a man who shot himself"
            first = _single_person_start(doc, relative, relative=True)
        else:
            first = tok.idx if pronoun else _single_person_start(doc, tok)
        count = _persons_named(tok) if first is None and tok.dep_ != "pobj" else 0
        # "both were pronounced dead": the two victims just described
        pair = tok.lower_ == "both" and tok.dep_ in {"nsubj", "nsubjpass"} and tok.tag_ == "DT"
        if pair:
            count = 2
        if count > 1:
            first = tok.left_edge.idx
        definite = False
        if first is None and tok.dep_ in {"nsubjpass", "nsubj"}:
            first = _definite_person_start(tok)
            definite = first is not None
        if first is None:
            continue
        verb = tok.head
        if tok.dep_ == "nsubj" and verb.dep_ in {"aux", "auxpass"}:
            verb = verb.head  # "a man remains hospitalized" parsed with the copula as head
        if tok.dep_ == "pobj":
            # "the fatal shooting of a student", "the killing of John Smith"
            if verb.lower_ != "of" or verb.head.lemma_.lower() not in DEATH_NOUNS | {"shooting"}:
                continue
            verb = verb.head
            if verb.lemma_.lower() == "shooting" and not any(
                c.lower_ in {"fatal", "deadly"} for c in _children(verb)
            ):
                continue
            slot = "killed"
        else:
            slot = _casualty_verb_slot(verb)
        if slot is None and tok.dep_ == "pobj":
            continue
        if (
            slot is not None
            and tok.dep_ == "nsubj"
            and not _headline_passive(verb)
            and not _passive_like(verb)
        ):
            slot = None
        # "shot his brother in the arm", "a bullet struck a girl": a person hit, counted with
        # the dead until a report says otherwise (see reconcile.casualties.report_figures)
        if (
            slot is not None
            and tok.dep_ == "dobj"
            and (slot != "killed" or pronoun)
            and not (slot == "wounded" and verb.lemma_ in HIT_VERBS and not pronoun)
        ):
            slot = None
        if slot is None and tok.dep_ in {"nsubj", "nsubjpass"}:
            slot = _state_slot(verb)
            if slot is None and not definite and _in_hospital(verb):
                slot = "wounded"  # "another person is in the hospital" (not "the mother")
        fate = _later_death(verb) if tok.dep_ in {"nsubj", "nsubjpass"} else None
        if fate is not None and slot != "killed":
            # "the boy was airlifted to a hospital and pronounced dead"
            slot, verb = "killed", fate
        if slot is None or (
            (definite or count > 1) and slot != "wounded" and not (pair or _own_death(verb))
        ):
            continue  # named dead ("X and Y were killed") are often a part of a toll
        if pair and slot != "killed":
            continue  # "both were wounded, as were two others": a part of those hurt
        if tok.dep_ == "dobj" and slot == "wounded" and sentence_matches(tok, DEATH_WORDS_RE):
            continue  # "a murder charge after shooting his wife": the one shot died
        if slot == "wounded" and verb.dep_ == "advcl" and _charged_with_killing(verb.head):
            continue  # "charged with murder after his friend was shot": the friend died
        if any(c.dep_ == "neg" for c in _children(verb)):
            continue  # "a girl and a man were not injured"
        s = first
        named = relative if relative is not None else tok
        e = tok.right_edge.idx + len(tok.right_edge) if count > 1 else named.idx + len(named)
        if in_taken(s):
            continue
        out.append(
            Quantity(
                start=s,
                end=e,
                text=doc_text(doc)[s:e],
                value=float(max(count, 1)),
                low=float(max(count, 1)),
                high=float(count) if count > 1 else None,
                qualifier="exact" if count > 1 else "at_least",
                slot=slot,
                # "shot another teen": another than the shooter, not one more victim
                subject=re.sub(
                    r"^(?:a|an|one)\s+" if tok.dep_ not in {"dobj", "pobj"} else
                    r"^(?:a|an|one|another)\s+",
                    "",
                    doc_text(doc)[s:e],
                    flags=re.I,
                ),
                attribution=_enclosing(attributions, s, e),
                sentence=_sent_of(sent_starts, s),
                # found with a wound: hit, maybe dead; hospitalized with one: a survivor
                trigger=_single_trigger(verb),
            )
        )
    return out


SINGLE_DEATH_RE = re.compile(
    r"\b(?:(?:a|an|the|one)\s+)?(?:(?:\d{1,2}|[a-z]+)-(?:year|month)-old\s+)?"
    r"(?P<noun>man|woman|teen|teenager|boy|girl|child|toddler|baby|infant|person|student|youth|"
    r"father|mother|son|daughter|husband|wife)\b"
    r"\s+(?:(?:was|is|has\s+been|had\s+been)\s+)?(?:(?:accidentally|fatally|reportedly|"
    r"allegedly|later)\s+)?(?P<verb>shot,?\s+(?:and\s+)?killed|shot\s+dead|shot\s+to\s+death|killed|"
    r"dies|died|dead|slain|pronounced\s+dead|found\s+dead)\b"
    r"(?!\s+(?:a|an|the|his|her|their|him|them|two|three|\d)\b)",
    re.I,
)


WOUND_WITH_RE = re.compile(
    r"\b(?:a|an|one)\s+(?:(?:\d{1,2}|[a-z]+)-(?:year|month)-old\s+)?"
    r"(?P<noun>man|woman|teen|teenager|boy|girl|child|toddler|baby|infant|person|student|youth|"
    r"victim|(?:\d{1,2}|[a-z]+)-(?:year|month)-old)\b"
    r"(?:(?!\b(?:killed|dead|died|and|who|which|after)\b)[^.;!?\n]){0,80}?"
    r"\b(?:with|from|suffering(?:\s+from)?)\s+(?:a\s+|an\s+)?(?:apparent\s+|single\s+|possible\s+)?"
    r"(?:gunshot|bullet)\s+wounds?\b",
    re.I,
)
"""One person "found with a gunshot wound", "taken to hospital with a gunshot wound"."""


_ONE = (
    r"(?P<noun>man|woman|teen|teenager|boy|girl|child|toddler|baby|infant|person|student|youth|"
    r"juvenile|(?:\d{1,2}|[a-z]+)[- ](?:year|month)[- ]old)\b"
)
STATE_AFTER_RE = re.compile(
    r"\b(?:(?:a|an|one)\s+)?(?:(?:\d{1,2}|[a-z]+)[- ](?:year|month)[- ]old\s+)?" + _ONE
    + r"(?:,\s*\d{1,2},)?\s+(?:(?:is|was|remains|remained)\s+)?(?:hospitalized|stable|critical|"
    r"recovering|in\s+(?:the\s+)?hospital|in\s+(?:critical|serious|stable|fair|good)\s+condition)"
    r"\b[^.\n]{0,40}?\b(?:after|following)\b[^.\n]{0,30}?\bshooting\b",
    re.I,
)
"""One person "stable after accidental shooting", "hospitalized following a shooting"."""
SHOOTING_HITS_RE = re.compile(
    r"\bshooting\s+(?:sends|sent|hospitalizes|hospitalized|injures|injured|wounds|wounded)\s+"
    r"(?:(?:a|an|one)\s+)?(?:(?:\d{1,2}|[a-z]+)[- ](?:year|month)[- ]old\s+)?" + _ONE
    + r"|(?<!fatal )(?<!deadly )\bshooting\s+of\s+(?:a|an|his|her|their)?\s*"
    r"(?P<aged>(?:\d{1,2}|[a-z]+)-(?:year|month)-old)\b",
    re.I,
)
"""A shooting that "sends a woman to hospital", "the accidental shooting of a 3-year-old"."""
ANOTHER_HURT_RE = re.compile(
    r"\b(?P<noun>another)(?:\s+(?:person|man|woman|teen|boy|girl|child|victim))?\s+"
    r"(?:was\s+|is\s+|remains\s+)?(?:(?:critically|seriously|severely|also)\s+)?"
    r"(?:injured|wounded|hurt|hospitalized)\b"
    r"|\b(?:injur(?:es|ed|ing)|wound(?:s|ed|ing)|hurt(?:s|ing)?)\s+(?P<other>another)\b"
    r"(?!\s+(?:person|man|woman|teen|boy|girl|child|victim)\s+(?:was|is)\b)",
    re.I,
)
""""Teen killed, another injured", "kills one, critically injures another": one more hurt."""


def _surface_singles(
    text: str,
    attributions: tuple[Attribution, ...],
    sent_starts: list[int],
    found: list[Quantity],
) -> list[Quantity]:
    """ "Teen killed in ...", "boy shoots himself": one victim the parse missed (at least one)."""
    passes = (
        (
            SINGLE_HURT_RE,
            "wounded",
            {"killed", "wounded"},
            lambda m: "shoot" if m.group("shot") or m.group("self") else "injure",
        ),
        (WOUND_WITH_RE, "wounded", {"killed", "wounded"}, lambda m: "shoot"),
        (STATE_AFTER_RE, "wounded", {"killed", "wounded"}, lambda m: "shoot"),
        (SHOOTING_HITS_RE, "wounded", {"killed", "wounded"}, lambda m: "shoot"),
        (ANOTHER_HURT_RE, "wounded", {"killed", "wounded"}, lambda m: "injure"),
        (
            SINGLE_DEATH_RE,
            "killed",
            {"killed"},
            lambda m: "kill" if "kill" in m.group("verb").lower() else "die",
        ),
    )
    out: list[Quantity] = []
    for pattern, slot, counted_slots, trigger in passes:
        for m in pattern.finditer(text):
            s, e = m.start(), m.end()
            if any(q.start < e and s < q.end and q.slot in counted_slots for q in found):
                continue
            sent = _sent_of(sent_starts, s)
            if _statistic_sentence(text, sent_starts, sent):
                continue
            out.append(
                Quantity(
                    start=s,
                    end=e,
                    text=m.group(0),
                    value=1.0,
                    low=1.0,
                    high=None,
                    qualifier="at_least",
                    slot=slot,
                    subject=m.group("noun") or m.groupdict().get("aged")
                    or m.groupdict().get("other"),
                    attribution=_enclosing(attributions, s, e),
                    sentence=sent,
                    trigger=trigger(m),
                )
            )
    return out


def _multiples(
    text: str, attributions: tuple[Attribution, ...], sent_starts: list[int]
) -> list[Quantity]:
    """ "quadruple shooting" (four people hit), "triple homicide" (three dead)."""
    out: list[Quantity] = []
    for m in MULTIPLE_RE.finditer(text):
        sent = _sent_of(sent_starts, m.start())
        if _statistic_sentence(text, sent_starts, sent):
            continue
        what = m.group("what").lower()
        shooting = what.startswith("shooting")
        fatal = re.search(r"fatal|deadly", m.group(0), re.I)
        slot = "wounded" if shooting and not fatal else "killed"
        value = float(MULTIPLES[m.group("n").lower()])
        out.append(
            Quantity(
                start=m.start(),
                end=m.end(),
                text=m.group(0),
                value=value,
                low=value,
                high=value,
                qualifier="exact",
                slot=slot,
                subject=None,
                attribution=_enclosing(attributions, m.start(), m.end()),
                sentence=sent,
                trigger="shoot" if slot == "wounded" else "kill",
            )
        )
    return out


def _state_slot(verb: Token) -> str | None:
    """The subject's own state: "shot himself", "suffered a wound", "in critical condition"."""
    lemma = verb.lemma_.lower()
    objs = [c for c in _children(verb) if c.dep_ == "dobj"]
    if lemma == "shoot" and any(o.lower_ in {"himself", "herself"} for o in objs):
        return _shot_outcome(verb)
    if lemma in {"suffer", "sustain", "receive"}:
        for o in objs:
            if o.lemma_.lower() in {"wound", "injury"}:
                mods = {c.lower_ for c in _children(o)}
                return "killed" if mods & {"fatal", "mortal"} else "wounded"
    if _with_wound(verb):
        return "wounded"
    if lemma in {"be", "remain", "list"}:
        for p in _children(verb):
            if p.dep_ == "prep" and p.lower_ == "in":
                for g in _children(p):
                    mods = {c.lower_ for c in _children(g)}
                    if g.lemma_ == "condition" and mods & {
                        "critical",
                        "serious",
                        "stable",
                        "grave",
                    }:
                        return "wounded"
    return None


WITH_WOUND_VERBS = frozenset(
    {"find", "be", "remain", "hospitalize", "take", "transport", "rush", "fly", "airlift",
     "treat", "admit", "arrive", "show", "discover", "list", "leave", "transfer"}
)


def _single_trigger(verb: Token) -> str:
    """The trigger of one victim: "was also shot" names someone besides the dead (a
    survivor, not a hit count); "found with a wound" is a hit that may be the dead."""
    if verb.lemma_ in HIT_VERBS and any(c.lower_ == "also" for c in _children(verb)):
        return "wound"
    if _with_wound(verb) and verb.lemma_ in {"find", "discover", "show", "arrive"}:
        return "shoot"
    return verb.lemma_.lower()


def _with_wound(verb: Token) -> bool:
    """ "found with a gunshot wound", "hospitalized with injuries": a person hit, who may
    yet be among the dead (so it carries a hit trigger for the reconciler)."""
    return verb.lemma_.lower() in WITH_WOUND_VERBS and any(
        p.dep_ == "prep"
        and p.lower_ == "with"
        and any(g.lemma_.lower() in {"wound", "injury"} and not _fatal_mod(g) for g in _children(p))
        for p in _children(verb)
    )


def _fatal_mod(tok: Token) -> bool:
    """ "a fatal gunshot wound": the one found with it died."""
    return any(c.lower_ in {"fatal", "mortal", "fatally"} for c in tok.subtree)


def _passive_like(verb: Token) -> bool:
    """ "a man remains hospitalized": a participle after a copula the parser took as active."""
    return verb.tag_ == "VBN" and any(
        c.dep_ in {"aux", "auxpass"}
        and (c.lemma_ == "be" or c.lower_ in {"remain", "remains", "remained", "got", "gets"})
        for c in _children(verb)
    )


def _in_hospital(verb: Token) -> bool:
    """ "another person is in the hospital": a stay that means one more hurt."""
    return verb.lemma_ in {"be", "remain"} and not any(
        c.dep_ == "neg" for c in _children(verb)
    ) and any(
        p.dep_ == "prep" and p.lower_ == "in" and any(g.lemma_ == "hospital" for g in _children(p))
        for p in _children(verb)
    )


def _relative_antecedent(tok: Token) -> Token | None:
    """The noun a relative "who"/"that" subject stands for."""
    if tok.tag_ not in {"WP", "WDT"} or tok.lower_ not in {"who", "that"}:
        return None
    verb = tok.head
    noun = verb.head
    if verb.dep_ != "relcl" or noun.dep_ in {"pobj", "appos"} or noun.ent_type_ == "PERSON":
        # "a report of a man who had been shot" (a call, the victim's fate told later),
        # "Smith, who was shot", "Smith, a teen who was killed" (a victim described)
        return None
    return noun


def _single_person_start(doc: Doc, tok: Token, relative: bool = False) -> int | None:
    """Start of a phrase naming exactly one person ("a teen", "John Smith", "his wife")."""
    if not relative and any(c.dep_ == "conj" for c in _children(tok)):
        return None  # "a man and a woman": left to a numeral elsewhere
    if tok.ent_type_ == "PERSON" and tok.tag_ == "NNP":
        ent = next((e for e in doc.ents if e.start <= tok.i < e.end), None)
        return ent[0].idx if ent is not None else None
    aged = (
        tok.lower_.endswith("year-old")
        or (tok.lower_ == "old" and tok.i >= 2 and tok.doc[tok.i - 2].lower_ in {"year", "month"})
        or any(
            c.lower_ in {"old", "year-old"} or c.lower_.endswith("year-old") for c in _children(tok)
        )
    )
    if (tok.tag_ != "NN" and not aged) or (tok.lemma_.lower() not in PERSON_NOUNS and not aged):
        return None
    dets = [c for c in _children(tok) if c.dep_ in {"det", "poss"}]
    if not dets:
        # a bare singular noun only occurs in headlines ("Teen shot in bedroom")
        return tok.left_edge.idx if _is_headline(tok) else None
    d = dets[0]
    if d.lower_ in {"a", "an", "another", "one"} or (
        tok.dep_ in {"dobj", "pobj", "nsubjpass"} and d.dep_ == "poss"
    ):
        return d.idx
    return None


def _conjoined_below(tok: Token) -> list[Token]:
    """``tok`` and the tokens coordinated under it, never its own head (unlike
    spaCy's ``Token.conjuncts``, which climbs to the first conjunct)."""
    members = [tok]
    frontier = [tok]
    while frontier:
        kids = [c for c in _children(frontier.pop()) if c.dep_ == "conj"]
        members += kids
        frontier += kids
    return members


def _persons_named(tok: Token) -> int:
    """ "a man and a woman", "his girlfriend and her son": people listed one by one
    without a numeral (numerals in a coordination are summed by _with_conjoined)."""
    members = _conjoined_below(tok)
    if len(members) < 2 or any(
        c.like_num for m in members for c in _children(m) if c.dep_ == "nummod"
    ):
        return 0
    return len(members) if all(_one_person(m) for m in members) else 0


def _definite_person_start(tok: Token) -> int | None:
    """ "the victim", "the 16-year-old": one person already introduced, hit or hurt."""
    aged = tok.lower_.endswith("year-old") or any(
        c.lower_.endswith("year-old") for c in _children(tok)
    )
    if tok.tag_ != "NN" or (tok.lemma_.lower() not in PERSON_NOUNS and not aged):
        return None
    if any(c.dep_ == "conj" for c in _children(tok)):
        return None
    dets = [c for c in _children(tok) if c.dep_ == "det"]
    return dets[0].idx if dets and dets[0].lower_ == "the" else None


def _is_headline(tok: Token) -> bool:
    sent = sentence_of(tok)
    return len(sent) <= 20 and not sent.text.rstrip().endswith((".", "!", "?", '"', "”"))


def _headline_passive(verb: Token) -> bool:
    """ "Teen shot in bedroom": a participle without auxiliary or object reads as passive."""
    if verb.lemma_ in {"die", "perish", "succumb"}:
        return True
    return (
        verb.tag_ in {"VBN", "VBD"}
        and not any(c.dep_ in {"dobj", "aux", "auxpass"} for c in _children(verb))
        and _is_headline(verb)
    )


def _casualty_verb_slot(verb: Token) -> str | None:
    """killed/wounded for a casualty verb ("shot" alone is wounded, "shot dead" killed)."""
    lemma = verb.lemma_.lower()
    if lemma in {"strike", "hit"}:
        hit_by = {g.lemma_.lower() for c in _children(verb) for g in _children(c)} | {
            c.lemma_.lower() for c in _children(verb)
        }
        if not hit_by & {"bullet", "gunfire", "round", "shrapnel", "shot"}:
            return None
        return "killed" if any(c.lower_ == "fatally" for c in _children(verb)) else "wounded"
    if lemma == "lose":
        return None
    if lemma == "pass" and any(c.lower_ == "away" for c in _children(verb)):
        return "killed"
    if _pronounced_dead(verb):
        return "killed"
    slot = _slot_of(verb)
    if lemma == "shoot" and slot == "wounded":
        slot = _shot_outcome(verb)
    elif slot == "wounded" and any(c.lower_ in {"fatally", "mortally"} for c in _children(verb)):
        slot = "killed"  # "a boy was fatally injured": the wound killed him
    return slot if slot in {"killed", "wounded"} else None


def _pronounced_dead(verb: Token) -> bool:
    """ "he was pronounced dead", "she succumbed to her wounds": the victim's death told
    without a killing verb, usually of someone first reported shot."""
    lemma = verb.lemma_.lower()
    if lemma == "succumb":
        return True
    return lemma in {"pronounce", "declare"} and any(
        c.lower_ in {"dead", "deceased"}
        and c.dep_ in {"acomp", "oprd", "xcomp", "advmod", "amod", "dobj"}
        and not any(m.lower_ == "brain" for m in _children(c))  # "brain dead": alive
        for c in _children(verb)
    )


def _own_death(verb: Token) -> bool:
    """ "the victim later died", "both were pronounced dead": the fate of people already
    introduced (as shot, usually), not a killing listed as part of a larger toll."""
    return verb.lemma_.lower() in {"die", "succumb"} or _pronounced_dead(verb)


def _later_death(verb: Token) -> Token | None:
    """A conjoined verb telling the subject's death: "was taken to a hospital and later
    died", "was shot and pronounced dead at the scene"."""
    return next(
        (
            c
            for c in _children(verb)
            if c.dep_ == "conj"
            and _own_death(c)
            and not any(g.dep_ in {"nsubj", "nsubjpass"} for g in _children(c))
        ),
        None,
    )


KILLING_CHARGE_RE = re.compile(r"\b(?:murder|homicide|manslaughter)\b", re.I)
ATTEMPT_RE = re.compile(r"\battempt", re.I)


def _charged_with_killing(verb: Token) -> bool:
    """ "charged with murder", "faces a manslaughter charge": a charge for a death (an
    attempted murder charge is not one)."""
    after = [
        t.text for c in _children(verb) if c.i > verb.i and c.dep_ != "advcl" for t in c.subtree
    ]
    span = verb.doc[verb.left_edge.i : verb.i + 1].text + " " + " ".join(after)
    return bool(KILLING_CHARGE_RE.search(span)) and not ATTEMPT_RE.search(span)
