"""SQLAlchemy Core schema and the :class:`LedgerStore` the pipeline writes through."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError, ProgrammingError

from newsledger.codec import dumps, loads
from newsledger.model import Annotations, Article, EventCluster, Rejection
from newsledger.store.lock import (
    LedgerBusyError,
    describe_holder,
    file_lock,
    holder_info,
    poll,
)

SCHEMA_VERSION = "1"
_CHUNK = 500  # keys per IN (...) query, well under SQLite's bound-parameter limit
_BUSY_TIMEOUT_MS = 60_000

metadata = MetaData()

meta_table = Table(
    "newsledger_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
articles_table = Table(
    "articles",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("content_hash", String(128), nullable=False, index=True),
    Column("path_or_url", Text, nullable=False),
    Column("record", Text, nullable=False),
)
rejections_table = Table(
    "rejections",
    metadata,
    # sha256 of (path_or_url, reason): long URLs would overflow PostgreSQL's btree rows
    Column("key", String(64), primary_key=True),
    Column("path_or_url", Text, nullable=False),
    Column("reason", Text, nullable=False),
)
annotations_table = Table(
    "annotations",
    metadata,
    Column("content_hash", String(128), primary_key=True),
    Column("version", String(64), primary_key=True),
    Column("record", Text, nullable=False),
)
clusters_table = Table(
    "clusters",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("id", String(128), nullable=False),
    Column("record", Text, nullable=False),
)
run_lock_table = Table(
    "run_lock",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", Text, nullable=False),
)


def insert_ignore(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows whose key is not stored yet, on SQLite and PostgreSQL alike."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).on_conflict_do_nothing(), rows)


class LedgerDatabaseError(RuntimeError):
    """The ledger database cannot be opened (server down, bad URL, no permission)."""


def normalise_url(url: str) -> URL:
    """``postgresql://`` and ``postgres://`` mean psycopg 3, the driver we ship."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _rejection_key(rejection: Rejection) -> str:
    return hashlib.sha256(f"{rejection.path_or_url}\0{rejection.reason}".encode()).hexdigest()


def _journal_mode_wal(cursor: Any) -> None:
    """Switch to WAL, waiting out another process that is creating the same database.

    SQLite answers "database is locked" to this pragma at once, without calling the
    busy handler, while another connection holds the lock; so wait here as
    ``busy_timeout`` would.
    """
    deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class LedgerStore:
    """The ledger database: articles, rejections, cached annotations and event clusters.

    Safe to kill at any point: each write call is one transaction. Use
    :meth:`run_lock` around a whole run so two writers never interleave.
    """

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.dialect = self.url.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise ValueError(
                f"unsupported database {self.url.drivername!r}: use sqlite or postgresql"
            )
        self._engine = self._make_engine()
        try:
            self._create_schema()
        except (OperationalError, ProgrammingError) as exc:
            self._engine.dispose()
            raise LedgerDatabaseError(
                f"cannot open the ledger database {self.describe()}: {exc.orig or exc}"
            ) from exc
        except DatabaseError as exc:  # SQLite's "file is not a database", a malformed image
            self._engine.dispose()
            raise LedgerDatabaseError(
                f"the ledger database {self._where()} is not a newsledger database or is "
                f"damaged ({exc.orig or exc}); move it aside and run again to rebuild it"
            ) from exc

    # ------------------------------------------------------------------ connection

    def _make_engine(self) -> Engine:
        if self.dialect == "postgresql":
            return create_engine(self.url, pool_pre_ping=True)
        database = self.url.database
        if database and database != ":memory:":
            try:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise LedgerDatabaseError(
                    f"cannot open the ledger database {database}: {exc}"
                ) from exc
        engine = create_engine(self.url, connect_args={"timeout": _BUSY_TIMEOUT_MS / 1000})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # let SQLAlchemy emit BEGIN itself (below) instead of pysqlite's deferred one
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
            if database and database != ":memory:":
                _journal_mode_wal(cursor)
            # WAL + NORMAL: a committed transaction survives a killed process
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # writers take the write lock up front so busy_timeout applies, instead of
            # failing with SQLITE_BUSY when a read transaction upgrades mid-way
            write = conn.get_execution_options().get("newsledger_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._engine.connect() as conn:
            conn.execution_options(newsledger_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction for a whole batch: committed at the end or not at all."""
        with self._write() as conn:
            yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self._engine.connect() as conn:
            yield conn

    def _create_schema(self) -> None:
        try:
            with self._write() as conn:
                metadata.create_all(conn, checkfirst=True)
                self._insert_ignore(conn, meta_table, [{"key": "schema", "value": SCHEMA_VERSION}])
        except (IntegrityError, ProgrammingError):
            # another process created the same tables between our check and our CREATE
            metadata.create_all(self._engine, checkfirst=True)
        with self._engine.connect() as conn:
            found = conn.execute(
                select(meta_table.c.value).where(meta_table.c.key == "schema")
            ).scalar_one_or_none()
        if found not in (None, SCHEMA_VERSION):
            raise RuntimeError(
                f"ledger database {self.describe()} has schema {found}, this newsledger "
                f"expects {SCHEMA_VERSION}"
            )

    def _insert_ignore(self, conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        dialect = postgresql if self.dialect == "postgresql" else sqlite
        conn.execute(dialect.insert(table).on_conflict_do_nothing(), rows)

    def _where(self) -> str:
        """The SQLite file a user can move aside, else the URL without its password."""
        database = self.url.database
        if self.dialect == "sqlite" and database and database != ":memory:":
            return database
        return self.describe()

    def describe(self) -> str:
        """The URL without its password, for messages."""
        return self.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> LedgerStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ run lock

    @contextmanager
    def run_lock(self, *, wait: float = 0.0) -> Iterator[None]:
        """Hold the ledger's exclusive writer lock for the block.

        Raises :class:`LedgerBusyError` (with the holder's pid and host) when another
        run holds it for longer than ``wait`` seconds. The lock is released by the OS
        or the server if this process dies, so a killed run never blocks the next one.
        """
        if self.dialect == "postgresql":
            with self._pg_lock(wait):
                yield
            return
        database = self.url.database
        if not database or database == ":memory:":
            yield  # a private in-memory database has no other writer
            return
        with file_lock(Path(f"{database}.lock"), wait=wait, where=self.describe()):
            yield

    @contextmanager
    def _pg_lock(self, wait: float) -> Iterator[None]:
        key = zlib.crc32(b"newsledger run lock")
        with self._engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")

            def try_once() -> bool:
                got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})
                return bool(got.scalar())

            if not poll(try_once, wait):
                holder = conn.execute(
                    select(run_lock_table.c.holder).where(run_lock_table.c.name == "analyze")
                ).scalar_one_or_none()
                raise LedgerBusyError(
                    describe_holder(json.loads(holder) if holder else None, self.describe())
                    + "; wait for it to finish or use another --db"
                )
            try:
                with self._write() as wconn:
                    wconn.execute(delete(run_lock_table).where(run_lock_table.c.name == "analyze"))
                    wconn.execute(
                        run_lock_table.insert(),
                        {"name": "analyze", "holder": json.dumps(holder_info())},
                    )
                yield
            finally:
                # if the connection is gone, the lock went with it
                with suppress(OperationalError):
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})

    # ------------------------------------------------------------------ articles

    def add_articles(self, articles: Sequence[Article]) -> int:
        """Insert the articles not yet stored (by id); returns how many were new."""
        first_seen: dict[str, Article] = {}
        for article in articles:  # the first copy wins, as it does across batches
            first_seen.setdefault(article.id, article)
        unique = list(first_seen.values())
        if not unique:
            return 0
        with self._write() as conn:
            existing = self._existing(conn, articles_table.c.id, [a.id for a in unique])
            rows = [
                {
                    "id": a.id,
                    "content_hash": a.content_hash,
                    "path_or_url": a.path_or_url,
                    "record": dumps(a),
                }
                for a in unique
                if a.id not in existing
            ]
            self._insert_ignore(conn, articles_table, rows)
        return len(rows)

    def _existing(self, conn: Connection, column: Column, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(keys):
            found.update(conn.execute(select(column).where(column.in_(chunk))).scalars())
        return found

    def load_articles(self) -> list[Article]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(articles_table.c.id, articles_table.c.record))
            # sorted here, not in SQL: PostgreSQL's collation may differ from SQLite's
            return [loads(Article, record) for _, record in sorted(rows)]

    def count_articles(self) -> int:
        with self._engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(articles_table)).scalar_one()

    # ------------------------------------------------------------------ rejections

    def add_rejections(self, rejections: Sequence[Rejection]) -> int:
        """Record rejections not yet stored (by path and reason); returns how many were new."""
        unique = {_rejection_key(r): r for r in rejections}
        if not unique:
            return 0
        with self._write() as conn:
            existing = self._existing(conn, rejections_table.c.key, list(unique))
            rows = [
                {"key": key, "path_or_url": r.path_or_url, "reason": r.reason}
                for key, r in unique.items()
                if key not in existing
            ]
            self._insert_ignore(conn, rejections_table, rows)
        return len(rows)

    def forget_rejections(self, paths: Sequence[str], reason_prefix: str) -> None:
        """Drop the stored rejections of these inputs whose reason starts so: an article
        that failed once and has now been analysed is no longer rejected."""
        if not paths:
            return
        with self._write() as conn:
            for chunk in _chunks(sorted(set(paths))):
                conn.execute(delete(rejections_table).where(
                    rejections_table.c.path_or_url.in_(chunk),
                    rejections_table.c.reason.startswith(reason_prefix, autoescape=True)))

    def load_rejections(self) -> list[Rejection]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(rejections_table.c.path_or_url, rejections_table.c.reason))
            # sorted here, not in SQL: SQLite and PostgreSQL collate text differently
            return [Rejection(path, reason) for path, reason in sorted(rows)]

    # ------------------------------------------------------------------ annotations

    def load_annotations(self, version: str) -> dict[str, Annotations]:
        """Cached annotations of this extractor version, keyed by content hash."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(annotations_table.c.content_hash, annotations_table.c.record).where(
                    annotations_table.c.version == version
                )
            )
            return {content_hash: loads(Annotations, record) for content_hash, record in rows}

    def annotations_of(self, conn: Connection, article_ids: Sequence[str], version: str
                       ) -> dict[str, Annotations]:
        """Annotations of these articles (by article id), read through their content hash."""
        out: dict[str, Annotations] = {}
        for chunk in _chunks(sorted(set(article_ids))):
            rows = conn.execute(
                select(articles_table.c.id, annotations_table.c.record)
                .join(annotations_table,
                      annotations_table.c.content_hash == articles_table.c.content_hash)
                .where(articles_table.c.id.in_(chunk), annotations_table.c.version == version)
            )
            out.update((aid, loads(Annotations, record)) for aid, record in rows)
        return out

    def articles_of(self, conn: Connection, article_ids: Sequence[str]) -> dict[str, Article]:
        out: dict[str, Article] = {}
        for chunk in _chunks(sorted(set(article_ids))):
            rows = conn.execute(select(articles_table.c.id, articles_table.c.record)
                                .where(articles_table.c.id.in_(chunk)))
            out.update((aid, loads(Article, record)) for aid, record in rows)
        return out

    def annotated_hashes(self, version: str) -> set[str]:
        """Content hashes already annotated by this version, without decoding records."""
        with self._engine.connect() as conn:
            return set(
                conn.execute(
                    select(annotations_table.c.content_hash).where(
                        annotations_table.c.version == version
                    )
                ).scalars()
            )

    def save_annotations(self, annotations: Sequence[Annotations], version: str) -> None:
        """Upsert by (content hash, version), all in one transaction."""
        rows = [
            {"content_hash": h, "version": version, "record": dumps(a)}
            for h, a in {a.content_hash: a for a in annotations}.items()
        ]
        if not rows:
            return
        dialect = postgresql if self.dialect == "postgresql" else sqlite
        stmt = dialect.insert(annotations_table)
        stmt = stmt.on_conflict_do_update(
            index_elements=[annotations_table.c.content_hash, annotations_table.c.version],
            set_={"record": stmt.excluded.record},
        )
        with self._write() as conn:
            conn.execute(stmt, rows)

    # ------------------------------------------------------------------ clusters

    def load_clusters(self) -> list[EventCluster]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(clusters_table.c.record).order_by(clusters_table.c.position))
            return [loads(EventCluster, record) for (record,) in rows]

    def save_clusters(self, clusters: Iterable[EventCluster]) -> None:
        """Replace the stored clusters with these, atomically."""
        rows = [{"position": i, "id": c.id, "record": dumps(c)} for i, c in enumerate(clusters)]
        with self._write() as conn:
            conn.execute(delete(clusters_table))
            if rows:
                conn.execute(clusters_table.insert(), rows)


__all__ = ["LedgerBusyError", "LedgerDatabaseError", "LedgerStore", "normalise_url"]
