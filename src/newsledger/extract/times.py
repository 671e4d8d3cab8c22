# ruff: noqa: E501 (trigger and date patterns read best on one line)
"""Time expressions normalised against an article's publication date.

English expressions are found by patterns and resolved here because dateparser
resolves weekdays to the *previous* week when the weekday is the publication
day itself, and guesses missing years from the wall clock. Newswire usage is
"the most recent such day on or before publication, the same day included",
and a year-less date belongs to the publication year unless that puts it more
than half a year away. Other languages go through ``dateparser.search``.

Without a publication date, relative expressions keep ``value=None`` and say in
``relative`` what they mean ("weekday:1", "days:-1", "today",
"part_of_day:night") so the grouping stage can resolve them once it infers a date.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from newsledger.isolation import check_deadline

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
}  # fmt: skip
ZONES = {
    "edt": "America/New_York", "est": "America/New_York", "et": "America/New_York",
    "eastern": "America/New_York", "cdt": "America/Chicago", "cst": "America/Chicago",
    "central": "America/Chicago", "mdt": "America/Denver", "mst": "America/Denver",
    "mountain": "America/Denver", "pdt": "America/Los_Angeles", "pst": "America/Los_Angeles",
    "pt": "America/Los_Angeles", "pacific": "America/Los_Angeles", "gmt": "UTC", "utc": "UTC",
    "bst": "Europe/London", "cet": "Europe/Paris", "cest": "Europe/Paris", "eet": "Europe/Kyiv",
    "eest": "Europe/Kyiv", "msk": "Europe/Moscow", "moscow": "Europe/Moscow",
    "kyiv": "Europe/Kyiv", "kiev": "Europe/Kyiv", "london": "Europe/London",
}  # fmt: skip
PARTS_OF_DAY = {"morning", "afternoon", "evening", "night"}

_MON = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)"
_WD = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_ZONE = (
    r"(?:(?:Eastern|Central|Mountain|Pacific|Moscow|Kyiv|Kiev|London|local)\s+(?:Standard\s+|Daylight\s+)?[Tt]ime"
    r"|E[DS]T|C[DS]T|M[DS]T|P[DS]T|ET|PT|GMT|UTC|BST|CES?T|EES?T|MSK)"
)
_CLOCK = r"(?:\d{1,2}(?::\d{2})?\s*(?:[ap]\.m\.|[ap]m\b|AM\b|PM\b)|\d{1,2}:\d{2})"
_PART = r"(?:morning|afternoon|evening|night)"
_TO = r"\s*(?:-|–|—|to|until|and|through)\s*"


@dataclass(frozen=True)
class TimeFound:
    start: int
    end: int
    text: str
    value: str | None
    end_value: str | None = None
    precision: str = "day"
    relative: str | None = None


Resolved = tuple[str | None, str | None, str, str | None]  # value, end_value, precision, relative


def parse_published(published: str | None) -> date | None:
    if not published:
        return None
    try:
        return datetime.fromisoformat(published.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(published[:10])
        except ValueError:
            return None


def _year_for(month: int, day: int, pub: date) -> int:
    """The publication year unless the date would then lie over half a year away."""
    try:
        guess = date(pub.year, month, min(day, 28) if month == 2 and day > 28 else day)
    except ValueError:
        return pub.year
    if (guess - pub).days > 183:
        return pub.year - 1
    if (pub - guess).days > 183:
        return pub.year + 1
    return pub.year


def _month(word: str) -> int:
    w = word.lower().rstrip(".")
    return MONTHS.get(w) or MONTHS[w[:3]]


def _day(word: str) -> int:
    return int(re.match(r"\d+", word).group())  # type: ignore[union-attr]


def _date_iso(
    year: int | None, month: int, day: int | None, pub: date | None
) -> tuple[str | None, str]:
    """ISO value and precision; None when the year is unknown and there is no anchor."""
    if year is None:
        if pub is None:
            return None, "day" if day else "month"
        year = _year_for(month, day or 1, pub)
    try:
        if day is None:
            return f"{year:04d}-{month:02d}", "month"
        return date(year, month, day).isoformat(), "day"
    except ValueError:
        return None, "day"


def _clock(text: str) -> time | None:
    m = re.match(r"(\d{1,2})(?::(\d{2}))?\s*([ap])?", text.strip(), re.I)
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    ampm = (m.group(3) or "").lower()
    if ampm == "p" and hour < 12:
        hour += 12
    elif ampm == "a" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _zone(text: str | None) -> ZoneInfo | None:
    if not text:
        return None
    key = text.split()[0].lower()
    name = ZONES.get(key)
    return ZoneInfo(name) if name else None


def _datetime_iso(day: date | None, clock: time, zone: ZoneInfo | None) -> str | None:
    if day is None:
        return None
    moment = datetime.combine(day, clock)
    if zone is not None:
        moment = moment.replace(tzinfo=zone)
    return moment.isoformat()


def _clock_relative(clock: time, zone_text: str | None) -> str:
    rel = f"clock:{clock.hour:02d}:{clock.minute:02d}"
    zone = _zone(zone_text)
    return f"{rel};tz:{zone.key}" if zone else rel


def _precision(clock: time, raw: str) -> str:
    return "minute" if ":" in raw else "hour"


def weekday_on_or_before(weekday: int, pub: date) -> date:
    return pub - timedelta(days=(pub.weekday() - weekday) % 7)


# ------------------------------------------------------------------ handlers


def _h_clock_range(m: re.Match[str], pub: date | None) -> Resolved:
    a, b = _clock(m["c1"]), _clock(m["c2"])
    if a is None or b is None:
        return None, None, "hour", None
    if not re.search(r"[ap]\.?m", m["c1"], re.I) and re.search(r"pm|p\.m", m["c2"], re.I):
        a = time((a.hour + 12) % 24 if a.hour < 12 and a.hour + 12 <= b.hour else a.hour, a.minute)
    zone = _zone(m["z"])
    prec = _precision(a, m["c1"] + m["c2"])
    if pub is None:
        return None, None, prec, _clock_relative(a, m["z"])
    return _datetime_iso(pub, a, zone), _datetime_iso(pub, b, zone), prec, None


def _h_clock(m: re.Match[str], pub: date | None) -> Resolved:
    clock = _clock(m["c1"])
    if clock is None:
        return None, None, "hour", None
    prec = _precision(clock, m["c1"])
    day = pub
    year = month = dd = None
    if m["mon"]:
        month, dd = _month(m["mon"]), _day(m["d"])
        year = int(m["y"]) if m["y"] else None
        iso, _ = _date_iso(year, month, dd, pub)
        day = date.fromisoformat(iso) if iso else None
        return _datetime_iso(day, clock, _zone(m["z"])), None, prec, None
    if pub is None:
        return None, None, prec, _clock_relative(clock, m["z"])
    return (
        _datetime_iso(day, clock, _zone(m["z"])),
        None,
        prec,
        f"clock:{clock.hour:02d}:{clock.minute:02d}",
    )


def _h_date_range(m: re.Match[str], pub: date | None) -> Resolved:
    month = _month(m["mon"])
    year = int(m["y"]) if m["y"] else None
    d1, d2 = _day(m["d1"]), _day(m["d2"])
    month2 = _month(m["mon2"]) if m["mon2"] else month
    v1, _ = _date_iso(year, month, d1, pub)
    v2, _ = _date_iso(year, month2, d2, pub)
    rel = None if v1 else f"monthday:{month:02d}-{d1:02d}..{month2:02d}-{d2:02d}"
    return v1, v2, "day", rel


def _h_date(m: re.Match[str], pub: date | None) -> Resolved:
    month = _month(m["mon"])
    year = int(m["y"]) if m["y"] else None
    day = _day(m["d"]) if m["d"] else None
    if day is None and year is None and pub is not None:
        year = _year_for(month, 15, pub)
    value, prec = _date_iso(year, month, day, pub)
    rel = None
    if value is None and day is not None:
        rel = f"monthday:{month:02d}-{day:02d}"
        if m["wd"]:
            rel += f";weekday:{WEEKDAYS[m['wd'].lower()]}"
    elif value is None:
        rel = f"month:{month:02d}"
    since = m["since"]
    if since and value and pub and year is None and value > pub.isoformat():
        value = f"{int(value[:4]) - 1:04d}{value[4:]}"  # "since" points back in time
    if since and value:
        return value, pub.isoformat() if pub else None, prec, "since"
    return value, None, prec, ("since;" + rel if since and rel else rel)


def _h_month_part(m: re.Match[str], pub: date | None) -> Resolved:
    """'mid-February', 'early March 2023': month precision, the part kept in ``relative``."""
    month = _month(m["mon"])
    year = int(m["y"]) if m["y"] else (_year_for(month, 15, pub) if pub else None)
    part = m["part"].lower().rstrip("-")
    value = f"{year:04d}-{month:02d}" if year else None
    return (
        value,
        None,
        "month",
        f"part_of_month:{part}" if value else f"month:{month:02d};part_of_month:{part}",
    )


def _h_year(m: re.Match[str], pub: date | None) -> Resolved:
    return m["y"], None, "year", None


def _h_iso(m: re.Match[str], pub: date | None) -> Resolved:
    try:
        return date(int(m["y"]), int(m["mo"]), int(m["dd"])).isoformat(), None, "day", None
    except ValueError:
        return None, None, "day", None


def _h_weekday(m: re.Match[str], pub: date | None) -> Resolved:
    wd = WEEKDAYS[m["wd"].lower()]
    mod = (m["mod"] or "").lower().strip()
    part = (m["part"] or "").lower()
    rel = f"weekday:{wd}"
    if mod == "next":
        rel = f"next_weekday:{wd}"
    elif mod == "last":
        rel = f"last_weekday:{wd}"
    if part:
        rel += f";part_of_day:{part}"
    if pub is None:
        return None, None, "day", rel
    if mod == "next":
        day = pub + timedelta(days=(wd - pub.weekday()) % 7 or 7)
    elif mod == "last":
        day = pub - timedelta(days=(pub.weekday() - wd) % 7 or 7)
    else:
        day = weekday_on_or_before(wd, pub)
    return day.isoformat(), None, "day", rel


RELATIVE_WORDS: dict[str, tuple[int, str]] = {
    "today": (0, "today"),
    "tonight": (0, "today;part_of_day:night"),
    "yesterday": (-1, "days:-1"),
    "tomorrow": (1, "days:1"),
    "overnight": (0, "part_of_day:night"),
    "last night": (-1, "days:-1;part_of_day:night"),
    "during the night": (0, "part_of_day:night"),
    "this morning": (0, "today;part_of_day:morning"),
    "this afternoon": (0, "today;part_of_day:afternoon"),
    "this evening": (0, "today;part_of_day:evening"),
    "earlier today": (0, "today"),
    "yesterday morning": (-1, "days:-1;part_of_day:morning"),
    "yesterday afternoon": (-1, "days:-1;part_of_day:afternoon"),
    "yesterday evening": (-1, "days:-1;part_of_day:evening"),
}


def _h_relative(m: re.Match[str], pub: date | None) -> Resolved:
    phrase = re.sub(r"\s+", " ", m.group(0).lower().strip())
    offset, rel = RELATIVE_WORDS[phrase]
    value = (pub + timedelta(days=offset)).isoformat() if pub else None
    return value, None, "day", rel


def _h_ago(m: re.Match[str], pub: date | None) -> Resolved:
    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "a": 1}
    n = (
        words.get(m["n"].lower()) or int(m["n"])
        if m["n"].isdigit() or m["n"].lower() in words
        else 1
    )
    unit = m["unit"].lower().rstrip("s")
    days = n * (7 if unit == "week" else 1)
    value = (pub - timedelta(days=days)).isoformat() if pub else None
    return value, None, "day", f"days:-{days}"


_DATE_CORE = (
    rf"(?:(?P<wd>{_WD}),?\s+(?:the\s+)?)?"
    rf"(?:(?P<mon>{_MON})\s+(?P<d>{_DAY})\b(?:,?\s+(?P<y>{_YEAR}))?"
    rf"|(?P<d_>{_DAY})\s+(?:of\s+)?(?P<mon_>{_MON})(?:,?\s+(?P<y_>{_YEAR}))?"
    rf"|(?P<mon__>{_MON})\s+(?P<y__>{_YEAR}))"
)

PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str], date | None], Resolved]]] = []


def _add(
    pattern: str, handler: Callable[[re.Match[str], date | None], Resolved], flags: int = 0
) -> None:
    PATTERNS.append((re.compile(pattern, flags), handler))


_add(
    rf"\b(?:between|from)\s+(?P<c1>{_CLOCK})\s*(?:and|to|until|-|–)\s*(?P<c2>{_CLOCK})(?:\s+(?P<z>{_ZONE}))?",
    _h_clock_range,
    re.I,
)
_add(
    rf"\b(?P<c1>{_CLOCK})(?:\s+(?P<z>{_ZONE}))?(?:,?\s+(?:on\s+)?(?:{_WD},?\s+)?(?P<mon>{_MON})\s+(?P<d>{_DAY})(?:,?\s+(?P<y>{_YEAR}))?)?(?![\d:])",
    _h_clock,
)
_add(
    rf"\b(?P<mon>{_MON})\s+(?P<d1>{_DAY}){_TO}(?:(?P<mon2>{_MON})\s+)?(?P<d2>{_DAY})\b(?:,?\s+(?P<y>{_YEAR}))?",
    _h_date_range,
)
_add(
    rf"\b(?P<d1>{_DAY}){_TO}(?P<d2>{_DAY})\s+(?P<mon>{_MON})(?:,?\s+(?P<y>{_YEAR}))?(?P<mon2>)",
    _h_date_range,
)
_add(
    rf"\b(?P<part>mid-?|early\s+|late\s+|the\s+end\s+of\s+|end\s+of\s+)(?P<mon>{_MON})(?:,?\s+(?P<y>{_YEAR}))?\b",
    _h_month_part,
    re.I,
)
_add(
    rf"(?:\b(?P<since>[Ss]ince|[Ff]rom)\s+)?\b{_DATE_CORE}(?![\w])",
    lambda m, p: _h_date(_Norm(m), p),
)
_add(rf"\b(?:in|of|since)\s+(?P<mon>{_MON})(?P<d>)(?P<y>)(?P<wd>)(?P<since>)\b(?!\s+\d)", _h_date)
_add(r"\b(?P<y>\d{4})-(?P<mo>\d{2})-(?P<dd>\d{2})\b", _h_iso)
_add(
    rf"\b(?:(?P<mod>on|this|last|next|early|late|earlier\s+on)\s+)?(?P<wd>{_WD})(?:\s+(?P<part>{_PART}))?\b",
    _h_weekday,
    re.I,
)
_add(
    r"\b(?:last\s+night|during\s+the\s+night|this\s+(?:morning|afternoon|evening)"
    r"|yesterday(?:\s+(?:morning|afternoon|evening))?|earlier\s+today|today|tonight|tomorrow|overnight)\b",
    _h_relative,
    re.I,
)
_add(
    r"\b(?P<n>\d+|one|two|three|four|five|six|seven|a)\s+(?P<unit>days?|weeks?)\s+ago\b",
    _h_ago,
    re.I,
)
_add(rf"\bin\s+(?P<y>{_YEAR})\b", _h_year)


class _Norm:
    """Give the three alternative date layouts the same group names."""

    def __init__(self, m: re.Match[str]) -> None:
        self._m = m

    def __getitem__(self, key: str) -> str | None:
        m = self._m
        for name in (key, key + "_", key + "__"):
            if name in m.re.groupindex and m[name]:
                return m[name]
        return None


def _english(text: str, pub: date | None) -> list[TimeFound]:
    candidates: list[tuple[int, int, int, Resolved]] = []
    for order, (pattern, handler) in enumerate(PATTERNS):
        for m in pattern.finditer(text):
            check_deadline()
            if m.end() == m.start():
                continue
            try:
                resolved = handler(m, pub)  # type: ignore[arg-type]
            except OverflowError:
                # a publication date at the calendar's edge (year 1 or 9999): keep the
                # expression, unanchored, rather than fail the article
                resolved = handler(m, None)  # type: ignore[arg-type]
            if resolved[0] is None and resolved[3] is None:
                continue
            candidates.append((m.start(), m.end(), order, resolved))
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[2]))
    taken: list[tuple[int, int]] = []
    found: list[TimeFound] = []
    for start, end, _, (value, end_value, precision, relative) in candidates:
        if any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        found.append(TimeFound(start, end, text[start:end], value, end_value, precision, relative))
    return sorted(found, key=lambda t: t.start)


@lru_cache(maxsize=1)
def _search() -> Callable[..., list[tuple[str, datetime]] | None]:
    from dateparser.search import search_dates

    return search_dates


# Two probe anchors, a Monday and a Wednesday: an expression that lands on the same
# weekday from both is a weekday; one that keeps its day offset is relative in days.
_PROBES = (datetime(2001, 1, 1, 12), datetime(2001, 1, 3, 12))


def _relative_meaning(surface: str, lang: str) -> str | None:
    """What a relative expression means, read off dateparser at two probe anchors.

    A leading preposition dateparser's search kept ("Am Dienstag") is dropped if
    the whole phrase does not parse.
    """
    meaning = _probe(surface, lang)
    if meaning is None and " " in surface.strip():
        meaning = _probe(surface.strip().split(None, 1)[1], lang)
    return meaning


def _probe(surface: str, lang: str) -> str | None:
    from dateparser import parse

    offsets = []
    weekdays = set()
    for base in _PROBES:
        settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"}
        try:
            moment = parse(surface, languages=[lang], settings=settings)  # type: ignore[arg-type]
        except Exception:  # dateparser raises on odd input
            return None
        if moment is None:
            return None
        offsets.append((moment.date() - base.date()).days)
        weekdays.add(moment.weekday())
    if offsets[0] == offsets[1]:
        return "today" if offsets[0] == 0 else f"days:{offsets[0]}"
    if len(weekdays) == 1:
        return f"weekday:{weekdays.pop()}"
    return None


def _resolve_relative(relative: str, pub: date) -> str | None:
    kind, _, arg = relative.partition(":")
    if kind == "today":
        return pub.isoformat()
    if kind == "days":
        return (pub + timedelta(days=int(arg))).isoformat()
    if kind == "weekday":
        return weekday_on_or_before(int(arg), pub).isoformat()
    return None


_CHUNK_CHARS = 20_000


def _chunks(text: str) -> list[tuple[int, str]]:
    """A long text in pieces cut at line ends, so the deadline is checked between them; a
    text of news-article length is one piece, searched exactly as before."""
    if len(text) <= _CHUNK_CHARS:
        return [(0, text)]
    pieces, start = [], 0
    while start < len(text):
        end = min(len(text), start + _CHUNK_CHARS)
        if end < len(text):
            cut = text.rfind("\n", start, end)
            end = cut + 1 if cut > start else end
        pieces.append((start, text[start:end]))
        start = end
    return pieces


def _other_language(text: str, pub: date | None, lang: str) -> list[TimeFound]:
    """dateparser's search, with weekdays and year-less dates re-resolved by the rules above."""
    settings: dict[str, object] = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False}
    if pub is not None:
        settings["RELATIVE_BASE"] = datetime.combine(pub, time(12, 0))
    hits: list[tuple[int, str, datetime]] = []
    for offset, chunk in _chunks(text):
        check_deadline()  # dateparser is slow (about a millisecond a character on figures)
        try:
            found_here = _search()(chunk, languages=[lang], settings=settings) or []
        except Exception:  # dateparser raises on unsupported languages and odd input
            return []
        hits.extend((offset, surface, moment) for surface, moment in found_here)
    found: list[TimeFound] = []
    cursor = 0
    for offset, surface, moment in hits:
        start = text.find(surface, max(cursor, offset))
        if start < 0 or not re.search(r"\w{2,}|\d", surface):
            continue
        cursor = start + len(surface)
        if re.search(r"\d{4}", surface):
            found.append(TimeFound(start, cursor, surface, moment.date().isoformat()))
            continue
        if re.search(r"\d", surface):  # a day and month without a year
            if pub is None:
                rel = f"monthday:{moment.month:02d}-{moment.day:02d}"
                found.append(TimeFound(start, cursor, surface, None, relative=rel))
            else:
                value, _ = _date_iso(None, moment.month, moment.day, pub)
                found.append(TimeFound(start, cursor, surface, value))
            continue
        relative = _relative_meaning(surface, lang)
        if relative is None:
            value = moment.date().isoformat() if pub is not None else None
            relative = None if pub is not None else f"text:{surface.lower()}"
        else:
            value = _resolve_relative(relative, pub) if pub is not None else None
        found.append(TimeFound(start, cursor, surface, value, relative=relative))
    return found


def find_times(text: str, published: str | None, language: str | None = None) -> list[TimeFound]:
    """Time expressions in ``text`` normalised against ``published`` (ISO) when known."""
    pub = parse_published(published)
    lang = (language or "en").lower().split("-")[0]
    if lang == "en":
        return _english(text, pub)
    return _other_language(text, pub, lang)
