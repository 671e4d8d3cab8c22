"""The incremental ledger: a run folds in only what is new and answers as a run from scratch.

The bundled example fed one article per run must give the ledger one run over all five
gives (events, claims, conflicts, fatalities, entities, origin groups); a run with
nothing new must leave everything as it was; a ledger written before the incremental
tables existed must upgrade in place, keeping its cluster ids.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from newsledger.pipeline import analyze

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "kursk-belgorod-2024-03"


def _files() -> list[str]:
    return sorted(str(p) for p in EXAMPLE.glob("*.txt"))


@pytest.fixture(scope="module")
def one_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("one-run")
    analyze(_files(), out)
    return json.loads((out / "ledger.json").read_text("utf-8"))


def _sections(ledger: dict) -> dict:
    return {k: ledger[k] for k in ("articles", "origin_groups", "events", "entities", "claims",
                                   "conflicts")}


def test_one_article_per_run_gives_the_ledger_of_one_run(one_run: dict, tmp_path: Path) -> None:
    out = tmp_path / "ledger"
    changed = []
    for path in _files():
        changed.append(analyze([path], out).changed_events)
    assert all(n >= 1 for n in changed)
    ledger = json.loads((out / "ledger.json").read_text("utf-8"))
    assert len(one_run["articles"]) == 5 and len(one_run["events"]) >= 1
    assert _sections(ledger) == _sections(one_run)
    fatalities = [e["fatalities"] for e in ledger["events"]]
    assert fatalities == [e["fatalities"] for e in one_run["events"]]


def test_a_run_with_nothing_new_changes_nothing(one_run: dict, tmp_path: Path) -> None:
    out = tmp_path / "ledger"
    analyze(_files(), out)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.suffix != ".lock"}
    again = analyze(_files(), out)
    assert again.new_articles == 0 and again.changed_events == 0
    json_path = out / "ledger.json"
    assert json_path.stat().st_mtime_ns == before["ledger.json"]
    assert _sections(json.loads(json_path.read_text("utf-8"))) == _sections(one_run)
    with sqlite3.connect(out / "ledger.sqlite") as db:
        runs = db.execute("SELECT new_articles, changed_events FROM ledger_runs").fetchall()
    assert runs == [(5, len(one_run["events"]))]  # the empty run recorded no batch


def test_only_the_events_an_article_touches_are_reconciled_again(tmp_path: Path) -> None:
    out = tmp_path / "ledger"
    files = _files()
    analyze(files[:4], out)
    with sqlite3.connect(out / "ledger.sqlite") as db:
        events_before = db.execute("SELECT COUNT(*) FROM ledger_events").fetchone()[0]
    summary = analyze(files, out)
    assert summary.new_articles == 1
    with sqlite3.connect(out / "ledger.sqlite") as db:
        last = db.execute("SELECT MAX(run) FROM ledger_runs").fetchone()[0]
        rewritten = db.execute(
            "SELECT COUNT(*) FROM ledger_events WHERE changed_run = ?", (last,)
        ).fetchone()[0]
        total = db.execute("SELECT COUNT(*) FROM ledger_events").fetchone()[0]
    assert rewritten == summary.changed_events
    assert 1 <= rewritten <= total
    assert total >= events_before


def test_a_ledger_of_the_previous_version_upgrades_in_place(one_run: dict, tmp_path: Path) -> None:
    """Articles, annotations and clusters only (what the previous version stored): the
    next run folds every stored article in at once, keeping the stored cluster ids."""
    out = tmp_path / "ledger"
    analyze(_files(), out)
    db_path = out / "ledger.sqlite"
    with sqlite3.connect(db_path) as db:
        clusters = db.execute("SELECT position, id FROM clusters ORDER BY position").fetchall()
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND "
            "(name LIKE 'inc_%' OR name LIKE 'ledger_%')")]
        for name in tables:
            db.execute(f'DROP TABLE IF EXISTS "{name}"')
        # a stored cluster id the current rules would not choose survives the upgrade
        db.execute("UPDATE clusters SET id = 'ev-kept-from-old', record = "
                   "json_set(record, '$.id', 'ev-kept-from-old') WHERE position = 0")
    (out / "ledger.json").unlink()
    summary = analyze(_files(), out)
    assert summary.new_articles == 0 and summary.changed_events == len(clusters)
    ledger = json.loads((out / "ledger.json").read_text("utf-8"))
    ids = sorted(e["id"] for e in ledger["events"])
    assert "ev-kept-from-old" in ids
    assert sorted(["ev-kept-from-old", *(i for p, i in clusters if p != 0)]) == ids
    assert ledger["articles"] == one_run["articles"]
    assert ledger["entities"] == one_run["entities"]
    assert ledger["origin_groups"] == one_run["origin_groups"]
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT COUNT(*) FROM inc_articles").fetchone()[0] == 5
