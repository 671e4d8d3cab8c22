"""``newsledger export``: any part of the ledger, streamed from the store."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsledger.cli import app
from newsledger.pipeline import analyze

runner = CliRunner()


@pytest.fixture(scope="module")
def ledger_dir(example_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "ledger"
    analyze([str(example_dir)], out)
    return out


def _run(*args: str) -> str:
    result = runner.invoke(app, ["export", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_json_export_is_ledger_json(ledger_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "all.json"
    _run(str(ledger_dir), "--format", "json", "--to", str(target))
    assert target.read_bytes() == (ledger_dir / "ledger.json").read_bytes()
    assert json.loads(_run(str(ledger_dir), "--format", "json")) == json.loads(
        target.read_text(encoding="utf-8")
    )


def test_jsonl_holds_every_record_in_order(ledger_dir: Path) -> None:
    whole = json.loads((ledger_dir / "ledger.json").read_text(encoding="utf-8"))
    lines = [json.loads(line) for line in _run(str(ledger_dir)).splitlines()]
    for key, kind in (
        ("articles", "article"),
        ("events", "event"),
        ("claims", "claim"),
        ("entities", "entity"),
        ("conflicts", "conflict"),
    ):
        assert [x["record"] for x in lines if x["kind"] == kind] == whole[key]


def test_since_and_event_select_events_with_what_they_reference(ledger_dir: Path) -> None:
    whole = json.loads((ledger_dir / "ledger.json").read_text(encoding="utf-8"))
    day = max(e["date"][:10] for e in whole["events"] if e.get("date"))
    same = json.loads(_run(str(ledger_dir), "--format", "json", "--since", day))
    assert same["events"] == [e for e in whole["events"] if e.get("date") and e["date"] >= day]
    after = json.loads(_run(str(ledger_dir), "--format", "json", "--since", "2999-01-01"))
    assert after["events"] == after["claims"] == after["articles"] == []

    main = max(whole["events"], key=lambda e: len(e["article_ids"]))
    part = json.loads(_run(str(ledger_dir), "--format", "json", "--event", main["id"]))
    assert part["events"] == [main] and len(whole["events"]) > 1
    assert part["claims"] == [c for c in whole["claims"] if c["event_id"] == main["id"]]
    chosen = {c["id"] for c in part["claims"]}
    assert part["conflicts"] == [k for k in whole["conflicts"] if k["claim_ids"][0] in chosen]
    cited = set(main["article_ids"]) | {
        x["article_id"] for c in part["claims"] for x in c["evidence"]
    }
    assert {a["id"] for a in part["articles"]} == cited
    assert all(a in whole["articles"] for a in part["articles"])
    involved = {x for x in [main.get("location"), *main["locations"], *main["actors"]] if x}
    involved |= {x for c in part["claims"] for x in c["claimants"]}
    assert {e["id"] for e in part["entities"]} == involved
    assert all(e in whole["entities"] for e in part["entities"])
    assert part["rejected"] == []

    one = whole["events"][0]
    rows = list(
        csv.DictReader(io.StringIO(_run(str(ledger_dir), "-f", "csv", "--event", one["id"])))
    )
    assert [r["event_id_cnty"] for r in rows] == [one["id"]]
    every = (ledger_dir / "events.csv").read_text(encoding="utf-8")
    assert _run(str(ledger_dir), "-f", "csv").replace("\r\n", "\n") == every.replace("\r\n", "\n")


def test_export_refuses_what_it_cannot_do(ledger_dir: Path, tmp_path: Path) -> None:
    bad = runner.invoke(app, ["export", str(ledger_dir), "--event", "nope"])
    assert bad.exit_code == 1 and "no event with id nope" in bad.stderr
    date = runner.invoke(app, ["export", str(ledger_dir), "--since", "last week"])
    assert date.exit_code == 2 and "YYYY-MM-DD" in date.stderr
    empty = runner.invoke(app, ["export", str(tmp_path)])
    assert empty.exit_code == 1 and "holds no ledger tables" in empty.stderr
