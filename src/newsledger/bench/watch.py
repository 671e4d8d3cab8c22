"""Watch soak: many cycles over loopback feeds with faults injected, nothing lost or doubled.

``--feeds`` feeds on a loopback server (:mod:`newsledger.bench._feedserver`) each gain
``--items`` new items a cycle (the last 50 kept, as a real feed's window); ``--cycles``
watch cycles run with the ordinary :func:`newsledger.watch.run_cycle` on a clock that
advances one interval per cycle (so the per-source back-off plays out as it would at
``--every 15m``) and the local engine. Items are the texts of ``--data`` (a JSONL
corpus, read at run time from line 3,000 on, so not the documents the incremental
bench builds its ledger from) or, for any other ``--data``, synthetic short reports.

Faults, from a fixed schedule: each cycle but the last three, one feed answers HTTP 500,
an answer slower than the 1 s time-out, a truncated feed or a redirect to a link-local
address (refused before connecting), in turn; every third cycle a second feed is down
for two cycles; every cycle one feed repeats another feed's story under a new URL.

Checks: the content hashes of the stored articles equal the set of items in the feed
answers the server sent whole (parsed by the same ingest reader), each stored once;
every stored article folded into the ledger; no cycle raised. Reported: wall and CPU
seconds per cycle.
"""

from __future__ import annotations

import json
import logging
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from newsledger.bench._feedserver import FeedServer, Item, Route, feed_xml, synthetic_item
from newsledger.bench.throughput import _lines
from newsledger.ingest import IngestOptions
from newsledger.ingest.sources import read_document
from newsledger.model import Article
from newsledger.store import LedgerStore
from newsledger.store.sql import articles_table
from newsledger.store.state import inc_articles
from newsledger.watch import WatchConfig, run_cycle

WINDOW = 50  # items a feed keeps
SKIP_LINES = 3000
EVERY_S = 900.0
_FAULTS = ("500", "slow", "malformed", "redirect")


def _texts(data: Path) -> Any:
    """(title, text) of each document of a JSONL corpus, or None for synthetic items."""
    if not data.is_file() or not data.name.endswith((".jsonl", ".jsonl.gz")):
        return None

    def gen() -> Any:
        for n, line in enumerate(_lines(data)):
            if n < SKIP_LINES:
                continue
            try:
                row = json.loads(line)
            except ValueError:
                continue
            text = row.get("content") or row.get("text") or row.get("body") or ""
            if text.strip():
                yield (row.get("title") or "untitled"), text

    return gen()


def run(data: Path, limit: int | None, cycles: int = 20, feeds: int = 5,
        items: int = 10) -> dict[str, Any]:
    logging.getLogger("newsledger.watch").setLevel(logging.ERROR)
    corpus = _texts(data)
    made = 0
    options = IngestOptions(allow_networks=("127.0.0.1/32",), timeout_s=1.0)
    with FeedServer() as server, tempfile.TemporaryDirectory(prefix="nl-watch-") as tmp:

        def new_item(feed: int) -> Item:
            nonlocal made
            made += 1
            link = server.url(f"/f{feed}/story/{made}")
            if corpus is None:
                return replace(synthetic_item(made, server.base), link=link)
            title, text = next(corpus)
            return Item(link, title, text, synthetic_item(made).published)

        paths = [f"/feed{f}.xml" for f in range(feeds)]
        config = WatchConfig(tuple(server.url(p) for p in paths), Path(tmp) / "out",
                             every_s=EVERY_S, options=options)
        feed_items: list[list[Item]] = [[] for _ in paths]
        down: dict[int, tuple[str, int]] = {}  # feed -> (fault, last cycle it lasts)
        walls: list[float] = []
        cpus: list[float] = []
        crashes, repeats, faults_injected = 0, 0, 0
        outcomes: dict[str, int] = {}
        t0 = 1_800_000_000.0
        with LedgerStore(config.url) as store:
            for cycle in range(cycles):
                for f in range(feeds):
                    feed_items[f].extend(new_item(f) for _ in range(items))
                # one feed repeats another's story under a new URL
                src, dst = cycle % feeds, (cycle + 1) % feeds
                story = feed_items[src][-1]
                feed_items[dst].append(replace(story, link=server.url(f"/copy/{cycle}")))
                repeats += 1
                if cycle < cycles - 3:
                    down[cycle % feeds] = (_FAULTS[cycle % len(_FAULTS)], cycle)
                    if cycle % 3 == 0:
                        down[(cycle + 2) % feeds] = ("500", cycle + 1)
                for f, path in enumerate(paths):
                    window = tuple(feed_items[f][-WINDOW:])
                    fault = down.get(f)
                    if fault is not None and fault[1] < cycle:
                        del down[f]
                        fault = None
                    if fault is None:
                        server.set(path, Route(items=window))
                        continue
                    faults_injected += 1
                    kind = fault[0]
                    server.set(path, Route(kind, items=window, delay_s=2.0,
                                           location="http://169.254.169.254/latest"))
                wall, cpu = time.perf_counter(), time.process_time()
                try:
                    report = run_cycle(config, store, now=t0 + cycle * EVERY_S)
                except Exception:  # a crash: counted, and the soak goes on
                    crashes += 1
                    logging.getLogger(__name__).exception("cycle %d raised", cycle)
                    continue
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
                for s in report.sources:
                    outcomes[s.outcome] = outcomes.get(s.outcome, 0) + 1
                print(report.line(), flush=True)

            served: set[str] = set()
            for path, body in server.served:
                for item in read_document(body, "feed.xml", server.url(path), options):
                    if isinstance(item, Article):
                        served.add(item.content_hash)
            # every item made, read the same way: what a feed never served whole (it fell
            # out of the window while its feed was down) is reported, not counted as lost
            made_hashes: set[str] = set()
            everything = [i for items_of in feed_items for i in items_of]
            for i in range(0, len(everything), 200):
                body = feed_xml("all", everything[i : i + 200])
                for item in read_document(body, "feed.xml", "all", options):
                    if isinstance(item, Article):
                        made_hashes.add(item.content_hash)
            with store.reading() as conn:
                stored = conn.execute(select(articles_table.c.content_hash)).scalars().all()
                folded = conn.execute(select(func.count()).select_from(inc_articles)
                                      ).scalar_one()
        later = walls[1:] or walls
        metrics = {
            "items_stored": len(stored),
            "unique_items_served": len(served),
            "stored_equals_served": set(stored) == served,
            "duplicates": len(stored) - len(set(stored)),
            "crashes": crashes,
            "folded": folded,
            "wall_per_cycle_mean_s": round(statistics.mean(walls), 2) if walls else None,
            "wall_per_cycle_max_s": round(max(walls), 2) if walls else None,
        }
        return {
            "n": made,
            "metrics": metrics,
            "cycles": cycles,
            "feeds": feeds,
            "items_per_feed_per_cycle": items,
            "items_made": made,
            "unique_articles_made": len(made_hashes),
            "made_never_served_whole": len(made_hashes - served),
            "repeats_under_new_urls": repeats,
            "fault_answers_injected": faults_injected,
            "source_outcomes": outcomes,
            "requests": sum(server.requests.values()),
            "not_modified": sum(server.not_modified.values()),
            "wall_first_cycle_s": round(walls[0], 2) if walls else None,
            "wall_per_cycle_median_after_first_s": round(statistics.median(later), 2),
            "cpu_per_cycle_mean_s": round(statistics.mean(cpus), 2) if cpus else None,
            "wall_per_cycle_s": [round(w, 2) for w in walls],
            "items": "synthetic" if corpus is None else f"{data.name} from line {SKIP_LINES}",
        }


__all__ = ["run"]
