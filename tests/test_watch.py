"""``newsledger watch`` against a loopback feed server under the test's control.

Faults are injected for real (an HTTP 500, an answer slower than the time-out, a
truncated feed, a redirect to an address outside the allowed network, the same story
under a new URL), cycles run with an explicit clock so the back-off is deterministic,
and the ledger is checked for every served story exactly once. A watch subprocess is
SIGKILLed between cycles and restarted, then stopped with SIGTERM.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from newsledger.bench._feedserver import FeedServer, Item, Route, synthetic_item
from newsledger.ingest import IngestError, IngestOptions
from newsledger.ingest.fetch import check_url
from newsledger.store import LedgerStore
from newsledger.store.sql import articles_table
from newsledger.store.state import inc_articles
from newsledger.watch import WatchConfig, parse_every, run_cycle

LOOPBACK = ("127.0.0.1/32",)  # the feed server; 127.0.0.2 stays refused
NUMBER = re.compile(r"report number (\d+) ")


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


@pytest.fixture
def trap() -> Iterator[tuple[socket.socket, int]]:
    """A listener on 127.0.0.2 (loopback, but outside the allowed network): a redirect
    there must be refused before any connection, so it must never accept one."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.2", 0))
    except OSError:
        pytest.skip("127.0.0.2 is not routable here")
    sock.listen(8)
    sock.setblocking(False)
    yield sock, sock.getsockname()[1]
    sock.close()


def _accepted(sock: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _ = sock.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


def _stored(url: str) -> tuple[list[int], int, int]:
    """(report numbers of the stored articles, with repeats; articles; folded articles)."""
    with LedgerStore(url) as store, store.reading() as conn:
        texts = conn.execute(select(articles_table.c.record)).scalars().all()
        folded = conn.execute(select(func.count()).select_from(inc_articles)).scalar_one()
    numbers = [int(m.group(1)) for t in texts for m in [NUMBER.search(json.loads(t)["text"])]
               if m]
    return sorted(numbers), len(texts), folded


def _items(numbers: range | list[int], server: FeedServer) -> tuple[Item, ...]:
    return tuple(synthetic_item(n, server.base) for n in numbers)


def test_every_served_story_is_stored_once_through_faults(
    tmp_path: Path, server: FeedServer, trap: tuple[socket.socket, int]
) -> None:
    listener, trap_port = trap
    a, b = _items(range(0, 3), server), _items(range(10, 12), server)
    # b also repeats a's first story under a new URL: stored once
    repeat = replace(a[0], link=server.url("/mirror/0"))
    server.set("/a.xml", Route(items=a))
    server.set("/b.xml", Route(items=(*b, repeat)))
    server.set("/e500.xml", Route("500"))
    server.set("/slow.xml", Route("slow", items=_items([20], server), delay_s=1.5))
    server.set("/bad.xml", Route("malformed", items=_items(range(30, 33), server)))
    server.set("/redir.xml", Route("redirect", location=f"http://127.0.0.2:{trap_port}/x"))
    names = ("/a.xml", "/b.xml", "/e500.xml", "/slow.xml", "/bad.xml", "/redir.xml")
    config = WatchConfig(
        tuple(server.url(n) for n in names), tmp_path / "out", every_s=60,
        options=IngestOptions(allow_networks=LOOPBACK, timeout_s=0.5))
    t0 = 1_800_000_000.0
    with LedgerStore(config.url) as store:
        first = run_cycle(config, store, now=t0)
        outcome = {s.source.rsplit("/", 1)[-1]: s for s in first.sources}
        assert outcome["a.xml"].outcome == outcome["b.xml"].outcome == "fetched"
        assert (outcome["a.xml"].new, outcome["b.xml"].new, outcome["b.xml"].skipped) == (3, 2, 1)
        assert "HTTP 500" in (outcome["e500.xml"].error or "")
        assert "timed out" in (outcome["slow.xml"].error or "")
        assert "malformed" in (outcome["bad.xml"].error or "")
        assert "refused" in (outcome["redir.xml"].error or "")
        assert first.count("failed") == 4 and first.articles_added == 5
        assert _accepted(listener) == 0  # refused before connecting

        # cycle 2: a unchanged (304), b gains a story and repeats one of its own; the
        # slow and malformed feeds recover, the 500 goes on
        server.set("/b.xml", Route(items=(*b, repeat, *_items([12], server),
                                          replace(b[1], link=server.url("/again/11")))))
        server.set("/slow.xml", Route(items=_items([20], server)))
        server.set("/bad.xml", Route(items=_items(range(30, 33), server)))
        second = run_cycle(config, store, now=t0 + 60)
        outcome = {s.source.rsplit("/", 1)[-1]: s for s in second.sources}
        assert outcome["a.xml"].outcome == "not-modified"
        assert server.not_modified["/a.xml"] == 1 and server.conditional["/a.xml"] == 1
        assert (outcome["b.xml"].new, outcome["b.xml"].skipped) == (1, 4)
        assert (outcome["slow.xml"].new, outcome["bad.xml"].new) == (1, 3)
        assert outcome["e500.xml"].failures == 2
        assert second.articles_added == 5

        # cycle 3: the 500 source backs off (second failure: two intervals); the redirect too
        server.set("/e500.xml", Route(items=_items([40, 41], server)))
        server.set("/a.xml", Route(items=(*a, *_items([3], server))))
        third = run_cycle(config, store, now=t0 + 120)
        assert third.count("waiting") == 2 and server.requests["/e500.xml"] == 2
        assert "backing off" in third.line() and "items 1 new" in third.line()

        # cycle 4: retried and read
        fourth = run_cycle(config, store, now=t0 + 180)
        outcome = {s.source.rsplit("/", 1)[-1]: s for s in fourth.sources}
        assert outcome["e500.xml"].outcome == "fetched" and outcome["e500.xml"].new == 2
        assert server.requests["/e500.xml"] == 3
        assert _accepted(listener) == 0
        # bounded: at most one request per source per cycle (item pages are not fetched)
        assert sum(server.requests.values()) <= len(names) * 4

    served = sorted({0, 1, 2, 3, 10, 11, 12, 20, 30, 31, 32, 40, 41})
    numbers, n_articles, folded = _stored(config.url)
    assert numbers == served  # every story once: none lost, none doubled
    assert n_articles == folded == len(served)
    ledger = json.loads((config.out_dir / "ledger.json").read_text())
    assert len(ledger["articles"]) == len(served)
    status = json.loads((config.out_dir / "status.json").read_text())
    assert status["articles_added"] == 2 and status["sources_failed"] == 1  # the redirect


def test_serve_shows_each_cycle_without_a_restart(tmp_path: Path, server: FeedServer) -> None:
    from newsledger.web.app import create_app

    server.set("/a.xml", Route(items=_items([1, 2], server)))
    server.set("/down.xml", Route("500"))
    config = WatchConfig((server.url("/a.xml"), server.url("/down.xml")), tmp_path, every_s=60,
                         options=IngestOptions(allow_networks=LOOPBACK, timeout_s=2))
    with LedgerStore(config.url) as store:
        run_cycle(config, store, now=1_800_000_000.0)
        client = TestClient(create_app(tmp_path))
        status = client.get("/api/status").json()
        assert status["articles"] == 2 and status["watch"]["articles_added"] == 2
        assert [f["source"] for f in status["watch"]["failing"]] == [server.url("/down.xml")]
        page = client.get("/events").text
        assert "2 articles added" in page and "1 feed failing" in page
        server.set("/a.xml", Route(items=_items([1, 2, 3], server)))
        server.set("/down.xml", Route(items=_items([4], server)))
        run_cycle(config, store, now=1_800_000_060.0)
        status = client.get("/api/status").json()  # the same app: read from the store
        assert status["articles"] == 4 and status["watch"]["articles_added"] == 2
        assert status["watch"]["failing"] == []
        assert "all feeds ok" in client.get("/events").text


def test_items_without_links_are_judged_by_content(tmp_path: Path, server: FeedServer) -> None:
    """Such items are named by their position in the feed, which a new item shifts."""
    unlinked = [replace(i, link="") for i in _items(range(50, 53), server)]
    server.set("/n.xml", Route(items=tuple(unlinked[1:])))
    config = WatchConfig((server.url("/n.xml"),), tmp_path, every_s=60,
                         options=IngestOptions(allow_networks=LOOPBACK, timeout_s=2))
    with LedgerStore(config.url) as store:
        assert run_cycle(config, store, now=1_800_000_000.0).items_new == 2
        server.set("/n.xml", Route(items=tuple(unlinked)))  # the new one comes first
        again = run_cycle(config, store, now=1_800_000_060.0)
        assert (again.items_new, again.items_skipped) == (1, 2)
    assert _stored(config.url)[0] == [50, 51, 52]


def test_item_pages_seen_once_are_never_fetched_again(tmp_path: Path,
                                                      server: FeedServer) -> None:
    items = _items(range(60, 63), server)
    for item in items:
        server.set(item.link.removeprefix(server.base), Route("page", items=(item,)))
    server.set("/p.xml", Route(items=items[:2]))
    options = IngestOptions(allow_networks=LOOPBACK, timeout_s=2, fetch_feed_items=True)
    config = WatchConfig((server.url("/p.xml"),), tmp_path, every_s=60, options=options)
    pages = [i.link.removeprefix(server.base) for i in items]
    with LedgerStore(config.url) as store:
        assert run_cycle(config, store, now=1_800_000_000.0).items_new == 2
        assert [server.requests[p] for p in pages] == [1, 1, 0]
        server.set("/p.xml", Route(items=items))
        again = run_cycle(config, store, now=1_800_000_060.0)
        assert (again.items_new, again.items_skipped) == (1, 2)
        assert [server.requests[p] for p in pages] == [1, 1, 1]
    assert _stored(config.url)[0] == [60, 61, 62]


def test_allowed_networks_let_only_their_addresses_through() -> None:
    options = IngestOptions(allow_networks=LOOPBACK)
    check_url("http://127.0.0.1:9/feed", options)
    for url in ("http://127.0.0.2/", "http://10.0.0.1/", "http://169.254.169.254/",
                "http://[::1]/"):
        with pytest.raises(IngestError, match="refused"):
            check_url(url, options)
    with pytest.raises(IngestError, match="refused"):
        check_url("http://127.0.0.1/", IngestOptions())


def test_intervals_parse() -> None:
    assert [parse_every(v) for v in ("90", "30s", "15m", "2h", "1d")] == [
        90, 30, 900, 7200, 86400]
    for bad in ("", "m", "-5m", "0", "soon"):
        with pytest.raises(ValueError):
            parse_every(bad)


def _wait_for(predicate, seconds: float, proc: subprocess.Popen) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc.poll() is not None:
            raise AssertionError(f"watch exited with {proc.returncode}: {proc.stderr.read()}")
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the watch")


def _cycles(status: Path) -> str | None:
    try:
        return json.loads(status.read_text())["last_cycle"]
    except (OSError, ValueError):
        return None


def test_sigkill_between_cycles_and_restart_lose_nothing(
    tmp_path: Path, server: FeedServer
) -> None:
    out = tmp_path / "out"
    server.set("/a.xml", Route(items=_items(range(3), server)))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    command = [sys.executable, "-m", "newsledger", "watch", server.url("/a.xml"), "--out",
               str(out), "--every", "1h", "--allow-network", "127.0.0.1/32"]
    url = f"sqlite:///{out / 'ledger.sqlite'}"

    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        _wait_for(lambda: _cycles(out / "status.json") is not None, 120, first)
        assert _stored(url)[0] == [0, 1, 2]
    finally:
        first.send_signal(signal.SIGKILL)  # asleep between cycles
        first.wait(30)
    assert first.returncode == -signal.SIGKILL
    assert "cycle: sources 1 ok" in first.stdout.read()

    # meanwhile the feed moves on, and repeats a story under a new URL
    server.set("/a.xml", Route(items=(*_items(range(5), server),
                                      replace(synthetic_item(1, server.base),
                                              link=server.url("/copy/1")))))
    (out / "status.json").unlink()
    second = subprocess.Popen([*command[:-3], "1s", *command[-2:]], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: _cycles(out / "status.json") is not None, 120, second)
        second.send_signal(signal.SIGTERM)
        second.wait(60)
    finally:
        if second.poll() is None:
            second.kill()
    assert second.returncode == 0, second.stderr.read()
    assert "stopped" in second.stderr.read()
    numbers, n_articles, folded = _stored(url)
    assert numbers == [0, 1, 2, 3, 4] and n_articles == folded == 5
    assert server.requests["/a.xml"] >= 2
