"""The command-line contract: analyze writes a valid ledger, is idempotent, reports rejections."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
from typer.testing import CliRunner

from newsledger.cli import app

from .conftest import EXAMPLE, SCHEMA

runner = CliRunner()


def _ledger(out: Path) -> dict:
    return json.loads((out / "ledger.json").read_text(encoding="utf-8"))


def test_example_ledger_is_valid_against_the_schema(example_ledger: dict) -> None:
    jsonschema.validate(example_ledger, json.loads(SCHEMA.read_text()))


def test_example_ledger_has_the_five_articles_with_text_language_and_dates(
    example_ledger: dict,
) -> None:
    articles = {Path(a["path_or_url"]).name[:3]: a for a in example_ledger["articles"]}
    assert sorted(articles) == ["000", "001", "002", "003", "004"]
    for article in articles.values():
        assert article["language"] == "en"
        assert len(article["text"]) > 1000
        assert article["origin_group"]
    assert articles["000"]["published"].startswith("2024-03-12")
    assert articles["000"]["published_inferred"] is False
    assert articles["001"]["published"].startswith("2024-03-13")
    # The undated article either stays undated or carries an inferred date with its basis.
    undated = articles["003"]
    assert undated["published"] is None or (
        undated["published_inferred"] and undated["published_basis"]
    )


def test_boilerplate_is_removed_with_reasons(example_ledger: dict) -> None:
    removed = [r for a in example_ledger["articles"] for r in a["removed"]]
    assert removed, "the example carries share lines, image credits and a byline bio"
    assert all(r["reason"] for r in removed)
    texts = " ".join(a["text"] for a in example_ledger["articles"])
    assert "@" not in texts  # contact e-mail of the author bio
    assert "Spread the love" not in texts


def test_analyze_cli_twice_changes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "in"
    shutil.copytree(EXAMPLE, src)
    out = tmp_path / "out"
    first = runner.invoke(app, ["analyze", str(src), "--out", str(out), "--quiet"])
    assert first.exit_code == 0, first.output
    before = (out / "ledger.json").read_bytes()
    second = runner.invoke(app, ["analyze", str(src), "--out", str(out), "--quiet"])
    assert second.exit_code == 0, second.output
    assert (out / "ledger.json").read_bytes() == before
    for name in ("report.html", "report.md", "events.csv"):
        assert (out / name).is_file(), name


def test_new_input_adds_to_the_existing_ledger(tmp_path: Path) -> None:
    files = sorted(EXAMPLE.glob("*.txt"))
    first_batch, second_batch = tmp_path / "a", tmp_path / "b"
    first_batch.mkdir()
    second_batch.mkdir()
    for f in files[:3]:
        shutil.copy(f, first_batch)
    for f in files[3:]:
        shutil.copy(f, second_batch)
    out = tmp_path / "out"
    assert runner.invoke(app, ["analyze", str(first_batch), "--out", str(out), "-q"]).exit_code == 0
    ids_before = {a["id"] for a in _ledger(out)["articles"]}
    assert len(ids_before) == 3
    assert (
        runner.invoke(app, ["analyze", str(second_batch), "--out", str(out), "-q"]).exit_code == 0
    )
    ids_after = {a["id"] for a in _ledger(out)["articles"]}
    assert ids_before < ids_after and len(ids_after) == 5


def test_bad_inputs_are_rejected_and_the_run_goes_on(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(next(EXAMPLE.glob("000_*.txt")), src / "good.txt")
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(bytes(range(256)) * 64)
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", str(src), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    ledger = _ledger(out)
    assert len(ledger["articles"]) == 1
    rejected = {Path(r["path_or_url"]).name: r["reason"] for r in ledger["rejected"]}
    assert set(rejected) == {"empty.txt", "binary.txt"}
    assert all(reason for reason in rejected.values())
    assert "empty.txt" in result.stderr and "binary.txt" in result.stderr


def test_nothing_ingested_exits_non_zero_with_one_message(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    result = runner.invoke(
        app, ["analyze", str(tmp_path / "empty.txt"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert "nothing could be ingested" in result.stderr


def test_missing_path_is_rejected_not_a_crash(tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyze", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "nope" in result.stderr


def test_serve_refuses_a_folder_without_ledger(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", str(tmp_path)])
    assert result.exit_code == 1
    assert "no ledger.json" in result.stderr


def test_unknown_engine_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyze", str(EXAMPLE), "--out", str(tmp_path), "--engine", "x"])
    assert result.exit_code == 2
