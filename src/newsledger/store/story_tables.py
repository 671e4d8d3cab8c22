"""Stories in the store, threaded again only near the events a run changed.

- ``ledger_story_keys``: one row per (link key, event): the people and places of each
  event (``EventRecord.link_keys``), indexed both ways, so the events that share a key
  with a changed event and the number of events holding a key are index lookups.
- ``ledger_stories``: one row per story (two events or more), its record as codec JSON.
- ``ledger_event_stories``: event -> story.

A run rewrites the keys of the events it changed or removed, then threads again the
stories those events reach: through people few enough events name to link them
(:data:`~newsledger.group.stories.MAX_PERSON_EVENTS`, plus one, since a key that just
passed the bound unlinks the events it held), and through the stories they were in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from sqlalchemy import (
    Column,
    Connection,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
)

from newsledger.codec import dumps, loads
from newsledger.group.stories import MAX_PERSON_EVENTS, stories_of
from newsledger.model import EventRecord, Story
from newsledger.store.sql import _chunks, metadata

_ID = 128
ledger_story_keys = Table(
    "ledger_story_keys",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("event_id", String(_ID), primary_key=True, index=True),
)
ledger_stories = Table(
    "ledger_stories",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("first_date", String(40), nullable=True, index=True),
    Column("last_date", String(40), nullable=True),
    Column("n_events", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("record", Text, nullable=False),
    Index("ix_ledger_stories_newest", "last_date", "n_events"),
)
ledger_event_stories = Table(
    "ledger_event_stories",
    metadata,
    Column("event_id", String(_ID), primary_key=True),
    Column("story_id", String(_ID), nullable=False, index=True),
)
STORY_TABLES = (ledger_story_keys, ledger_stories, ledger_event_stories)


def _keys_of(conn: Connection, event_ids: Iterable[str]) -> dict[str, set[str]]:
    t = ledger_story_keys
    out: dict[str, set[str]] = {}
    for chunk in _chunks(sorted(set(event_ids))):
        for key, eid in conn.execute(select(t.c.key, t.c.event_id).where(t.c.event_id.in_(chunk))):
            out.setdefault(eid, set()).add(key)
    return out


def _counts(conn: Connection, keys: Iterable[str]) -> dict[str, int]:
    t = ledger_story_keys
    out: dict[str, int] = {}
    for chunk in _chunks(sorted(set(keys))):
        out.update(conn.execute(select(t.c.key, func.count()).where(t.c.key.in_(chunk))
                                .group_by(t.c.key)).all())
    return out


def _holders(conn: Connection, keys: Iterable[str]) -> set[str]:
    t = ledger_story_keys
    out: set[str] = set()
    for chunk in _chunks(sorted(set(keys))):
        out.update(conn.execute(select(t.c.event_id).where(t.c.key.in_(chunk))).scalars())
    return out


def _story_of(conn: Connection, event_ids: Iterable[str]) -> dict[str, str]:
    t = ledger_event_stories
    out: dict[str, str] = {}
    for chunk in _chunks(sorted(set(event_ids))):
        out.update(conn.execute(select(t.c.event_id, t.c.story_id)
                                .where(t.c.event_id.in_(chunk))).all())
    return out


def _members(conn: Connection, story_ids: Iterable[str]) -> set[str]:
    t = ledger_event_stories
    out: set[str] = set()
    for chunk in _chunks(sorted(set(story_ids))):
        out.update(conn.execute(select(t.c.event_id).where(t.c.story_id.in_(chunk))).scalars())
    return out


def _linking(keys: Iterable[str], counts: dict[str, int], bound: int) -> set[str]:
    return {k for k in keys if k.startswith("person:") and counts.get(k, 0) <= bound}


def update_stories(
    conn: Connection,
    changed: Sequence[EventRecord],
    removed: Sequence[str] = (),
    *,
    load_events: Callable[[Sequence[str]], Iterable[EventRecord]] | None = None,
    names: dict[str, str] | None = None,
) -> list[Story]:
    """Rewrite the link keys of ``changed`` and ``removed`` events and thread again the
    stories they reach; returns the stories written (removed ones are gone)."""
    from newsledger.store.ledger_tables import _headers

    k = ledger_story_keys
    touched = {e.id for e in changed} | set(removed)
    if not touched:
        return []
    before = _keys_of(conn, touched)
    for chunk in _chunks(sorted(touched)):
        conn.execute(delete(k).where(k.c.event_id.in_(chunk)))
    _insert_keys(conn, changed)
    old_story = _story_of(conn, touched)
    # a person key links while at most MAX_PERSON_EVENTS events hold it: the events
    # holding one that linked before this change or links after it are threaded again
    after = _counts(conn, {x for keys in before.values() for x in keys if x.startswith("person:")}
                    | {x for e in changed for x in e.link_keys if x.startswith("person:")})
    gained: dict[str, int] = {}
    for e in changed:
        for x in set(e.link_keys):
            gained[x] = gained.get(x, 0) + 1
    for keys in before.values():
        for x in keys:
            gained[x] = gained.get(x, 0) - 1
    was_or_is = {x for x, n in after.items()
                 if min(n, n - gained.get(x, 0)) <= MAX_PERSON_EVENTS}
    seeds = set(touched) | _holders(conn, was_or_is) | _members(conn, set(old_story.values()))
    seeds -= set(removed)
    counts = dict(after)

    # every event reachable from the seeds through linking people or a story it was in
    reach: set[str] = set()
    frontier = set(seeds)
    keys_of: dict[str, set[str]] = {}
    while frontier:
        keys_of.update(_keys_of(conn, frontier))
        reach |= frontier
        near = {x for eid in frontier for x in keys_of.get(eid, ()) if x.startswith("person:")}
        counts.update(_counts(conn, near - set(counts)))
        was_in = _story_of(conn, frontier)
        old_story.update(was_in)
        frontier = (_holders(conn, _linking(near, counts, MAX_PERSON_EVENTS))
                    | _members(conn, set(was_in.values()))) - reach - set(removed)
    stale = set(old_story.values())
    records = {e.id: e for e in changed}
    rest = sorted(reach - set(records))
    loader = load_events or (lambda ids: _records(conn, ids))
    for chunk in _chunks(rest):
        records.update((e.id, e) for e in loader(chunk))
    events = [records[i] for i in sorted(reach) if i in records]
    entity_ids = {x.split(":", 1)[1] for e in events for x in e.link_keys
                  if x.startswith(("person:", "place:"))}
    if names is None:
        names = {e.id: e.name for e in _headers(conn, sorted(entity_ids))}
    stories = stories_of(events, counts, names, old_story)

    s, es = ledger_stories, ledger_event_stories
    for chunk in _chunks(sorted(stale | {x.id for x in stories})):
        conn.execute(delete(s).where(s.c.id.in_(chunk)))
    for chunk in _chunks(sorted(reach | set(removed))):
        conn.execute(delete(es).where(es.c.event_id.in_(chunk)))
    _insert_stories(conn, stories)
    return stories


def _insert_keys(conn: Connection, events: Sequence[EventRecord]) -> None:
    rows = [{"key": key[:300], "event_id": e.id} for e in events for key in set(e.link_keys)]
    for chunk in _chunks(rows, 2000):
        conn.execute(insert(ledger_story_keys), list(chunk))


def _insert_stories(conn: Connection, stories: Sequence[Story]) -> None:
    """Story rows and event -> story rows."""
    if not stories:
        return
    conn.execute(insert(ledger_stories), [
        {"id": x.id, "first_date": x.first_date, "last_date": x.last_date,
         "n_events": len(x.event_ids), "title": x.title, "record": dumps(x)} for x in stories])
    conn.execute(insert(ledger_event_stories), [
        {"event_id": e, "story_id": x.id} for x in stories for e in x.event_ids])


def _records(conn: Connection, ids: Sequence[str]) -> list[EventRecord]:
    """Stored event records by id (a plain SELECT: this connection writes next, so no
    server-side cursor)."""
    from newsledger.store.ledger_tables import ledger_events

    t = ledger_events
    return [loads(EventRecord, r) for r in conn.execute(
        select(t.c.record).where(t.c.id.in_(list(ids)))).scalars()]


def iter_stories(conn: Connection, event_ids: Sequence[str] | None = None) -> Iterator[Story]:
    """Stories by id; with ``event_ids``, those holding any of these events."""
    s = ledger_stories
    order = s.c.id.collate("C") if conn.dialect.name == "postgresql" else s.c.id
    if event_ids is None:
        for record in conn.execute(select(s.c.record).order_by(order)).scalars():
            yield loads(Story, record)
        return
    ids = sorted(set(_story_of(conn, event_ids).values()))
    for chunk in _chunks(ids):
        for record in conn.execute(select(s.c.record).where(s.c.id.in_(chunk))
                                   .order_by(order)).scalars():
            yield loads(Story, record)


def story_of_events(conn: Connection, event_ids: Sequence[str]) -> dict[str, str]:
    """Event id -> the id of its story, for those in one."""
    return _story_of(conn, event_ids)


def write_stories(
    conn: Connection, stories: Sequence[Story], events: Sequence[EventRecord]
) -> None:
    """A full rewrite (the whole ledger in memory): keys of every event and its stories."""
    for table in STORY_TABLES:
        conn.execute(delete(table))
    _insert_keys(conn, events)
    _insert_stories(conn, stories)


__all__ = ["STORY_TABLES", "iter_stories", "story_of_events", "update_stories", "write_stories"]
