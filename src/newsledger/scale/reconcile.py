"""The seam of the later stages: re-reconciling dirty events, one task per event.

Once entities are resolved and articles grouped and dated, each dirty event is
reconciled from its own articles alone (:func:`newsledger.reconcile.reconcile_event`
reads nothing global), so the events of a run can go to any worker in any order. The
pipeline gathers, in its transaction, what only it knows (the event's cluster, the
dates the group stage inferred this run, origin groups, the resolved entities with
their mentions in the event, their nations) into an :class:`EventTask`; a reconciler
maps tasks to records. The article texts and annotations, the bulk of the input, are
not shipped: they were committed before the fold began, so a worker reads them from
the store itself (SQLite file or PostgreSQL URL); the client writes the records.

:class:`LocalReconciler` runs the tasks in the client (the articles it already holds);
the Dask one (:mod:`newsledger.scale.dask_engine`) maps chunks of tasks over workers.
Both call :func:`reconcile_task`, so they give the same records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from newsledger.model import (
    Annotations,
    Article,
    Claim,
    Conflict,
    EventCluster,
    EventRecord,
    Resolution,
)

DateRow = tuple[str, str | None, bool, str | None]  # article id, published, inferred, basis
Reconciled = tuple[EventRecord, list[Claim], list[Conflict]]
Progress = Callable[[int], None]  # called with the number of events done so far


@dataclass(frozen=True)
class EventTask:
    """What reconciling one dirty event needs beyond its articles and annotations."""

    cluster: EventCluster
    dated: tuple[DateRow, ...]  # dates the group stage gave this run: always applied
    stored_dates: tuple[DateRow, ...]  # stored inferred dates: for articles without one
    origins: tuple[tuple[str, str | None], ...]
    resolution: Resolution
    nations: tuple[tuple[str, str], ...]

    @property
    def article_ids(self) -> list[str]:
        return list(self.cluster.article_ids)


def reconcile_task(task: EventTask, articles: Mapping[str, Article],
                   annotations: Mapping[str, Annotations]) -> Reconciled:
    """One event's records from its task and its stored articles and annotations."""
    from newsledger.reconcile import reconcile_event

    ids = task.article_ids
    dated = {row[0]: row[1:] for row in task.dated}
    stored = {row[0]: row[1:] for row in task.stored_dates}
    by_id: dict[str, Article] = {}
    for aid in ids:
        a = articles[aid]
        when = dated.get(aid)
        if when is None and aid in stored and not a.published:
            when = stored[aid]
        if when is not None:
            pub, inferred, basis = when
            a = replace(a, published=pub, published_inferred=bool(inferred),
                        published_basis=basis)
        by_id[aid] = a
    ann = {aid: annotations[aid] for aid in ids if aid in annotations}
    return reconcile_event(task.cluster, by_id, ann, task.resolution, dict(task.origins),
                           dict(task.nations))


Loader = Callable[[Sequence[str]], tuple[Mapping[str, Article], Mapping[str, Annotations]]]


class Reconciler(Protocol):
    """Maps the run's dirty-event tasks to their records (in any order)."""

    def __call__(self, tasks: Iterable[EventTask], load: Loader, progress: Progress,
                 total: int | None = None) -> Iterator[Reconciled]: ...


class LocalReconciler:
    """In the client, one event after the other, through the client's own loader."""

    def __call__(self, tasks: Iterable[EventTask], load: Loader, progress: Progress,
                 total: int | None = None) -> Iterator[Reconciled]:
        for done, task in enumerate(tasks, 1):
            articles, annotations = load(task.article_ids)
            yield reconcile_task(task, articles, annotations)
            progress(done)


__all__ = ["EventTask", "Loader", "LocalReconciler", "Progress", "Reconciled", "Reconciler",
           "reconcile_task"]
