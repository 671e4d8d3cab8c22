"""The command-line contract: analyze writes a valid ledger, is idempotent, reports rejections."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
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


# ---------------------------------------------------------------- what a user sees on bad input


def _no_traceback(result) -> None:  # type: ignore[no-untyped-def]
    assert "Traceback" not in result.output
    assert "Background on this error" not in result.output


def test_missing_path_alone_stops_before_creating_the_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "o"
    result = runner.invoke(app, ["analyze", str(tmp_path / "nope"), "--out", str(out)])
    assert result.exit_code == 1
    assert "no such file or folder" in result.stderr
    assert not out.exists(), "a typo must not leave an empty ledger behind"


def test_empty_folder_says_so_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / ".hidden").write_text("x")
    out = tmp_path / "o"
    result = runner.invoke(app, ["analyze", str(tmp_path / "in"), "--out", str(out)])
    assert result.exit_code == 1
    assert "holds no files" in result.stderr
    assert not out.exists()


def test_rejections_are_counted_on_every_run(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (src / "b.txt").write_bytes(b"")
    out = tmp_path / "o"
    good = next(EXAMPLE.glob("000_*.txt"))
    assert runner.invoke(app, ["analyze", str(good), "--out", str(out), "-q"]).exit_code == 0
    for _ in range(2):  # the second run's rejections are already stored, still counted
        result = runner.invoke(app, ["analyze", str(src), "--out", str(out)])
        assert result.exit_code == 1
        assert "2 inputs rejected" in result.stderr, result.stderr
        _no_traceback(result)
    assert len(_ledger(out)["articles"]) == 1, "an existing ledger is kept"


def test_a_new_output_folder_is_not_left_behind_when_nothing_was_read(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    out = tmp_path / "new"
    result = runner.invoke(app, ["analyze", str(tmp_path / "empty.txt"), "--out", str(out)])
    assert result.exit_code == 1 and "1 input rejected" in result.stderr
    assert not out.exists()


def test_input_without_records_says_so_rather_than_zero_rejections(tmp_path: Path) -> None:
    (tmp_path / "blank.jsonl").write_text("\n\n")
    blank = str(tmp_path / "blank.jsonl")
    result = runner.invoke(app, ["analyze", blank, "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "hold no article records" in result.stderr and "0 inputs" not in result.stderr


def test_empty_json_array_and_recordless_object_are_rejected_in_plain_words(
    tmp_path: Path,
) -> None:
    (tmp_path / "empty.json").write_text("[]")
    (tmp_path / "other.json").write_text('{"foo": 1}')
    result = runner.invoke(
        app, ["analyze", str(tmp_path / "empty.json"), str(tmp_path / "other.json"),
              "--out", str(tmp_path / "o")],
    )
    assert result.exit_code == 1
    assert "empty.json: the JSON array is empty" in result.stderr
    assert "other.json: the JSON document is an object with no article records" in result.stderr
    assert "text, content or body field" in result.stderr
    assert "2 inputs rejected" in result.stderr


def test_size_limit_rejection_names_the_option_not_the_code(tmp_path: Path) -> None:
    good = next(EXAMPLE.glob("000_*.txt"))
    result = runner.invoke(
        app, ["analyze", str(good), "--out", str(tmp_path / "o"), "--max-bytes", "100"]
    )
    assert result.exit_code == 1
    assert "raise the limit with --max-bytes" in result.stderr
    assert "IngestOptions" not in result.stderr


def test_a_mistyped_path_beside_good_ones_is_reported_but_not_kept(tmp_path: Path) -> None:
    out = tmp_path / "o"
    good = next(EXAMPLE.glob("000_*.txt"))
    typo = str(tmp_path / "nope.txt")
    result = runner.invoke(app, ["analyze", str(good), typo, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"rejected {typo}: no such file or folder" in result.stderr
    assert "1 input rejected" in result.stdout
    assert _ledger(out)["rejected"] == [], "a typo in the command is not part of the corpus"
    assert typo not in (out / "report.md").read_text()


def test_a_ledger_json_without_its_store_is_kept_before_it_is_rewritten(tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    old = '{"schema": "newsledger/1", "articles": [{"id": "a-old"}]}'
    (out / "ledger.json").write_text(old)
    good = next(EXAMPLE.glob("000_*.txt"))
    result = runner.invoke(app, ["analyze", str(good), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert "ledger.previous.json" in result.stderr
    assert (out / "ledger.previous.json").read_text() == old
    again = runner.invoke(app, ["analyze", str(good), "--out", str(out), "-q"])
    assert "warning" not in again.stderr  # the store is there now


def test_an_output_folder_inside_the_input_folder_is_not_read_back(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(next(EXAMPLE.glob("000_*.txt")), src)
    out = src / "out"
    assert runner.invoke(app, ["analyze", str(src), "--out", str(out), "-q"]).exit_code == 0
    again = runner.invoke(app, ["analyze", str(src), "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert "Read 1 article: 0 new, 1 already known." in again.stdout
    assert "rejected" not in again.stderr
    assert len(_ledger(out)["articles"]) == 1
    only_out = runner.invoke(app, ["analyze", str(out), "--out", str(out)])
    assert only_out.exit_code == 1 and "outside the output folder" in only_out.stderr


def test_dask_only_options_warn_with_the_local_engine(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import newsledger.pipeline

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # stop right after the option checks

    monkeypatch.setattr(newsledger.pipeline, "analyze", interrupted)
    result = runner.invoke(
        app, ["analyze", str(EXAMPLE), "--out", str(tmp_path / "o"), "--workers", "4"]
    )
    assert "--workers applies only with --engine dask" in result.stderr


def test_bad_db_url_is_a_usage_error_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "o"
    for url, words in (("garbage", "not a database URL"), ("mysql://h/db", "unsupported")):
        result = runner.invoke(app, ["analyze", str(EXAMPLE), "--out", str(out), "--db", url])
        assert result.exit_code == 2, result.output
        assert words in result.stderr and "postgresql://" in result.stderr
        _no_traceback(result)
    assert not out.exists()


def test_out_that_is_a_file_or_under_a_file_is_refused(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    result = runner.invoke(app, ["analyze", str(EXAMPLE), "--out", str(afile)])
    assert result.exit_code == 2
    assert "is a file" in result.stderr
    result = runner.invoke(app, ["analyze", str(EXAMPLE), "--out", str(afile / "sub")])
    assert result.exit_code == 1
    assert "cannot create the output folder" in result.stderr
    _no_traceback(result)
    assert afile.read_text() == "x"


def test_damaged_ledger_database_gives_one_line_with_the_way_out(tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / "ledger.sqlite").write_bytes(b"this is not a database" * 100)
    result = runner.invoke(app, ["analyze", str(EXAMPLE), "--out", str(out)])
    assert result.exit_code == 1
    assert "ledger.sqlite is not a newsledger database or is damaged" in result.stderr
    assert "move it aside" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    _no_traceback(result)


def test_ctrl_c_exits_130_with_a_way_to_resume(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import newsledger.pipeline

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(newsledger.pipeline, "analyze", interrupted)
    result = runner.invoke(app, ["analyze", str(EXAMPLE), "--out", str(tmp_path / "o")])
    assert result.exit_code == 130
    assert "interrupted" in result.stderr and "same command again" in result.stderr
    _no_traceback(result)


def test_a_missing_optional_package_names_the_extra(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import newsledger.pipeline

    def no_dask(*args: object, **kwargs: object) -> None:
        raise ModuleNotFoundError("No module named 'distributed'", name="distributed")

    monkeypatch.setattr(newsledger.pipeline, "analyze", no_dask)
    result = runner.invoke(app, ["analyze", str(EXAMPLE), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "'distributed'" in result.stderr and "newsledger[scale]" in result.stderr
    assert not (tmp_path / "o").exists()


def test_summary_says_what_is_new_and_what_was_known(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for f in sorted(EXAMPLE.glob("*.txt"))[:2]:
        shutil.copy(f, src)
    out = tmp_path / "o"
    first = runner.invoke(app, ["analyze", str(src), "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert "Read 2 articles: 2 new, 0 already known." in first.stdout
    assert "extracting 2 new articles" in first.stderr  # a long run is never silent in a log
    again = runner.invoke(app, ["analyze", str(src), "--out", str(out)])
    assert "Read 2 articles: 0 new, 2 already known." in again.stdout
    assert "extracting" not in again.stderr
    assert f"newsledger serve {out}" in again.stdout
    assert "json:" not in again.stdout  # outputs are labelled for people, not by internal kind


def _ledger_dir(tmp_path: Path, text: str = '{"schema": "newsledger/1"}') -> Path:
    folder = tmp_path / "ledger"
    folder.mkdir()
    (folder / "ledger.json").write_text(text)
    return folder


def test_serve_refuses_a_busy_port_in_one_line(tmp_path: Path) -> None:
    import socket

    folder = _ledger_dir(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(app, ["serve", str(folder), "--port", str(port)])
    assert result.exit_code == 1
    assert f"port {port}" in result.stderr and "in use" in result.stderr
    _no_traceback(result)


def test_serve_refuses_a_cut_short_ledger_json(tmp_path: Path) -> None:
    folder = _ledger_dir(tmp_path, '{"schema": "newsledger/1", "articles": [')
    result = runner.invoke(app, ["serve", str(folder)])
    assert result.exit_code == 1
    assert "not valid JSON" in result.stderr and "analyze" in result.stderr
    (tmp_path / "x").mkdir()
    other = _ledger_dir(tmp_path / "x", '{"schema": "something-else"}')
    result = runner.invoke(app, ["serve", str(other)])
    assert result.exit_code == 1 and "newsledger/1" in result.stderr


def test_serve_names_a_missing_folder_and_a_bad_tile_url(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", str(tmp_path / "nowhere")])
    assert result.exit_code == 1 and "does not exist" in result.stderr
    folder = _ledger_dir(tmp_path)
    result = runner.invoke(app, ["serve", str(folder), "--tile-url", "ftp://tiles"])
    assert result.exit_code == 2 and "--tile-url" in result.stderr


def test_serve_accepts_the_ledger_file_and_refuses_other_files(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import newsledger.web

    served: list[Path] = []
    monkeypatch.setattr(newsledger.web, "serve", lambda folder, **kw: served.append(folder))
    import socket

    with socket.socket() as probe:  # a port that is free now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = _ledger_dir(tmp_path)
    result = runner.invoke(app, ["serve", str(folder / "ledger.json"), "--port", str(port)])
    assert result.exit_code == 0, result.output
    assert served == [folder]
    other = folder / "report.md"
    other.write_text("# x")
    result = runner.invoke(app, ["serve", str(other)])
    assert result.exit_code == 2 and "give the folder" in result.stderr


def test_every_documented_option_exists() -> None:
    """README's option list and the real --help agree."""
    import re

    readme = (EXAMPLE.parent.parent / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`(--[a-z][a-z-]+)", readme))
    helps = {
        cmd: runner.invoke(app, [cmd, "--help"], env={"COLUMNS": "200"}).output
        for cmd in ("analyze", "serve", "export", "watch")
    }
    real = {o for text in helps.values() for o in re.findall(r"(--[a-z][a-z-]+)", text)}
    real.discard("--help")
    assert documented - real == set(), "documented but missing"
    assert real - documented == set(), "real options not in README"


def test_a_large_one_process_run_names_the_dask_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsledger import cli

    monkeypatch.setattr(cli, "MANY_NEW_ARTICLES", 3)
    monkeypatch.setattr(cli.os, "cpu_count", lambda: 4)
    src = tmp_path / "in"
    shutil.copytree(EXAMPLE, src)
    result = runner.invoke(app, ["analyze", str(src), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "5 new articles on one core" in result.output
    assert "--engine dask --workers 4" in result.output
    again = runner.invoke(app, ["analyze", str(src), "--out", str(tmp_path / "out")])
    assert again.exit_code == 0 and "tip:" not in again.output  # nothing new: no tip
    assert cli._engine_hint("local", 3, 1) is None  # one core: nothing to gain
    assert cli._engine_hint("dask", 3, 4) is None
    assert cli._engine_hint("local", 2, 4) is None
