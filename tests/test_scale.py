"""The Dask engine gives exactly what the local engine gives."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsledger.extract import annotate_articles
from newsledger.ingest import IngestOptions, read_inputs
from newsledger.model import Article
from newsledger.pipeline import analyze
from newsledger.scale import annotate_with_dask
from newsledger.scale.dask_engine import MAX_PARTITION, partition_size

pytest.importorskip("distributed")


def _extra_articles(root: Path) -> None:
    """A few short articles beside the example, so the work spans several partitions."""
    for i in range(6):
        (root / f"short-{i}.txt").write_text(
            f"Police said {i + 2} people were wounded on Sunday in a shooting in Springfield "
            f'district {i}. The mayor said the attack was "senseless" and {i + 1} suspects '
            "were arrested on Monday, according to a statement.",
            encoding="utf-8",
        )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, example_dir: Path) -> Path:
    root = tmp_path_factory.mktemp("scale-corpus")
    shutil.copytree(example_dir, root / "example")
    _extra_articles(root)
    return root


def test_partitions_are_bounded_and_spread_over_workers() -> None:
    assert partition_size(0, 2) == 1
    assert partition_size(10, 2) == 2
    assert partition_size(100_000, 4) == MAX_PARTITION
    assert partition_size(7, 0) == 2


def test_dask_annotations_equal_local_annotations(corpus: Path) -> None:
    articles = [a for a in read_inputs([str(corpus)], IngestOptions()) if isinstance(a, Article)]
    assert len(articles) >= 10
    local = sorted(annotate_articles(articles), key=lambda a: a.content_hash)
    distributed = sorted(
        annotate_with_dask(articles, workers=2, scheduler=None), key=lambda a: a.content_hash
    )
    assert distributed == local
    assert [a.content_hash for a in local] == sorted(a.content_hash for a in articles)


def test_dask_engine_writes_the_same_ledger_as_the_local_engine(
    corpus: Path, tmp_path: Path
) -> None:
    local = analyze([str(corpus)], tmp_path / "local", engine="local")
    dask = analyze([str(corpus)], tmp_path / "dask", engine="dask", workers=2)
    assert dask.new_articles == local.new_articles >= 10
    assert (tmp_path / "dask" / "ledger.json").read_bytes() == (
        tmp_path / "local" / "ledger.json"
    ).read_bytes()
    # unchanged articles are not annotated again: a rerun needs no cluster at all
    again = analyze([str(corpus)], tmp_path / "dask", engine="dask", workers=2)
    assert again.new_articles == 0
    assert (tmp_path / "dask" / "ledger.json").read_bytes() == (
        tmp_path / "local" / "ledger.json"
    ).read_bytes()


def test_no_articles_start_no_cluster() -> None:
    assert list(annotate_with_dask([], workers=2, scheduler="tcp://127.0.0.1:1")) == []


@pytest.fixture(scope="module")
def thread_cluster() -> Iterator[str]:
    """Two single-threaded in-process workers: quick to start, still real Dask tasks."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


def _batches(corpus: Path) -> list[list[str]]:
    shorts = sorted(str(p) for p in corpus.glob("short-*.txt"))
    return [[str(corpus / "example")], shorts[:3], shorts[3:]]


def test_dirty_events_reconciled_on_dask_workers_give_the_local_ledger(
    corpus: Path, tmp_path: Path, thread_cluster: str
) -> None:
    """The ledger grows in three runs; with --engine dask each run's dirty events are
    reconciled by tasks on the workers, which read the articles from the SQLite store."""
    for batch in _batches(corpus):
        local = analyze(batch, tmp_path / "local", engine="local")
        dask = analyze(batch, tmp_path / "dask", engine="dask", scheduler=thread_cluster)
        assert local.reconcile_tasks == {}
        assert dask.changed_events == local.changed_events > 0
        # every reconciliation task ran on a worker (none in the client)
        assert dask.reconcile_tasks
        assert set(dask.reconcile_tasks) <= set(_worker_addresses(thread_cluster))
        assert (tmp_path / "dask" / "ledger.json").read_bytes() == (
            tmp_path / "local" / "ledger.json").read_bytes()


def _worker_addresses(scheduler: str) -> list[str]:
    from distributed import Client

    with Client(scheduler) as client:
        return list(client.scheduler_info()["workers"])


def test_reconcile_chunks_are_bounded_and_spread() -> None:
    from newsledger.scale.dask_engine import MAX_EVENTS_PER_TASK, chunk_size

    assert chunk_size(10, 2) == 2
    assert chunk_size(1, 4) == 1
    assert chunk_size(10_000, 4) == MAX_EVENTS_PER_TASK
    assert chunk_size(None, 2) == MAX_EVENTS_PER_TASK
