"""The ledger as the web server sees it: SQL over the store's ledger tables, a page at a time.

Every request reads the store directly (one read transaction), so a page shows the
state of the last finished ``analyze`` without a restart and memory does not grow
with the ledger. The pages' views (:mod:`newsledger.web.views`) still take a
:class:`LedgerIndex`: each request builds one over just the records it shows.

Which store: the folder's ``ledger.sqlite`` (or ``--db``) once an ``analyze`` of this
version wrote its ledger tables. A folder that has only a ``ledger.json`` (written by an
older version, or copied) is loaded into a private temporary SQLite store, reloaded when
the file changes; the next ``analyze`` upgrades the folder itself.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    column,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.exc import SQLAlchemyError

from newsledger.codec import from_data
from newsledger.model import Ledger
from newsledger.report.ledger_json import SCHEMA, read_ledger_json
from newsledger.store import LedgerDatabaseError, LedgerStore, story_tables
from newsledger.store import ledger_tables as lt
from newsledger.store.sql import articles_table
from newsledger.store.watch_tables import read_status
from newsledger.web.data import PLACE_TYPES, EventFilter, LedgerIndex, Record

_SEARCH_WORDS = 12  # words of a query the database is asked for
MENTION_CAP = 1000
"""Mentions an entity carries in the API and on its page: an entity named in every report
of a big ledger has hundreds of thousands; ``mentions_total`` then says how many."""
SEARCH_COUNT_CAP = 2000
"""A search counts its matches up to this many (counting all of a very common word
would cost more than the page); beyond it the page says "more than 2000"."""


def _record(text_: str) -> Record:
    return json.loads(text_)


def fts_query(dialect: str, q: str) -> str | None:
    """Every word of ``q`` (folded) as a whole word, or as a word's start when it ends
    with ``*`` (``belg*``); None when nothing searchable is left.

    Whole words let the index answer from one posting list; a prefix merges the lists of
    every word it starts, which costs more the bigger the ledger.
    """
    words: list[tuple[str, bool]] = []
    for raw in lt.fold(q).split():
        # split as the FTS tokenizer does: "tver-pskov" is the two words
        parts = [w for w in re.split(r"[\W_]+", raw) if w]
        words += [(w, raw.endswith("*") and i == len(parts) - 1) for i, w in enumerate(parts)]
    words = words[:_SEARCH_WORDS]
    if not words:
        return None
    if dialect == "sqlite":
        return " ".join(f'"{w}"' + ("*" if prefix else "") for w, prefix in words)
    return " & ".join(f"{w}:*" if prefix else w for w, prefix in words)


@dataclass
class Overview:
    """Whole-ledger figures the list pages show, cached per state of the ledger."""

    n_events: int
    n_articles: int
    n_rejected: int
    places: list[Record]
    types: list[str]
    entity_types: list[str]


class StoreLedger:
    """Read-only queries of one store's ledger tables."""

    def __init__(self, store: LedgerStore) -> None:
        self.store = store
        self.dialect = store.dialect
        self._overview: tuple[Any, Overview] | None = None
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def conn(self) -> Iterator[Connection]:
        with lt.reading(self.store) as conn:
            yield conn

    def state(self, conn: Connection) -> tuple[Any, ...]:
        """Changes whenever a run (or a batch of one) finished writing."""
        row = conn.execute(
            select(func.max(lt.ledger_runs.c.run), func.max(lt.ledger_runs.c.finished))
        ).one()
        return tuple(row)

    # ------------------------------------------------------------------ overview

    def overview(self, conn: Connection) -> Overview:
        state = self.state(conn)
        cached = self._overview
        if cached is not None and cached[0] == state:
            return cached[1]
        with self._lock:
            view = self._build_overview(conn)
            self._overview = (state, view)
        return view

    def _build_overview(self, conn: Connection) -> Overview:
        count = lambda t: conn.execute(select(func.count()).select_from(t)).scalar_one()  # noqa: E731
        n_rejected = sum(1 for _ in lt.iter_rejections(conn))
        ee, ent = lt.ledger_event_entities, lt.ledger_entities
        used = select(ee.c.entity_id).where(ee.c.role == "place").distinct().subquery()
        places = [
            _record(r)
            for (r,) in conn.execute(select(ent.c.record).join(used, used.c.entity_id == ent.c.id))
        ]
        places.sort(key=lambda e: e["name"])
        types = conn.execute(
            select(lt.ledger_events.c.event_type)
            .where(lt.ledger_events.c.event_type.is_not(None))
            .distinct()
        ).scalars()
        etypes = conn.execute(select(ent.c.type).distinct()).scalars()
        return Overview(
            n_events=count(lt.ledger_events),
            n_articles=count(articles_table),
            n_rejected=n_rejected,
            places=places,
            types=sorted(t for t in types if t),
            entity_types=sorted(etypes),
        )

    def watch_status(self, conn: Connection) -> Record | None:
        """The last ``newsledger watch`` cycle's status, read per request (None: no watch)."""
        try:
            return read_status(conn)
        except (ValueError, SQLAlchemyError):  # a store without the table, a torn value
            return None

    # ------------------------------------------------------------------ events

    def _event_where(self, conn: Connection, flt: EventFilter, *, search: bool = True) -> list[Any]:
        ev = lt.ledger_events
        where: list[Any] = []
        if flt.date_from:
            where.append(ev.c.date >= flt.date_from)
        if flt.date_to:
            where.append(func.substr(ev.c.date, 1, 10) <= flt.date_to)
        if flt.event_type:
            where.append(ev.c.event_type == flt.event_type)
        if flt.place:
            ee = lt.ledger_event_entities
            where.append(
                exists().where(
                    ee.c.event_id == ev.c.id, ee.c.entity_id == flt.place, ee.c.role == "place"
                )
            )
        if flt.status:
            cl = lt.ledger_claims
            where.append(exists().where(cl.c.event_id == ev.c.id, cl.c.status == flt.status))
        if flt.q and search:
            query = fts_query(self.dialect, flt.q)
            if query is None:
                where.append(false())  # nothing searchable: nothing matches
            elif self.dialect == "sqlite":
                # rowids only: reading event_id would read each matching row's whole text
                hits = text("SELECT rowid FROM ledger_search WHERE ledger_search MATCH :fts")
                where.append(
                    ev.c.search_key.in_(hits.bindparams(fts=query).columns(column("rowid")))
                )
            else:
                hits = text(
                    "SELECT event_id FROM ledger_search WHERE tsv @@ to_tsquery('simple', :fts)"
                )
                where.append(ev.c.id.in_(hits.bindparams(fts=query).columns(column("event_id"))))
        return where

    def events(
        self, conn: Connection, flt: EventFilter, limit: int, offset: int = 0
    ) -> tuple[list[Record], int]:
        """Events matching every filter, newest first (then most reported), and how many.

        A search on SQLite walks the FTS5 matches in list order (their rowid is the
        event's ``search_key``) and stops at the page; it counts matches up to
        :data:`SEARCH_COUNT_CAP` (see :meth:`count_is_capped`).
        """
        ids, matched = self.event_ids(conn, flt, limit, offset)
        ev = lt.ledger_events
        found: dict[str, Record] = {}
        for chunk in _chunks(ids):
            found.update(
                (eid, _record(r))
                for eid, r in conn.execute(select(ev.c.id, ev.c.record).where(ev.c.id.in_(chunk)))
            )
        return [found[i] for i in ids], matched

    def event_ids(
        self, conn: Connection, flt: EventFilter, limit: int, offset: int = 0
    ) -> tuple[list[str], int]:
        """The ids of a page of matching events in list order, and how many match."""
        ev = lt.ledger_events
        if flt.q and self.dialect == "sqlite":
            ids, matched = self._search_sqlite(conn, flt, limit, offset)
        else:
            where = self._event_where(conn, flt)
            # ids first (the sort carries no records), then the page's records by key
            stmt = (
                select(ev.c.id)
                .where(and_(True, *where))
                .order_by(ev.c.search_key.desc())
                .limit(limit)
                .offset(offset)
            )
            ids = list(conn.execute(stmt).scalars())
            if where:
                matched = conn.execute(
                    select(func.count()).select_from(ev).where(and_(True, *where))
                ).scalar_one()
            else:
                matched = self.overview(conn).n_events
        return ids, matched

    def event_list(
        self, conn: Connection, flt: EventFilter, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """The list page's lines (what :func:`views.event_row` gives) from the indexed
        columns alone: no event record is decoded."""
        from newsledger.web.views import STATUS_ORDER

        ids, matched = self.event_ids(conn, flt, limit)
        ev = lt.ledger_events
        cols = (
            ev.c.id,
            ev.c.title,
            ev.c.date,
            ev.c.event_type,
            ev.c.sub_event_type,
            ev.c.location,
            ev.c.n_articles,
            ev.c.n_claims,
            ev.c.n_conflicts,
            ev.c.statuses,
        )
        found = {}
        for chunk in _chunks(ids):
            found.update((r[0], r) for r in conn.execute(select(*cols).where(ev.c.id.in_(chunk))))
        names = self._names(conn, {r[5] for r in found.values() if r[5]})
        rows = []
        for eid in ids:
            _, title, date, etype, subtype, location, n_art, n_claims, n_conf, by_status = found[
                eid
            ]
            own = json.loads(by_status or "{}")
            rows.append(
                {
                    "event": {
                        "id": eid,
                        "title": title,
                        "date": date,
                        "event_type": etype,
                        "sub_event_type": subtype,
                        "location": location,
                    },
                    "location": names.get(location, location) if location else "",
                    "n_articles": n_art,
                    "n_claims": n_claims,
                    "n_conflicts": n_conf,
                    "statuses": {s: own[s] for s in STATUS_ORDER if own.get(s)},
                }
            )
        return rows, matched

    def _search_sqlite(
        self, conn: Connection, flt: EventFilter, limit: int, offset: int
    ) -> tuple[list[str], int]:
        query = fts_query("sqlite", flt.q)
        if query is None:
            return [], 0
        ev = lt.ledger_events
        search = table("ledger_search", column("rowid"))
        match = literal_column("ledger_search").op("MATCH")(bindparam("fts", query))
        # the FTS table drives: its matches come in rowid (= list) order, no sort needed
        base = (
            select(ev.c.id)
            .select_from(search.join(ev, ev.c.search_key == search.c.rowid))
            .where(match, *self._event_where(conn, flt, search=False))
        )
        page = base.order_by(search.c.rowid.desc()).limit(limit).offset(offset)
        ids = list(conn.execute(page).scalars())
        capped = base.limit(SEARCH_COUNT_CAP + 1).subquery()
        matched = conn.execute(select(func.count()).select_from(capped)).scalar_one()
        return ids, int(matched)

    @staticmethod
    def count_is_capped(matched: int) -> bool:
        """True when a search's count stopped at the cap: at least this many match."""
        return matched > SEARCH_COUNT_CAP

    def _names(self, conn: Connection, ids: set[str]) -> dict[str, str]:
        if not ids:
            return {}
        ent = lt.ledger_entities
        rows = conn.execute(select(ent.c.id, ent.c.name).where(ent.c.id.in_(sorted(ids))))
        return {eid: name for eid, name in rows}

    def moved_to(self, conn: Connection, event_id: str) -> str | None:
        """Where a removed event's reports are now (another event absorbed it), or None."""
        return lt.moved_to(conn, event_id)

    def event_record(self, conn: Connection, event_id: str) -> Record | None:
        ev = lt.ledger_events
        found = conn.execute(select(ev.c.record).where(ev.c.id == event_id)).scalar_one_or_none()
        return _record(found) if found else None

    # ------------------------------------------------------------------ sub-indexes

    def _claims_of(self, conn: Connection, event_ids: Sequence[str]) -> list[Record]:
        cl = lt.ledger_claims
        if not event_ids:
            return []
        return [
            _record(r)
            for (r,) in conn.execute(
                select(cl.c.record)
                .where(cl.c.event_id.in_(list(event_ids)))
                .order_by(lt._by_id(conn, cl.c.event_id), cl.c.position)
            )
        ]

    def _conflicts_of(self, conn: Connection, event_ids: Sequence[str]) -> list[Record]:
        co = lt.ledger_conflicts
        if not event_ids:
            return []
        return [
            _record(r)
            for (r,) in conn.execute(
                select(co.c.record)
                .where(co.c.event_id.in_(list(event_ids)))
                .order_by(lt._by_id(conn, co.c.event_id), co.c.position)
            )
        ]

    def entities_by_id(
        self, conn: Connection, ids: set[str], *, mentions: bool = False
    ) -> list[Record]:
        """Entity records by id; with ``mentions``, each with its first MENTION_CAP mentions
        (by article, then offset) and, when it has more, ``mentions_total``."""
        ids = {i for i in ids if i}
        if not ids:
            return []
        ent = lt.ledger_entities
        out = []
        for chunk in _chunks(sorted(ids)):
            for record, n in conn.execute(
                select(ent.c.record, ent.c.n_mentions)
                .where(ent.c.id.in_(chunk))
                .order_by(lt._by_id(conn, ent.c.id))
            ):
                data = _record(record)
                if mentions:
                    self._attach_mentions(conn, data, n)
                out.append(data)
        return out

    def _attach_mentions(self, conn: Connection, data: Record, n_mentions: int) -> None:
        m = lt.ledger_entity_mentions
        rows = conn.execute(
            select(m.c.article_id, m.c.start, m.c.end, m.c.text)
            .where(m.c.entity_id == data["id"])
            .order_by(lt._by_id(conn, m.c.article_id), m.c.start, m.c.end)
            .limit(MENTION_CAP)
        )
        data["mentions"] = [
            {"article_id": a, "start": start, "end": end, "text": t} for a, start, end, t in rows
        ]
        if n_mentions > len(data["mentions"]):
            data["mentions_total"] = n_mentions

    def articles_by_id(self, conn: Connection, ids: set[str]) -> list[Record]:
        from newsledger.codec import to_data

        return [
            {**to_data(a), "origin_group": g}
            for a, g in lt.iter_articles(conn, ids=sorted(i for i in ids if i))
        ]

    def groups_by_id(self, conn: Connection, ids: set[str]) -> list[Record]:
        og = lt.ledger_origin_groups
        ids = {i for i in ids if i}
        if not ids:
            return []
        return [
            _record(r) for (r,) in conn.execute(select(og.c.record).where(og.c.id.in_(sorted(ids))))
        ]

    def _index(
        self,
        conn: Connection,
        events: list[Record],
        claims: list[Record],
        conflicts: list[Record],
        entity_ids: set[str],
        article_ids: set[str],
        *,
        mentions: bool = False,
    ) -> LedgerIndex:
        articles = self.articles_by_id(conn, article_ids)
        groups = self.groups_by_id(conn, {a.get("origin_group") for a in articles})
        return LedgerIndex.build(
            {
                "schema": SCHEMA,
                "articles": articles,
                "origin_groups": groups,
                "events": events,
                "entities": self.entities_by_id(conn, entity_ids, mentions=mentions),
                "claims": claims,
                "conflicts": conflicts,
            }
        )

    @staticmethod
    def _refs(events: list[Record], claims: list[Record]) -> set[str]:
        refs = {
            x
            for e in events
            for x in (e.get("location"), *e.get("locations", []), *e.get("actors", []))
            if x
        }
        refs.update(x for c in claims for x in c.get("claimants", []))
        return refs

    def event_index(self, conn: Connection, event_id: str) -> tuple[LedgerIndex, Record] | None:
        """One event with its claims, conflicts, entities, articles and their groups."""
        event = self.event_record(conn, event_id)
        if event is None:
            return None
        claims = self._claims_of(conn, [event_id])
        conflicts = self._conflicts_of(conn, [event_id])
        article_ids = set(event.get("article_ids", []))
        article_ids.update(x["article_id"] for c in claims for x in c.get("evidence", []))
        # the timeline and the copies list show every article of the event's origin groups
        idx = self._index(
            conn, [event], claims, conflicts, self._refs([event], claims), article_ids
        )
        return idx, idx.events[event_id]

    def api_event(self, conn: Connection, event_id: str) -> Record | None:
        event = self.event_record(conn, event_id)
        if event is None:
            return None
        claims = self._claims_of(conn, [event_id])
        refs = self._refs([event], claims)
        return {
            **event,
            "claims": claims,
            "conflicts": self._conflicts_of(conn, [event_id]),
            "entities": self.entities_by_id(conn, refs, mentions=True),
        }

    def article_index(self, conn: Connection, article_id: str) -> tuple[LedgerIndex, Record] | None:
        """One article with its mentions, the claims citing it, its events and copies."""
        found = self.articles_by_id(conn, {article_id})
        if not found:
            return None
        article = found[0]
        ca, ea = lt.ledger_claim_articles, lt.ledger_event_articles
        claim_ids = list(
            conn.execute(select(ca.c.claim_id).where(ca.c.article_id == article_id)).scalars()
        )
        cl = lt.ledger_claims
        claims = [
            _record(r)
            for chunk in _chunks(claim_ids)
            for (r,) in conn.execute(
                select(cl.c.record)
                .where(cl.c.id.in_(chunk))
                .order_by(lt._by_id(conn, cl.c.event_id), cl.c.position)
            )
        ]
        event_ids = list(
            conn.execute(
                select(ea.c.event_id)
                .where(ea.c.article_id == article_id)
                .order_by(lt._by_id(conn, ea.c.event_id))
            ).scalars()
        )
        events = (
            [
                _record(r)
                for (r,) in conn.execute(
                    select(lt.ledger_events.c.record)
                    .where(lt.ledger_events.c.id.in_(event_ids))
                    .order_by(lt._by_id(conn, lt.ledger_events.c.id))
                )
            ]
            if event_ids
            else []
        )
        m = lt.ledger_entity_mentions
        mention_rows = conn.execute(
            select(m.c.entity_id, m.c.start, m.c.end, m.c.text)
            .where(m.c.article_id == article_id)
            .order_by(m.c.start, m.c.end)
        ).all()
        entities = {
            e["id"]: e
            for e in self.entities_by_id(
                conn, {r[0] for r in mention_rows} | {x for c in claims for x in c["claimants"]}
            )
        }
        for eid, start, end, mtext in mention_rows:
            entities[eid].setdefault("mentions", []).append(
                {"article_id": article_id, "start": start, "end": end, "text": mtext}
            )
        group_articles: set[str] = {article_id}
        if article.get("origin_group"):
            group_articles.update(
                conn.execute(
                    select(lt.ledger_article_origins.c.article_id).where(
                        lt.ledger_article_origins.c.group_id == article["origin_group"]
                    )
                ).scalars()
            )
        articles = self.articles_by_id(conn, group_articles)
        groups = self.groups_by_id(conn, {article.get("origin_group")})
        idx = LedgerIndex.build(
            {
                "schema": SCHEMA,
                "articles": articles,
                "origin_groups": groups,
                "events": events,
                "entities": list(entities.values()),
                "claims": claims,
                "conflicts": [],
            }
        )
        return idx, idx.articles[article_id]

    def entity_index(
        self, conn: Connection, entity_id: str, *, max_events: int = 300, max_articles: int = 300
    ) -> tuple[LedgerIndex, Record] | None:
        """One entity, its mentions (the first ``max_articles`` articles), events and claims."""
        found = self.entities_by_id(conn, {entity_id}, mentions=True)
        if not found:
            return None
        entity = found[0]
        keep = list(dict.fromkeys(m["article_id"] for m in entity.get("mentions", [])))
        keep = set(keep[:max_articles])
        listed = [m for m in entity.get("mentions", []) if m["article_id"] in keep]
        if len(listed) < len(entity.get("mentions", [])):
            entity.setdefault("mentions_total", len(entity["mentions"]))
        entity["mentions"] = listed
        ee, ev = lt.ledger_event_entities, lt.ledger_events
        event_ids = list(
            conn.execute(
                select(ee.c.event_id)
                .where(ee.c.entity_id == entity_id)
                .distinct()
                .order_by(lt._by_id(conn, ee.c.event_id))
                .limit(max_events)
            ).scalars()
        )
        events = (
            [
                _record(r)
                for (r,) in conn.execute(
                    select(ev.c.record)
                    .where(ev.c.id.in_(event_ids))
                    .order_by(lt._by_id(conn, ev.c.id))
                )
            ]
            if event_ids
            else []
        )
        claims = [
            c for c in self._claims_of(conn, event_ids) if entity_id in c.get("claimants", [])
        ]
        idx = LedgerIndex.build(
            {
                "schema": SCHEMA,
                "articles": self.articles_by_id(conn, keep),
                "origin_groups": [],
                "events": events,
                "entities": [entity]
                + [
                    e
                    for e in self.entities_by_id(conn, self._refs(events, claims))
                    if e["id"] != entity_id
                ],
                "claims": claims,
                "conflicts": [],
            }
        )
        return idx, idx.entities[entity_id]

    # ------------------------------------------------------------------ lists

    def entities(
        self,
        conn: Connection,
        etype: str,
        q: str,
        limit: int,
        offset: int = 0,
        *,
        mentions: bool = False,
    ) -> tuple[list[Record], int]:
        """Entities of a type / matching every word of ``q``, most mentioned first."""
        ent = lt.ledger_entities
        where: list[Any] = []
        if etype == "PLACE":
            where.append(or_(ent.c.type == etype, ent.c.type.in_(sorted(PLACE_TYPES))))
        elif etype:
            where.append(ent.c.type == etype)
        for word in lt.fold(q).split()[:_SEARCH_WORDS]:
            where.append(ent.c.folded.contains(word, autoescape=True))
        cond = and_(True, *where)
        total = conn.execute(select(func.count()).select_from(ent).where(cond)).scalar_one()
        rows = conn.execute(
            select(ent.c.id, ent.c.record, ent.c.n_mentions)
            .where(cond)
            .order_by(ent.c.n_mentions.desc(), ent.c.name, lt._by_id(conn, ent.c.id))
            .limit(limit)
            .offset(offset)
        ).all()
        out = []
        for _, record, n in rows:
            data = _record(record)
            if mentions:
                self._attach_mentions(conn, data, n)
            else:
                data.pop("mentions", None)
                data["n_mentions"] = n
            out.append(data)
        return out, total

    def articles(
        self, conn: Connection, limit: int, offset: int = 0
    ) -> tuple[list[Record], dict[str, Record]]:
        """Articles newest first (by settled publication date), with their origin groups."""
        dates = lt.ledger_article_dates
        published = dates.c.published.desc()
        if self.dialect == "postgresql":
            published = published.nulls_last()
        ids = list(
            conn.execute(
                select(articles_table.c.id)
                .outerjoin(dates, dates.c.article_id == articles_table.c.id)
                .order_by(published, lt._by_id(conn, articles_table.c.id))
                .limit(limit)
                .offset(offset)
            ).scalars()
        )
        found = {a["id"]: a for a in self.articles_by_id(conn, set(ids))}
        articles = [found[i] for i in ids]
        groups = {
            g["id"]: g for g in self.groups_by_id(conn, {a.get("origin_group") for a in articles})
        }
        return articles, groups

    def rejected(self, conn: Connection) -> list[Record]:
        return [
            {"path_or_url": r.path_or_url, "reason": r.reason} for r in lt.iter_rejections(conn)
        ]

    def claims(
        self, conn: Connection, event_id: str, status: str, limit: int, offset: int
    ) -> tuple[list[Record], int]:
        cl = lt.ledger_claims
        where = []
        if event_id:
            where.append(cl.c.event_id == event_id)
        if status:
            where.append(cl.c.status == status)
        cond = and_(True, *where)
        total = conn.execute(select(func.count()).select_from(cl).where(cond)).scalar_one()
        rows = conn.execute(
            select(cl.c.record)
            .where(cond)
            .order_by(lt._by_id(conn, cl.c.event_id), cl.c.position)
            .limit(limit)
            .offset(offset)
        )
        return [_record(r) for (r,) in rows], total

    def article(self, conn: Connection, article_id: str) -> Record | None:
        found = self.articles_by_id(conn, {article_id})
        return found[0] if found else None

    # ------------------------------------------------------------------ stories

    def story_of(self, conn: Connection, event_id: str) -> Record | None:
        """The story an event is part of (id, title, dates, number of events), or None."""
        es, st = story_tables.ledger_event_stories, story_tables.ledger_stories
        row = conn.execute(
            select(st.c.id, st.c.title, st.c.first_date, st.c.last_date, st.c.n_events)
            .join(es, es.c.story_id == st.c.id).where(es.c.event_id == event_id)
        ).one_or_none()
        return dict(row._mapping) if row else None

    def story(self, conn: Connection, story_id: str) -> Record | None:
        """A story with its events' list rows (date order) and why they are linked."""
        st = story_tables.ledger_stories
        found = conn.execute(select(st.c.record).where(st.c.id == story_id)).scalar_one_or_none()
        if found is None:
            return None
        story = _record(found)
        ev = lt.ledger_events
        rows = {r.id: r for r in conn.execute(
            select(ev.c.id, ev.c.date, ev.c.title, ev.c.event_type, ev.c.sub_event_type,
                   ev.c.location, ev.c.n_articles, ev.c.n_claims, ev.c.n_conflicts)
            .where(ev.c.id.in_(story["event_ids"])))}
        names = self._names(conn, {r.location for r in rows.values() if r.location})
        story["events"] = [
            {**dict(rows[e]._mapping), "location_name": names.get(rows[e].location or "", "")}
            for e in story["event_ids"] if e in rows
        ]
        return story

    def stories(self, conn: Connection, limit: int, offset: int = 0) -> tuple[list[Record], int]:
        """Stories, latest last date first, without their records' basis."""
        st = story_tables.ledger_stories
        total = conn.execute(select(func.count()).select_from(st)).scalar_one()
        last = st.c.last_date.desc()
        if self.dialect == "postgresql":
            last = last.nulls_last()
        rows = conn.execute(
            select(st.c.id, st.c.title, st.c.first_date, st.c.last_date, st.c.n_events)
            .order_by(last, st.c.n_events.desc(), lt._by_id(conn, st.c.id))
            .limit(limit).offset(offset))
        return [dict(r._mapping) for r in rows], total

    def feature_names(self, conn: Connection, events: Sequence[Record]) -> dict[str, str]:
        """Names of the entities an event's join basis cites (``place:<id>``, ``name:<id>``)."""
        ids = {f.split(":", 1)[1] for e in events for b in e.get("basis", [])
               for f in b.get("shared", []) if ":" in f}
        return self._names(conn, {i for i in ids if not i.startswith("m:")})

    def article_ids(self, conn: Connection) -> set[str]:
        """The articles folded into the ledger (one that could not be analysed is stored
        for a later retry, but is not in the ledger)."""
        dates = lt.ledger_article_dates
        return set(conn.execute(select(dates.c.article_id)).scalars())


def _chunks(items: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class LedgerSource:
    """Which store a request reads: the folder's (or ``db_url``'s), else ledger.json's copy.

    ``error`` says why the last ledger.json could not be read; the last good load keeps
    serving meanwhile. ``path`` is the ledger.json the pages name.
    """

    def __init__(self, ledger_dir: Path, db_url: str | None = None) -> None:
        self.ledger_dir = ledger_dir
        self.path = ledger_dir / "ledger.json"
        self.db_url = db_url
        self.error: str | None = None
        self._lock = threading.Lock()
        self._store: StoreLedger | None = None
        self._json: StoreLedger | None = None
        self._json_dir: Path | None = None
        self._stamp: tuple[int, int] | None = None
        self._empty: StoreLedger | None = None

    # the folder's own store ----------------------------------------------------------

    def _folder_store(self) -> StoreLedger | None:
        if self._store is None:
            if self.db_url is None and not (self.ledger_dir / "ledger.sqlite").is_file():
                return None
            url = self.db_url or f"sqlite:///{self.ledger_dir / 'ledger.sqlite'}"
            try:
                self._store = StoreLedger(LedgerStore(url))
            except (LedgerDatabaseError, RuntimeError) as exc:
                self.error = f"cannot read the ledger database: {exc}"
                return None
        try:
            with self._store.conn() as conn:
                return self._store if lt.has_ledger(conn) else None
        except Exception as exc:  # damaged since: fall back, say why
            self.error = f"cannot read the ledger database: {exc}"
            return None

    # a ledger.json without ledger tables -----------------------------------------------

    def _from_json(self) -> StoreLedger:
        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            return self._json or self._empty_store()
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                ledger = ledger_from_json(read_ledger_json(self.path))
            except (OSError, ValueError) as exc:
                self.error = f"cannot read {self.path.name}: {exc}"
            else:
                old, old_dir = self._json, self._json_dir
                self._json, self._json_dir = _private_store(ledger)
                self.error = None
                if old is not None:
                    _drop(old, old_dir)
        return self._json or self._empty_store()

    def _empty_store(self) -> StoreLedger:
        if self._empty is None:
            self._empty, _ = _private_store(Ledger())
        return self._empty

    def get(self) -> StoreLedger:
        with self._lock:
            found = self._folder_store()
            if found is not None:
                return found
            return self._from_json()

    def close(self) -> None:
        for ledger in (self._store, self._json, self._empty):
            if ledger is not None:
                ledger.store.close()
        if self._json_dir is not None:
            shutil.rmtree(self._json_dir, ignore_errors=True)


def ledger_from_json(data: Record) -> Ledger:
    """A ``newsledger/1`` document as records (the origin group key of articles dropped)."""
    articles = [
        {k: v for k, v in a.items() if k != "origin_group"} for a in data.get("articles", [])
    ]
    return from_data(Ledger, {**data, "articles": articles})


_PRIVATE_DIRS: list[Path] = []


def _private_store(ledger: Ledger) -> tuple[StoreLedger, Path]:
    """A temporary SQLite store holding ``ledger`` (removed when the process ends)."""
    folder = Path(tempfile.mkdtemp(prefix="newsledger-serve-"))
    _PRIVATE_DIRS.append(folder)
    store = LedgerStore(f"sqlite:///{folder / 'ledger.sqlite'}")
    store.add_articles(list(ledger.articles))
    rejected = list(ledger.rejected)
    if rejected:
        store.add_rejections(rejected)
    with lt.transaction(store) as conn:
        run = lt.begin_run(conn)
        lt.write_full_ledger(conn, ledger, run)
        lt.finish_run(conn, run, len(ledger.articles), len(ledger.events))
    return StoreLedger(store), folder


def _drop(ledger: StoreLedger, folder: Path | None) -> None:
    ledger.store.close()
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def _cleanup() -> None:
    for folder in _PRIVATE_DIRS:
        shutil.rmtree(folder, ignore_errors=True)


atexit.register(_cleanup)
