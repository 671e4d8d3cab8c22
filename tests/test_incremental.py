"""The incremental ledger: a run folds in only what is new and answers as a run from scratch.

The bundled example fed one article per run must give the ledger one run over all five
gives (events, claims, conflicts, fatalities, entities, origin groups); a run with
nothing new must leave everything as it was; a ledger written before the incremental
tables existed must upgrade in place, keeping its cluster ids.
"""

from __future__ import annotations

import json
import re
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
    """The ledger's sections; an event's join basis keeps only who joined by which rule: its
    score and features are those of the moment the report was placed (docs/scale.md)."""
    out = {k: ledger[k] for k in ("articles", "origin_groups", "events", "entities", "claims",
                                  "conflicts", "stories")}
    out["events"] = [{**e, "basis": [(b["article_id"], b["rule"]) for b in e["basis"]]}
                     for e in ledger["events"]]
    return out


def _entity_snapshot(out: Path) -> dict[str, frozenset[tuple]]:
    """Entity id -> its mentions (pool, article, start, end), from the incremental state."""
    with sqlite3.connect(out / "ledger.sqlite") as db:
        rows = db.execute(
            "SELECT entity_id, pool, article_id, start, \"end\" FROM inc_mentions")
        found: dict[str, set[tuple]] = {}
        for eid, *mention in rows:
            found.setdefault(eid, set()).add(tuple(mention))
    return {eid: frozenset(ms) for eid, ms in found.items()}


def _renamed(ledger: dict, reference: dict) -> dict:
    """``ledger`` with each entity id replaced by the id of the entity of ``reference``
    that holds the same mentions (entity ids depend on arrival order: docs/scale.md)."""
    def key(e: dict) -> frozenset:
        return frozenset((m["article_id"], m["start"], m["end"]) for m in e["mentions"])

    ref = {key(e): e["id"] for e in reference["entities"]}
    mapping = {e["id"]: ref[key(e)] for e in ledger["entities"]}
    assert len(set(mapping.values())) == len(mapping)  # a renaming, nothing merged or split
    # an id stands alone or as the entity of an event's link key ("person:e-...")
    text = re.sub(r'"((?:person:|place:)?)(e-[0-9a-f]{10})"',
                  lambda m: json.dumps(m[1] + mapping.get(m[2], m[2])),
                  json.dumps(ledger, ensure_ascii=False))
    out = json.loads(text)
    out["entities"].sort(key=lambda e: e["id"])
    for event in out["events"]:
        event["link_keys"].sort()
    return out


def test_one_article_per_run_gives_the_ledger_of_one_run(one_run: dict, tmp_path: Path) -> None:
    """The same ledger but for entity ids: an entity keeps the id it had when it arrived."""
    out = tmp_path / "ledger"
    changed = []
    for path in _files():
        changed.append(analyze([path], out).changed_events)
    assert all(n >= 1 for n in changed)
    ledger = json.loads((out / "ledger.json").read_text("utf-8"))
    assert len(one_run["articles"]) == 5 and len(one_run["events"]) >= 1
    assert _sections(_renamed(ledger, one_run)) == _sections(one_run)
    fatalities = [e["fatalities"] for e in ledger["events"]]
    assert fatalities == [e["fatalities"] for e in one_run["events"]]


def test_an_entity_keeps_its_id_when_its_name_grows(tmp_path: Path) -> None:
    """Ids are stable: an entity whose mentions all stay together (joined only by new
    mentions) keeps its id run after run, though the rules derive another for it once a
    longer or fuller name arrives (a mention that changes pool, an organisation found to
    be a person's surname, goes to an entity of the new pool)."""
    out = tmp_path / "ledger"
    kept = renamed_by_rules = 0
    before: dict[str, frozenset[tuple]] = {}
    for path in _files():
        analyze([path], out)
        after = _entity_snapshot(out)
        for eid, ms in before.items():
            holders = [e for e, ms2 in after.items() if ms <= ms2]
            if len(holders) != 1:
                continue
            others = [e for e, ms0 in before.items() if e != eid and ms0 & after[holders[0]]]
            if not others:
                assert holders[0] == eid
                kept += 1
        before = after
    one = tmp_path / "one"
    analyze(_files(), one)
    scratch = {ms: eid for eid, ms in _entity_snapshot(one).items()}
    renamed_by_rules = sum(1 for eid, ms in before.items() if scratch[ms] != eid)
    assert kept > 0
    assert renamed_by_rules >= 1  # the example has an entity whose derived id changes


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


def test_keep_ids_merges_and_splits_keep_existing_ids() -> None:
    """A true merge keeps the stored id with the most mentions; a split leaves the
    original id with the larger part; a new group whose derived id a stored entity holds
    gets a fresh id; a group of new mentions only keeps the id the rules derive."""
    from newsledger.model import Entity, EntityMention
    from newsledger.resolve.incremental import keep_ids

    def entity(eid: str, *spans: tuple[str, int]) -> Entity:
        ms = tuple(EntityMention(a, s, s + 3, "abc") for a, s in spans)
        return Entity(eid, "ORG", "abc", ("abc",), ms)

    before = {("a1", 0, 3, "abc"): "e-old1", ("a1", 10, 13, "abc"): "e-old1",
              ("a2", 0, 3, "abc"): "e-old2",
              ("a3", 0, 3, "abc"): "e-old3", ("a3", 10, 13, "abc"): "e-old3",
              ("a3", 20, 23, "abc"): "e-old3"}
    groups = {
        "e-merged": entity("e-merged", ("a1", 0), ("a1", 10), ("a2", 0), ("a9", 0)),
        "e-old3": entity("e-old3", ("a3", 20)),  # the smaller part of a split
        "e-big": entity("e-big", ("a3", 0), ("a3", 10)),
        "e-new": entity("e-new", ("a9", 10)),
    }
    kept = keep_ids(groups, before, {"e-old1", "e-old2", "e-old3"})
    assert kept["e-merged"] == "e-old1"
    assert kept["e-big"] == "e-old3"
    assert kept["e-old3"] not in {"e-old1", "e-old2", "e-old3", "e-new"}
    assert kept["e-old3"].startswith("e-") and len(kept["e-old3"]) == 12
    assert kept["e-new"] == "e-new"
    assert keep_ids(groups, before, {"e-old1", "e-old2", "e-old3"}) == kept


def test_a_big_ledger_writes_what_the_run_changed_not_the_whole_ledger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond FULL_OUTPUTS_MAX_ARTICLES a run writes the brief and changes.json (its
    events with what they cite) and removes the stale whole-ledger files; --full-export
    writes them again, equal to the export, even on a run with nothing new."""
    import newsledger.pipeline as pipeline
    from newsledger.report.stream import export
    from newsledger.store import LedgerStore
    from newsledger.store import ledger_tables as lt

    monkeypatch.setattr(pipeline, "FULL_OUTPUTS_MAX_ARTICLES", 4)
    out = tmp_path / "ledger"
    files = _files()
    first = analyze(files[:4], out)
    assert first.full_outputs and (out / "ledger.json").exists() and (out / "events.csv").exists()
    whole = json.loads((out / "changes.json").read_text("utf-8"))
    assert whole["events"] == json.loads((out / "ledger.json").read_text("utf-8"))["events"]

    summary = analyze(files, out)
    assert summary.new_articles == 1 and not summary.full_outputs
    assert not (out / "ledger.json").exists() and not (out / "events.csv").exists()
    assert set(summary.outputs) == {"markdown", "html", "changes"}
    changes = json.loads((out / "changes.json").read_text("utf-8"))
    with LedgerStore(f"sqlite:///{out / 'ledger.sqlite'}") as store, lt.reading(store) as conn:
        run = lt.last_finished_run(conn)
        changed = lt.changed_event_ids(conn, run)
        total = len(lt.existing_event_ids(conn, [e["id"] for e in whole["events"]] + changed))
    assert [e["id"] for e in changes["events"]] == changed and 1 <= len(changed) <= total
    cited = {a["id"] for a in changes["articles"]}
    assert cited == {a for e in changes["events"] for a in e["article_ids"]} | {
        x["article_id"] for c in changes["claims"] for x in c["evidence"]}
    assert all(m["article_id"] in cited for e in changes["entities"] for m in e["mentions"])
    assert {c["event_id"] for c in changes["claims"]} <= set(changed)

    before = (out / "changes.json").stat().st_mtime_ns
    assert analyze(files, out).changed_events == 0  # nothing new: nothing written
    assert (out / "changes.json").stat().st_mtime_ns == before
    assert not (out / "ledger.json").exists()

    again = analyze(files, out, full_outputs=True)
    assert again.changed_events == 0 and again.full_outputs
    with LedgerStore(f"sqlite:///{out / 'ledger.sqlite'}") as store, lt.reading(store) as conn:
        target = tmp_path / "export.json"
        with target.open("w", encoding="utf-8") as handle:
            export(conn, handle, "json")
    assert (out / "ledger.json").read_bytes() == target.read_bytes()
    assert (out / "events.csv").exists()



def test_stored_units_name_only_entities_the_ledger_holds(tmp_path: Path) -> None:
    """A merge or split moves stored mentions to another entity: the stored cluster units of
    those articles are derived again, so none names an entity id that is gone (new articles
    name the entity by its id now, and would not meet the stale one)."""
    out = tmp_path / "ledger"
    for path in _files():
        analyze([path], out)
    with sqlite3.connect(out / "ledger.sqlite") as db:
        held = {r[0] for r in db.execute("SELECT id FROM inc_entities")}
        gone = {r[0] for r in db.execute("SELECT DISTINCT entity_id FROM inc_mentions")} - held
        named = set()
        for (record,) in db.execute("SELECT record FROM inc_units"):
            named |= {k[2:] for k in json.loads(record)["counts"] if k.startswith("E|e-")}
    assert not gone
    assert named and named <= held
