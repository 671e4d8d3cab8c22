"""Per-article extraction distributed with dask.distributed.

Extraction is a pure function of each article's text, so partitions can run on any
worker in any order; the pipeline stores results by content hash and the ledger
does not depend on completion order. Only a bounded window of partitions is in
flight at once, so memory on the client and the scheduler stays flat however
large the corpus is.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from typing import Any

from distributed import Client, LocalCluster, WorkerPlugin, as_completed
from distributed.scheduler import KilledWorker

from newsledger.isolation import Unanalysed, failure_reason, log_failure
from newsledger.model import Annotations, Article
from newsledger.scale.reconcile import EventTask, Loader, Progress, Reconciled, reconcile_task

MAX_PARTITION = 50  # articles per task: big enough for nlp.pipe batching, small for balance
IN_FLIGHT_PER_WORKER = 3  # partitions queued per worker: keeps workers busy, memory bounded


def _annotate_partition(articles: Sequence[Article]) -> list[Annotations | Unanalysed]:
    """Runs on a worker; the spaCy pipelines load once per worker process (lru_cache).

    Each article is isolated on the worker: one that raises or runs over its time budget
    comes back as :class:`Unanalysed` (worker threads cannot take a timer signal, so the
    budget is the deadline the long loops check)."""
    from newsledger.extract import annotate_isolated

    return list(annotate_isolated(articles))


class _PreloadModels(WorkerPlugin):
    """Worker plugin: load the English pipeline and the reconcile stage when a worker
    starts, not in its first task."""

    name = "newsledger-preload"

    def setup(self, worker: Any) -> None:
        try:
            import newsledger.reconcile  # noqa: F401  (its lexicons load here, not in a task)
            from newsledger.extract import nlp

            nlp.english()
        except Exception as exc:  # the first task raises the clear message itself
            logging.getLogger(__name__).warning("newsledger: cannot preload spaCy: %s", exc)


def partition_size(total: int, workers: int) -> int:
    """About four partitions per worker, at most :data:`MAX_PARTITION` articles each."""
    return max(1, min(MAX_PARTITION, math.ceil(total / (max(1, workers) * 4))))


def _connect(stack: ExitStack, workers: int, scheduler: str | None) -> Client:
    if scheduler:
        if scheduler.endswith(".json"):
            return stack.enter_context(Client(scheduler_file=scheduler))
        return stack.enter_context(Client(scheduler))
    cluster = stack.enter_context(
        LocalCluster(
            n_workers=max(1, workers),
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # a free port: never clash with another cluster
            silence_logs=logging.ERROR,
        )
    )
    return stack.enter_context(Client(cluster))


def annotate_with_dask(
    articles: Sequence[Article],
    *,
    workers: int,
    scheduler: str | None = None,
    client: Client | None = None,
) -> Iterator[Annotations | Unanalysed]:
    """Annotations of ``articles``, yielded as partitions complete (order not kept).

    ``scheduler`` is an existing scheduler's address (``tcp://host:8786``) or a
    scheduler file (``*.json``); without it a local cluster of ``workers``
    single-threaded processes is started and stopped around the run (``client``: an
    open client to use instead, left open).

    A task whose worker dies (an article that exhausts memory or crashes the interpreter;
    Dask gives up after its retries with ``KilledWorker``) is split into one task per
    article, and an article that kills its worker alone comes back as :class:`Unanalysed`.
    Any other failure of a task is the cluster's, not an article's, and stops the run.
    """
    if not articles:
        return
    with ExitStack() as stack:
        if client is None:
            client = _connect(stack, workers, scheduler)
            client.register_plugin(_PreloadModels())
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or workers)
        size = partition_size(len(articles), n_workers)
        parts = (articles[i : i + size] for i in range(0, len(articles), size))
        window = n_workers * IN_FLIGHT_PER_WORKER
        pending = as_completed()
        inputs: dict[str, list[Article]] = {}

        def submit(part: Sequence[Article]) -> None:
            future = client.submit(_annotate_partition, list(part), pure=False)
            inputs[future.key] = list(part)
            pending.add(future)

        for part in parts:
            submit(part)
            if pending.count() >= window:
                break
        for future in pending:
            part = inputs.pop(future.key)
            try:
                results = future.result()
            except KilledWorker as exc:
                results = []
                if len(part) > 1:
                    for article in part:  # find the one article that kills its worker
                        submit([article])
                else:
                    log_failure(part[0].path_or_url, "extraction", exc)
                    results = [_unanalysed(part[0], exc)]
            future.release()
            next_part = next(parts, None)
            if next_part is not None:
                submit(next_part)
            yield from results


def _unanalysed(article: Article, exc: BaseException) -> Unanalysed:
    reason = failure_reason(RuntimeError(f"its Dask worker died ({exc})"))
    return Unanalysed(article.id, article.content_hash, article.path_or_url, reason)


# ---------------------------------------------------------------------- reconciliation

MAX_EVENTS_PER_TASK = 16  # dirty events per task: reading their articles once pays off
_READERS: dict[str, Any] = {}  # one read-only engine per store URL per worker process


def _reader(db_url: str) -> Any:
    """A read-only SQLAlchemy engine on the store: no schema creation, no write lock, so
    it reads the committed articles while the client holds the run's write transaction."""
    engine = _READERS.get(db_url)
    if engine is None:
        from sqlalchemy import create_engine

        from newsledger.store import normalise_url

        url = normalise_url(db_url)
        if url.get_backend_name() == "sqlite":
            engine = create_engine(url, connect_args={"timeout": 60})
        else:
            engine = create_engine(url, pool_pre_ping=True, pool_size=2)
        _READERS[db_url] = engine
    return engine


def read_inputs(db_url: str, version: str, article_ids: Sequence[str]
                ) -> tuple[dict[str, Article], dict[str, Annotations]]:
    """The stored articles and their annotations (of ``version``), by article id."""
    from sqlalchemy import select

    from newsledger.codec import loads
    from newsledger.store.sql import annotations_table, articles_table

    arts, anns = articles_table, annotations_table
    articles: dict[str, Article] = {}
    annotations: dict[str, Annotations] = {}
    ids = sorted(set(article_ids))
    with _reader(db_url).connect() as conn:
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            for aid, record in conn.execute(select(arts.c.id, arts.c.record)
                                            .where(arts.c.id.in_(chunk))):
                articles[aid] = loads(Article, record)
            for aid, record in conn.execute(
                    select(arts.c.id, anns.c.record)
                    .join(anns, anns.c.content_hash == arts.c.content_hash)
                    .where(arts.c.id.in_(chunk), anns.c.version == version)):
                annotations[aid] = loads(Annotations, record)
    return articles, annotations


def _reconcile_chunk(db_url: str, version: str, tasks: list[EventTask]
                     ) -> tuple[str, float, list[Reconciled]]:
    """Runs on a worker: reads its events' articles from the store, returns the records
    (with the worker's address and the CPU seconds the task took, for the figures)."""
    import time

    from distributed import get_worker

    started = time.thread_time()
    articles, annotations = read_inputs(db_url, version,
                                        [a for t in tasks for a in t.article_ids])
    results = [reconcile_task(t, articles, annotations) for t in tasks]
    try:
        where = get_worker().address
    except ValueError:  # run in the client (a synchronous scheduler)
        where = "client"
    return where, time.thread_time() - started, results


def chunk_size(total: int | None, workers: int) -> int:
    """About four tasks per worker, at most :data:`MAX_EVENTS_PER_TASK` events each."""
    if not total:
        return MAX_EVENTS_PER_TASK
    return max(1, min(MAX_EVENTS_PER_TASK, math.ceil(total / (max(1, workers) * 4))))


class DaskSession:
    """One Dask client for a run, started on first use: extraction and reconciliation.

    As a :class:`~newsledger.scale.reconcile.Reconciler` it maps chunks of dirty-event
    tasks over the workers, a bounded window in flight, and yields the records in task
    order (so the ledger written is the local engine's). ``task_counts`` says how many
    reconciliation tasks each worker ran.
    """

    def __init__(self, *, workers: int, scheduler: str | None, db_url: str,
                 version: str) -> None:
        self.workers, self.scheduler = workers, scheduler
        self.db_url, self.version = db_url, version
        self._stack = ExitStack()
        self._client: Client | None = None
        self.task_counts: dict[str, int] = {}
        self.task_cpu_seconds = 0.0
        self.events = 0

    @property
    def started(self) -> bool:
        return self._client is not None

    def client(self) -> Client:
        if self._client is None:
            self._client = _connect(self._stack, self.workers, self.scheduler)
            self._client.register_plugin(_PreloadModels())
        return self._client

    def annotate(self, articles: Sequence[Article]) -> Iterator[Annotations | Unanalysed]:
        if not articles:
            return iter(())
        return annotate_with_dask(articles, workers=self.workers, scheduler=self.scheduler,
                                  client=self.client())

    def __call__(self, tasks: Iterable[EventTask], load: Loader, progress: Progress,
                 total: int | None = None) -> Iterator[Reconciled]:
        client = self.client()
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or self.workers)
        size = chunk_size(total, n_workers)
        window = n_workers * IN_FLIGHT_PER_WORKER
        stream = iter(tasks)
        in_flight: deque[Any] = deque()
        done = 0

        def submit() -> bool:
            chunk = list(itertools.islice(stream, size))
            if chunk:
                in_flight.append(client.submit(_reconcile_chunk, self.db_url, self.version,
                                               chunk, pure=False))
            return bool(chunk)

        while len(in_flight) < window and submit():
            pass
        while in_flight:
            future = in_flight.popleft()
            where, cpu, results = future.result()
            future.release()
            submit()
            self.task_counts[where] = self.task_counts.get(where, 0) + 1
            self.task_cpu_seconds += cpu
            for result in results:
                done += 1
                self.events += 1
                yield result
                progress(done)

    def close(self) -> None:
        self._stack.close()
        self._client = None
