"""Dates: the event's own date from time expressions, and inferred publication dates.

Time expressions come from the extractor; when it gave none, a small regex
reader finds explicit dates and weekday/yesterday words so dating still works.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from newsledger.model import Annotations, TimeExpression

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CALENDAR_WORDS = frozenset(_MONTHS) | frozenset(WEEKDAYS)
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_MDY = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b", re.I)
_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})\.?(?:,?\s+(\d{{4}}))?\b", re.I)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b", re.I)
_RELDAY = re.compile(r"\b(yesterday|today|tonight|last night|this morning)\b", re.I)


def parse_iso(value: str | None) -> date | None:
    if not value:
        return None
    head = value[:10]
    head = head + "-01" * ((10 - len(head)) // 3) if len(head) in (4, 7) else head
    try:
        return date.fromisoformat(head)
    except ValueError:
        return None


def _mk(year: int | None, month: int, day: int, anchor: date | None) -> date | None:
    year = year or (anchor.year if anchor else None)
    if year is None:
        return None
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    if anchor and found > anchor + timedelta(days=31) and not year:
        found = found.replace(year=year - 1)
    return found


def fallback_times(text: str, anchor: date | None) -> list[TimeExpression]:
    """Explicit dates and relative day words, resolved against ``anchor`` when known."""
    out: list[TimeExpression] = []
    for m in _ISO.finditer(text):
        d = _mk(int(m.group(1)), int(m.group(2)), int(m.group(3)), None)
        if d:
            out.append(TimeExpression(m.start(), m.end(), m.group(), d.isoformat()))
    for m in _MDY.finditer(text):
        year = int(m.group(3)) if m.group(3) else None
        d = _mk(year, _MONTHS[m.group(1).lower()], int(m.group(2)), anchor)
        if d:
            out.append(TimeExpression(m.start(), m.end(), m.group(), d.isoformat()))
    for m in _DMY.finditer(text):
        year = int(m.group(3)) if m.group(3) else None
        d = _mk(year, _MONTHS[m.group(2).lower()], int(m.group(1)), anchor)
        if d:
            out.append(TimeExpression(m.start(), m.end(), m.group(), d.isoformat()))
    for m in _WEEKDAY.finditer(text):
        wd = WEEKDAYS.index(m.group(1).lower())
        value = resolve_weekday(anchor, wd).isoformat() if anchor else None
        out.append(TimeExpression(m.start(), m.end(), m.group(), value, relative=f"weekday:{wd}"))
    for m in _RELDAY.finditer(text):
        shift = -1 if m.group(1).lower() == "yesterday" else 0
        value = (anchor + timedelta(days=shift)).isoformat() if anchor else None
        out.append(TimeExpression(m.start(), m.end(), m.group(), value, relative=f"days:{shift}"))
    return sorted(out, key=lambda t: t.start)


def weekday_in(relative: str | None) -> int | None:
    """The weekday a relative expression names ("weekday:1;part_of_day:night" -> 1)."""
    for part in (relative or "").split(";"):
        key, _, value = part.partition(":")
        if key.strip() == "weekday" and value.strip().lstrip("-").isdigit():
            return int(value) % 7
    return None


def resolve_weekday(anchor: date, weekday: int) -> date:
    """The most recent such weekday on or before ``anchor`` (news speaks of the past week)."""
    return anchor - timedelta(days=(anchor.weekday() - weekday) % 7)


def times_of(
    text: str, annotation: Annotations | None, published: str | None
) -> list[TimeExpression]:
    if annotation is not None and annotation.times:
        return list(annotation.times)
    return fallback_times(text, parse_iso(published))


@dataclass(frozen=True)
class DateVote:
    value: date
    precision: str
    from_text: bool


def choose_date(
    candidates: Iterable[tuple[date, str]], published: date | None
) -> tuple[date, str] | None:
    """The most often mentioned day near publication; an event's own date, not background."""
    days = Counter()
    coarse: Counter[tuple[date, str]] = Counter()
    for value, precision in candidates:
        if published and not (
            published - timedelta(days=45) <= value <= published + timedelta(days=1)
        ):
            continue
        if precision in ("day", "hour", "minute"):
            days[value] += 1
        else:
            coarse[(value, precision)] += 1
    if days:
        best = max(days.items(), key=lambda kv: (kv[1], kv[0]))
        return best[0], "day"
    if coarse:
        (value, precision), _ = max(coarse.items(), key=lambda kv: (kv[1], kv[0][0]))
        return value, precision
    return None
