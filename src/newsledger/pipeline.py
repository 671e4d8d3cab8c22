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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

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
from newsledger.report.stream import BRIEF_LATEST, write_store_outputs
from newsledger.scale.reconcile import EventTask, LocalReconciler, Reconciler
from newsledger.store import LedgerDatabaseError, LedgerStore, ledger_tables

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
    # with --engine dask: reconciliation tasks run per worker address
    reconcile_tasks: Mapping[str, int] = field(default_factory=dict)
    reconcile_task_cpu_seconds: float = 0.0  # CPU the workers spent in those tasks

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
) -> RunSummary:
    """Ingest ``sources`` into the ledger at ``out_dir`` (or ``db_url``) and rewrite its outputs.

    Folders are walked without ``out_dir``, so a ledger kept inside its own corpus never
    reads its reports back as articles. The brief covers the events this run changed
    and the ``brief_latest`` newest (None: every event).
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
        with store.run_lock():
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
            outputs = _outputs(out_dir)
            if (changed or new_rejections or not all(p.exists() for p in outputs.values())
                    or not _outputs_current(store)):
                with ledger_tables.reading(store) as conn:
                    run = ledger_tables.last_finished_run(conn)
                outputs = write_store_outputs(store, out_dir, run, brief_latest=brief_latest)
                _mark_outputs(store)
            progress("report", 1, 1)
            url = store.url.render_as_string(hide_password=False)
    finally:
        store.close()
    return RunSummary(read, new_articles, new_rejections, out_dir, outputs, url, changed,
                      reconcile_tasks=stats, reconcile_task_cpu_seconds=task_cpu)


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


def _outputs(out_dir: Path) -> dict[str, Path]:
    """The files write_outputs writes, to tell whether a run with nothing new may skip it."""
    return {"json": out_dir / "ledger.json", "markdown": out_dir / "report.md",
            "html": out_dir / "report.html", "csv": out_dir / "events.csv"}


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


def _fold(
    store: LedgerStore,
    conn: Connection,
    pending: Sequence[Article],
    annotations: Mapping[str, Annotations],
    progress: Progress,
    reconciler: Reconciler | None = None,
) -> int:
    from sqlalchemy import delete, func, insert, select, update

    from newsledger.group.features import article_features
    from newsledger.group.incremental import cluster_batch, clusters_of_articles
    from newsledger.group.origins import origin_batch
    from newsledger.group.published import infer_dates
    from newsledger.resolve.incremental import entity_nations, local_resolution, resolve_batch
    from newsledger.store.sql import clusters_table
    from newsledger.store.state import inc_articles

    run = ledger_tables.begin_run(conn)
    new_ids = {a.id for a in pending}
    legacy: list = []
    if conn.execute(select(func.count()).select_from(inc_articles)).scalar_one() == 0:
        legacy = [loads(EventCluster, r) for r in conn.execute(
            select(clusters_table.c.record).order_by(clusters_table.c.position)).scalars()]
        legacy = [c for c in legacy if set(c.article_ids) <= new_ids]
    progress("resolve", 0, 1)
    def load(ids: Sequence[str]) -> tuple[list[Article], dict[str, Annotations]]:
        found = store.articles_of(conn, ids)
        return [found[i] for i in sorted(found)], store.annotations_of(conn, ids,
                                                                       EXTRACTOR_VERSION)

    delta = resolve_batch(conn, pending, annotations, load)
    progress("resolve", 1, 1)
    progress("group", 0, 1)
    groups, removed_groups, origin_changed = origin_batch(conn, pending)
    resolution = local_resolution(conn, new_ids)
    features = {a.id: article_features(a, annotations.get(a.id), resolution) for a in pending}
    stored_articles: dict[str, Article] = {a.id: a for a in pending}

    def article(aid: str) -> Article | None:
        if aid not in stored_articles:
            stored_articles.update(store.articles_of(conn, [aid]))
        return stored_articles.get(aid)

    def features_of(aid: str):
        if aid in features:
            return features[aid]
        a = article(aid)
        if a is None:
            return None
        ann = store.annotations_of(conn, [aid], EXTRACTOR_VERSION).get(aid)
        return article_features(a, ann, local_resolution(conn, [aid]))

    changed_clusters = cluster_batch(conn, features, features_of, legacy)

    # dates: the undated articles of every changed cluster, dated by their main cluster
    in_changed = {a for c in changed_clusters for a in c.article_ids} | new_ids
    stored_articles.update(store.articles_of(conn, sorted(in_changed - set(stored_articles))))
    old_dates = {aid: (pub, inf, basis) for aid, pub, inf, basis in _stored_dates(conn, in_changed)}
    undated = [stored_articles[a] for a in sorted(in_changed) if a in stored_articles
               and not stored_articles[a].published]
    clusters_for = clusters_of_articles(conn, [a.id for a in undated])
    need_ann = store.annotations_of(conn, [a.id for a in undated if a.id not in annotations],
                                    EXTRACTOR_VERSION)
    dated = {a.id: a for a in infer_dates(undated, {**need_ann, **annotations}, clusters_for)}
    redated = {aid for aid, a in dated.items() if aid not in new_ids and old_dates.get(aid)
               != (a.published, a.published_inferred, a.published_basis)}
    progress("group", 1, 1)

    # dirty events: those that gained articles, and those whose articles' entities,
    # origin groups or dates changed
    dirty_articles = delta.dirty_articles | set(origin_changed) | redated
    dirty = {c.id: c for c in changed_clusters}
    for c in clusters_of_articles(conn, sorted(dirty_articles - new_ids)):
        dirty.setdefault(c.id, c)
    progress("reconcile", 0, len(dirty))
    origin_of = dict(origin_changed)
    nations_seen: dict[str, str | None] = {}  # entity -> nation, once per run

    def tasks() -> Iterator[EventTask]:
        """What only this transaction knows of each dirty event (scale/reconcile.py)."""
        for cid in sorted(dirty):
            cluster = dirty[cid]
            ids = list(cluster.article_ids)
            dates = ({r[0]: r[1:] for r in _stored_dates(conn, ids)} if set(ids) - set(dated)
                     else {})
            origin_of.update(_stored_origins(conn, [a for a in ids if a not in origin_of]))
            local = local_resolution(conn, ids)
            unknown = [e.id for e in local.entities if e.id not in nations_seen]
            nations_seen.update(dict.fromkeys(unknown))
            nations_seen.update(entity_nations(conn, unknown))
            yield EventTask(
                cluster,
                tuple((a, d.published, d.published_inferred, d.published_basis)
                      for a in ids if (d := dated.get(a)) is not None),
                tuple((a, *dates[a]) for a in ids if a not in dated and a in dates),
                tuple((a, origin_of[a]) for a in ids if a in origin_of),
                local,
                tuple((e.id, n) for e in local.entities if (n := nations_seen.get(e.id))))

    def load(ids: Sequence[str]) -> tuple[Mapping[str, Article], Mapping[str, Annotations]]:
        stored_articles.update(store.articles_of(conn, [a for a in ids
                                                        if a not in stored_articles]))
        ann = {a: annotations[a] for a in ids if a in annotations}
        ann.update(store.annotations_of(conn, [a for a in ids if a not in ann], EXTRACTOR_VERSION))
        return stored_articles, ann

    events, claims, conflicts = [], [], []
    for event, event_claims, event_conflicts in (reconciler or LocalReconciler())(
            tasks(), load, lambda done: progress("reconcile", done, len(dirty)), len(dirty)):
        events.append(event)
        claims += event_claims
        conflicts += event_conflicts

    # write the ledger tables and the processed marker
    if delta.changed:
        ledger_tables.upsert_entities(conn, list(delta.changed.values()))
    ledger_tables.merge_entities(conn, delta.merges)
    split = [(old, new, m) for old, new, m in delta.moved if old not in delta.merges]
    if split:
        t = ledger_tables.ledger_entity_mentions
        for old, _new, m in split:
            conn.execute(delete(t).where(t.c.entity_id == old, t.c.article_id == m.article_id,
                                         t.c.start == m.start, t.c.end == m.end))
        ledger_tables.add_entity_mentions(conn, [(new, m) for _old, new, m in split])
    gone = sorted(delta.removed - set(delta.merges))
    if gone:
        t = ledger_tables.ledger_entities
        conn.execute(delete(t).where(t.c.id.in_(gone)))
    if delta.redone:  # their mentions are written again below, with their new owners
        t = ledger_tables.ledger_entity_mentions
        redone = sorted(delta.redone)
        for i in range(0, len(redone), 500):
            conn.execute(delete(t).where(t.c.article_id.in_(redone[i : i + 500])))
    ledger_tables.add_entity_mentions(conn, delta.added)
    ledger_tables.replace_origin_groups(conn, groups, sorted(removed_groups))
    ledger_tables.set_article_dates(conn, [dated.get(a.id, a) for a in pending]
                                    + [dated[a] for a in sorted(redated)])
    ledger_tables.replace_events(conn, run, sorted(events, key=lambda e: e.id), claims, conflicts)
    conn.execute(insert(inc_articles), [
        {"article_id": a.id, "run": run, "published": dated.get(a.id, a).published,
         "published_inferred": dated.get(a.id, a).published_inferred,
         "published_basis": dated.get(a.id, a).published_basis,
         "origin_group": origin_changed.get(a.id)} for a in pending])
    for aid, gid in origin_changed.items():
        if aid not in new_ids:
            conn.execute(update(inc_articles).where(inc_articles.c.article_id == aid)
                         .values(origin_group=gid))
    for aid in redated:
        a = dated[aid]
        conn.execute(update(inc_articles).where(inc_articles.c.article_id == aid).values(
            published=a.published, published_inferred=a.published_inferred,
            published_basis=a.published_basis))
    ledger_tables.finish_run(conn, run, len(pending), len(events))
    return len(events)


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
