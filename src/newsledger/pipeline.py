"""The whole job, stage after stage: ingest -> extract -> resolve -> group -> reconcile -> report.

Data flows one way. Each stage's entry point is a plain function over the
records of :mod:`newsledger.model`; this module only wires them together and
keeps the I/O (store, output files, progress) at the edges.

Resolution runs before event clustering because clustering uses resolved
entities and places as features; origin grouping needs only text.

A run costs what is new: only articles the ledger has not folded in yet are
extracted, resolved against the stored entities, grouped through the stored LSH and
cluster state, and only the events they touch (or whose entities, origin groups or
dates changed) are reconciled again; all of it in one transaction (docs/scale.md).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from newsledger.codec import loads
from newsledger.extract import EXTRACTOR_VERSION, annotate_isolated
from newsledger.ingest import IngestOptions, is_missing_source, read_inputs
from newsledger.isolation import (
    UNANALYSED_PREFIX,
    WHOLE_RUN_ERRORS,
    Unanalysed,
    failure_reason,
    log_failure,
)
from newsledger.model import Annotations, Article, EventCluster, Ledger, Rejection
from newsledger.report.stream import (
    BRIEF_LATEST,
    FULL_OUTPUTS_MAX_ARTICLES,
    output_paths,
    write_store_outputs,
)
from newsledger.scale.reconcile import EventTask, LocalReconciler, Reconciler
from newsledger.store import LedgerDatabaseError, LedgerStore, ledger_tables

if TYPE_CHECKING:
    from newsledger.group.corrections import Applied
    from newsledger.group.features import ArticleFeatures
    from newsledger.resolve.incremental import ResolveDelta

Progress = Callable[[str, int, int | None], None]
"""progress(stage, done, total): called as work advances; total may be unknown."""


def _no_progress(stage: str, done: int, total: int | None) -> None:
    return None


@dataclass(frozen=True)
class RunSummary:
    read_articles: int  # articles read from the inputs this run, new or already stored
    new_articles: int
    new_rejections: int  # stored in the ledger; missing sources are reported, never stored
    out_dir: Path
    outputs: dict[str, Path]
    db_url: str
    changed_events: int = 0
    full_outputs: bool = True  # ledger.json and events.csv are among the outputs (current)
    # with --engine dask: reconciliation tasks run per worker address
    reconcile_tasks: Mapping[str, int] = field(default_factory=dict)
    reconcile_task_cpu_seconds: float = 0.0  # CPU the workers spent in those tasks

    def overview(self, latest: int = 20) -> ledger_tables.Overview:
        """Record counts and the newest events, counted by the database (any ledger size)."""
        with LedgerStore(self.db_url) as store, ledger_tables.reading(store) as conn:
            return ledger_tables.overview(conn, latest)

    @cached_property
    def ledger(self) -> Ledger:
        """The whole stored ledger, read on first use (a run itself never needs it)."""
        with LedgerStore(self.db_url) as store, ledger_tables.reading(store) as conn:
            return ledger_tables.load_ledger(conn)


def analyze(
    sources: Sequence[str],
    out_dir: Path,
    *,
    db_url: str | None = None,
    options: IngestOptions | None = None,
    engine: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress = _no_progress,
    on_rejection: Callable[[Rejection], None] | None = None,
    brief_latest: int | None = BRIEF_LATEST,
    full_outputs: bool | None = None,
) -> RunSummary:
    """Ingest ``sources`` into the ledger at ``out_dir`` (or ``db_url``) and rewrite its outputs.

    Folders are walked without ``out_dir``, so a ledger kept inside its own corpus never
    reads its reports back as articles. The brief covers the events this run changed
    and the ``brief_latest`` newest (None: every event). ``full_outputs``: whether the
    whole ledger.json and events.csv are written too (None: while the ledger holds at
    most ``FULL_OUTPUTS_MAX_ARTICLES`` articles); the brief and changes.json always are.
    """
    base = options or IngestOptions()
    options = replace(base, exclude=(*base.exclude, str(out_dir)))
    # The store opens first: a database that cannot be used leaves no empty out_dir behind.
    created = not out_dir.exists()
    try:
        store = LedgerStore(db_url or f"sqlite:///{out_dir / 'ledger.sqlite'}")
    except LedgerDatabaseError:
        if created:  # the SQLite store makes its folder before connecting
            with contextlib.suppress(OSError):
                out_dir.rmdir()
        raise
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        # One writer at a time: a second run on the same ledger refuses with LedgerBusyError.
        with store.run_lock(), _fewer_collections():
            read, new_articles, new_rejections = _ingest(
                store, sources, options, progress, on_rejection
            )
            pending = _pending(store)
            with _session(store, engine, workers, scheduler, progress) as session:
                annotations, unanalysed = _annotate(
                    store, pending, engine, workers, scheduler, progress, session
                )
                changed = _update_isolated(store, pending, annotations, unanalysed, progress,
                                           on_rejection, session)
                stats = dict(getattr(session, "task_counts", None) or {})
                task_cpu = getattr(session, "task_cpu_seconds", 0.0)
            progress("report", 0, 1)
            full = _wants_full_outputs(store, full_outputs)
            outputs = _write_outputs(store, out_dir, bool(changed or new_rejections), full,
                                     brief_latest)
            progress("report", 1, 1)
            url = store.url.render_as_string(hide_password=False)
    finally:
        store.close()
    return RunSummary(read, new_articles, new_rejections, out_dir, outputs, url, changed, full,
                      reconcile_tasks=stats, reconcile_task_cpu_seconds=task_cpu)


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often during a run, as it was before afterwards.

    A run makes millions of small objects that live until it ends (annotations, features,
    cluster states); at CPython's default first threshold (700 allocations) the collector
    walks that growing heap again and again: 8.7 to 9.6 s of a first run of 1,000 GVA
    lines (126 to 144 s), 2.3 to 3.0 s at the threshold here (BENCHMARKS.md, issue 15).
    Nothing else changes: reference counting frees most objects at once anyway, and the
    ledger is the same byte for byte.
    """
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _write_outputs(store: LedgerStore, out_dir: Path, changed: bool, full: bool,
                   brief_latest: int | None) -> dict[str, Path]:
    """The run's output files, written when the ledger changed, when one is missing, or
    when the last run died before writing them; without ``full``, the whole ledger.json
    and events.csv an earlier run left are deleted (such a file is always current)."""
    outputs = output_paths(out_dir, full)
    if changed or not all(p.exists() for p in outputs.values()) or not _outputs_current(store):
        with ledger_tables.reading(store) as conn:
            run = ledger_tables.last_finished_run(conn)
        outputs = write_store_outputs(store, out_dir, run, brief_latest=brief_latest, full=full)
        if not full:
            for stale in set(output_paths(out_dir, True).values()) - set(outputs.values()):
                stale.unlink(missing_ok=True)
        _mark_outputs(store)
    return outputs


def _wants_full_outputs(store: LedgerStore, asked: bool | None) -> bool:
    """Whether this run writes the whole ledger.json and events.csv (see analyze)."""
    if asked is not None:
        return asked
    from sqlalchemy import func, select

    from newsledger.store.state import inc_articles

    with store.reading() as conn:
        n = conn.execute(select(func.count()).select_from(inc_articles)).scalar_one()
    return n <= FULL_OUTPUTS_MAX_ARTICLES


@contextlib.contextmanager
def _session(store: LedgerStore, engine: str, workers: int, scheduler: str | None,
             progress: Progress) -> Iterator[Any]:
    """The Dask session of a run (extraction and reconciliation share one client, started
    on first use), or None for the local engine."""
    if engine != "dask":
        yield None
        return
    from newsledger.scale import dask_session

    session = dask_session(store, workers=workers, scheduler=scheduler,
                           version=EXTRACTOR_VERSION)
    try:
        yield session
    finally:
        if session is not None:
            if session.started:
                progress("shutdown", 0, None)  # stopping a local cluster takes a moment
            session.close()


def _ingest(
    store: LedgerStore,
    sources: Sequence[str],
    options: IngestOptions | None,
    progress: Progress,
    on_rejection: Callable[[Rejection], None] | None,
) -> tuple[int, int, int]:
    read = new_articles = new_rejections = 0
    batch: list[Article] = []
    seen = 0
    for item in read_inputs(sources, options or IngestOptions()):
        seen += 1
        progress("ingest", seen, None)
        if isinstance(item, Rejection):
            if on_rejection:
                on_rejection(item)
            if not is_missing_source(item):  # a typo in the command is not a fact of the corpus
                new_rejections += store.add_rejections([item])
            continue
        read += 1
        batch.append(item)
        if len(batch) >= 200:
            new_articles += store.add_articles(batch)
            batch = []
    if batch:
        new_articles += store.add_articles(batch)
    return read, new_articles, new_rejections


def _annotate(
    store: LedgerStore,
    articles: Sequence[Article],
    engine: str,
    workers: int,
    scheduler: str | None,
    progress: Progress,
    session: Any = None,
) -> tuple[dict[str, Annotations], list[Unanalysed]]:
    """Annotations of these articles, computing only those not cached by content hash;
    the articles whose extraction failed (not cached: a later run tries them again)."""
    with store.reading() as conn:
        by_article = store.annotations_of(conn, [a.id for a in articles], EXTRACTOR_VERSION)
    cached = {ann.content_hash: ann for ann in by_article.values()}
    missing = list({a.content_hash: a for a in articles
                    if a.content_hash not in cached}.values())
    total = len(missing)
    unanalysed: list[Unanalysed] = []
    if missing:
        progress("extract", 0, total)
        if engine == "dask" and session is not None:
            stream = session.annotate(missing)
        elif engine == "dask":
            from newsledger.scale import annotate_with_dask

            stream = annotate_with_dask(missing, workers=workers, scheduler=scheduler)
        else:
            stream = annotate_isolated(missing)
        batch: list[Annotations] = []
        for done, annotation in enumerate(stream, 1):
            if isinstance(annotation, Unanalysed):
                unanalysed.append(annotation)
                progress("extract", done, total)
                continue
            batch.append(annotation)
            cached[annotation.content_hash] = annotation
            progress("extract", done, total)
            if len(batch) >= 100:
                store.save_annotations(batch, EXTRACTOR_VERSION)
                batch = []
        store.save_annotations(batch, EXTRACTOR_VERSION)
    annotations = {a.id: cached[a.content_hash] for a in articles if a.content_hash in cached}
    return annotations, unanalysed


def _outputs_current(store: LedgerStore) -> bool:
    """Whether the output files were written after the last finished run (a run killed
    between its commit and its outputs leaves them behind)."""
    from sqlalchemy import select

    from newsledger.store.state import inc_meta

    with store.reading() as conn:
        last = ledger_tables.last_finished_run(conn)
        written = conn.execute(select(inc_meta.c.value).where(inc_meta.c.key == "outputs_run")
                               ).scalar_one_or_none()
    return last is None or written == str(last)


def _mark_outputs(store: LedgerStore) -> None:
    from sqlalchemy import delete, insert

    from newsledger.store.state import inc_meta

    with store.transaction() as conn:
        last = ledger_tables.last_finished_run(conn)
        conn.execute(delete(inc_meta).where(inc_meta.c.key == "outputs_run"))
        conn.execute(insert(inc_meta), {"key": "outputs_run", "value": str(last)})


def _pending(store: LedgerStore) -> list[Article]:
    """Stored articles the ledger has not folded in yet, by id."""
    from sqlalchemy import select

    from newsledger.store.sql import articles_table
    from newsledger.store.state import inc_articles

    with store.reading() as conn:
        ids = conn.execute(select(articles_table.c.id).where(
            articles_table.c.id.not_in(select(inc_articles.c.article_id)))).scalars().all()
        found = store.articles_of(conn, ids)
    return [found[i] for i in sorted(found)]


def _update_isolated(
    store: LedgerStore,
    pending: Sequence[Article],
    annotations: Mapping[str, Annotations],
    unanalysed: Sequence[Unanalysed],
    progress: Progress,
    on_rejection: Callable[[Rejection], None] | None,
    reconciler: Reconciler | None = None,
) -> int:
    """:func:`update_ledger`, with the articles that cannot be analysed left out.

    An article whose extraction failed is rejected and stays pending, so a later run (a
    fixed extractor) tries it again. When folding the batch raises, its transaction is
    rolled back and the batch is folded again in halves, down to the single articles that
    fail alone, which are rejected: the same code path decides, and the ledger is the one
    the batch's articles folded in several runs would give. When every article of several
    fails alone, the fault is the run's, not an article's: it is raised.
    """
    failed = {u.article_id: u.reason for u in unanalysed}
    ready = [a for a in pending if a.id in annotations and a.id not in failed]
    culprits: dict[str, str] = {}

    def fold(batch: Sequence[Article], whole: bool = False) -> int:
        try:
            return update_ledger(store, batch, annotations, progress, reconciler)
        except (*WHOLE_RUN_ERRORS, SQLAlchemyError, OSError):
            raise
        except Exception as exc:
            if len(batch) == 1:
                log_failure(batch[0].path_or_url, "analysis", exc)
                culprits[batch[0].id] = failure_reason(exc)
                return 0
            half = len(batch) // 2
            changed = fold(batch[:half]) + fold(batch[half:])
            if whole and len(culprits) == len(batch):
                raise exc from None
            return changed

    changed = fold(ready, whole=True) if ready else 0
    failed.update(culprits)
    # an article that failed in an earlier run and folded now is no longer rejected
    store.forget_rejections([a.path_or_url for a in ready if a.id not in culprits],
                            UNANALYSED_PREFIX)
    where = {a.id: a.path_or_url for a in pending}
    rejections = [Rejection(where[aid], reason) for aid, reason in sorted(failed.items())]
    for rejection in rejections:
        if on_rejection:
            on_rejection(rejection)
    if rejections:
        store.add_rejections(rejections)
    return changed


def update_ledger(
    store: LedgerStore,
    pending: Sequence[Article],
    annotations: Mapping[str, Annotations],
    progress: Progress = _no_progress,
    reconciler: Reconciler | None = None,
) -> int:
    """Fold ``pending`` articles into the stored ledger in one transaction.

    Returns how many events were written (new or reconciled again); 0 when nothing was
    pending. A ledger of an older version (articles, annotations and clusters but no
    state) is upgraded here: all its articles are pending, its clusters keep their ids.
    """
    if not pending:
        return 0
    with store.transaction() as conn:
        return _fold(store, conn, pending, annotations, progress, reconciler)


class _Batch:
    """What one fold reads, each stored article and annotation read once: the new
    articles' own annotations and features, and stored ones as the stages ask."""

    def __init__(self, store: LedgerStore, conn: Connection, pending: Sequence[Article],
                 annotations: Mapping[str, Annotations]) -> None:
        self.store, self.conn = store, conn
        self.pending = pending
        self.annotations = annotations
        self.new_ids = {a.id for a in pending}
        self.articles: dict[str, Article] = {a.id: a for a in pending}
        self.features: dict[str, ArticleFeatures] = {}

    def load(self, ids: Sequence[str]) -> tuple[list[Article], dict[str, Annotations]]:
        """Stored articles and their annotations, for articles resolved again whole."""
        found = self.store.articles_of(self.conn, ids)
        return ([found[i] for i in sorted(found)],
                self.store.annotations_of(self.conn, ids, EXTRACTOR_VERSION))

    def fetch(self, ids: Iterable[str]) -> None:
        """Read these stored articles into the cache (those not read yet)."""
        missing = sorted(set(ids) - set(self.articles))
        if missing:
            self.articles.update(self.store.articles_of(self.conn, missing))

    def annotations_of(self, ids: Sequence[str]) -> dict[str, Annotations]:
        out = {a: self.annotations[a] for a in ids if a in self.annotations}
        rest = [a for a in ids if a not in out]
        if rest:
            out.update(self.store.annotations_of(self.conn, rest, EXTRACTOR_VERSION))
        return out

    def new_features(self) -> dict[str, ArticleFeatures]:
        from newsledger.group.features import article_features
        from newsledger.resolve.incremental import local_resolution

        resolution = local_resolution(self.conn, self.new_ids)
        self.features = {a.id: article_features(a, self.annotations.get(a.id), resolution)
                         for a in self.pending}
        return self.features

    def features_of(self, aid: str) -> ArticleFeatures | None:
        """A stored article's features (a changed cluster's title or borrowed date)."""
        from newsledger.group.features import article_features
        from newsledger.resolve.incremental import local_resolution

        if aid in self.features:
            return self.features[aid]
        self.fetch([aid])
        a = self.articles.get(aid)
        if a is None:
            return None
        ann = self.annotations_of([aid]).get(aid)
        return article_features(a, ann, local_resolution(self.conn, [aid]))


@dataclass
class _Dates:
    """Inferred dates of the undated articles of the changed clusters."""

    dated: dict[str, Article]  # article id -> the article with its date settled
    redated: set[str]  # stored articles whose inferred date changed


def _fold(
    store: LedgerStore,
    conn: Connection,
    pending: Sequence[Article],
    annotations: Mapping[str, Annotations],
    progress: Progress,
    reconciler: Reconciler | None = None,
) -> int:
    """Resolve, group and date the batch, reconcile the dirty events, write the ledger."""
    from newsledger.group.incremental import cluster_batch, refresh_units
    from newsledger.group.origins import origin_batch
    from newsledger.resolve.incremental import resolve_batch

    run = ledger_tables.begin_run(conn)
    batch = _Batch(store, conn, pending, annotations)
    legacy = _legacy_clusters(conn, batch.new_ids)
    progress("resolve", 0, 1)
    delta = resolve_batch(conn, pending, annotations, batch.load)
    progress("resolve", 1, 1)
    progress("group", 0, 1)
    groups, removed_groups, origin_changed = origin_batch(conn, pending)
    refresh_units(conn, sorted(delta.moved_articles - batch.new_ids), batch.features_of)
    changed_clusters = cluster_batch(conn, batch.new_features(), batch.features_of, legacy)
    changed_clusters, young_moves = _place_young_again(batch, changed_clusters)
    changed_clusters, corrected = _replay_corrections(batch, changed_clusters)
    live = {c.id for c in changed_clusters}
    moves = {k: v for k, v in {**young_moves, **corrected.moved}.items() if k not in live}
    removed_clusters = (corrected.removed | set(young_moves)) - live
    dates = _infer_dates(batch, changed_clusters)
    progress("group", 1, 1)
    dirty = _dirty_events(conn, batch, changed_clusters,
                          delta.dirty_articles | set(origin_changed) | dates.redated)
    events, claims, conflicts = _reconcile_dirty(batch, dirty, dates, origin_changed, progress,
                                                 reconciler)
    _write_entities(conn, delta)
    ledger_tables.replace_origin_groups(conn, groups, sorted(removed_groups))
    ledger_tables.set_article_dates(conn, [dates.dated.get(a.id, a) for a in pending]
                                    + [dates.dated[a] for a in sorted(dates.redated)])
    _write_events(conn, run, events, claims, conflicts, removed_clusters, progress, moves)
    _mark_folded(conn, run, batch, dates, origin_changed)
    ledger_tables.finish_run(conn, run, len(pending), len(events))
    return len(events)


def _write_events(conn: Connection, run: int, events: Sequence, claims: Sequence,
                  conflicts: Sequence, removed: Iterable[str],
                  progress: Progress = _no_progress,
                  moves: Mapping[str, str] | None = None) -> None:
    """The reconciled events written over their old rows, the removed ones deleted (with
    the event that absorbed each, ``moves``), and the stories both reach threaded again."""
    ledger_tables.delete_events(conn, sorted(removed))
    ledger_tables.record_moves(conn, run, moves or {})
    ledger_tables.replace_events(conn, run, sorted(events, key=lambda e: e.id), claims, conflicts)
    progress("stories", 0, 1)
    ledger_tables.update_stories(conn, events, sorted(removed))
    progress("stories", 1, 1)


def _place_young_again(batch: _Batch, changed: Sequence[EventCluster]
                       ) -> tuple[list[EventCluster], dict[str, str]]:
    """The changed clusters once the small events opened while the ledger was young have
    been compared again (newsledger.group.young), and the event that absorbed each one."""
    from newsledger.group.young import limit_for, place_young_again

    grown, absorbed = place_young_again(batch.conn, batch.features_of,
                                        limit_for(len(batch.new_ids)), {c.id for c in changed})
    return _rewritten(changed, set(absorbed), grown), absorbed


def _rewritten(changed: Sequence[EventCluster], gone: set[str],
               records: Iterable[EventCluster]) -> list[EventCluster]:
    """The changed clusters less those gone, with the newer ``records`` over them, by id."""
    by_id = {c.id: c for c in changed if c.id not in gone}
    by_id.update({c.id: c for c in records})
    return sorted(by_id.values(), key=lambda c: c.id)


def _replay_corrections(batch: _Batch, changed: Sequence[EventCluster]
                        ) -> tuple[list[EventCluster], Applied]:
    """The changed clusters after the stored corrections naming their articles are
    applied again (a correction in effect changes nothing), and what they did: the
    clusters a merge absorbed (their events are deleted) and into which."""
    from newsledger.group.corrections import Applied, replay
    from newsledger.store.corrections import load_corrections

    corrections = load_corrections(batch.conn)
    if not corrections:
        return list(changed), Applied()
    touched = {a for c in changed for a in c.article_ids} | batch.new_ids
    applied = replay(batch.conn, corrections, batch.features_of, touched)
    return _rewritten(changed, applied.removed, applied.changed.values()), applied


def _legacy_clusters(conn: Connection, new_ids: set[str]) -> list[EventCluster]:
    """The clusters of a ledger of an older version (no incremental state yet), which keep
    their ids through the upgrade; none once the ledger has folded anything in."""
    from sqlalchemy import func, select

    from newsledger.store.sql import clusters_table
    from newsledger.store.state import inc_articles

    if conn.execute(select(func.count()).select_from(inc_articles)).scalar_one():
        return []
    legacy = [loads(EventCluster, r) for r in conn.execute(
        select(clusters_table.c.record).order_by(clusters_table.c.position)).scalars()]
    return [c for c in legacy if set(c.article_ids) <= new_ids]


def _infer_dates(batch: _Batch, changed: Sequence[EventCluster]) -> _Dates:
    """The undated articles of every changed cluster, dated by their main cluster."""
    from newsledger.group.incremental import clusters_of_articles
    from newsledger.group.published import infer_dates

    in_changed = {a for c in changed for a in c.article_ids} | batch.new_ids
    batch.fetch(in_changed)
    old = {aid: (pub, inf, basis) for aid, pub, inf, basis in _stored_dates(batch.conn, in_changed)}
    undated = [batch.articles[a] for a in sorted(in_changed) if a in batch.articles
               and not batch.articles[a].published]
    clusters_for = clusters_of_articles(batch.conn, [a.id for a in undated])
    ann = batch.annotations_of([a.id for a in undated])
    dated = {a.id: a for a in infer_dates(undated, {**ann, **batch.annotations}, clusters_for)}
    redated = {aid for aid, a in dated.items() if aid not in batch.new_ids and old.get(aid)
               != (a.published, a.published_inferred, a.published_basis)}
    return _Dates(dated, redated)


def _dirty_events(conn: Connection, batch: _Batch, changed: Sequence[EventCluster],
                  dirty_articles: set[str]) -> dict[str, EventCluster]:
    """The events to reconcile again: those that gained articles, and those whose
    articles' entities, origin groups or dates changed."""
    from newsledger.group.incremental import clusters_of_articles

    dirty = {c.id: c for c in changed}
    for c in clusters_of_articles(conn, sorted(dirty_articles - batch.new_ids)):
        dirty.setdefault(c.id, c)
    return dirty


def _reconcile_dirty(
    batch: _Batch,
    dirty: Mapping[str, EventCluster],
    dates: _Dates,
    origin_changed: Mapping[str, str],
    progress: Progress,
    reconciler: Reconciler | None = None,
) -> tuple[list, list, list]:
    """Reconcile each dirty event from its own articles, annotations, entities and
    origin groups (events are independent of each other given those)."""
    from newsledger.resolve.incremental import entity_nations, local_resolution

    conn = batch.conn
    progress("reconcile", 0, len(dirty))
    origin_of = dict(origin_changed)
    nations_seen: dict[str, str | None] = {}  # entity -> nation, once per run

    def tasks() -> Iterator[EventTask]:
        """What only this transaction knows of each dirty event (scale/reconcile.py)."""
        for cid in sorted(dirty):
            cluster = dirty[cid]
            ids = list(cluster.article_ids)
            stored = ({r[0]: r[1:] for r in _stored_dates(conn, ids)}
                      if set(ids) - set(dates.dated) else {})
            origin_of.update(_stored_origins(conn, [a for a in ids if a not in origin_of]))
            local = local_resolution(conn, ids)
            unknown = [e.id for e in local.entities if e.id not in nations_seen]
            nations_seen.update(dict.fromkeys(unknown))
            nations_seen.update(entity_nations(conn, unknown))
            yield EventTask(
                cluster,
                tuple((a, d.published, d.published_inferred, d.published_basis)
                      for a in ids if (d := dates.dated.get(a)) is not None),
                tuple((a, *stored[a]) for a in ids if a not in dates.dated and a in stored),
                tuple((a, origin_of[a]) for a in ids if a in origin_of),
                local,
                tuple((e.id, n) for e in local.entities if (n := nations_seen.get(e.id))))

    def load(ids: Sequence[str]) -> tuple[Mapping[str, Article], Mapping[str, Annotations]]:
        batch.fetch(ids)
        return batch.articles, batch.annotations_of(list(ids))

    events, claims, conflicts = [], [], []
    for event, event_claims, event_conflicts in (reconciler or LocalReconciler())(
            tasks(), load, lambda done: progress("reconcile", done, len(dirty)), len(dirty)):
        events.append(event)
        claims += event_claims
        conflicts += event_conflicts
    return events, claims, conflicts


def _write_entities(conn: Connection, delta: ResolveDelta) -> None:
    """The entity tables of the ledger after the batch's resolution: headers, merges,
    mentions moved by splits, entities gone, mentions of articles resolved again."""
    if delta.changed:
        ledger_tables.upsert_entities(conn, list(delta.changed.values()))
    ledger_tables.merge_entities(conn, delta.merges)
    ledger_tables.move_entity_mentions(
        conn, [(old, new, m) for old, new, m in delta.moved if old not in delta.merges])
    ledger_tables.delete_entities(conn, sorted(delta.removed - set(delta.merges)))
    # the mentions of articles resolved again are written again, with their new owners
    ledger_tables.delete_article_mentions(conn, sorted(delta.redone))
    ledger_tables.add_entity_mentions(conn, delta.added)


def _mark_folded(conn: Connection, run: int, batch: _Batch, dates: _Dates,
                 origin_changed: Mapping[str, str]) -> None:
    """The processed marker of the batch's articles, with their dates and origin groups;
    stored articles' changed origin groups and inferred dates."""
    from sqlalchemy import insert, update

    from newsledger.store.state import inc_articles

    def dated(a: Article) -> Article:
        return dates.dated.get(a.id, a)

    if batch.pending:
        conn.execute(insert(inc_articles), [
            {"article_id": a.id, "run": run, "published": dated(a).published,
             "published_inferred": dated(a).published_inferred,
             "published_basis": dated(a).published_basis,
             "origin_group": origin_changed.get(a.id)} for a in batch.pending])
    t = inc_articles.c
    for aid, gid in origin_changed.items():
        if aid not in batch.new_ids:
            conn.execute(update(inc_articles).where(t.article_id == aid).values(origin_group=gid))
    for aid in sorted(dates.redated):
        a = dates.dated[aid]
        conn.execute(update(inc_articles).where(t.article_id == aid).values(
            published=a.published, published_inferred=a.published_inferred,
            published_basis=a.published_basis))


def _stored_dates(conn: Connection, ids: Iterable[str]) -> list[tuple]:
    from sqlalchemy import select

    from newsledger.store.state import inc_articles

    t = inc_articles.c
    out: list[tuple] = []
    ids = sorted(set(ids))
    for i in range(0, len(ids), 500):
        out += conn.execute(select(t.article_id, t.published, t.published_inferred,
                                   t.published_basis).where(t.article_id.in_(ids[i : i + 500]))
                            ).all()
    return out


def _stored_origins(conn: Connection, ids: Sequence[str]) -> dict[str, str]:
    from sqlalchemy import select

    from newsledger.store.state import inc_articles

    t = inc_articles.c
    out: dict[str, str] = {}
    ids = sorted(set(ids))
    for i in range(0, len(ids), 500):
        out.update(conn.execute(select(t.article_id, t.origin_group)
                                .where(t.article_id.in_(ids[i : i + 500]))).all())
    return out


# --------------------------------------------------------------------------- corrections


class CorrectionError(ValueError):
    """A correction that cannot be made (an unknown event or article, nothing to do)."""


@dataclass(frozen=True)
class CorrectionResult:
    corrections: tuple[Any, ...]  # store.corrections.Correction, as stored (with ids)
    changed_events: tuple[str, ...]  # events written again (new, merged into, split)
    removed_events: tuple[str, ...]  # events a merge absorbed
    outputs: dict[str, Path]


def correct(
    out_dir: Path,
    kind: str,
    event_ids: Sequence[str],
    *,
    articles: Sequence[str] = (),
    note: str = "",
    db_url: str | None = None,
    brief_latest: int | None = BRIEF_LATEST,
    full_outputs: bool | None = None,
) -> CorrectionResult:
    """Store an analyst's correction and apply it: ``merge`` the events ``event_ids``, or
    ``split`` ``articles`` out of the one event ``event_ids[0]``; the events it changes
    are reconciled again in the same transaction and the outputs rewritten.

    The correction names the events' articles (with their sentences), so later runs and
    rebuilds replay it on whatever events hold them (:mod:`newsledger.group.corrections`).
    Raises :class:`CorrectionError` for unknown ids and corrections with nothing to do.
    """
    from newsledger.group.corrections import members_of
    from newsledger.group.incremental import load_clusters
    from newsledger.store.corrections import MERGE, SPLIT, add_correction

    ids = list(dict.fromkeys(event_ids))
    if kind == MERGE and len(ids) < 2:
        raise CorrectionError("a merge needs at least two different event ids")
    if kind == SPLIT and (len(ids) != 1 or not articles):
        raise CorrectionError("a split names one event and at least one --article")
    if kind not in (MERGE, SPLIT):
        raise CorrectionError(f"unknown correction {kind!r}: use merge or split")
    if db_url is None and not (out_dir / "ledger.sqlite").is_file():
        raise CorrectionError(f"{out_dir} holds no ledger; run newsledger analyze first")

    def make(conn: Connection) -> list[Any]:
        found = {c.id: c for c in load_clusters(conn, ids)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise CorrectionError(f"no event with id {', '.join(missing)} in the ledger")
        if kind == MERGE:
            parts = [members_of(found[i]) for i in ids]
            return [add_correction(conn, MERGE, parts, ids, note)]
        event = found[ids[0]]
        unknown = [a for a in dict.fromkeys(articles) if a not in event.article_ids]
        if unknown:
            raise CorrectionError(f"event {event.id} holds no article {', '.join(unknown)} "
                                  f"(it holds {', '.join(event.article_ids)})")
        leaving = members_of(event, articles)
        staying = members_of(event, set(event.article_ids) - set(articles))
        if not staying:
            raise CorrectionError(f"event {event.id} holds only these articles: a split must "
                                  "leave at least one article in it")
        return [add_correction(conn, SPLIT, [leaving, staying], ids, note)]

    return _apply_corrections(out_dir, make, db_url, brief_latest, full_outputs)


def import_corrections(
    out_dir: Path,
    records: Sequence[Mapping[str, Any]],
    *,
    db_url: str | None = None,
    brief_latest: int | None = BRIEF_LATEST,
    full_outputs: bool | None = None,
) -> CorrectionResult:
    """Store corrections exported by ``correct list --json`` (another ledger of the same
    articles: a rebuild) and apply them; those naming articles the ledger does not hold
    yet apply when a run folds those articles in."""
    from newsledger.store.corrections import add_correction, from_json

    def make(conn: Connection) -> list[Any]:
        made = []
        for data in records:
            try:
                kind, parts, events, note, created = from_json(dict(data))
                made.append(add_correction(conn, kind, parts, events, note, created))
            except (KeyError, TypeError, ValueError) as exc:
                raise CorrectionError(f"not a correction record ({exc}): {data!r:.120}") from exc
        return made

    return _apply_corrections(out_dir, make, db_url, brief_latest, full_outputs, replay_all=True)


def _apply_corrections(
    out_dir: Path,
    make: Callable[[Connection], list[Any]],
    db_url: str | None,
    brief_latest: int | None,
    full_outputs: bool | None,
    replay_all: bool = False,
) -> CorrectionResult:
    """Store the corrections ``make`` writes, apply them and reconcile what they change,
    all in one transaction (under the run lock); then rewrite the outputs."""
    from newsledger.group.corrections import Applied, apply_correction, replay
    from newsledger.store.corrections import load_corrections

    store = LedgerStore(db_url or f"sqlite:///{out_dir / 'ledger.sqlite'}")
    try:
        with store.run_lock():
            with store.transaction() as conn:
                run = ledger_tables.begin_run(conn)
                made = make(conn)
                batch = _Batch(store, conn, [], {})
                if replay_all:
                    applied = replay(conn, load_corrections(conn), batch.features_of)
                else:
                    applied = Applied()
                    for correction in made:
                        applied.update(apply_correction(conn, correction, batch.features_of))
                written = _reconcile_corrected(batch, run, applied)
                ledger_tables.finish_run(conn, run, 0, len(written))
            outputs: dict[str, Path] = {}
            if _folded_any(store):  # corrections imported before the first run wait for it
                out_dir.mkdir(parents=True, exist_ok=True)
                outputs = _write_outputs(store, out_dir, True,
                                         _wants_full_outputs(store, full_outputs), brief_latest)
    finally:
        store.close()
    return CorrectionResult(tuple(made), tuple(written), tuple(sorted(applied.removed)), outputs)


def _reconcile_corrected(batch: _Batch, run: int, applied: Applied) -> list[str]:
    """Reconcile the events corrections changed, delete those a merge absorbed; returns
    the ids of the events written."""
    conn = batch.conn
    changed = sorted(applied.changed.values(), key=lambda c: c.id)
    dates = _infer_dates(batch, changed)
    dirty = _dirty_events(conn, batch, changed, dates.redated)
    events, claims, conflicts = _reconcile_dirty(batch, dirty, dates, {}, _no_progress)
    ledger_tables.set_article_dates(conn, [dates.dated[a] for a in sorted(dates.redated)])
    _write_events(conn, run, events, claims, conflicts, applied.removed, moves=applied.moved)
    _mark_folded(conn, run, batch, dates, {})
    return sorted(e.id for e in events)


def _folded_any(store: LedgerStore) -> bool:
    from sqlalchemy import select

    from newsledger.store.state import inc_articles

    with store.reading() as conn:
        return conn.execute(select(inc_articles.c.article_id).limit(1)).first() is not None
