"""Stories: the dated events of one happening told over days.

A dam breach, the flood, the evacuations and the blame are separate ACLED-grained
events (one day, one place, one type) of one story. What ties them is not wording
but who the happening is about and where: two events that both name a person few
other events name, at a place they share, are one story. People who only speak of
a happening (spokespeople, officials, reporters) name many unrelated events and
link none; so do places alone (a city holds many stories).

An event's link keys (``person:<entity>``, ``place:<entity>``, ``region:<cc>:<admin1>``)
come from its own sentences (:func:`link_keys`); :func:`stories_of` threads events into
stories given how many events of the ledger hold each key, so the stored ledger can
thread only the events near a change (store/story_tables.py).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from newsledger.model import Annotations, Entity, EventCluster, EventRecord, Resolution, Story

MAX_PERSON_EVENTS = 3  # a person named by more events is not what one story is about
MAX_DAYS_APART = 14  # a story is told over days; the same people months later are news again
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
PERSON_LABEL = "PERSON"


def _speakers(annotation: Annotations) -> list[tuple[int, int]]:
    spans = []
    for a in annotation.attributions:
        for span in (a.source, a.via):
            if span is not None:
                spans.append((span.start, span.end))
    return spans


def _inside(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < b and a < end for a, b in spans)


def _place_keys(entity: Entity) -> list[str]:
    """A specific place and its first-level region; a country or continent says too little."""
    feature = entity.feature or ""
    if not entity.country or feature.startswith(("A.PCL", "L.CONT")):
        return []
    keys = [f"place:{entity.id}"]
    admin1 = entity.admin1 or (entity.name if feature == "A.ADM1" else None)
    if admin1:
        keys.append(f"region:{entity.country}:{admin1}")
    return keys


def link_keys(
    cluster: EventCluster,
    annotations: Mapping[str, Annotations],
    resolution: Resolution,
    entities: Mapping[str, Entity],
) -> tuple[str, ...]:
    """The people an event is about (never those who speak of it) and its places."""
    wanted = {(r.article_id, r.sentence) for r in cluster.sentences}
    people: set[str] = set()
    speaking: set[str] = set()
    places: set[str] = set()
    for article_id in sorted({r.article_id for r in cluster.sentences}):
        annotation = annotations.get(article_id)
        if annotation is None:
            continue
        speakers = _speakers(annotation)
        for m in annotation.mentions:
            if (article_id, m.sentence) not in wanted:
                continue
            eid = resolution.entity_at(article_id, m.start, m.end)
            entity = entities.get(eid) if eid else None
            if entity is None:
                continue
            if m.label == PERSON_LABEL:
                (speaking if _inside(m.start, m.end, speakers) else people).add(entity.id)
            elif m.label in PLACE_LABELS:
                places.update(_place_keys(entity))
    # someone who speaks anywhere in the event is a source of it, not its subject
    keys = {f"person:{p}" for p in people - speaking} | places
    return tuple(sorted(keys))


def story_id(event_ids: Iterable[str]) -> str:
    return "st-" + hashlib.sha1(min(event_ids).encode()).hexdigest()[:12]


def _day(value: str | None) -> date | None:
    """The day of a day-precise date; a month or year alone (which ``dates.parse_iso``
    would pin to its first day) is no day to count days apart from."""
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _link(
    a: EventRecord, b: EventRecord, df: Mapping[str, int], names: Mapping[str, str]
) -> str | None:
    """Why two events are one story, or None."""
    a_keys, b_keys = set(a.link_keys), set(b.link_keys)
    shared = a_keys & b_keys
    people = sorted(k for k in shared if k.startswith("person:")
                    and df.get(k, 0) <= MAX_PERSON_EVENTS)
    places = sorted(k for k in shared if not k.startswith("person:"))
    if not people or not places:
        return None

    def name(key: str) -> str:
        rest = key.partition(":")[2]
        return names.get(rest, rest.split(":")[-1])

    da, db = _day(a.date), _day(b.date)
    if da is None or db is None or abs((da - db).days) > MAX_DAYS_APART:
        return None
    where = next((k for k in places if k.startswith("place:")), places[0])
    line = f"{a.id} ~ {b.id}: " + ", ".join(name(p) for p in people) + f" at {name(where)}"
    return line + f", {abs((da - db).days)} days apart"


def stories_of(
    events: Sequence[EventRecord],
    df: Mapping[str, int],
    names: Mapping[str, str] | None = None,
    previous: Mapping[str, str] | None = None,
) -> list[Story]:
    """Thread events into stories (two events or more); ``df``: events per link key in
    the whole ledger; ``previous``: event id -> the story it was in, whose id it keeps."""
    names = names or {}
    by_id = {e.id: e for e in events}
    holders: dict[str, list[str]] = defaultdict(list)
    for e in events:
        for k in e.link_keys:
            if k.startswith("person:") and df.get(k, 0) <= MAX_PERSON_EVENTS:
                holders[k].append(e.id)
    parent = {e.id: e.id for e in events}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    basis: dict[str, list[str]] = defaultdict(list)
    pairs: set[tuple[str, str]] = set()
    for ids in holders.values():
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                pairs.add((min(a, b), max(a, b)))
    for a, b in sorted(pairs):
        why = _link(by_id[a], by_id[b], df, names)
        if why is None:
            continue
        basis[a].append(why)
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[str, list[str]] = defaultdict(list)
    for e in events:
        members[find(e.id)].append(e.id)
    previous = previous or {}
    taken: set[str] = set()
    stories = []
    for root in sorted(members):
        ids = sorted(members[root])
        if len(ids) < 2:
            continue
        held = sorted({previous[i] for i in ids if i in previous} - taken,
                      key=lambda s: (-sum(previous.get(i) == s for i in ids), s))
        sid = held[0] if held else story_id(ids)
        taken.add(sid)
        chosen = [by_id[i] for i in ids]
        dated = sorted(d for e in chosen if (d := _day(e.date)))
        lead = min(chosen, key=lambda e: (-len(e.article_ids), e.date or "9999", e.id))
        ordered = sorted(chosen, key=lambda e: (e.date or "9999", e.id))
        stories.append(Story(
            id=sid,
            title=lead.title,
            event_ids=tuple(e.id for e in ordered),
            first_date=dated[0].isoformat() if dated else None,
            last_date=dated[-1].isoformat() if dated else None,
            basis=tuple(line for i in ids for line in basis.get(i, ())),
        ))
    return sorted(stories, key=lambda s: s.id)


def key_counts(events: Iterable[EventRecord]) -> dict[str, int]:
    """Events per link key."""
    df: dict[str, int] = defaultdict(int)
    for e in events:
        for k in set(e.link_keys):
            df[k] += 1
    return dict(df)


def entity_names(entities: Iterable[Entity]) -> dict[str, str]:
    return {e.id: e.name for e in entities}
