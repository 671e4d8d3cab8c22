"""The ledger itself in the store: events, claims, conflicts, entities, origin groups.

Records are stored as codec JSON (:mod:`newsledger.codec`) beside the indexed columns
they are filtered, joined and sorted by, so exports stream them in today's order and
the web pages query them with SQL. The write functions take a Connection inside the
caller's transaction: the incremental pipeline writes a whole batch or nothing.

Order of the ``newsledger/1`` export, kept by the read side: articles, origin groups,
events and entities by id (code-point order: SQLite's BINARY collation, PostgreSQL's
``"C"``), claims and conflicts by event id then their ``position`` inside the event,
an entity's mentions by (article id, start, end).

Search (``ledger_search``): one row per event holding the folded (lower-case,
accent-free, transliterated) text of its title, claim statements, the names and
aliases of its places, actors and claimants, and its articles' titles and texts. SQLite keeps it
in an FTS5 table whose rowid is the event's ``search_key`` (its place in the list);
PostgreSQL in a table with a generated ``tsvector`` column under a GIN index.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    bindparam,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from unidecode import unidecode

from newsledger.codec import dumps, loads, to_data
from newsledger.model import (
    Article,
    Claim,
    Conflict,
    Entity,
    EntityMention,
    EventRecord,
    Ledger,
    OriginGroup,
    Rejection,
    Story,
)
from newsledger.store.sql import LedgerStore, _chunks, articles_table, metadata
from newsledger.store.story_tables import (
    STORY_TABLES,
    iter_stories,
    ledger_event_stories,
    ledger_stories,
    update_stories,
    write_stories,
)

LEDGER_TABLES_VERSION = "1"
_ID = 128

ledger_runs = Table(
    "ledger_runs",
    metadata,
    Column("run", Integer, primary_key=True, autoincrement=True),
    Column("started", Text, nullable=False),
    Column("finished", Text, nullable=True),
    Column("new_articles", Integer, nullable=True),
    Column("changed_events", Integer, nullable=True),
)
ledger_events = Table(
    "ledger_events",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("date", String(40), nullable=True, index=True),
    Column("event_type", String(64), nullable=True, index=True),
    Column("sub_event_type", String(128), nullable=True),
    Column("title", Text, nullable=False),
    Column("location", String(_ID), nullable=True),
    Column("n_articles", Integer, nullable=False),
    Column("changed_run", Integer, nullable=True, index=True),
    Column("record", Text, nullable=False),
    # added beyond the contract: the list page's counts without decoding claims
    Column("n_claims", Integer, nullable=False, default=0),
    Column("n_conflicts", Integer, nullable=False, default=0),
    Column("statuses", Text, nullable=False, default="{}"),  # JSON: claim status -> count
    # the list order as one integer (list_key): newest first is ORDER BY search_key DESC,
    # and the event's FTS5 rowid, so a search walks its matches in list order
    Column("search_key", BigInteger, nullable=True, index=True),
    Index("ix_ledger_events_newest", "date", "n_articles"),
)
ledger_event_articles = Table(
    "ledger_event_articles",
    metadata,
    Column("event_id", String(_ID), primary_key=True),
    Column("article_id", String(_ID), primary_key=True, index=True),
)
# added beyond the contract: who and where an event involves (place filter, entity pages)
ledger_event_entities = Table(
    "ledger_event_entities",
    metadata,
    Column("event_id", String(_ID), primary_key=True),
    Column("entity_id", String(_ID), primary_key=True, index=True),
    Column("role", String(16), primary_key=True),  # place, actor, claimant
    Column("position", Integer, nullable=False),  # order of first involvement in the event
)
ledger_claims = Table(
    "ledger_claims",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("event_id", String(_ID), nullable=False),
    Column("position", Integer, nullable=False),
    Column("status", String(32), nullable=False),
    Column("record", Text, nullable=False),
    Index("ix_ledger_claims_event", "event_id", "position"),
    Index("ix_ledger_claims_status", "status", "event_id"),
)
# added beyond the contract: claims by article (article page) without decoding evidence
ledger_claim_articles = Table(
    "ledger_claim_articles",
    metadata,
    Column("claim_id", String(_ID), primary_key=True),
    Column("article_id", String(_ID), primary_key=True, index=True),
    Column("event_id", String(_ID), nullable=False, index=True),
)
ledger_conflicts = Table(
    "ledger_conflicts",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("event_id", String(_ID), nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Index("ix_ledger_conflicts_event", "event_id", "position"),
    Column("record", Text, nullable=False),
)
ledger_entities = Table(
    "ledger_entities",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("type", String(32), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("n_mentions", Integer, nullable=False),
    Column("record", Text, nullable=False),
    # added beyond the contract: folded name and aliases, for the entity filter
    Column("folded", Text, nullable=False, default=""),
)
ledger_entity_mentions = Table(
    "ledger_entity_mentions",
    metadata,
    # primary key (article_id, start, end, entity_id), in this column order
    Column("article_id", String(_ID), primary_key=True, index=True),
    Column("start", Integer, primary_key=True, autoincrement=False),
    Column("end", Integer, primary_key=True, autoincrement=False),
    Column("entity_id", String(_ID), primary_key=True),
    Column("text", Text, nullable=False),
    Index("ix_ledger_entity_mentions_entity", "entity_id", "article_id", "start", "end"),
)
ledger_origin_groups = Table(
    "ledger_origin_groups",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("basis", Text, nullable=False),
    Column("record", Text, nullable=False),
)
ledger_article_origins = Table(
    "ledger_article_origins",
    metadata,
    Column("article_id", String(_ID), primary_key=True),
    Column("group_id", String(_ID), nullable=False, index=True),
)
ledger_article_dates = Table(
    "ledger_article_dates",
    metadata,
    Column("article_id", String(_ID), primary_key=True),
    Column("published", String(40), nullable=True),
    Column("published_inferred", Boolean, nullable=False, default=False),
    Column("published_basis", Text, nullable=True),
)

# events that no longer exist because another absorbed them (a merge, a lone report placed
# again): an id an analyst cited keeps leading to the event that holds its reports now
ledger_event_moves = Table(
    "ledger_event_moves",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("moved_to", String(64), nullable=False, index=True),
    Column("run", Integer, nullable=False),
)
MAX_MOVES_FOLLOWED = 32

LEDGER_TABLES = (
    ledger_runs,
    ledger_events,
    ledger_event_articles,
    ledger_event_entities,
    ledger_claims,
    ledger_claim_articles,
    ledger_conflicts,
    ledger_entities,
    ledger_entity_mentions,
    ledger_origin_groups,
    ledger_article_origins,
    ledger_article_dates,
)

# ---------------------------------------------------------------------------- search

_SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS ledger_search USING fts5("
    "event_id UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2')"
)
_PG_SEARCH = (
    "CREATE TABLE IF NOT EXISTS ledger_search ("
    "event_id VARCHAR(128) PRIMARY KEY, body TEXT NOT NULL, "
    "tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED)"
)
_PG_SEARCH_INDEX = (
    "CREATE INDEX IF NOT EXISTS ix_ledger_search_tsv ON ledger_search USING GIN (tsv)"
)

# create_all runs these on every open (IF NOT EXISTS): an old ledger gains them too
event.listen(metadata, "after_create", DDL(_SQLITE_SEARCH).execute_if(dialect="sqlite"))
event.listen(metadata, "after_create", DDL(_PG_SEARCH).execute_if(dialect="postgresql"))
event.listen(metadata, "after_create", DDL(_PG_SEARCH_INDEX).execute_if(dialect="postgresql"))


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def fold(value: str) -> str:
    """Lower-case, accent-free, Latin form: searches ignore case, diacritics and script.

    unidecode maps character by character, so only the runs outside ASCII go through it
    (an article's text is mostly ASCII, and unidecode's per-character loop was the
    search index's main cost)."""
    return _NON_ASCII.sub(lambda m: unidecode(m.group()), value).casefold()


def search_rowid(event_id: str) -> int:
    """A stable 63-bit hash of an event id."""
    return int.from_bytes(hashlib.sha256(event_id.encode()).digest()[:8], "big") >> 1


_WHEN = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?")
_EPOCH = dt.datetime(1970, 1, 1)


def list_key(event_id: str, date: str | None, n_articles: int) -> int:
    """The event's place in the list, newest first, as a 63-bit integer (larger: earlier).

    26 bits of minutes since 1970 (0: undated, listed last), 10 bits of article count
    (more reports first on the same minute), 27 bits of a hash of the id to break ties.
    Taken as the FTS5 rowid, it lets a search return its newest matches first without
    sorting them all. Callers make it unique (:func:`_unique_keys`).
    """
    minutes = 0
    match = _WHEN.match(date or "")
    if match:
        try:
            when = dt.datetime(
                int(match[1]),
                int(match[2]),
                int(match[3]),
                int(match[4] or 0),
                int(match[5] or 0),
            )
            minutes = min(max(1, int((when - _EPOCH).total_seconds() // 60) + 1), 2**26 - 1)
        except ValueError:
            minutes = 0
    return (minutes << 37) | (min(n_articles, 1023) << 27) | (search_rowid(event_id) >> 36)


def _unique_keys(conn: Connection, wanted: dict[str, int]) -> dict[str, int]:
    """The keys of these events, each moved up by one while another event holds it."""
    taken: set[int] = set()
    for chunk in _chunks(sorted(set(wanted.values()))):
        taken.update(
            conn.execute(
                select(ledger_events.c.search_key).where(ledger_events.c.search_key.in_(chunk))
            ).scalars()
        )
    out: dict[str, int] = {}
    for event_id in sorted(wanted):
        key = wanted[event_id]
        while key in taken:
            key += 1
        taken.add(key)
        out[event_id] = key
    return out


def _dialect(conn: Connection) -> str:
    return conn.dialect.name


def _insert(conn: Connection, table: Table) -> Any:
    return (postgresql if _dialect(conn) == "postgresql" else sqlite).insert(table)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------- runs


def begin_run(conn: Connection) -> int:
    """Open a run; its number marks the events it changes (``changed_run``)."""
    result = conn.execute(insert(ledger_runs).values(started=_now()).returning(ledger_runs.c.run))
    return int(result.scalar_one())


def finish_run(conn: Connection, run: int, new_articles: int, changed_events: int) -> None:
    conn.execute(
        update(ledger_runs)
        .where(ledger_runs.c.run == run)
        .values(finished=_now(), new_articles=new_articles, changed_events=changed_events)
    )


def last_finished_run(conn: Connection) -> int | None:
    """The latest finished run, or None when the ledger tables were never written."""
    return conn.execute(
        select(func.max(ledger_runs.c.run)).where(ledger_runs.c.finished.is_not(None))
    ).scalar_one_or_none()


# ---------------------------------------------------------------------------- events


def _event_row(
    event: EventRecord, run: int, claims: Sequence[Claim], n_conflicts: int
) -> dict[str, Any]:
    statuses: dict[str, int] = {}
    for claim in claims:
        statuses[claim.status] = statuses.get(claim.status, 0) + 1
    return {
        "id": event.id,
        "date": event.date,
        "event_type": event.event_type,
        "sub_event_type": event.sub_event_type,
        "title": event.title,
        "location": event.location,
        "n_articles": len(event.article_ids),
        "changed_run": run,
        "record": dumps(event),
        "n_claims": len(claims),
        "n_conflicts": n_conflicts,
        "statuses": json.dumps(statuses, sort_keys=True),
        "search_key": list_key(event.id, event.date, len(event.article_ids)),
    }


def _involved(event: EventRecord, claims: Sequence[Claim]) -> list[tuple[str, str]]:
    """(entity id, role) in the order today's pages list them, first role wins."""
    seen: dict[str, str] = {}
    for eid in (event.location, *event.locations):
        if eid:
            seen.setdefault(eid, "place")
    for eid in event.actors:
        seen.setdefault(eid, "actor")
    for claim in claims:
        for eid in claim.claimants:
            seen.setdefault(eid, "claimant")
    return list(seen.items())


def _delete_event_rows(conn: Connection, event_ids: Sequence[str]) -> None:
    for chunk in _chunks(list(event_ids)):
        _delete_search(conn, chunk)  # first: the rowids are read from the event rows
        for table in (
            ledger_events,
            ledger_event_articles,
            ledger_event_entities,
            ledger_claims,
            ledger_claim_articles,
            ledger_conflicts,
        ):
            column = table.c.id if table is ledger_events else table.c.event_id
            conn.execute(delete(table).where(column.in_(chunk)))


def _delete_search(conn: Connection, event_ids: Sequence[str]) -> None:
    if _dialect(conn) == "sqlite":
        keys = conn.execute(
            select(ledger_events.c.search_key).where(ledger_events.c.id.in_(list(event_ids)))
        ).scalars()
        rows = [{"rowid": k} for k in keys if k is not None]
        if rows:
            conn.execute(text("DELETE FROM ledger_search WHERE rowid = :rowid"), rows)
    else:
        conn.execute(
            text("DELETE FROM ledger_search WHERE event_id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": list(event_ids)},
        )


def replace_events(
    conn: Connection,
    run: int,
    events: Sequence[EventRecord],
    claims: Sequence[Claim],
    conflicts: Sequence[Conflict],
    *,
    entities: Mapping[str, Entity] | None = None,
    articles: Mapping[str, Article] | None = None,
) -> None:
    """Replace each given event wholesale: its row, article links, claims, conflicts, search.

    ``claims`` carry their ``event_id``; a conflict belongs to the event of its first
    claim. Their order inside an event is their order here. The search row uses the
    names of the entities the event involves and its articles' titles: from ``entities``
    and ``articles`` when given (a full write), else from ``ledger_entities`` (call
    :func:`upsert_entities` first) and the ``articles`` table.
    """
    if not events:
        return
    event_ids = [e.id for e in events]
    wanted = set(event_ids)
    claims_of: dict[str, list[Claim]] = {eid: [] for eid in event_ids}
    for claim in claims:
        if claim.event_id in wanted:
            claims_of[claim.event_id].append(claim)
    claim_event = {c.id: c.event_id for c in claims}
    conflicts_of: dict[str, list[Conflict]] = {eid: [] for eid in event_ids}
    for conflict in conflicts:
        owner = claim_event.get(conflict.claim_ids[0]) if conflict.claim_ids else None
        if owner in wanted:
            conflicts_of[owner].append(conflict)
    _delete_event_rows(conn, event_ids)
    keys = _unique_keys(conn, {e.id: list_key(e.id, e.date, len(e.article_ids)) for e in events})

    involved = {e.id: _involved(e, claims_of[e.id]) for e in events}
    names = _entity_search_names(conn, {x for rows in involved.values() for x, _ in rows}, entities)
    titles = _article_titles(conn, {a for e in events for a in e.article_ids}, articles)

    event_rows, link_rows, entity_rows, claim_rows, claim_link_rows, conflict_rows = (
        [],
        [],
        [],
        [],
        [],
        [],
    )
    search_rows: list[dict[str, Any]] = []
    for ev in events:
        ev_claims = claims_of[ev.id]
        ev_conflicts = conflicts_of[ev.id]
        event_rows.append(
            {**_event_row(ev, run, ev_claims, len(ev_conflicts)), "search_key": keys[ev.id]}
        )
        link_rows.extend(
            {"event_id": ev.id, "article_id": a} for a in dict.fromkeys(ev.article_ids)
        )
        entity_rows.extend(
            {"event_id": ev.id, "entity_id": eid, "role": role, "position": i}
            for i, (eid, role) in enumerate(involved[ev.id])
        )
        for i, claim in enumerate(ev_claims):
            claim_rows.append(
                {
                    "id": claim.id,
                    "event_id": ev.id,
                    "position": i,
                    "status": claim.status,
                    "record": dumps(claim),
                }
            )
            claim_link_rows.extend(
                {"claim_id": claim.id, "article_id": a, "event_id": ev.id}
                for a in dict.fromkeys(x.article_id for x in claim.evidence)
            )
        conflict_rows.extend(
            {"id": c.id, "event_id": ev.id, "position": i, "kind": c.kind, "record": dumps(c)}
            for i, c in enumerate(ev_conflicts)
        )
        parts = [ev.title or "", *(c.statement for c in ev_claims)]
        parts += [names.get(eid, "") for eid, _ in involved[ev.id]]
        for a in ev.article_ids:
            parts += titles.get(a, ("", ""))
        body = fold("\n".join(p for p in parts if p))
        search_rows.append({"event_id": ev.id, "body": body, "rowid": keys[ev.id]})
    for table, rows in (
        (ledger_events, event_rows),
        (ledger_event_articles, link_rows),
        (ledger_event_entities, entity_rows),
        (ledger_claims, claim_rows),
        (ledger_claim_articles, claim_link_rows),
        (ledger_conflicts, conflict_rows),
    ):
        if rows:
            conn.execute(insert(table), rows)
    _insert_search(conn, search_rows)


def _insert_search(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if _dialect(conn) == "sqlite":
        conn.execute(
            text(
                "INSERT INTO ledger_search (rowid, event_id, body) "
                "VALUES (:rowid, :event_id, :body)"
            ),
            rows,
        )
    else:
        conn.execute(
            text("INSERT INTO ledger_search (event_id, body) VALUES (:event_id, :body)"),
            [{"event_id": r["event_id"], "body": r["body"]} for r in rows],
        )


def _entity_search_names(
    conn: Connection, entity_ids: set[str], given: Mapping[str, Entity] | None
) -> dict[str, str]:
    """Entity id -> its name and aliases, the words a search should find it by."""
    if given is not None:
        return {
            eid: " ".join(dict.fromkeys([given[eid].name, *given[eid].aliases]))
            for eid in entity_ids
            if eid in given
        }
    out: dict[str, str] = {}
    ids = sorted(entity_ids)
    for chunk in _chunks(ids):
        for eid, record in conn.execute(
            select(ledger_entities.c.id, ledger_entities.c.record).where(
                ledger_entities.c.id.in_(chunk)
            )
        ):
            data = json.loads(record)
            out[eid] = " ".join(dict.fromkeys([data["name"], *data.get("aliases", [])]))
    return out


def _article_titles(
    conn: Connection, article_ids: set[str], given: Mapping[str, Article] | None
) -> dict[str, tuple[str, str]]:
    """Article id -> (title, text): the words a search finds its events by."""
    if given is not None:
        return {a: (given[a].title or "", given[a].text) for a in article_ids if a in given}
    out: dict[str, tuple[str, str]] = {}
    for chunk in _chunks(sorted(article_ids)):
        for aid, record in conn.execute(
            select(articles_table.c.id, articles_table.c.record).where(
                articles_table.c.id.in_(chunk)
            )
        ):
            data = json.loads(record)
            out[aid] = (data.get("title") or "", data.get("text") or "")
    return out


def delete_events(conn: Connection, event_ids: Iterable[str]) -> None:
    """Remove events (and their claims, conflicts, links, search rows) that no longer exist."""
    ids = list(dict.fromkeys(event_ids))
    if ids:
        _delete_event_rows(conn, ids)


def record_moves(conn: Connection, run: int, moves: Mapping[str, str]) -> None:
    """Remember which event absorbed each removed one (a later move of the same id wins)."""
    ids = sorted(moves)
    for chunk in _chunks(ids):
        conn.execute(delete(ledger_event_moves).where(ledger_event_moves.c.id.in_(chunk)))
    rows = [{"id": cid, "moved_to": moves[cid], "run": run} for cid in ids]
    for chunk in _chunks(rows):
        conn.execute(insert(ledger_event_moves), list(chunk))


def moved_to(conn: Connection, event_id: str) -> str | None:
    """The event that holds a removed event's reports now (moves followed), or None."""
    seen = {event_id}
    current = event_id
    for _ in range(MAX_MOVES_FOLLOWED):
        nxt = conn.execute(select(ledger_event_moves.c.moved_to)
                           .where(ledger_event_moves.c.id == current)).scalar_one_or_none()
        if nxt is None or nxt in seen:
            return None
        exists = conn.execute(select(ledger_events.c.id)
                              .where(ledger_events.c.id == nxt)).scalar_one_or_none()
        if exists is not None:
            return nxt
        seen.add(nxt)
        current = nxt
    return None


# ---------------------------------------------------------------------------- entities


def _entity_row(entity: Entity, n_mentions: int) -> dict[str, Any]:
    return {
        "id": entity.id,
        "type": entity.type,
        "name": entity.name,
        "n_mentions": n_mentions,
        "record": dumps(replace(entity, mentions=())),
        "folded": fold(" ".join(dict.fromkeys([entity.name, *entity.aliases]))),
    }


def upsert_entities(conn: Connection, entities: Sequence[Entity]) -> None:
    """Insert or replace entity header rows; mentions are ignored (see add_entity_mentions).

    ``n_mentions`` is recounted from the mention rows already stored.
    """
    if not entities:
        return
    ids = [e.id for e in entities]
    counts = _mention_counts(conn, ids)
    rows = [_entity_row(e, counts.get(e.id, 0)) for e in {e.id: e for e in entities}.values()]
    stmt = _insert(conn, ledger_entities)
    stmt = stmt.on_conflict_do_update(
        index_elements=[ledger_entities.c.id],
        set_={c: stmt.excluded[c] for c in ("type", "name", "n_mentions", "record", "folded")},
    )
    for chunk in _chunks(rows):
        conn.execute(stmt, list(chunk))


def _mention_counts(conn: Connection, entity_ids: Sequence[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for chunk in _chunks(list(entity_ids)):
        rows = conn.execute(
            select(ledger_entity_mentions.c.entity_id, func.count())
            .where(ledger_entity_mentions.c.entity_id.in_(chunk))
            .group_by(ledger_entity_mentions.c.entity_id)
        )
        counts.update((eid, int(n)) for eid, n in rows)
    return counts


def _refresh_mention_counts(conn: Connection, entity_ids: Iterable[str]) -> None:
    ids = sorted(set(entity_ids))
    counts = _mention_counts(conn, ids)
    rows = [{"eid": eid, "n": counts.get(eid, 0)} for eid in ids]
    if rows:
        conn.execute(
            update(ledger_entities)
            .where(ledger_entities.c.id == bindparam("eid"))
            .values(n_mentions=bindparam("n")),
            rows,
        )


def add_entity_mentions(conn: Connection, rows: Iterable[tuple[str, EntityMention]]) -> None:
    """Attach mentions to entities (idempotent; ``n_mentions`` of those entities recounted)."""
    values = [
        {
            "entity_id": eid,
            "article_id": m.article_id,
            "start": m.start,
            "end": m.end,
            "text": m.text,
        }
        for eid, m in rows
    ]
    if not values:
        return
    stmt = _insert(conn, ledger_entity_mentions).on_conflict_do_nothing()
    for chunk in _chunks(values):
        conn.execute(stmt, list(chunk))
    _refresh_mention_counts(conn, (v["entity_id"] for v in values))


def move_entity_mentions(
    conn: Connection, moves: Sequence[tuple[str, str, EntityMention]]
) -> None:
    """Move single mentions from one entity to another (an entity split by new evidence)."""
    if not moves:
        return
    t = ledger_entity_mentions
    conn.execute(
        delete(t).where(
            t.c.entity_id == bindparam("old"),
            t.c.article_id == bindparam("aid"),
            t.c.start == bindparam("s"),
            t.c.end == bindparam("e"),
        ),
        [{"old": old, "aid": m.article_id, "s": m.start, "e": m.end} for old, _, m in moves],
    )
    _refresh_mention_counts(conn, {old for old, _, _ in moves})
    add_entity_mentions(conn, [(new, m) for _, new, m in moves])


def delete_entities(conn: Connection, entity_ids: Sequence[str]) -> None:
    """Delete these entity header rows (entities left without mentions)."""
    for chunk in _chunks(list(entity_ids)):
        conn.execute(delete(ledger_entities).where(ledger_entities.c.id.in_(chunk)))


def delete_article_mentions(conn: Connection, article_ids: Sequence[str]) -> None:
    """Delete every mention in these articles (resolved again: written again after)."""
    t = ledger_entity_mentions
    for chunk in _chunks(list(article_ids)):
        conn.execute(delete(t).where(t.c.article_id.in_(chunk)))


def merge_entities(conn: Connection, old_to_new: Mapping[str, str]) -> None:
    """Move the mentions of each old entity to its new one and delete the old rows.

    Events that name an old entity must be re-reconciled by the caller
    (:func:`replace_events`); their involvement rows are moved here meanwhile.
    """
    if not old_to_new:
        return
    for old, new in old_to_new.items():
        if old == new:
            continue
        moved = conn.execute(
            select(
                ledger_entity_mentions.c.article_id,
                ledger_entity_mentions.c.start,
                ledger_entity_mentions.c.end,
                ledger_entity_mentions.c.text,
            ).where(ledger_entity_mentions.c.entity_id == old)
        ).all()
        conn.execute(
            delete(ledger_entity_mentions).where(ledger_entity_mentions.c.entity_id == old)
        )
        if moved:
            stmt = _insert(conn, ledger_entity_mentions).on_conflict_do_nothing()
            conn.execute(
                stmt,
                [
                    {"entity_id": new, "article_id": a, "start": s, "end": e, "text": t}
                    for a, s, e, t in moved
                ],
            )
        conn.execute(delete(ledger_entities).where(ledger_entities.c.id == old))
        # the new entity may already be involved in the same event: keep one row
        clash = select(ledger_event_entities.c.event_id).where(
            ledger_event_entities.c.entity_id == new
        )
        conn.execute(
            delete(ledger_event_entities).where(
                ledger_event_entities.c.entity_id == old,
                ledger_event_entities.c.event_id.in_(clash),
            )
        )
        conn.execute(
            update(ledger_event_entities)
            .where(ledger_event_entities.c.entity_id == old)
            .values(entity_id=new)
        )
    _refresh_mention_counts(conn, set(old_to_new.values()))


# ---------------------------------------------------------------------------- origins, dates


def replace_origin_groups(
    conn: Connection, groups: Sequence[OriginGroup], removed_ids: Sequence[str] = ()
) -> None:
    """Insert or replace these groups (and their members' links); delete ``removed_ids``."""
    gone = list(dict.fromkeys([*removed_ids, *(g.id for g in groups)]))
    for chunk in _chunks(gone):
        conn.execute(delete(ledger_origin_groups).where(ledger_origin_groups.c.id.in_(chunk)))
        conn.execute(
            delete(ledger_article_origins).where(ledger_article_origins.c.group_id.in_(chunk))
        )
    members = [a for g in groups for a in g.article_ids]
    for chunk in _chunks(members):  # an article belongs to one group: it may have moved
        conn.execute(
            delete(ledger_article_origins).where(ledger_article_origins.c.article_id.in_(chunk))
        )
    if groups:
        conn.execute(
            insert(ledger_origin_groups),
            [{"id": g.id, "basis": g.basis, "record": dumps(g)} for g in groups],
        )
        links = {a: g.id for g in groups for a in g.article_ids}
        if links:
            conn.execute(
                insert(ledger_article_origins),
                [{"article_id": a, "group_id": gid} for a, gid in links.items()],
            )


def set_article_dates(conn: Connection, articles: Sequence[Article]) -> None:
    """Record the publication dates the group stage settled on (inferred or as stored)."""
    rows = {
        a.id: {
            "article_id": a.id,
            "published": a.published,
            "published_inferred": a.published_inferred,
            "published_basis": a.published_basis,
        }
        for a in articles
    }
    if not rows:
        return
    stmt = _insert(conn, ledger_article_dates)
    stmt = stmt.on_conflict_do_update(
        index_elements=[ledger_article_dates.c.article_id],
        set_={c: stmt.excluded[c] for c in ("published", "published_inferred", "published_basis")},
    )
    for chunk in _chunks(list(rows.values())):
        conn.execute(stmt, list(chunk))


# ---------------------------------------------------------------------------- whole ledger


def clear_ledger(conn: Connection) -> None:
    """Empty every ledger table except the run log (before a full rewrite)."""
    for table in (*LEDGER_TABLES, *STORY_TABLES):
        if table is not ledger_runs:
            conn.execute(delete(table))
    conn.execute(text("DELETE FROM ledger_search"))


def write_full_ledger(conn: Connection, ledger: Ledger, run: int) -> None:
    """Replace the stored ledger with this in-memory one (every event marked ``run``).

    Used by the pipeline while it computes whole ledgers, by the upgrade of a ledger
    written before these tables existed, and by tests. Articles must already be in
    the ``articles`` table (the pipeline stores them at ingest); their inferred dates
    are written here.
    """
    clear_ledger(conn)
    entities = {e.id: e for e in ledger.entities}
    if ledger.entities:
        for chunk in _chunks([_entity_row(e, len(e.mentions)) for e in ledger.entities]):
            conn.execute(insert(ledger_entities), list(chunk))
        mention_rows = {
            (m.article_id, m.start, m.end, e.id): {
                "entity_id": e.id,
                "article_id": m.article_id,
                "start": m.start,
                "end": m.end,
                "text": m.text,
            }
            for e in ledger.entities
            for m in e.mentions
        }
        for chunk in _chunks(list(mention_rows.values()), 2000):
            conn.execute(insert(ledger_entity_mentions), list(chunk))
    replace_origin_groups(conn, ledger.origin_groups)
    set_article_dates(conn, ledger.articles)
    articles = {a.id: a for a in ledger.articles}
    # per slice of events, so a huge ledger never builds every row list at once
    claims_of: dict[str, list[Claim]] = {}
    for claim in ledger.claims:
        claims_of.setdefault(claim.event_id, []).append(claim)
    claim_event = {c.id: c.event_id for c in ledger.claims}
    conflicts_of: dict[str, list[Conflict]] = {}
    for conflict in ledger.conflicts:
        owner = claim_event.get(conflict.claim_ids[0]) if conflict.claim_ids else None
        if owner is not None:
            conflicts_of.setdefault(owner, []).append(conflict)
    for chunk in _chunks(list(ledger.events)):
        replace_events(
            conn,
            run,
            chunk,
            [c for e in chunk for c in claims_of.get(e.id, [])],
            [c for e in chunk for c in conflicts_of.get(e.id, [])],
            entities=entities,
            articles=articles,
        )
    write_stories(conn, ledger.stories, ledger.events)


def iter_rows(conn: Connection, stmt: Any, size: int = 500) -> Iterator[Any]:
    """Rows of ``stmt`` a slice at a time (server-side cursor on PostgreSQL)."""
    # per statement: Connection.execution_options would leave the connection streaming,
    # and a server-side cursor cannot run the writes that may follow in the transaction
    result = conn.execute(stmt, execution_options={"stream_results": True, "yield_per": size})
    yield from result




# ---------------------------------------------------------------------------- connections


@contextmanager
def transaction(store: LedgerStore) -> Iterator[Connection]:
    """One write transaction on the store (SQLite: BEGIN IMMEDIATE): all of it or nothing."""
    with store._write() as conn:
        yield conn


@contextmanager
def reading(store: LedgerStore) -> Iterator[Connection]:
    """A read transaction: every query inside sees one consistent state of the ledger."""
    with store._engine.connect() as conn, conn.begin():
        yield conn


# ---------------------------------------------------------------------------- read: streams


def store_full_ledger(store: LedgerStore, ledger: Ledger, new_articles: int) -> int:
    """One run that rewrites the ledger tables from ``ledger``, in one transaction."""
    with transaction(store) as conn:
        run = begin_run(conn)
        write_full_ledger(conn, ledger, run)
        finish_run(conn, run, new_articles, len(ledger.events))
    return run


def _by_id(conn: Connection, column: Any) -> Any:
    """Order by code point on both databases, as Python sorts the in-memory ledger."""
    return column.collate("C") if _dialect(conn) == "postgresql" else column


def has_ledger(conn: Connection) -> bool:
    """True once some run wrote the ledger tables (an old ledger has none until analyzed)."""
    return last_finished_run(conn) is not None


def _dated(article: Article, dates: tuple[Any, ...] | None) -> Article:
    if dates is None:
        return article
    published, inferred, basis = dates
    return replace(
        article, published=published, published_inferred=bool(inferred), published_basis=basis
    )


def _article_select(conn: Connection) -> Any:
    return (
        select(
            articles_table.c.record,
            ledger_article_dates.c.article_id,
            ledger_article_dates.c.published,
            ledger_article_dates.c.published_inferred,
            ledger_article_dates.c.published_basis,
            ledger_article_origins.c.group_id,
        )
        .select_from(articles_table)
        # only articles folded into the ledger: one that could not be analysed is stored
        # (a later run tries it again) but listed in rejected[] alone
        .join(ledger_article_dates, ledger_article_dates.c.article_id == articles_table.c.id)
        .outerjoin(
            ledger_article_origins, ledger_article_origins.c.article_id == articles_table.c.id
        )
    )


def _article_from_row(row: Any) -> tuple[Article, str | None]:
    record, dated, published, inferred, basis, group = row
    article = loads(Article, record)
    return _dated(article, (published, inferred, basis) if dated else None), group


def iter_articles(
    conn: Connection, *, ids: Sequence[str] | None = None
) -> Iterator[tuple[Article, str | None]]:
    """(article with its settled dates, origin group id), by id; ``ids``: only these."""
    stmt = _article_select(conn).order_by(_by_id(conn, articles_table.c.id))
    if ids is not None:
        for chunk in _chunks(sorted(set(ids))):
            rows = conn.execute(stmt.where(articles_table.c.id.in_(chunk)))
            yield from (_article_from_row(r) for r in rows)
        return
    for row in iter_rows(conn, stmt):
        yield _article_from_row(row)


def _records(conn: Connection, kind: type, stmt: Any) -> Iterator[Any]:
    for (record,) in iter_rows(conn, stmt):
        yield loads(kind, record)


def iter_origin_groups(conn: Connection) -> Iterator[OriginGroup]:
    t = ledger_origin_groups
    return _records(conn, OriginGroup, select(t.c.record).order_by(_by_id(conn, t.c.id)))


def _event_stmt(conn: Connection, since: str | None, event_ids: Sequence[str] | None) -> Any:
    t = ledger_events
    stmt = select(t.c.record).order_by(_by_id(conn, t.c.id))
    if since:
        stmt = stmt.where(t.c.date >= since)
    if event_ids is not None:
        stmt = stmt.where(t.c.id.in_(list(event_ids)))
    return stmt


def iter_events(
    conn: Connection, *, since: str | None = None, event_ids: Sequence[str] | None = None
) -> Iterator[EventRecord]:
    """Events by id; ``since`` keeps those dated on or after that ISO date."""
    return _records(conn, EventRecord, _event_stmt(conn, since, event_ids))


def _owned(
    conn: Connection,
    table: Table,
    kind: type,
    since: str | None,
    event_ids: Sequence[str] | None,
) -> Iterator[Any]:
    stmt = select(table.c.record).order_by(_by_id(conn, table.c.event_id), table.c.position)
    if since or event_ids is not None:
        owners = select(ledger_events.c.id)
        if since:
            owners = owners.where(ledger_events.c.date >= since)
        if event_ids is not None:
            owners = owners.where(ledger_events.c.id.in_(list(event_ids)))
        stmt = stmt.where(table.c.event_id.in_(owners))
    return _records(conn, kind, stmt)


def iter_claims(
    conn: Connection, *, since: str | None = None, event_ids: Sequence[str] | None = None
) -> Iterator[Claim]:
    """Claims in ledger order: by event id, then their order inside the event."""
    return _owned(conn, ledger_claims, Claim, since, event_ids)


def iter_conflicts(
    conn: Connection, *, since: str | None = None, event_ids: Sequence[str] | None = None
) -> Iterator[Conflict]:
    return _owned(conn, ledger_conflicts, Conflict, since, event_ids)


def iter_entities(conn: Connection, *, ids: Sequence[str] | None = None) -> Iterator[Entity]:
    """Entities by id with their mentions, merged from two ordered streams."""
    e, m = ledger_entities, ledger_entity_mentions
    if ids is not None:
        for chunk in _chunks(sorted(set(ids))):
            yield from _merge_mentions(
                conn,
                select(e.c.id, e.c.record).where(e.c.id.in_(chunk)).order_by(_by_id(conn, e.c.id)),
                m.c.entity_id.in_(chunk),
            )
        return
    yield from _merge_mentions(
        conn, select(e.c.id, e.c.record).order_by(_by_id(conn, e.c.id)), None
    )


def _merge_mentions(conn: Connection, entity_stmt: Any, where: Any) -> Iterator[Entity]:
    m = ledger_entity_mentions
    mention_stmt = select(m.c.entity_id, m.c.article_id, m.c.start, m.c.end, m.c.text).order_by(
        _by_id(conn, m.c.entity_id), _by_id(conn, m.c.article_id), m.c.start, m.c.end
    )
    if where is not None:
        mention_stmt = mention_stmt.where(where)
    mentions = iter(iter_rows(conn, mention_stmt, 2000))
    pending = next(mentions, None)
    for entity_id, record in iter_rows(conn, entity_stmt):
        own: list[EntityMention] = []
        # mention rows of entities without a header row (none when written by this API)
        while pending is not None and pending[0] < entity_id:
            pending = next(mentions, None)
        while pending is not None and pending[0] == entity_id:
            own.append(EntityMention(pending[1], pending[2], pending[3], pending[4]))
            pending = next(mentions, None)
        entity = loads(Entity, record)
        yield replace(entity, mentions=tuple(own))


@dataclass
class StreamedRecord:
    """A record too big to hold: its data with ``key`` left out, and that list as a stream.

    An entity named in every report holds a mention per report: the export writes its
    mentions as they come (consume ``items`` before the next record).
    """

    data: dict[str, Any]
    key: str
    items: Iterator[Any]


def _streamed_entities(conn: Connection, entity_stmt: Any, where: Any) -> Iterator[StreamedRecord]:
    """Entities as export data, each with its mentions streamed from one ordered cursor."""
    m = ledger_entity_mentions
    mention_stmt = select(m.c.entity_id, m.c.article_id, m.c.start, m.c.end, m.c.text).order_by(
        _by_id(conn, m.c.entity_id), _by_id(conn, m.c.article_id), m.c.start, m.c.end
    )
    if where is not None:
        mention_stmt = mention_stmt.where(where)
    cursor = iter(iter_rows(conn, mention_stmt, 2000))
    state: dict[str, Any] = {"pending": next(cursor, None)}

    def own(entity_id: str) -> Iterator[dict[str, Any]]:
        while state["pending"] is not None and state["pending"][0] == entity_id:
            _, article_id, start, end, mention_text = state["pending"]
            yield {"article_id": article_id, "start": start, "end": end, "text": mention_text}
            state["pending"] = next(cursor, None)

    for entity_id, record in iter_rows(conn, entity_stmt):
        while state["pending"] is not None and state["pending"][0] < entity_id:
            state["pending"] = next(cursor, None)
        items = own(entity_id)
        yield StreamedRecord(to_data(loads(Entity, record)), "mentions", items)
        for _ in items:  # a reader that skipped them: keep the cursor in step
            pass


def iter_rejections(conn: Connection) -> Iterator[Rejection]:
    """Stored rejections as the ledger lists them (missing sources were never facts)."""
    from newsledger.ingest import is_missing_source
    from newsledger.store.sql import rejections_table

    t = rejections_table
    stmt = select(t.c.path_or_url, t.c.reason).order_by(
        _by_id(conn, t.c.path_or_url), _by_id(conn, t.c.reason)
    )
    for path, reason in iter_rows(conn, stmt):
        rejection = Rejection(path, reason)
        if not is_missing_source(rejection):
            yield rejection


def selected_events(since: str | None = None, event_ids: Sequence[str] | None = None) -> Any:
    """SELECT of the ids of events dated on or after ``since`` and/or among ``event_ids``."""
    t = ledger_events
    stmt = select(t.c.id)
    if since:
        stmt = stmt.where(t.c.date >= since)
    if event_ids is not None:
        stmt = stmt.where(t.c.id.in_(list(event_ids)))
    return stmt


def iter_ledger_sections(
    conn: Connection,
    *,
    since: str | None = None,
    event_ids: Sequence[str] | None = None,
    cited_mentions: bool = False,
) -> Iterator[tuple[str, Iterator[Any]]]:
    """(key, stream of plain data) of the ``newsledger/1`` export, in schema order.

    Without filters: the whole ledger, equal to ``ledger_to_data`` of the in-memory one.
    With ``since`` (ISO date) and/or ``event_ids``: those events with their claims and
    conflicts, the articles they cite or group, the entities they involve and the origin
    groups of those articles; no rejected inputs. ``cited_mentions``: entities hold only
    their mentions in those articles (a run's changes stay the size of the run when an
    entity is named in every report). Take each stream fully before the next: they share
    the connection.
    """
    if since is None and event_ids is None:
        yield (
            "articles",
            ({**to_data(article), "origin_group": group} for article, group in iter_articles(conn)),
        )
        yield "origin_groups", (to_data(g) for g in iter_origin_groups(conn))
        yield "events", (to_data(e) for e in iter_events(conn))
        en = ledger_entities
        yield (
            "entities",
            _streamed_entities(
                conn, select(en.c.id, en.c.record).order_by(_by_id(conn, en.c.id)), None
            ),
        )
        yield "claims", (to_data(c) for c in iter_claims(conn))
        yield "conflicts", (to_data(c) for c in iter_conflicts(conn))
        yield "stories", (to_data(s) for s in iter_stories(conn))
        yield "rejected", (to_data(r) for r in iter_rejections(conn))
        return
    chosen = selected_events(since, event_ids)
    ea, ca = ledger_event_articles, ledger_claim_articles
    article_ids = (
        select(ea.c.article_id)
        .where(ea.c.event_id.in_(chosen))
        .union(select(ca.c.article_id).where(ca.c.event_id.in_(chosen)))
    )
    arts = (
        _article_select(conn)
        .where(articles_table.c.id.in_(article_ids))
        .order_by(_by_id(conn, articles_table.c.id))
    )
    yield (
        "articles",
        (
            {**to_data(a), "origin_group": g}
            for a, g in (_article_from_row(r) for r in iter_rows(conn, arts))
        ),
    )
    og, ao = ledger_origin_groups, ledger_article_origins
    groups = (
        select(og.c.record)
        .where(og.c.id.in_(select(ao.c.group_id).where(ao.c.article_id.in_(article_ids))))
        .order_by(_by_id(conn, og.c.id))
    )
    yield "origin_groups", (to_data(g) for g in _records(conn, OriginGroup, groups))
    ev = ledger_events
    events = select(ev.c.record).where(ev.c.id.in_(chosen)).order_by(_by_id(conn, ev.c.id))
    yield "events", (to_data(e) for e in _records(conn, EventRecord, events))
    ee, en, m = ledger_event_entities, ledger_entities, ledger_entity_mentions
    involved = select(ee.c.entity_id).where(ee.c.event_id.in_(chosen))
    owned = m.c.entity_id.in_(involved)
    if cited_mentions:
        owned = and_(owned, m.c.article_id.in_(article_ids))
    yield (
        "entities",
        (
            to_data(e)
            for e in _merge_mentions(
                conn,
                select(en.c.id, en.c.record)
                .where(en.c.id.in_(involved))
                .order_by(_by_id(conn, en.c.id)),
                owned,
            )
        ),
    )
    yield "claims", (to_data(c) for c in iter_claims(conn, since=since, event_ids=event_ids))
    yield "conflicts", (to_data(c) for c in iter_conflicts(conn, since=since, event_ids=event_ids))
    # the stories the chosen events are in (each whole: its other events are named by id)
    es = ledger_event_stories
    story_ids = select(es.c.story_id).where(es.c.event_id.in_(chosen))
    st = ledger_stories
    stories = select(st.c.record).where(st.c.id.in_(story_ids)).order_by(_by_id(conn, st.c.id))
    yield "stories", (to_data(s) for s in _records(conn, Story, stories))
    yield "rejected", iter(())


def existing_event_ids(conn: Connection, event_ids: Sequence[str]) -> list[str]:
    """Those of ``event_ids`` the ledger holds."""
    t = ledger_events
    found: list[str] = []
    for chunk in _chunks(sorted(set(event_ids))):
        found += conn.execute(select(t.c.id).where(t.c.id.in_(chunk))).scalars()
    return found


def changed_event_ids(conn: Connection, run: int) -> list[str]:
    """Events the given run wrote (new or re-reconciled), by id."""
    t = ledger_events
    return list(
        conn.execute(
            select(t.c.id).where(t.c.changed_run == run).order_by(_by_id(conn, t.c.id))
        ).scalars()
    )


def load_sub_ledger(
    conn: Connection, event_ids: Sequence[str], *, mentions: bool = True
) -> Ledger:
    """These events with their claims, conflicts and every article and entity they name.

    Memory follows the selection, not the ledger: the brief of a run's events uses it,
    without the entities' mentions (``mentions=False``: the brief shows none, and an
    entity named in every report holds a mention per report).
    """
    ids = sorted(set(event_ids))
    events: list[EventRecord] = []
    claims: list[Claim] = []
    conflicts: list[Conflict] = []
    for chunk in _chunks(ids):
        events.extend(iter_events(conn, event_ids=chunk))
        claims.extend(iter_claims(conn, event_ids=chunk))
        conflicts.extend(iter_conflicts(conn, event_ids=chunk))
    events.sort(key=lambda e: e.id)
    order = {e.id: i for i, e in enumerate(events)}
    claims.sort(key=lambda c: order[c.event_id])  # stable: keeps positions inside an event
    claim_event = {c.id: c.event_id for c in claims}
    conflicts.sort(key=lambda c: order[claim_event[c.claim_ids[0]]])
    article_ids = {a for e in events for a in e.article_ids}
    article_ids.update(x.article_id for c in claims for x in c.evidence)
    articles = [a for a, _ in iter_articles(conn, ids=sorted(article_ids))]
    entity_ids = {x for e in events for x in (e.location, *e.locations, *e.actors) if x}
    entity_ids.update(x for c in claims for x in c.claimants)
    if mentions:
        entities = list(iter_entities(conn, ids=sorted(entity_ids)))
    else:
        entities = _headers(conn, sorted(entity_ids))
    groups: list[OriginGroup] = []
    group_ids = sorted({g for _, g in iter_articles(conn, ids=sorted(article_ids)) if g})
    t = ledger_origin_groups
    for chunk in _chunks(group_ids):
        groups.extend(_records(conn, OriginGroup, select(t.c.record).where(t.c.id.in_(chunk))))
    return Ledger(
        articles=tuple(sorted(articles, key=lambda a: a.id)),
        origin_groups=tuple(sorted(groups, key=lambda g: g.id)),
        events=tuple(events),
        entities=tuple(sorted(entities, key=lambda e: e.id)),
        claims=tuple(claims),
        conflicts=tuple(conflicts),
        stories=tuple(iter_stories(conn, event_ids=ids)),
    )


def _headers(conn: Connection, ids: Sequence[str]) -> list[Entity]:
    """These entities without their mentions."""
    t = ledger_entities
    out: list[Entity] = []
    for chunk in _chunks(list(ids)):
        out.extend(_records(conn, Entity, select(t.c.record).where(t.c.id.in_(chunk))))
    return out


@dataclass(frozen=True)
class Overview:
    """What the ledger holds, counted by the database, and its newest events."""

    counts: dict[str, int]
    latest: tuple[EventRecord, ...]


def overview(conn: Connection, latest: int = 20) -> Overview:
    """Record counts and the ``latest`` events by date then id, newest first (what
    ``analyze`` prints), without reading the ledger."""

    def count(table: Table) -> int:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    counts = {
        "articles": count(ledger_article_dates),
        "origin_groups": count(ledger_origin_groups),
        "events": count(ledger_events),
        "entities": count(ledger_entities),
        "claims": count(ledger_claims),
        "conflicts": count(ledger_conflicts),
        "stories": count(ledger_stories),
        "rejected": sum(1 for _ in iter_rejections(conn)),
    }
    t = ledger_events
    stmt = (
        select(t.c.record)
        .order_by(_by_id(conn, func.coalesce(t.c.date, "")).desc(), _by_id(conn, t.c.id).desc())
        .limit(latest)
    )
    return Overview(counts, tuple(_records(conn, EventRecord, stmt)))


def load_ledger(conn: Connection) -> Ledger:
    """The whole stored ledger in memory (tests, small ledgers): equals what was written."""
    return Ledger(
        articles=tuple(a for a, _ in iter_articles(conn)),
        origin_groups=tuple(iter_origin_groups(conn)),
        events=tuple(iter_events(conn)),
        entities=tuple(iter_entities(conn)),
        claims=tuple(iter_claims(conn)),
        conflicts=tuple(iter_conflicts(conn)),
        rejected=tuple(iter_rejections(conn)),
        stories=tuple(iter_stories(conn)),
    )


__all__ = [
    "LEDGER_TABLES",
    "StreamedRecord",
    "add_entity_mentions",
    "begin_run",
    "changed_event_ids",
    "clear_ledger",
    "delete_article_mentions",
    "delete_entities",
    "delete_events",
    "existing_event_ids",
    "finish_run",
    "fold",
    "has_ledger",
    "iter_articles",
    "iter_claims",
    "iter_conflicts",
    "iter_entities",
    "iter_events",
    "iter_ledger_sections",
    "iter_origin_groups",
    "iter_rejections",
    "iter_stories",
    "last_finished_run",
    "ledger_event_moves",
    "list_key",
    "load_ledger",
    "load_sub_ledger",
    "merge_entities",
    "move_entity_mentions",
    "moved_to",
    "overview",
    "reading",
    "record_moves",
    "replace_events",
    "replace_origin_groups",
    "set_article_dates",
    "store_full_ledger",
    "transaction",
    "update_stories",
    "upsert_entities",
    "write_full_ledger",
]
