"""Scaling out: the Dask engine for per-article extraction.

dask is an optional dependency (the ``scale`` extra), imported only when the Dask
engine is asked for, so the local engine never pays its import time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from newsledger.model import Annotations, Article


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


__all__ = ["annotate_with_dask"]
