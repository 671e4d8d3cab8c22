"""Scaling out: the Dask engine for extraction and the re-reconciliation of dirty events.

dask is an optional dependency (the ``scale`` extra), imported only when the Dask
engine is asked for, so the local engine never pays its import time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from newsledger.model import Annotations, Article

if TYPE_CHECKING:
    from newsledger.scale.dask_engine import DaskSession
    from newsledger.store import LedgerStore


def annotate_with_dask(
    articles: Sequence[Article], *, workers: int, scheduler: str | None = None
) -> Iterator[Annotations]:
    """See :func:`newsledger.scale.dask_engine.annotate_with_dask`."""
    try:
        from newsledger.scale.dask_engine import annotate_with_dask as run
    except ImportError as exc:
        raise RuntimeError(
            "the Dask engine needs dask and distributed: pip install 'newsledger[scale]'"
        ) from exc
    return run(articles, workers=workers, scheduler=scheduler)


def dask_session(store: LedgerStore, *, workers: int, scheduler: str | None,
                 version: str) -> DaskSession | None:
    """A Dask session over ``store`` (see :class:`newsledger.scale.dask_engine.DaskSession`);
    None for a private in-memory store, which no worker can read (reconciled locally)."""
    try:
        from newsledger.scale.dask_engine import DaskSession
    except ImportError as exc:
        raise RuntimeError(
            "the Dask engine needs dask and distributed: pip install 'newsledger[scale]'"
        ) from exc
    url = store.url
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return None
        url = url.set(database=str(Path(url.database).resolve()))
    return DaskSession(workers=workers, scheduler=scheduler,
                       db_url=url.render_as_string(hide_password=False), version=version)


__all__ = ["annotate_with_dask", "dask_session"]
