"""The whole job, stage after stage: ingest -> extract -> resolve -> group -> reconcile -> report.

Data flows one way. Each stage's entry point is a plain function over the
records of :mod:`newsledger.model`; this module only wires them together and
keeps the I/O (store, output files, progress) at the edges.

Resolution runs before event clustering because clustering uses resolved
entities and places as features; origin grouping needs only text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from newsledger.extract import EXTRACTOR_VERSION, annotate_articles
from newsledger.group import cluster_events, find_origin_groups, infer_publication_dates
from newsledger.ingest import IngestOptions, is_missing_source, read_inputs
from newsledger.model import Annotations, Article, Ledger, Rejection
from newsledger.reconcile import build_ledger
from newsledger.report.stream import BRIEF_LATEST, write_store_outputs
from newsledger.resolve import resolve_entities
from newsledger.store import LedgerDatabaseError, LedgerStore
from newsledger.store.ledger_tables import store_full_ledger

Progress = Callable[[str, int, int | None], None]
"""progress(stage, done, total): called as work advances; total may be unknown."""


def _no_progress(stage: str, done: int, total: int | None) -> None:
    return None


@dataclass(frozen=True)
class RunSummary:
    ledger: Ledger
    read_articles: int  # articles read from the inputs this run, new or already stored
    new_articles: int
    new_rejections: int  # stored in the ledger; missing sources are reported, never stored
    out_dir: Path
    outputs: dict[str, Path]


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
            articles = store.load_articles()
            annotations = _annotate(store, articles, engine, workers, scheduler, progress)
            ledger = _reconcile_all(store, articles, annotations, progress)
            progress("report", 0, 1)
            run = store_full_ledger(store, ledger, new_articles)
            outputs = write_store_outputs(store, out_dir, run, brief_latest=brief_latest)
            progress("report", 1, 1)
    finally:
        store.close()
    return RunSummary(ledger, read, new_articles, new_rejections, out_dir, outputs)


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
) -> dict[str, Annotations]:
    """Annotations for every article, computing only those not cached by content hash."""
    cached = store.load_annotations(EXTRACTOR_VERSION)
    missing = [a for a in articles if a.content_hash not in cached]
    total = len(missing)
    if missing:
        if engine == "dask":
            from newsledger.scale import annotate_with_dask

            stream = annotate_with_dask(missing, workers=workers, scheduler=scheduler)
        else:
            stream = annotate_articles(missing)
        batch: list[Annotations] = []
        for done, annotation in enumerate(stream, 1):
            batch.append(annotation)
            cached[annotation.content_hash] = annotation
            progress("extract", done, total)
            if len(batch) >= 100:
                store.save_annotations(batch, EXTRACTOR_VERSION)
                batch = []
        store.save_annotations(batch, EXTRACTOR_VERSION)
    return {article.id: cached[article.content_hash] for article in articles}


def _reconcile_all(
    store: LedgerStore,
    articles: Sequence[Article],
    annotations: dict[str, Annotations],
    progress: Progress,
) -> Ledger:
    progress("resolve", 0, 1)
    resolution = resolve_entities(articles, annotations)
    progress("resolve", 1, 1)
    progress("group", 0, 1)
    origin_groups = find_origin_groups(articles, annotations)
    clusters = cluster_events(articles, annotations, resolution, store.load_clusters())
    store.save_clusters(clusters)
    dated_articles = infer_publication_dates(articles, annotations, clusters)
    progress("group", 1, 1)
    progress("reconcile", 0, 1)
    ledger = build_ledger(
        dated_articles,
        annotations,
        resolution,
        origin_groups,
        clusters,
        # ledgers written before missing sources were kept out may still hold some
        [r for r in store.load_rejections() if not is_missing_source(r)],
    )
    progress("reconcile", 1, 1)
    return ledger
