"""Inferred publication dates for articles that state none.

Evidence, strongest first: an explicit date in the text whose weekday matches a
weekday the text names ("this Tuesday March 12, 2024"); the date of the event
the article reports, when a weekday it names falls on it ("Tuesday" and an
event on Tuesday 12 March); the event date alone; the date the text mentions
most. The basis says which, so a reader can judge.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping, Sequence

from newsledger.group.dates import WEEKDAYS, choose_date, parse_iso, times_of, weekday_in
from newsledger.group.text import sentences_of
from newsledger.model import Annotations, Article, EventCluster


def _main_cluster(article: Article, clusters: Sequence[EventCluster]) -> EventCluster | None:
    best, best_n = None, 0
    for c in clusters:
        if article.id not in c.article_ids:
            continue
        n = sum(1 for r in c.sentences if r.article_id == article.id)
        if n > best_n or (n == best_n and best is not None and c.id < best.id):
            best, best_n = c, n
    return best


def infer_dates(
    articles: Sequence[Article],
    annotations: Mapping[str, Annotations],
    clusters: Sequence[EventCluster],
) -> tuple[Article, ...]:
    out = []
    for article in articles:
        if article.published:
            out.append(article)
            continue
        inferred = _infer(article, annotations.get(article.id), clusters)
        if inferred is None:
            out.append(article)
            continue
        value, basis = inferred
        out.append(
            dataclasses.replace(
                article, published=value, published_inferred=True, published_basis=basis
            )
        )
    return tuple(out)


def _infer(
    article: Article, annotation: Annotations | None, clusters: Sequence[EventCluster]
) -> tuple[str, str] | None:
    times = times_of(article.text, annotation, None)
    weekdays: Counter[int] = Counter()
    weekday_text: dict[int, str] = {}
    absolute = []
    for t in times:
        wd = weekday_in(t.relative)
        if wd is not None:
            weekdays[wd] += 1
            weekday_text.setdefault(wd, t.text.strip())
        elif t.value and not t.relative:
            value = parse_iso(t.value)
            if value is not None:
                absolute.append((value, t.precision))
    if not sentences_of(article.text, annotation) and not times:
        return None
    for value, precision in sorted(absolute, key=lambda v: v[0], reverse=True):
        if precision == "day" and value.weekday() in weekdays:
            name = weekday_text[value.weekday()]
            return value.isoformat(), f"date in text {value.isoformat()}; '{name}' in text"
    cluster = _main_cluster(article, clusters)
    event_day = parse_iso(cluster.date) if cluster and cluster.date else None
    if event_day is not None:
        if event_day.weekday() in weekdays:
            name = weekday_text[event_day.weekday()]
            return event_day.isoformat(), f"event date {event_day.isoformat()}; '{name}' in text"
        if weekdays:
            wd = weekdays.most_common(1)[0][0]
            later = event_day.toordinal() + (wd - event_day.weekday()) % 7
            value = type(event_day).fromordinal(later)
            return value.isoformat(), (
                f"event date {event_day.isoformat()}; '{weekday_text[wd]}' in text, "
                f"the first {WEEKDAYS[wd].title()} on or after it"
            )
        return event_day.isoformat(), f"event date {event_day.isoformat()}"
    chosen = choose_date(absolute, None)
    if chosen is not None:
        return chosen[0].isoformat(), f"date in text {chosen[0].isoformat()}"
    return None
