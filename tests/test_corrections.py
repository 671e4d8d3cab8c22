"""Analyst corrections: a merge or split of events is stored, applied, and survives later runs.

The ledgers are the bundled example's, built once per module (four articles, then the
fifth folded in) and copied per test, so each test costs its corrections and at most one
more fold.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsledger.cli import app
from newsledger.group.events import event_id
from newsledger.model import SentenceRef
from newsledger.pipeline import CorrectionError, analyze, correct

from .conftest import EXAMPLE

runner = CliRunner()


def _files() -> list[str]:
    return sorted(str(p) for p in EXAMPLE.glob("*.txt"))


@pytest.fixture(scope="module")
def ledgers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The example's first four articles in one run, and the same ledger after the fifth."""
    four = tmp_path_factory.mktemp("four") / "ledger"
    analyze(_files()[:4], four)
    five = tmp_path_factory.mktemp("five") / "ledger"
    shutil.copytree(four, five)
    analyze(_files(), five)
    return {"four": four, "five": five}


def _copy(src: Path, tmp_path: Path) -> Path:
    out = tmp_path / "ledger"
    shutil.copytree(src, out, ignore=shutil.ignore_patterns("*.lock"))
    return out


def _ledger(out: Path) -> dict:
    return json.loads((out / "ledger.json").read_text("utf-8"))


def _events(out: Path) -> dict[str, dict]:
    return {e["id"]: e for e in _ledger(out)["events"]}


def _basis(out: Path, cid: str) -> list[dict]:
    with sqlite3.connect(out / "ledger.sqlite") as db:
        record = db.execute("SELECT record FROM clusters WHERE id = ?", (cid,)).fetchone()[0]
    return json.loads(record).get("basis", [])


def _sentences(out: Path, cid: str) -> set[tuple[str, int]]:
    with sqlite3.connect(out / "ledger.sqlite") as db:
        record = db.execute("SELECT record FROM clusters WHERE id = ?", (cid,)).fetchone()[0]
    return {(r["article_id"], r["sentence"]) for r in json.loads(record)["sentences"]}


def _main_event(events: dict[str, dict]) -> dict:
    return max(events.values(), key=lambda e: (len(e["article_ids"]), e["id"]))


def test_a_merge_makes_one_event_of_both_articles_reconciled_again(
        ledgers: dict[str, Path], tmp_path: Path) -> None:
    out = _copy(ledgers["five"], tmp_path)
    events = _events(out)
    single = sorted((e for e in events.values() if len(e["article_ids"]) == 1),
                    key=lambda e: e["id"])
    a, b = next((x, y) for x in single for y in single if x["article_ids"] != y["article_ids"])
    result = correct(out, "merge", [b["id"], a["id"]], note="one strike")
    kept, gone = min(a["id"], b["id"]), max(a["id"], b["id"])
    assert result.removed_events == (gone,) and kept in result.changed_events
    after = _events(out)
    assert gone not in after
    assert set(after[kept]["article_ids"]) == set(a["article_ids"]) | set(b["article_ids"])
    claims = [c for c in _ledger(out)["claims"] if c["event_id"] == kept]
    cited = {ev["article_id"] for c in claims for ev in c["evidence"]}
    assert cited == set(after[kept]["article_ids"])  # reconciled from both articles
    assert not [c for c in _ledger(out)["claims"] if c["event_id"] == gone]
    with sqlite3.connect(out / "ledger.sqlite") as db:
        last = db.execute("SELECT MAX(run) FROM ledger_runs").fetchone()[0]
        changed = db.execute("SELECT changed_run FROM ledger_events WHERE id = ?",
                             (kept,)).fetchone()[0]
        left = db.execute("SELECT COUNT(*) FROM inc_units WHERE cluster_id = ?",
                          (gone,)).fetchone()[0]
        moved_to = db.execute("SELECT moved_to, run FROM ledger_event_moves WHERE id = ?",
                              (gone,)).fetchone()
    assert changed == last and left == 0
    assert moved_to == (kept, last)  # the absorbed id leads to the kept event (serve)
    # the articles the merge moved cite it in the event's basis; the others keep theirs
    basis = {x["article_id"]: (x["rule"], tuple(x["shared"])) for x in _basis(out, kept)}
    tag = f"merge:{result.corrections[0].id}"
    moved = set(events[gone]["article_ids"])
    assert all(basis[a] == ("correction", (tag,)) for a in moved)
    assert all(basis.get(a, ("",))[0] != "correction" for a in set(after[kept]["article_ids"])
               - moved)
    # the untouched events are as they were
    for eid, event in events.items():
        if eid not in (kept, gone):
            assert after[eid] == event


def test_a_merge_survives_a_later_run_with_a_new_article(
        ledgers: dict[str, Path], tmp_path: Path) -> None:
    """Two side stories of one article merged; the fifth article folded in afterwards."""
    out = _copy(ledgers["four"], tmp_path)
    events = _events(out)
    main = _main_event(events)
    sides = sorted(e["id"] for e in events.values() if e["id"] != main["id"])
    assert len(sides) >= 2
    before = {cid: _sentences(out, cid) for cid in sides[:2]}
    correct(out, "merge", sides[:2])
    merged = _events(out)[sides[0]]
    summary = analyze(_files(), out)
    assert summary.new_articles == 1
    after = _events(out)
    assert sides[1] not in after
    assert set(merged["article_ids"]) <= set(after[sides[0]]["article_ids"])
    assert before[sides[0]] | before[sides[1]] <= _sentences(out, sides[0])


def test_a_split_article_is_its_own_event_and_stays_so(
        ledgers: dict[str, Path], tmp_path: Path) -> None:
    out = _copy(ledgers["four"], tmp_path)
    main = _main_event(_events(out))
    leaving = sorted(main["article_ids"])[-1]
    result = correct(out, "split", [main["id"]], articles=[leaving])
    new = [e for e in result.changed_events if e not in _events(ledgers["four"])]
    assert len(new) == 1
    after = _events(out)
    assert after[new[0]]["article_ids"] == [leaving]
    assert leaving not in after[main["id"]]["article_ids"]
    assert set(after[main["id"]]["article_ids"]) == set(main["article_ids"]) - {leaving}
    analyze(_files(), out)  # the fifth article: it may join either event, not undo the split
    later = _events(out)
    assert leaving not in later[main["id"]]["article_ids"]
    assert leaving in later[new[0]]["article_ids"]
    assert main["id"] in later
    tag = f"split:{result.corrections[0].id}"
    assert [(x["article_id"], x["rule"], x["shared"]) for x in _basis(out, new[0])
            if x["article_id"] == leaving] == [(leaving, "correction", [tag])]


def test_splitting_out_the_founding_article_keeps_the_event_id(
        ledgers: dict[str, Path], tmp_path: Path) -> None:
    """The event named keeps its id; the part that leaves takes a fresh one even when the
    sentence that founded the event leaves with it."""
    out = _copy(ledgers["four"], tmp_path)
    main = _main_event(_events(out))
    with sqlite3.connect(out / "ledger.sqlite") as db:
        record = json.loads(db.execute("SELECT record FROM clusters WHERE id = ?",
                                       (main["id"],)).fetchone()[0])
    founder = next(r["article_id"] for r in record["sentences"]
                   if event_id(SentenceRef(r["article_id"], r["sentence"])) == main["id"])
    result = correct(out, "split", [main["id"]], articles=[founder])
    after = _events(out)
    assert main["id"] in after and founder not in after[main["id"]]["article_ids"]
    fresh = [e for e in result.changed_events if after[e]["article_ids"] == [founder]
             and e != main["id"]]
    assert len(fresh) == 1


def test_corrections_that_disagree_settle_and_replay_changes_nothing(
        ledgers: dict[str, Path], tmp_path: Path) -> None:
    """A split undone by a later merge: the later correction decides, and replaying every
    stored correction (idempotent) moves nothing."""
    out = _copy(ledgers["five"], tmp_path)
    main = _main_event(_events(out))
    leaving = sorted(main["article_ids"])[-1]
    split = correct(out, "split", [main["id"]], articles=[leaving])
    new = next(e for e in split.changed_events if e not in _events(ledgers["five"]))
    correct(out, "merge", [main["id"], new])
    settled = _events(out)
    assert leaving in settled[min(main["id"], new)]["article_ids"]
    from newsledger.group.corrections import replay
    from newsledger.store import LedgerStore
    from newsledger.store.corrections import load_corrections

    with LedgerStore(f"sqlite:///{out / 'ledger.sqlite'}") as store, \
            store.transaction() as conn:
        again = replay(conn, load_corrections(conn), lambda article_id: None)
    assert again.changed == {} and again.removed == set() and again.applied == []
    assert _events(out) == settled


def test_a_rebuild_with_the_corrections_imported_gives_the_corrected_ledger(
        ledgers: dict[str, Path], tmp_path: Path) -> None:
    out = _copy(ledgers["five"], tmp_path)
    main = _main_event(_events(out))
    correct(out, "split", [main["id"]], articles=[sorted(main["article_ids"])[-1]])
    listed = runner.invoke(app, ["correct", "list", "--out", str(out), "--json"])
    assert listed.exit_code == 0, listed.output
    exported = tmp_path / "corrections.json"
    exported.write_text(listed.stdout, encoding="utf-8")
    rebuilt = tmp_path / "rebuilt"
    imported = runner.invoke(app, ["correct", "import", str(exported), "--out", str(rebuilt)])
    assert imported.exit_code == 0, imported.output
    analyze(_files(), rebuilt)  # one run: entity ids may differ (docs/scale.md), not events
    assert _shape(rebuilt) == _shape(out)


def _shape(out: Path) -> dict[str, tuple]:
    """Each event's articles, title, date and claim statements (no entity ids)."""
    ledger = _ledger(out)
    return {e["id"]: (e["article_ids"], e["title"], e["date"],
                      sorted(c["statement"] for c in ledger["claims"] if c["event_id"] == e["id"]))
            for e in ledger["events"]}


def test_unknown_ids_give_a_clear_error(ledgers: dict[str, Path], tmp_path: Path) -> None:
    out = _copy(ledgers["four"], tmp_path)
    main = _main_event(_events(out))
    bad = runner.invoke(app, ["correct", "merge", main["id"], "ev-000000000000", "--out",
                              str(out)])
    assert bad.exit_code == 1 and "no event with id ev-000000000000" in bad.output
    one = runner.invoke(app, ["correct", "merge", main["id"], "--out", str(out)])
    assert one.exit_code == 2 and "at least two" in one.output
    art = runner.invoke(app, ["correct", "split", main["id"], "--article", "a-nothere",
                              "--out", str(out)])
    assert art.exit_code == 1 and f"event {main['id']} holds no article a-nothere" in art.output
    whole = runner.invoke(app, ["correct", "split", main["id"], "--out", str(out),
                                *[x for a in main["article_ids"] for x in ("--article", a)]])
    assert whole.exit_code == 1 and "at least one article" in whole.output
    none = runner.invoke(app, ["correct", "list", "--out", str(tmp_path / "nothing")])
    assert none.exit_code == 1 and "holds no ledger" in none.output
    for result in (bad, one, art, whole, none):
        assert "Traceback" not in result.output
    with pytest.raises(CorrectionError, match="no event with id ev-000000000000"):
        correct(out, "split", ["ev-000000000000"], articles=["a-nothere"])
    with pytest.raises(CorrectionError, match="holds no ledger"):
        correct(tmp_path / "nothing", "merge", [main["id"], "ev-000000000000"])
    assert not (tmp_path / "nothing").exists()
    with sqlite3.connect(out / "ledger.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM corrections").fetchone()[0] == 0


def test_the_correction_list_shows_them(ledgers: dict[str, Path], tmp_path: Path) -> None:
    out = _copy(ledgers["four"], tmp_path)
    empty = runner.invoke(app, ["correct", "list", "--out", str(out)])
    assert empty.exit_code == 0 and "no corrections" in empty.output
    events = _events(out)
    main = _main_event(events)
    sides = sorted(e for e in events if e != main["id"])
    merged = runner.invoke(app, ["correct", "merge", *sides[:2], "--out", str(out), "--note",
                                 "same attack"])
    assert merged.exit_code == 0, merged.output
    assert f"removed  {sides[1]}" in merged.output
    leaving = sorted(main["article_ids"])[-1]
    split = runner.invoke(app, ["correct", "split", main["id"], "-a", leaving, "--out",
                                str(out)])
    assert split.exit_code == 0, split.output
    shown = runner.invoke(app, ["correct", "list", "--out", str(out)])
    assert shown.exit_code == 0
    for text in ("merge", "split", "same", "attack", sides[0], main["id"], leaving):
        assert text in shown.output
    data = json.loads(runner.invoke(app, ["correct", "list", "--out", str(out),
                                          "--json"]).stdout)
    assert [(c["id"], c["kind"]) for c in data] == [(1, "merge"), (2, "split")]
    assert data[0]["note"] == "same attack" and data[1]["events"] == [main["id"]]
    assert data[1]["parts"][0][0]["article_id"] == leaving
    # the outputs were refreshed: ledger.json already shows the split
    assert leaving not in _events(out)[main["id"]]["article_ids"]
