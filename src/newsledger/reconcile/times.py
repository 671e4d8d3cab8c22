"""The time expressions of an event's sentences, resolved for its timeline.

Extraction resolves relative expressions ("on Tuesday", "this morning") only
when the article carries its publication date. Where that date was inferred
later (by the group stage), the expression kept in ``relative`` what it means,
so it is resolved here against the inferred date.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta

from newsledger.model import Annotations, Article, EventCluster, EventTime, TimeExpression

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_MONTHDAY = re.compile(r"^(\d{2})-(\d{2})")
FUTURE_SLACK_DAYS = 183  # a date-without-year this far after the anchor belongs to the year before


def _parts(relative: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in relative.split(";"):
        kind, _, arg = part.partition(":")
        if kind:
            out[kind] = arg
    return out


def _in_year(month: int, day: int, anchor: date) -> date | None:
    """A day-and-month in the year that puts it nearest before (or just after) the anchor."""
    try:
        found = date(anchor.year, month, day)
    except ValueError:
        return None
    if (found - anchor).days > FUTURE_SLACK_DAYS:
        try:
            found = date(anchor.year - 1, month, day)
        except ValueError:
            return None
    return found


def resolve_relative(relative: str | None, anchor: str | None) -> str | None:
    """An ISO date (or month, or datetime) for a relative expression, given an anchor date."""
    if not relative or not anchor:
        return None
    try:
        base = date.fromisoformat(anchor[:10])
    except ValueError:
        return None
    parts = _parts(relative)
    day: date | None = None
    if "weekday" in parts and parts["weekday"].isdigit():
        day = base - timedelta(days=(base.weekday() - int(parts["weekday"])) % 7)
    elif "days" in parts and re.fullmatch(r"-?\d+", parts["days"]):
        day = base + timedelta(days=int(parts["days"]))
    elif "monthday" in parts and (m := _MONTHDAY.match(parts["monthday"])):
        day = _in_year(int(m.group(1)), int(m.group(2)), base)
    elif "month" in parts and parts["month"].isdigit():
        first = _in_year(int(parts["month"]), 1, base)
        return first.isoformat()[:7] if first else None
    elif "today" in parts or "part_of_day" in parts or "clock" in parts:
        day = base
    if day is None:
        return None
    clock = _CLOCK.match(parts.get("clock", ""))
    if clock and "monthday" not in parts:
        return f"{day.isoformat()}T{int(clock.group(1)):02d}:{clock.group(2)}"
    return day.isoformat()


def _value(t: TimeExpression, article: Article | None) -> str | None:
    if t.value:
        return t.value
    return resolve_relative(t.relative, article.published if article else None)


def event_times(
    cluster: EventCluster,
    annotations: Mapping[str, Annotations],
    articles: Mapping[str, Article],
) -> tuple[EventTime, ...]:
    """Every time expression in the event's sentences, its text read from the article."""
    wanted = {(r.article_id, r.sentence) for r in cluster.sentences}
    out: list[EventTime] = []
    for article_id in sorted({r.article_id for r in cluster.sentences}):
        ann, article = annotations.get(article_id), articles.get(article_id)
        if ann is None or article is None:
            continue
        for t in ann.times:
            if (article_id, t.sentence) not in wanted:
                continue
            text = article.text[t.start : t.end]
            if not text.strip():
                continue
            out.append(EventTime(article_id, t.start, t.end, text, _value(t, article)))
    return tuple(sorted(out, key=lambda t: (t.value or "~", t.article_id, t.start)))
