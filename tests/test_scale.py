"""The Dask engine gives exactly what the local engine gives."""

from __future__ import annotations

import shutil
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
