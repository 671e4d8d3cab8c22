"""Incremental ledger: what adding a few articles, and a run with nothing new, cost.

Builds a ledger of the first ``--base`` articles of a JSONL corpus (a real first
``analyze``), adds the next ``--add`` articles (really extracted), then runs again on
the same ``--add`` articles (nothing new). Each run is a fresh child process, so its
wall seconds, CPU seconds (user + system, not inflated by other load) and peak RSS are
its own: interpreter start-up, imports and the spaCy model load included.

``--synthesise N`` then grows the same ledger to N articles without parsing: every
stored row of the base (articles, annotations, clusters, the incremental state and the
ledger tables) is cloned under new ids (article ids from a new content hash; event,
origin-group, claim and conflict ids rehashed) with every ISO date moved by
``k * 400`` days for the k-th copy, so copies of one event never meet. Entities are
shared by the copies (their mention counts grow), as a growing ledger's entities do.
Then the next ``--add`` articles are added and the nothing-new run repeated on it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import sqlite3
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from newsledger.bench.throughput import _child, _lines

_RUN = """
import json, sys, time
from pathlib import Path
started = time.perf_counter()
from newsledger.pipeline import analyze

# per stage: wall and this process's CPU seconds, from the first progress call of a stage
# to the first of the next (with --engine dask the workers' CPU is not in these)
marks = []
def progress(stage, done, total):
    if not marks or marks[-1][0] != stage:
        marks.append((stage, time.perf_counter(), time.process_time()))

engine, workers = sys.argv[3], int(sys.argv[4])
summary = analyze([sys.argv[1]], Path(sys.argv[2]), engine=engine, workers=workers,
                  progress=progress)
end = (None, time.perf_counter(), time.process_time())
stages = {}
for (stage, wall, cpu), (_, wall2, cpu2) in zip(marks, marks[1:] + [end]):
    seen = stages.setdefault(stage, {"seconds": 0.0, "client_cpu_seconds": 0.0})
    seen["seconds"] = round(seen["seconds"] + wall2 - wall, 3)
    seen["client_cpu_seconds"] = round(seen["client_cpu_seconds"] + cpu2 - cpu, 3)
print(json.dumps({"seconds": time.perf_counter() - started, "read": summary.read_articles,
                  "new": summary.new_articles, "changed_events": summary.changed_events,
                  "stages": stages, "reconcile_tasks": dict(summary.reconcile_tasks),
                  "reconcile_task_cpu_seconds": round(summary.reconcile_task_cpu_seconds, 3)}))
"""

SHIFT_DAYS = 400
# tables shared by every copy: entities and their keys, global facts, run log, metadata
_SHARED = {
    "newsledger_meta", "run_lock", "rejections", "inc_meta", "inc_df", "inc_people",
    "inc_given", "inc_keys", "inc_entities", "ledger_entities", "ledger_runs",
}
_ID = re.compile(r"\b(ev|o|c|k)-([0-9a-f]{12})\b")
_ARTICLE = re.compile(r"\ba-([0-9a-f]{12})\b")
_HASH = re.compile(r"\b[0-9a-f]{64}\b")
_DATE = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")


class _Cloner:
    """Rewrites ids and dates of one copy inside any stored value."""

    def __init__(self, copy: int, hashes: dict[str, str], salt: str = "", span: int = 1) -> None:
        self.copy = copy
        self.tag = f"{salt}{copy}"
        self.new_hash = {h: hashlib.sha256(f"{h}:{self.tag}".encode()).hexdigest()
                         for h in hashes.values()}
        self.new_article = {aid[2:]: "a-" + self.new_hash[h][:12] for aid, h in hashes.items()}
        self.shift = timedelta(days=SHIFT_DAYS * span * copy)

    def _date(self, m: re.Match[str]) -> str:
        try:
            day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return m.group(0)
        return (day + self.shift).isoformat()

    def text(self, value: str) -> str:
        value = _HASH.sub(lambda m: self.new_hash.get(m.group(0), m.group(0)), value)
        value = _ARTICLE.sub(lambda m: self.new_article.get(m.group(1), m.group(0)), value)
        value = _ID.sub(lambda m: m.group(1) + "-" + hashlib.sha1(
            f"{m.group(2)}:{self.tag}".encode()).hexdigest()[:12], value)
        return _DATE.sub(self._date, value)

    def value(self, v: Any) -> Any:
        return self.text(v) if isinstance(v, str) else v


# columns holding one id (looked up), and columns holding records with ids and dates inside
_ID_COLUMNS = {"article_id", "a", "b", "cluster_id", "event_id", "group_id", "origin_group",
               "claim_id", "content_hash", "id"}
_TEXT_COLUMNS = {"record", "members", "published", "date", "changed_run"}
_PER_ARTICLE = {("inc_lsh", "band"), ("inc_items", "item")}


def synthesise_ledger(db_path: Path, target: int) -> dict[str, Any]:
    """Clone the stored base until the ledger holds at least ``target`` articles.

    Done in SQL (``INSERT ... SELECT``) with two SQLite functions, so only id and record
    columns pass through Python: ``clone_id`` looks an id up, ``clone_text`` rewrites the
    ids and dates inside a record.
    """
    started = time.perf_counter()
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")  # a bench ledger: a crash loses only the bench
    hashes = dict(db.execute("SELECT id, content_hash FROM articles"))
    base = len(hashes)
    copies = max(0, -(-target // base) - 1) if base else 0
    # a ledger grown again: its copies get ids of their own and dates past the last copy's
    meta = dict(db.execute("SELECT key, value FROM inc_meta WHERE key LIKE 'synth_%'"))
    generation, span = int(meta.get("synth_generation", 0)) + 1, int(meta.get("synth_span", 1))
    salt = f"g{generation}:" if generation > 1 else ""
    tables = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND sql NOT LIKE 'CREATE VIRTUAL%' "
        "AND name NOT LIKE 'ledger_search%' AND name NOT LIKE 'sqlite_%'")]
    from newsledger.store.ledger_tables import list_key

    # an event's list key is also its search row's rowid: a copy gets its own, unique
    taken = {k for (k,) in db.execute("SELECT search_key FROM ledger_events") if k is not None}
    keys: dict[str, int] = {}

    def clone_key(event_id: str, day: str | None, n_articles: int) -> int:
        key = list_key(event_id, day, n_articles)
        while key in taken:
            key += 1
        taken.add(key)
        keys[event_id] = key
        return key

    for i, table in enumerate([*tables, "ledger_search"]):  # the base's rows, cloned each copy
        db.execute(f'CREATE TEMP TABLE base_{i} AS SELECT rowid AS r FROM "{table}"')
    snapshot = {table: f"base_{i}" for i, table in enumerate([*tables, "ledger_search"])}
    for copy in range(1, copies + 1):
        cloner = _Cloner(copy, hashes, salt, span)
        ids: dict[str, str] = {}

        def clone_id(v: Any, cloner: _Cloner = cloner, ids: dict[str, str] = ids) -> Any:
            if not isinstance(v, str):
                return v
            out = ids.get(v)
            if out is None:
                out = ids[v] = cloner.text(v)
            return out

        db.create_function("clone_id", 1, clone_id, deterministic=True)
        db.create_function("clone_text", 1, cloner.value, deterministic=True)
        db.create_function("clone_key", 3, clone_key)
        db.create_function("key_of", 1, keys.get)
        with db:
            for table in tables:
                if table in _SHARED:
                    continue
                cols = [(r[1], r[2].upper()) for r in db.execute(f'PRAGMA table_info("{table}")')]
                if table == "inc_mentions":
                    cols = [c for c in cols if c[0] != "id"]
                names = ", ".join(f'"{c}"' for c, _ in cols)
                exprs = []
                for c, kind in cols:
                    if table == "clusters" and c == "position":
                        top = db.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM clusters"
                                         ).fetchone()[0]
                        exprs.append(f'"position" + {top}')
                    elif (table, c) == ("ledger_events", "search_key"):
                        exprs.append('clone_key(clone_id("id"), clone_text("date"), '
                                     '"n_articles")')
                    elif (table, c) in _PER_ARTICLE:
                        # a copy keeps its source's text: its LSH bands and distinctive items
                        # are made its own, or every new near-copy would join every copy
                        exprs.append(f'"{c}" || \'|\' || clone_id("article_id")')
                    elif c in _ID_COLUMNS and "INT" not in kind:
                        exprs.append(f'clone_id("{c}")')
                    elif c in _TEXT_COLUMNS and "INT" not in kind:
                        exprs.append(f'clone_text("{c}")')
                    else:
                        exprs.append(f'"{c}"')
                source = f'"{table}" WHERE rowid IN (SELECT r FROM {snapshot[table]})'
                db.execute(f'INSERT OR IGNORE INTO "{table}" ({names}) '
                           f'SELECT {", ".join(exprs)} FROM {source}')
            # only the search rows of events as they stand (their rowid is the list key)
            db.execute("INSERT INTO ledger_search(rowid, event_id, body) "
                       "SELECT key_of(clone_id(event_id)), clone_id(event_id), body "
                       "FROM ledger_search WHERE rowid IN "
                       f"(SELECT r FROM {snapshot['ledger_search']}) "
                       "AND rowid IN (SELECT search_key FROM ledger_events)")
    scale = copies + 1
    with db:
        db.execute("UPDATE inc_df SET n = n * ?", (scale,))
        db.execute("UPDATE inc_meta SET value = CAST(CAST(value AS INTEGER) * ? AS TEXT) "
                   "WHERE key = 'n_docs'", (scale,))
        db.execute("UPDATE ledger_entities SET n_mentions = (SELECT COUNT(*) FROM "
                   "ledger_entity_mentions m WHERE m.entity_id = ledger_entities.id)")
        db.execute("DELETE FROM inc_meta WHERE key IN ('synth_generation', 'synth_span')")
        db.executemany("INSERT INTO inc_meta (key, value) VALUES (?, ?)",
                       [("synth_generation", str(generation)),
                        ("synth_span", str(span * scale))])
    total = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    db.close()
    return {"articles": total, "copies": copies, "seconds": round(time.perf_counter() - started, 1)}


def _ledger_tables_digest(db_path: Path) -> str:
    """A digest of what the ledger says (events, claims, conflicts, entities, origin groups,
    article dates), not of when it was written: run numbers and times are left out."""
    db = sqlite3.connect(db_path)
    digest = hashlib.sha256()
    for table, order in (("ledger_events", "id"), ("ledger_claims", "id"),
                         ("ledger_conflicts", "id"), ("ledger_entities", "id"),
                         ("ledger_origin_groups", "id")):
        cols = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')
                if r[1] not in ("run", "changed_run", "position")]
        if not cols:
            continue
        names = ", ".join(f'"{c}"' for c in cols)
        for row in db.execute(f'SELECT {names} FROM "{table}" ORDER BY "{order}"'):
            digest.update(repr(row).encode())
    db.close()
    return digest.hexdigest()


def _add_figures(added: dict[str, Any], add_rss: float, add_cpu: float) -> dict[str, Any]:
    return {"add_seconds": round(added["seconds"], 2), "add_cpu_seconds": round(add_cpu, 2),
            "add_peak_rss_mb": round(add_rss, 1), "add_changed_events": added["changed_events"],
            "stages": added["stages"], "reconcile_tasks": added["reconcile_tasks"],
            "reconcile_task_cpu_seconds": added["reconcile_task_cpu_seconds"]}


def run(data: Path, limit: int | None, base: int = 5000, add: int = 10,
        synthesise: int | str | None = None, engine: str = "local", workers: int = 2
        ) -> dict[str, Any]:
    """The figures of one ledger: base build, then add and nothing-new runs (at each size).

    ``synthesise``: a size, or sizes separated by commas (``5000,100000``): the ledger is
    grown to each in turn, and measured at each with ``add`` articles not added before.
    ``NEWSLEDGER_BENCH_KEEP=DIR`` keeps the ledger and the inputs in DIR.
    With ``engine="dask"`` the base is built once (local engine), copied, and the same
    ``add`` articles are added to one copy by the local engine and to the other by the
    Dask engine: their ledgers are compared (ledger.json bytes when both runs wrote it,
    and the ledger tables) and both runs timed, with each stage's wall and client CPU
    seconds.
    """
    if limit is not None:
        base = min(base, limit)
    targets = [int(x) for x in str(synthesise).split(",") if x.strip()] if synthesise else []
    rounds = 1 + len(targets)
    keep = os.environ.get("NEWSLEDGER_BENCH_KEEP")
    with contextlib.ExitStack() as stack:
        if keep:
            tmp = keep
            Path(keep).mkdir(parents=True, exist_ok=False)
        else:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="newsledger-inc-"))
        root = Path(tmp)
        files = {"base": root / "base.jsonl"}
        for i in range(rounds):
            files[f"add{i}"] = root / f"add{i}.jsonl"
        handles = {k: p.open("w", encoding="utf-8") for k, p in files.items()}
        for count, line in enumerate(_lines(data)):
            key = "base" if count < base else f"add{(count - base) // add}"
            if key not in handles:
                break
            handles[key].write(line.rstrip("\n") + "\n")
        for h in handles.values():
            h.close()
        ledger = root / "ledger"
        out: dict[str, Any] = {"engine": engine, "workers": workers if engine == "dask" else 1}
        first, first_rss, first_cpu = _child(_RUN, str(files["base"]), str(ledger), "local",
                                             "1")
        out["base"] = {"articles": first["read"], "seconds": round(first["seconds"], 1),
                       "cpu_seconds": round(first_cpu, 1), "peak_rss_mb": round(first_rss, 1)}
        for i in range(rounds):
            if i >= 1:
                grown = synthesise_ledger(ledger / "ledger.sqlite", targets[i - 1])
                out["synthesised" if i == rounds - 1 else f"synthesised_{i}"] = grown
            beside: dict[str, Any] | None = None
            if engine != "local":  # the same add on a copy of the ledger, by the local engine
                twin = root / f"ledger-local-{i}"
                shutil.copytree(ledger, twin)
                local, local_rss, local_cpu = _child(_RUN, str(files[f"add{i}"]), str(twin),
                                                     "local", "1")
                beside = _add_figures(local, local_rss, local_cpu)
            added, add_rss, add_cpu = _child(_RUN, str(files[f"add{i}"]), str(ledger), engine,
                                             str(workers))
            if beside is not None:
                twin_json, own_json = twin / "ledger.json", ledger / "ledger.json"
                beside["same_ledger_json"] = (
                    twin_json.read_bytes() == own_json.read_bytes()
                    if twin_json.exists() and own_json.exists()
                    else twin_json.exists() == own_json.exists())
                beside["same_ledger_tables"] = _ledger_tables_digest(
                    twin / "ledger.sqlite") == _ledger_tables_digest(ledger / "ledger.sqlite")
                shutil.rmtree(twin)
            noop, noop_rss, noop_cpu = _child(_RUN, str(files[f"add{i}"]), str(ledger), engine,
                                              str(workers))
            size = sqlite3.connect(ledger / "ledger.sqlite").execute(
                "SELECT COUNT(*) FROM articles").fetchone()[0]
            at = "at_base" if i == 0 else ("at_synthesised" if i == rounds - 1
                                            else f"at_synthesised_{i}")
            out[at] = {
                "ledger_articles": size,
                "add_new": added["new"],
                "add_changed_events": added["changed_events"],
                "add_seconds": round(added["seconds"], 2),
                "add_cpu_seconds": round(add_cpu, 2),
                "add_peak_rss_mb": round(add_rss, 1),
                "noop_new": noop["new"],
                "noop_seconds": round(noop["seconds"], 2),
                "noop_cpu_seconds": round(noop_cpu, 2),
                "noop_peak_rss_mb": round(noop_rss, 1),
                "peak_rss_mb": round(max(add_rss, noop_rss), 1),
                "add_stages": added["stages"],
                "reconcile_tasks": added["reconcile_tasks"],
                "reconcile_task_cpu_seconds": added["reconcile_task_cpu_seconds"],
            }
            if beside is not None:
                out[at]["local_engine"] = beside
    last = out["at_synthesised" if targets else "at_base"]
    metrics = {k: last[k] for k in ("add_seconds", "noop_seconds", "add_cpu_seconds",
                                    "peak_rss_mb")}
    if "local_engine" in last:
        metrics["same_ledger"] = (last["local_engine"]["same_ledger_json"]
                                  and last["local_engine"]["same_ledger_tables"])
        metrics["local_add_seconds"] = last["local_engine"]["add_seconds"]
        metrics["local_add_cpu_seconds"] = last["local_engine"]["add_cpu_seconds"]
    return {"n": out["base"]["articles"], "metrics": metrics, **out}


__all__ = ["run", "synthesise_ledger"]
