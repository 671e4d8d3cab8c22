"""Dask workers reconcile dirty events reading a PostgreSQL store: the local ledger."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newsledger.pipeline import analyze

pytestmark = pytest.mark.postgres  # the pg_url fixture skips without a server


def test_dask_reconciliation_on_postgres_gives_the_local_ledger(
    pg_url: str, tmp_path: Path, example_dir: Path
) -> None:
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    files = sorted(p for p in example_dir.iterdir() if p.is_file())
    shutil.copytree(example_dir, tmp_path / "in")
    batches = [[str(tmp_path / "in" / p.name) for p in files[:3]],
               [str(tmp_path / "in" / p.name) for p in files[3:]]]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        workers = set(client.scheduler_info()["workers"])
        for batch in batches:
            local = analyze(batch, tmp_path / "local", engine="local")
            dask = analyze(batch, tmp_path / "pg", db_url=pg_url, engine="dask",
                           scheduler=cluster.scheduler_address)
            assert dask.changed_events == local.changed_events > 0
            assert dask.reconcile_tasks and set(dask.reconcile_tasks) <= workers
    assert (tmp_path / "pg" / "ledger.json").read_bytes() == (
        tmp_path / "local" / "ledger.json").read_bytes()
