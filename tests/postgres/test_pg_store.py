"""The same store and pipeline contract on a real PostgreSQL server."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from newsledger.model import Annotations, Article, EventCluster, Rejection, Sentence, SentenceRef
from newsledger.pipeline import analyze
from newsledger.store import LedgerBusyError, LedgerStore

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("NEWSLEDGER_TEST_PG_URL"),
        reason="NEWSLEDGER_TEST_PG_URL is not set; start a server with: "
        "scripts/pg-test-cluster.sh start",
    ),
]


def _article(i: int) -> Article:
    return Article(
        id=f"a-{i:04d}",
        content_hash=f"h-{i:04d}",
        path_or_url=f"/in/{i}.txt",
        text=f"Article {i} — Белгород, naïve.",
        language="en",
    )


def test_store_contract_on_postgres(pg_url: str) -> None:
    with LedgerStore(pg_url) as store:
        assert store.dialect == "postgresql"
        assert store.add_articles([_article(i) for i in (3, 1, 2, 1)]) == 3
        assert store.add_articles([_article(2), _article(4)]) == 1
        assert [a.id for a in store.load_articles()] == ["a-0001", "a-0002", "a-0003", "a-0004"]
        assert store.load_articles()[0] == _article(1)

        long_url = "https://example.org/" + "x" * 10_000  # beyond a btree row
        assert store.add_rejections([Rejection(long_url, "too big"), Rejection("b", "x")]) == 2
        assert store.add_rejections([Rejection(long_url, "too big")]) == 0
        assert store.load_rejections() == [Rejection("b", "x"), Rejection(long_url, "too big")]

        one = Annotations("a-1", "h-1", "en", sentences=(Sentence(0, 3),))
        two = Annotations("a-1", "h-1", "ru")
        store.save_annotations([one], "v")
        store.save_annotations([two, two], "v")
        store.save_annotations([], "v")
        assert store.load_annotations("v") == {"h-1": two}

        cluster = EventCluster("e-1", ("a-1",), (SentenceRef("a-1", 0),), date="2024-03-12")
        store.save_clusters([cluster, cluster.__class__("e-0", (), ())])
        store.save_clusters([cluster])
        assert store.load_clusters() == [cluster]
    with LedgerStore(pg_url.replace("postgresql+psycopg://", "postgresql://")) as again:
        assert len(again.load_articles()) == 4


_HOLDER = """
import sys, time
from newsledger.store import LedgerStore
with LedgerStore(sys.argv[1]).run_lock():
    print("locked", flush=True)
    time.sleep(60)
"""


def test_advisory_run_lock_refuses_and_dies_with_its_holder(pg_url: str) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_HOLDER), pg_url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with LedgerStore(pg_url) as store:
            with pytest.raises(LedgerBusyError, match=rf"pid {holder.pid}\b"), store.run_lock():
                pass
            holder.send_signal(signal.SIGKILL)
            holder.wait(timeout=30)
            with store.run_lock(wait=10):
                assert store.add_articles([_article(1)]) == 1
            with store.run_lock():
                pass
    finally:
        holder.kill()
        holder.wait()


_KILLED = """
import os, signal, sys
from pathlib import Path
from newsledger.pipeline import analyze

def progress(name, done, total):
    if name == sys.argv[4] and done == int(sys.argv[5]):
        os.kill(os.getpid(), signal.SIGKILL)

analyze([sys.argv[1]], Path(sys.argv[2]), db_url=sys.argv[3], progress=progress)
"""


@pytest.fixture(scope="module")
def sqlite_reference(example_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("pg-reference")
    analyze([str(example_dir)], out)
    return (out / "ledger.json").read_bytes()


def test_analyze_on_postgres_equals_sqlite_and_is_idempotent(
    pg_url: str, example_dir: Path, sqlite_reference: bytes, tmp_path: Path
) -> None:
    first = analyze([str(example_dir)], tmp_path / "out", db_url=pg_url)
    assert first.new_articles >= 5
    assert not (tmp_path / "out" / "ledger.sqlite").exists()
    assert (tmp_path / "out" / "ledger.json").read_bytes() == sqlite_reference
    again = analyze([str(example_dir)], tmp_path / "out", db_url=pg_url)
    assert again.new_articles == 0
    assert (tmp_path / "out" / "ledger.json").read_bytes() == sqlite_reference


@pytest.mark.parametrize(("stage", "at"), [("extract", 1), ("report", 0)])
def test_sigkill_then_rerun_on_postgres(
    pg_url: str, example_dir: Path, tmp_path: Path, stage: str, at: int
) -> None:
    src = tmp_path / "in"
    shutil.copytree(example_dir, src)
    reference_dir = tmp_path / "ref"
    analyze([str(src)], reference_dir)
    reference = (reference_dir / "ledger.json").read_bytes()
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(_KILLED),
            str(src),
            str(tmp_path / "out"),
            pg_url,
            stage,
            str(at),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert child.returncode == -9, child.stderr[-2000:]
    analyze([str(src)], tmp_path / "out", db_url=pg_url)
    ledger = json.loads((tmp_path / "out" / "ledger.json").read_bytes())
    ids = [a["id"] for a in ledger["articles"]]
    assert len(ids) == len(set(ids)) >= 5
    assert (tmp_path / "out" / "ledger.json").read_bytes() == reference
