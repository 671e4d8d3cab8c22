"""Extraction is memory-bounded: it streams, so it never holds the whole corpus.

Both engines are fed corpora far larger than they may touch; taking the first
results must read only a bounded prefix of the input.
"""

from __future__ import annotations

import gc
import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import overload

import pytest

from newsledger.extract import annotate_articles
from newsledger.model import Article


def _article(i: int) -> Article:
    text = (
        f"Police said {i % 7 + 1} people were wounded in a shooting on Main Street on Friday. "
        "The suspect was arrested later that night, officials said."
    )
    return Article(
        id=f"a-{i:07d}", content_hash=f"h-{i:07d}", path_or_url=f"{i}", text=text, language="en"
    )


class LazyCorpus(Sequence[Article]):
    """A huge corpus whose articles exist only when read; remembers how far it was read."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.furthest = -1

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, index: int) -> Article: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Article]: ...
    def __getitem__(self, index: int | slice) -> Article | Sequence[Article]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.size))]
        if not 0 <= index < self.size:
            raise IndexError(index)
        self.furthest = max(self.furthest, index)
        return _article(index)


def test_local_extraction_streams_an_endless_corpus() -> None:
    endless: Iterator[Article] = (_article(i) for i in itertools.count())
    first = list(itertools.islice(annotate_articles(endless), 40))
    assert [a.article_id for a in first] == [f"a-{i:07d}" for i in range(40)]
    assert all(a.sentences for a in first)


def test_dask_engine_keeps_a_bounded_window_in_flight() -> None:
    pytest.importorskip("distributed")
    from newsledger.scale.dask_engine import IN_FLIGHT_PER_WORKER, annotate_with_dask

    corpus = LazyCorpus(1_000_000)
    stream = annotate_with_dask(corpus, workers=1, scheduler=None)
    try:
        first = next(stream)
    finally:
        stream.close()
    assert first.article_id.startswith("a-")
    # one partition of 50 per slot in the window, plus the one submitted on completion
    assert corpus.furthest < 50 * (IN_FLIGHT_PER_WORKER + 1)


def test_a_run_collects_garbage_less_often_and_restores_the_setting(tmp_path: Path) -> None:
    """A first run's heap grows to millions of objects; the default collector threshold
    walks it again every 700 allocations. The run raises it, and a failing run still puts
    the caller's back."""
    from newsledger.pipeline import analyze

    (tmp_path / "a.txt").write_text(_article(1).text, encoding="utf-8")
    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []
    analyze([str(tmp_path / "a.txt")], tmp_path / "out",
            progress=lambda stage, done, total: seen.append(gc.get_threshold()))
    assert seen and all(t[0] > 10 * before[0] for t in seen)
    assert gc.get_threshold() == before

    def fail(stage: str, done: int, total: int | None) -> None:
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        analyze([str(tmp_path / "a.txt")], tmp_path / "out2", progress=fail)
    assert gc.get_threshold() == before
