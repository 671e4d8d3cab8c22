"""``newsledger watch``: poll feeds and pages, fold what is new into the ledger, repeat.

One cycle, one way: every due source is fetched with a conditional GET (the ETag and
Last-Modified of its last good answer, kept in the store: a 304 costs no parsing), its
items are read by the ordinary ingest readers, items already seen (by item URL, or by
content hash: the same story under a new URL) are skipped without fetching their pages,
and the new articles are stored. Then the ordinary incremental update
(:func:`newsledger.pipeline.analyze`, nothing forked) folds every stored article not in
the ledger yet, and a status row is written for ``serve``.

Nothing is lost on a kill: an article is stored (committed) before the source's
validators and seen-items are, and the fold is one transaction that picks up whatever
is stored and not folded, so a run killed anywhere and started again fetches at most
what it had not stored and folds what it had not folded. A source that fails (time-out,
HTTP error, malformed feed, a redirect to a refused address) is logged and polled again
after an exponential back-off of its own; the others go on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select

from newsledger.ingest import IngestError, IngestOptions
from newsledger.ingest.article import RawDoc
from newsledger.ingest.fetch import fetch
from newsledger.ingest.sources import item_page_reader, read_fetched
from newsledger.model import Article, Rejection
from newsledger.store import LedgerBusyError, LedgerStore
from newsledger.store.sql import articles_table, insert_ignore
from newsledger.store.state import inc_articles
from newsledger.store.watch_tables import read_status, watch_items, watch_meta, watch_sources

log = logging.getLogger(__name__)
STATUS_FILE = "status.json"
_CHUNK = 500


@dataclass(frozen=True)
class WatchConfig:
    """What to poll, how often, and where the ledger is."""

    sources: tuple[str, ...]
    out_dir: Path
    db_url: str | None = None
    every_s: float = 900.0
    options: IngestOptions = field(default_factory=IngestOptions)
    backoff_s: float | None = None  # first delay after a failure (default: every_s)
    backoff_max_s: float = 6 * 3600.0
    engine: str = "local"
    workers: int = 2
    scheduler: str | None = None

    @property
    def url(self) -> str:
        return self.db_url or f"sqlite:///{self.out_dir / 'ledger.sqlite'}"

    def delay(self, failures: int) -> float:
        """Back-off after ``failures`` consecutive failures: doubling, capped."""
        base = self.backoff_s if self.backoff_s is not None else self.every_s
        return min(base * 2 ** max(0, failures - 1), max(base, self.backoff_max_s))


@dataclass(frozen=True)
class SourceResult:
    source: str
    outcome: str  # fetched | not-modified | failed | waiting | local
    new: int = 0
    skipped: int = 0
    error: str | None = None
    failures: int = 0
    retry_at: float | None = None


@dataclass(frozen=True)
class CycleReport:
    started: float
    seconds: float
    sources: tuple[SourceResult, ...]
    articles_added: int
    events_changed: int
    next_cycle: float | None
    fold_error: str | None = None

    def count(self, *outcomes: str) -> int:
        return sum(1 for s in self.sources if s.outcome in outcomes)

    @property
    def items_new(self) -> int:
        return sum(s.new for s in self.sources)

    @property
    def items_skipped(self) -> int:
        return sum(s.skipped for s in self.sources)

    @property
    def failing(self) -> tuple[SourceResult, ...]:
        return tuple(s for s in self.sources if s.outcome in ("failed", "waiting"))

    def line(self) -> str:
        """The one log line of a cycle."""
        when = _iso(self.started)
        text = (
            f"{when} cycle: sources {self.count('fetched', 'not-modified', 'local')} ok, "
            f"{self.count('failed')} failed, {self.count('waiting')} backing off; "
            f"items {self.items_new} new, {self.items_skipped} skipped; "
            f"articles {self.articles_added} added; events {self.events_changed} changed; "
            f"{self.seconds:.1f} s"
        )
        if self.fold_error:
            text += f"; update deferred: {self.fold_error}"
        return text

    def status(self) -> dict[str, Any]:
        """What ``serve`` shows: the last cycle, what it added, which feeds fail, the next."""
        return {
            "last_cycle": _iso(self.started),
            "seconds": round(self.seconds, 2),
            "articles_added": self.articles_added,
            "events_changed": self.events_changed,
            "items_new": self.items_new,
            "items_skipped": self.items_skipped,
            "sources_ok": self.count("fetched", "not-modified", "local"),
            "sources_failed": self.count("failed", "waiting"),
            "failing": [
                {"source": s.source, "error": s.error, "failures": s.failures,
                 "retry_at": _iso(s.retry_at) if s.retry_at else None}
                for s in self.failing
            ],
            "next_cycle": _iso(self.next_cycle) if self.next_cycle else None,
            "update_error": self.fold_error,
        }


@dataclass(frozen=True)
class _SourceState:
    key: str
    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    next_try: float | None = None
    last_error: str | None = None


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def is_url(source: str) -> bool:
    return urlsplit(source).scheme.lower() in ("http", "https") and "://" in source


def parse_every(text: str) -> float:
    """``90``, ``90s``, ``15m``, ``2h``, ``1d`` -> seconds (a plain number is seconds)."""
    value = text.strip().lower()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    scale = units.get(value[-1:])
    number = value[:-1] if scale else value
    try:
        seconds = float(number) * (scale or 1)
    except ValueError:
        raise ValueError(f"not a duration: {text!r} (e.g. 30s, 15m, 1h)") from None
    if seconds <= 0:
        raise ValueError(f"the interval must be positive, not {text!r}")
    return seconds


# ---------------------------------------------------------------------- one source


class SourceFault(Exception):
    """The source as a whole failed this time (network, HTTP status, unreadable feed)."""


def _load_state(store: LedgerStore, url: str) -> _SourceState:
    key = _key(url)
    with store.reading() as conn:
        row = conn.execute(select(watch_sources).where(watch_sources.c.key == key)).first()
    if row is None:
        return _SourceState(key)
    return _SourceState(key, row.etag, row.last_modified, row.failures or 0, row.next_try,
                        row.last_error)


def _seen_urls(store: LedgerStore, urls: Sequence[str]) -> set[str]:
    keys = {_key(u): u for u in urls}
    found: set[str] = set()
    ordered = sorted(keys)
    with store.reading() as conn:
        for i in range(0, len(ordered), _CHUNK):
            found.update(conn.execute(select(watch_items.c.key).where(
                watch_items.c.key.in_(ordered[i : i + _CHUNK]))).scalars())
    return {keys[k] for k in found}


def _stored_hashes(store: LedgerStore, hashes: Sequence[str]) -> set[str]:
    found: set[str] = set()
    ordered = sorted(set(hashes))
    with store.reading() as conn:
        for i in range(0, len(ordered), _CHUNK):
            found.update(conn.execute(select(articles_table.c.content_hash).where(
                articles_table.c.content_hash.in_(ordered[i : i + _CHUNK]))).scalars())
    return found


def _own_url(name: str, source: str) -> bool:
    """Whether an item's name is a URL of its own (not the source, not a position in it)."""
    return name != source and is_url(name) and not name.startswith(f"{source}#item-")


def poll_source(store: LedgerStore, url: str, state: _SourceState, options: IngestOptions,
                now: float) -> SourceResult:
    """Fetch one source (conditionally), store its new articles, remember what it served.

    Raises :class:`SourceFault` when the source failed as a whole (then nothing of its
    answer is stored).
    """
    headers = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    try:
        page = fetch(url, options, headers)
    except IngestError as exc:
        raise SourceFault(str(exc)) from None
    if page.status == 304:
        _save_source(store, state, now, url, etag=state.etag,
                     last_modified=state.last_modified)
        return SourceResult(url, "not-modified")

    reader = None
    if options.fetch_feed_items:
        fetch_page = item_page_reader(options)
        seen_before: set[str] = set()

        def read_page(link: str) -> RawDoc | None:
            # an item seen in an earlier cycle is not fetched again (its summary is read
            # and then skipped as seen)
            if link in seen_before or _seen_urls(store, [link]):
                seen_before.add(link)
                return None
            return fetch_page(link)

        reader = read_page
    items = list(read_fetched(page, url, options, reader))
    faults = [r for r in items if isinstance(r, Rejection) and r.path_or_url == url]
    if faults:
        # a malformed or truncated answer is suspect as a whole (its last item may be cut
        # short): nothing of it is stored or marked seen; the retry reads it again
        raise SourceFault("; ".join(r.reason for r in faults))
    rejected = [r for r in items if isinstance(r, Rejection) and r.path_or_url != url]
    articles = [a for a in items if isinstance(a, Article)]

    # items already seen: by item URL, then by content hash (the same story under a new
    # URL is stored once). A page, and a feed item without a link of its own (named by
    # its position, "FEED#item-3", which the next item shifts), are judged by content only.
    linked = [a for a in articles if _own_url(a.path_or_url, url)]
    seen = _seen_urls(store, [a.path_or_url for a in linked])
    fresh = [a for a in articles if a.path_or_url not in seen]
    stored = _stored_hashes(store, [a.content_hash for a in fresh])
    new: dict[str, Article] = {}
    for a in fresh:
        if a.content_hash not in stored:
            new.setdefault(a.content_hash, a)
    if new:
        store.add_articles(list(new.values()))
    if rejected:
        store.add_rejections(rejected)
    # only now: a kill before this line refetches the items, and their hashes skip them
    item_rows = [{"key": _key(a.path_or_url), "url": a.path_or_url,
                  "content_hash": a.content_hash, "source_key": state.key, "seen": now}
                 for a in linked]
    item_rows += [{"key": _key(r.path_or_url), "url": r.path_or_url, "content_hash": None,
                   "source_key": state.key, "seen": now}
                  for r in rejected if _own_url(r.path_or_url, url)]
    _save_source(store, state, now, url, etag=page.etag, last_modified=page.last_modified,
                 items=item_rows)
    return SourceResult(url, "fetched", new=len(new), skipped=len(articles) - len(new))


def _save_source(store: LedgerStore, state: _SourceState, now: float, url: str, *,
                 etag: str | None, last_modified: str | None,
                 items: list[dict[str, Any]] | None = None) -> None:
    """A good answer: the items it served and its validators, in one transaction."""
    with store.transaction() as conn:
        if items:
            insert_ignore(conn, watch_items, list({r["key"]: r for r in items}.values()))
        conn.execute(watch_sources.delete().where(watch_sources.c.key == state.key))
        conn.execute(watch_sources.insert(), {
            "key": state.key, "url": url, "etag": etag, "last_modified": last_modified,
            "failures": 0, "next_try": None, "last_error": None, "last_ok": now})


def _record_failure(store: LedgerStore, url: str, state: _SourceState, error: str,
                    retry_at: float) -> None:
    """A failure keeps the validators (a later 304 still means "as before")."""
    with store.transaction() as conn:
        conn.execute(watch_sources.delete().where(watch_sources.c.key == state.key))
        conn.execute(watch_sources.insert(), {
            "key": state.key, "url": url, "etag": state.etag,
            "last_modified": state.last_modified, "failures": state.failures + 1,
            "next_try": retry_at, "last_error": error[:500], "last_ok": None})


# ---------------------------------------------------------------------- one cycle


def _folded(store: LedgerStore) -> tuple[int, int]:
    """(articles stored, articles folded into the ledger)."""
    with store.reading() as conn:
        stored = conn.execute(select(func.count()).select_from(articles_table)).scalar_one()
        folded = conn.execute(select(func.count()).select_from(inc_articles)).scalar_one()
    return stored, folded


def run_cycle(config: WatchConfig, store: LedgerStore, *, now: float | None = None,
              stop: threading.Event | None = None,
              analyze: Callable[..., Any] | None = None) -> CycleReport:
    """Poll every due source once, then fold what is stored and new into the ledger.

    ``now`` (epoch seconds) is the cycle's clock for back-off; a set ``stop`` ends the
    polling between sources and leaves the fold to the next start (what was stored is
    kept; the fold picks it up).
    """
    if analyze is None:
        from newsledger.pipeline import analyze
    started = time.time() if now is None else now
    clock = time.perf_counter()
    results: list[SourceResult] = []
    local = [s for s in config.sources if not is_url(s)]
    for source in config.sources:
        if stop is not None and stop.is_set():
            break
        if not is_url(source):
            results.append(SourceResult(source, "local"))
            continue
        state = _load_state(store, source)
        if state.next_try is not None and started < state.next_try:
            results.append(SourceResult(source, "waiting", failures=state.failures,
                                        retry_at=state.next_try, error=state.last_error))
            continue
        try:
            results.append(poll_source(store, source, state, config.options, started))
        except SourceFault as exc:
            failures = state.failures + 1
            retry_at = started + config.delay(failures)
            _record_failure(store, source, state, str(exc), retry_at)
            log.warning("watch: %s failed (%s); failure %d, next try %s", source, exc,
                        failures, _iso(retry_at))
            results.append(SourceResult(source, "failed", error=str(exc), failures=failures,
                                        retry_at=retry_at))
    added = changed = 0
    fold_error = None
    stored, folded = _folded(store)
    if (stop is None or not stop.is_set()) and (stored > folded or local):
        try:
            summary = analyze(local, config.out_dir, db_url=config.url,
                              options=config.options, engine=config.engine,
                              workers=config.workers, scheduler=config.scheduler)
            changed = summary.changed_events
        except LedgerBusyError as exc:  # another run holds the ledger: fold next cycle
            fold_error = str(exc).splitlines()[0]
            log.warning("watch: %s", fold_error)
        except Exception as exc:  # the stored articles wait for the next cycle's fold
            fold_error = f"{type(exc).__name__}: {exc}"[:300]
            log.exception("watch: the update failed; the stored articles are folded next cycle")
        added = _folded(store)[1] - folded
    report = CycleReport(started, time.perf_counter() - clock, tuple(results), added, changed,
                         started + config.every_s, fold_error)
    write_status(store, config.out_dir, report.status())
    return report


def write_status(store: LedgerStore, out_dir: Path, status: dict[str, Any]) -> None:
    """The status row in the store (``serve`` reads it) and ``status.json`` beside the
    ledger for a human or a monitor (written whole, then renamed)."""
    body = json.dumps(status, sort_keys=True)
    with store.transaction() as conn:
        conn.execute(watch_meta.delete().where(watch_meta.c.key == "status"))
        conn.execute(watch_meta.insert(), {"key": "status", "value": body})
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f".{STATUS_FILE}.{os.getpid()}"
    tmp.write_text(body + "\n", encoding="utf-8")
    os.replace(tmp, out_dir / STATUS_FILE)


# ---------------------------------------------------------------------- the loop


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and the first Ctrl-C ask the loop to stop after the current step; a
    second Ctrl-C interrupts (the fold's transaction rolls back, nothing is lost)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, frame: object) -> None:
        stop.set()

    def on_int(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    old = {signal.SIGTERM: signal.signal(signal.SIGTERM, on_term),
           signal.SIGINT: signal.signal(signal.SIGINT, on_int)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


@contextmanager
def _one_watch(store: LedgerStore) -> Iterator[None]:
    """One watch per SQLite ledger (a second one would poll the same feeds twice); on
    PostgreSQL the content-hash keys still store every story once."""
    database = store.url.database
    if store.dialect != "sqlite" or not database or database == ":memory:":
        yield
        return
    from newsledger.store.lock import file_lock

    with file_lock(Path(f"{database}.watch.lock"), where=f"{store.describe()} (watch)"):
        yield


def watch(config: WatchConfig, *, once: bool = False, stop: threading.Event | None = None,
          on_cycle: Callable[[CycleReport], None] | None = None,
          cycles: int | None = None) -> list[CycleReport]:
    """Run cycles every ``config.every_s`` seconds until stopped (or ``once``/``cycles``)."""
    stop = stop or threading.Event()
    reports: list[CycleReport] = []
    config.out_dir.mkdir(parents=True, exist_ok=True)
    with LedgerStore(config.url) as store, _one_watch(store):
        while not stop.is_set():
            report = run_cycle(config, store, stop=stop)
            reports.append(report)
            if on_cycle:
                on_cycle(report)
            if once or (cycles is not None and len(reports) >= cycles):
                break
            stop.wait(max(0.0, (report.next_cycle or 0) - time.time()))
    return reports


def with_allowed(options: IngestOptions, networks: Sequence[str]) -> IngestOptions:
    return replace(options, allow_networks=(*options.allow_networks, *networks))


__all__ = [
    "CycleReport",
    "SourceResult",
    "WatchConfig",
    "parse_every",
    "read_status",
    "run_cycle",
    "stop_on_signals",
    "watch",
    "write_status",
]
