"""The store on SQLite: idempotent keyed inserts, upserts, atomic replaces, a run lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from newsledger.model import (
    Annotations,
    Article,
    EventCluster,
    Mention,
    Rejection,
    Removal,
    Sentence,
    SentenceRef,
)
from newsledger.store import LedgerBusyError, LedgerDatabaseError, LedgerStore, normalise_url


def _article(i: int, text: str | None = None) -> Article:
    return Article(
        id=f"a-{i:04d}",
        content_hash=f"h-{i:04d}",
        path_or_url=f"/in/{i}.txt",
        text=text or f"Article number {i} — Київ, naïve text.",
        title=f"Title {i}",
        language="en",
        published="2024-03-12",
        removed=(Removal(0, 4, "Share", "share buttons"),),
    )


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.sqlite'}"


@pytest.fixture
def store(url: str):
    with LedgerStore(url) as s:
        yield s


def test_articles_round_trip_and_are_inserted_once(store: LedgerStore) -> None:
    batch = [_article(i) for i in range(5)]
    assert store.add_articles(batch) == 5
    assert store.add_articles([*batch, batch[0]]) == 0
    assert store.add_articles([_article(7), _article(7)]) == 1
    loaded = store.load_articles()
    assert loaded == sorted([*batch, _article(7)], key=lambda a: a.id)
    assert store.count_articles() == 6


def test_a_new_store_on_the_same_file_sees_the_ledger(url: str) -> None:
    with LedgerStore(url) as first:
        first.add_articles([_article(1)])
    with LedgerStore(url) as second:
        assert [a.id for a in second.load_articles()] == ["a-0001"]
        assert second.add_articles([_article(1), _article(2)]) == 1


def test_rejections_are_keyed_by_path_and_reason(store: LedgerStore) -> None:
    long_url = "https://example.org/" + "x" * 5000
    assert store.add_rejections([Rejection("b.txt", "empty"), Rejection("a.txt", "binary")]) == 2
    assert store.add_rejections([Rejection("a.txt", "binary"), Rejection("a.txt", "too big")]) == 1
    assert store.add_rejections([Rejection(long_url, "timeout")]) == 1
    assert store.load_rejections() == [
        Rejection("a.txt", "binary"),
        Rejection("a.txt", "too big"),
        Rejection("b.txt", "empty"),
        Rejection(long_url, "timeout"),
    ]


def test_annotations_are_upserted_per_version(store: LedgerStore) -> None:
    first = Annotations("a-1", "h-1", "en", sentences=(Sentence(0, 5),), extractor="1")
    redone = Annotations(
        "a-1", "h-1", "en", mentions=(Mention(0, 4, "Kyiv", "GPE", 0),), extractor="1"
    )
    store.save_annotations([first], "1")
    store.save_annotations([], "1")
    assert store.load_annotations("1") == {"h-1": first}
    store.save_annotations([redone], "1")
    store.save_annotations([first], "2")
    assert store.load_annotations("1") == {"h-1": redone}
    assert store.load_annotations("2") == {"h-1": first}
    assert store.annotated_hashes("1") == {"h-1"}
    assert store.load_annotations("3") == {}


def test_clusters_are_replaced_as_a_whole_in_order(store: LedgerStore) -> None:
    a = EventCluster("e-2", ("a-1",), (SentenceRef("a-1", 0),), date="2024-03-12", title="x")
    b = EventCluster("e-1", ("a-1", "a-2"), (SentenceRef("a-2", 3),))
    store.save_clusters([a, b])
    assert store.load_clusters() == [a, b]
    store.save_clusters([b])
    assert store.load_clusters() == [b]
    store.save_clusters([])
    assert store.load_clusters() == []


def test_postgres_urls_use_psycopg3() -> None:
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:////tmp/x.sqlite").drivername == "sqlite"
    with pytest.raises(ValueError, match="unsupported database"):
        LedgerStore("mysql://u@h/db")


def test_an_unreachable_database_gives_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(
        LedgerDatabaseError, match=r"cannot open the ledger database .*127\.0\.0\.1"
    ):
        LedgerStore("postgresql://newsledger@127.0.0.1:1/ledger")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(LedgerDatabaseError, match="cannot open the ledger database"):
        LedgerStore(f"sqlite:///{blocker / 'sub' / 'ledger.sqlite'}")


def test_a_damaged_sqlite_file_gives_the_store_s_clear_error(tmp_path: Path) -> None:
    damaged = tmp_path / "ledger.sqlite"
    damaged.write_bytes(b"this is not a database" * 200)
    with pytest.raises(LedgerDatabaseError) as info:
        LedgerStore(f"sqlite:///{damaged}")
    message = str(info.value)
    assert f"{damaged} is not a newsledger database or is damaged" in message
    assert "move it aside and run again to rebuild it" in message
    assert "\n" not in message


def test_a_failed_database_leaves_no_output_folder(tmp_path: Path) -> None:
    from newsledger.pipeline import analyze

    out = tmp_path / "new-out"
    with pytest.raises(LedgerDatabaseError):
        analyze(["x.txt"], out, db_url="postgresql://newsledger@127.0.0.1:1/ledger")
    assert not out.exists()
    damaged_dir = tmp_path / "d"
    damaged_dir.mkdir()
    (damaged_dir / "ledger.sqlite").write_bytes(b"garbage" * 300)
    with pytest.raises(LedgerDatabaseError, match="damaged"):
        analyze(["x.txt"], damaged_dir)
    assert (damaged_dir / "ledger.sqlite").read_bytes() == b"garbage" * 300


def test_sqlite_runs_in_wal_mode(store: LedgerStore, url: str) -> None:
    import sqlite3

    store.add_articles([_article(1)])
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_run_lock_refuses_a_second_holder_and_is_reusable(url: str) -> None:
    with LedgerStore(url) as one, LedgerStore(url) as two:
        with one.run_lock():
            with pytest.raises(LedgerBusyError, match=rf"pid {os.getpid()}"), two.run_lock():
                pass
            started = time.monotonic()
            with pytest.raises(LedgerBusyError), two.run_lock(wait=0.5):
                pass
            assert time.monotonic() - started >= 0.5
        with two.run_lock():
            pass


_HOLDER = """
import sys, time
from newsledger.store import LedgerStore
store = LedgerStore(sys.argv[1])
with store.run_lock():
    print("locked", flush=True)
    time.sleep(60)
"""


def test_run_lock_of_a_killed_process_is_released(url: str) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_HOLDER), url],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with LedgerStore(url) as store:
            with pytest.raises(LedgerBusyError, match=rf"pid {holder.pid}\b"), store.run_lock():
                pass
            holder.send_signal(signal.SIGKILL)
            holder.wait(timeout=30)
            with store.run_lock(wait=5):
                store.add_articles([_article(1)])
    finally:
        holder.kill()
        holder.wait()


def test_a_waiting_writer_gets_the_lock_when_the_holder_finishes(url: str) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_HOLDER).replace("60", "1.5"), url],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with LedgerStore(url) as store, store.run_lock(wait=30):
            assert holder.poll() is not None or holder.wait(timeout=10) == 0
    finally:
        holder.kill()
        holder.wait()


def test_wal_switch_waits_out_a_database_being_created_elsewhere() -> None:
    """SQLite refuses this pragma at once while another process holds the lock."""
    import sqlite3

    from newsledger.store.sql import _journal_mode_wal

    class Cursor:
        def __init__(self, failures: int, message: str) -> None:
            self.failures, self.message, self.calls = failures, message, 0

        def execute(self, sql: str) -> None:
            self.calls += 1
            if self.calls <= self.failures:
                raise sqlite3.OperationalError(self.message)

    busy = Cursor(3, "database is locked")
    _journal_mode_wal(busy)
    assert busy.calls == 4
    broken = Cursor(1, "disk I/O error")
    with pytest.raises(sqlite3.OperationalError):
        _journal_mode_wal(broken)
    assert broken.calls == 1
