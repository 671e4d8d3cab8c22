"""A large ledger from a small real one: its stored rows cloned under new ids and shifted dates.

Parsing 100,000 articles takes hours; serving and updating a ledger of that size need only
its rows. The clone is done table by table and row by row (:class:`Cloner`): every string
that is one of the source ledger's ids (articles, content hashes, events, claims,
conflicts, entities, origin groups) gets the copy's suffix, wherever it sits (a key
column, a link column, inside a JSON record), and every date (``published``, ``date``,
a time expression's ``value``/``end_value``) moves by the copy's shift. Texts stay as
they are, so each copy reads like the source and full-text search finds every copy.

Copy 0 is the source itself; copy ``k`` gets ids ``<id>-x<k>`` and dates moved by
``k * span_days // copies`` days, so the copies spread over ``span_days``.

To clone tables of your own (the incremental pipeline's state tables), build the id set
with :func:`source_ids` (plus your own ids) and run :func:`clone_table` for each table and
copy; rows whose key is not an id (say a MinHash band) keep their value unless you pass
the column in ``map_columns``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, text

from newsledger.store import LedgerStore, story_tables
from newsledger.store import ledger_tables as lt
from newsledger.store.sql import annotations_table, articles_table

DATE_KEYS = frozenset({"published", "date", "value", "end_value"})
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_RECORD_COLUMNS = frozenset({"record"})


@dataclass(frozen=True)
class Cloner:
    """Maps one source row to its copy ``copy``: ids suffixed, dates shifted."""

    ids: frozenset[str]
    copy: int
    shift_days: int

    def new_id(self, value: str) -> str:
        return value if self.copy == 0 else f"{value}-x{self.copy}"

    def date(self, value: str) -> str:
        match = _DATE.match(value)
        if not match or not self.shift_days:
            return value
        try:
            day = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return value
        return (day + dt.timedelta(days=self.shift_days)).isoformat() + value[10:]

    def value(self, value: Any, key: str | None = None) -> Any:
        """A JSON value (recursively): ids renamed, dates under DATE_KEYS shifted."""
        if isinstance(value, str):
            if value in self.ids:
                return self.new_id(value)
            if key in DATE_KEYS:
                return self.date(value)
            return value
        if isinstance(value, list):
            return [self.value(v, key) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v, k) for k, v in value.items()}
        return value

    def record(self, record: str) -> str:
        return json.dumps(self.value(json.loads(record)), ensure_ascii=False, sort_keys=True)

    def row(self, row: dict[str, Any], json_columns: Iterable[str] = _RECORD_COLUMNS) -> dict:
        records = set(json_columns)
        return {
            k: self.record(v) if k in records and isinstance(v, str) else self.value(v, k)
            for k, v in row.items()
        }


def source_ids(conn: Connection, *, entities: bool = False) -> frozenset[str]:
    """The stored ledger's ids a copy renames: articles, hashes, events, claims, conflicts,
    origin groups, stories, and entities only when ``entities`` (by default every copy names the
    same real-world entities, as reports of one conflict do)."""
    ids: set[str] = set()
    columns = [
        articles_table.c.id,
        articles_table.c.content_hash,
        lt.ledger_events.c.id,
        lt.ledger_claims.c.id,
        lt.ledger_conflicts.c.id,
        lt.ledger_origin_groups.c.id,
        story_tables.ledger_stories.c.id,
    ]
    if entities:
        columns.append(lt.ledger_entities.c.id)
    for column in columns:
        ids.update(conn.execute(select(column)).scalars())
    return frozenset(ids)


def clone_table(
    source: Connection,
    target: Connection,
    table: Table,
    cloners: Sequence[Cloner],
    *,
    json_columns: Iterable[str] = _RECORD_COLUMNS,
    fix: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    batch: int = 2000,
) -> int:
    """Insert every row of ``table`` once per cloner (source rows read once); rows written."""
    rows = [dict(r._mapping) for r in source.execute(select(table))]
    pending: list[dict[str, Any]] = []
    written = 0
    for cloner in cloners:
        for row in rows:
            new = cloner.row(row, json_columns)
            pending.append(fix(new) if fix else new)
            if len(pending) >= batch:
                target.execute(insert(table), pending)
                written += len(pending)
                pending = []
    if pending:
        target.execute(insert(table), pending)
        written += len(pending)
    return written


def _clone_search(
    source: Connection, target: Connection, cloners: Sequence[Cloner], keys: dict[str, int]
) -> None:
    """The copies' search rows, under the rowids (list keys) their event rows got."""
    rows = source.execute(text("SELECT event_id, body FROM ledger_search")).all()
    sqlite = target.dialect.name == "sqlite"
    sql = (
        "INSERT INTO ledger_search (rowid, event_id, body) VALUES (:rowid, :event_id, :body)"
        if sqlite
        else "INSERT INTO ledger_search (event_id, body) VALUES (:event_id, :body)"
    )
    pending: list[dict[str, Any]] = []
    for cloner in cloners:
        for event_id, body in rows:
            new = cloner.new_id(event_id)
            pending.append({"rowid": keys[new], "event_id": new, "body": body})
        if len(pending) >= 2000:
            target.execute(text(sql), [_pg(p, sqlite) for p in pending])
            pending = []
    if pending:
        target.execute(text(sql), [_pg(p, sqlite) for p in pending])


def _pg(row: dict[str, Any], sqlite: bool) -> dict[str, Any]:
    return row if sqlite else {"event_id": row["event_id"], "body": row["body"]}


LEDGER_CLONED = (
    lt.ledger_events,
    lt.ledger_event_articles,
    lt.ledger_event_entities,
    lt.ledger_claims,
    lt.ledger_claim_articles,
    lt.ledger_conflicts,
    lt.ledger_entities,
    lt.ledger_entity_mentions,
    lt.ledger_origin_groups,
    lt.ledger_article_origins,
    lt.ledger_article_dates,
    *story_tables.STORY_TABLES,
)


def cloners_for(
    ids: frozenset[str], copies: int, span_days: int = 365, start: int = 0
) -> list[Cloner]:
    """Copies ``start .. copies-1``, their dates spread evenly over ``span_days``."""
    return [Cloner(ids, k, k * span_days // max(1, copies)) for k in range(start, copies)]


def synthesise(
    source: LedgerStore,
    target: LedgerStore,
    n_articles: int,
    *,
    span_days: int = 365,
    annotations: bool = False,
    share_entities: bool = True,
    copies_per_batch: int = 200,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Fill the empty ``target`` with copies of ``source``'s ledger up to ``n_articles``.

    Writes the articles (and, with ``annotations``, their cached annotations), every
    ledger table and the search index, one transaction per batch of copies, and one
    finished run. Returns the counts written.
    """
    with lt.reading(source) as src:
        per_copy = src.execute(select(func.count()).select_from(articles_table)).scalar_one()
        if not per_copy:
            raise ValueError(f"{source.describe()} holds no articles to clone")
        if not lt.has_ledger(src):
            raise ValueError(f"{source.describe()} holds no ledger tables: run analyze first")
        ids = source_ids(src, entities=not share_entities)
    copies = -(-n_articles // per_copy)
    tables = [articles_table, *LEDGER_CLONED] + ([annotations_table] if annotations else [])
    with lt.transaction(target) as conn:
        run = lt.begin_run(conn)
    written: dict[str, int] = {t.name: 0 for t in tables}

    def at_run(row: dict[str, Any]) -> dict[str, Any]:
        if "changed_run" in row:
            row["changed_run"] = run
        if "search_key" in row:  # an event: its list key, unique as replace_events keeps it
            key = lt.list_key(row["id"], row["date"], row["n_articles"])
            while key in used:
                key += 1
            used.add(key)
            keys[row["id"]] = row["search_key"] = key
        return row

    used: set[int] = set()
    keys: dict[str, int] = {}
    done = 0
    for first in range(0, copies, copies_per_batch):
        batch = cloners_for(ids, min(copies, first + copies_per_batch), span_days, first)
        with lt.reading(source) as src, lt.transaction(target) as conn:
            for table in tables:
                use = batch
                if share_entities and table is lt.ledger_entities:
                    use = [c for c in batch if c.copy == 0]
                written[table.name] += clone_table(src, conn, table, use, fix=at_run)
            _clone_search(src, conn, batch, keys)
            keys.clear()
        done += len(batch)
        if progress:
            progress(done, copies)
    with lt.transaction(target) as conn:
        if share_entities:
            m, e = lt.ledger_entity_mentions, lt.ledger_entities
            counts = select(func.count()).where(m.c.entity_id == e.c.id).scalar_subquery()
            conn.execute(e.update().values(n_mentions=counts))
        lt.finish_run(conn, run, written["articles"], written["ledger_events"])
    return {"copies": copies, "run": run, **written}


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m newsledger.bench.synth SOURCE_DIR TARGET_DIR --articles N``."""
    import argparse
    import sys
    import time
    from pathlib import Path

    from newsledger.report.stream import write_store_outputs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="an analyzed ledger folder")
    parser.add_argument("target", type=Path, help="a new folder for the synthesised ledger")
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--span-days", type=int, default=365)
    parser.add_argument("--annotations", action="store_true", help="clone annotations too")
    parser.add_argument("--outputs", action="store_true", help="write ledger.json and reports")
    args = parser.parse_args(argv)
    if (args.target / "ledger.sqlite").exists():
        parser.error(f"{args.target} already holds a ledger")
    args.target.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with (
        LedgerStore(f"sqlite:///{args.source / 'ledger.sqlite'}") as source,
        LedgerStore(f"sqlite:///{args.target / 'ledger.sqlite'}") as target,
    ):
        counts = synthesise(
            source,
            target,
            args.articles,
            span_days=args.span_days,
            annotations=args.annotations,
            progress=lambda d, n: print(f"{d}/{n} copies", file=sys.stderr),
        )
        if args.outputs:
            write_store_outputs(target, args.target, counts["run"])
    counts["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps({"task": "synthesise", **counts}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
