"""Publication dates: metadata values and datelines near the top of an article.

A dateline is a short line that is mostly a date (with perhaps a time, a weekday,
a time zone and a section label). Dates inside sentences or photo captions are
never taken: the grouping stage may infer a date later, flagged as inferred.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

import dateparser

_MONTH_WORD = r"[^\W\d_]{3,12}\.?"
_DATE_PATTERNS = (
    re.compile(rf"\b{_MONTH_WORD}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"),  # March 13, 2024
    re.compile(
        rf"\b\d{{1,2}}(?:st|nd|rd|th)?\.?\s+(?:of\s+)?{_MONTH_WORD},?\s+\d{{4}}\b"
    ),  # 13 March
    re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?\b"),
    re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{4}\b"),  # 13.03.2024
)
_TIME = re.compile(
    r"\b\d{1,2}[:.]\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?(?:\s+[A-Z]{2,5}\b)?"
    r"|\b\d{1,2}\s*[AaPp]\.?[Mm]\.?(?:\s+[A-Z]{2,5}\b)?"
)
_DECORATION = re.compile(
    r"\b(?:updated|published|posted|last|modified|on|at|am|pm|gmt|utc|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"mon|tue|wed|thu|fri|sat|sun)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_WORD = re.compile(r"[^\W\d_]+")
_MAX_DATELINE_CHARS = 100
_MAX_LABEL_WORDS = 4
_MIN_YEAR = 1990


def parse_date_value(value: object) -> str | None:
    """ISO date or datetime from a metadata value (string, epoch number); None if unusable."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            moment = datetime.fromtimestamp(value / 1000 if value > 1e11 else value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
        return _iso(moment, has_time=True)
    if not isinstance(value, str):
        return None
    text = value.strip()[:80]
    if not text:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return _plausible(date.fromisoformat(text))
        except ValueError:
            return None
    if text.isdigit() and len(text) >= 9:
        return parse_date_value(int(text))
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return _iso(moment, has_time=True)
    except ValueError:
        pass
    try:
        return _iso(parsedate_to_datetime(text), has_time=True)  # RFC 2822, as in feeds
    except (TypeError, ValueError, IndexError):
        pass
    if not _YEAR.search(text):
        return None  # without a year it is no publication date
    return _parse_free(text, has_time=bool(_TIME.search(text)))


def find_dateline(line: str) -> str | None:
    """The ISO date/datetime of a dateline, or None when the line is not one."""
    stripped = line.strip()
    if not stripped or len(stripped) > _MAX_DATELINE_CHARS or "©" in stripped:
        return None
    for pattern in _DATE_PATTERNS:
        found = pattern.search(stripped)
        if found:
            break
    else:
        return None
    rest = stripped[: found.start()] + " " + stripped[found.end() :]
    time = _TIME.search(rest)
    if time:
        rest = rest.replace(time.group(0), " ")
    words = _WORD.findall(_DECORATION.sub(" ", rest))
    if len(words) > _MAX_LABEL_WORDS or any(w[0].islower() and len(w) > 2 for w in words):
        return None  # a sentence, not a dateline: labels are capitalised words
    phrase = found.group(0) + (" " + time.group(0) if time else "")
    return _parse_free(phrase, has_time=time is not None or ":" in found.group(0))


def _parse_free(text: str, *, has_time: bool) -> str | None:
    # English first: loading every language's data takes seconds, so only for other scripts.
    languages = ["en"] if text.isascii() else None
    try:
        moment = dateparser.parse(
            text,
            languages=languages,
            settings={"STRICT_PARSING": True, "PREFER_DAY_OF_MONTH": "first"},
        )
    except (ValueError, OverflowError, TypeError, AttributeError):
        return None
    if moment is None:
        return None
    return _iso(moment, has_time=has_time)


def _iso(moment: datetime, *, has_time: bool) -> str | None:
    if _plausible(moment.date()) is None:
        return None
    if not has_time:
        return moment.date().isoformat()
    return moment.replace(microsecond=0).isoformat()


def _plausible(day: date) -> str | None:
    """Years far off are parse accidents (a number read as a year), not publication dates."""
    if day.year < _MIN_YEAR or day.year > datetime.now(tz=UTC).year + 1:
        return None
    return day.isoformat()
