"""Per-article extraction distributed with dask.distributed.

Extraction is a pure function of each article's text, so partitions can run on any
worker in any order; the pipeline stores results by content hash and the ledger
does not depend on completion order. Only a bounded window of partitions is in
flight at once, so memory on the client and the scheduler stays flat however
large the corpus is.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from typing import Any

from distributed import Client, LocalCluster, WorkerPlugin, as_completed
from distributed.scheduler import KilledWorker

from newsledger.isolation import Unanalysed, failure_reason, log_failure
from newsledger.model import Annotations, Article

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
    """Worker plugin: load the English pipeline when a worker starts, not in its first task."""

    name = "newsledger-preload"

    def setup(self, worker: Any) -> None:
        try:
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
) -> Iterator[Annotations | Unanalysed]:
    """Annotations of ``articles``, yielded as partitions complete (order not kept).

    ``scheduler`` is an existing scheduler's address (``tcp://host:8786``) or a
    scheduler file (``*.json``); without it a local cluster of ``workers``
    single-threaded processes is started and stopped around the run.

    A task whose worker dies (an article that exhausts memory or crashes the interpreter;
    Dask gives up after its retries with ``KilledWorker``) is split into one task per
    article, and an article that kills its worker alone comes back as :class:`Unanalysed`.
    Any other failure of a task is the cluster's, not an article's, and stops the run.
    """
    if not articles:
        return
    with ExitStack() as stack:
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
