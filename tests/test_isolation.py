"""One bad article never stops or stalls a run (issue 13).

A fault injected into cleaning, extraction or resolution of one marked article rejects that
article alone, with the plain reason and the traceback in the log; a time budget interrupts
an article built to be slow (a catastrophic regular expression, a loop that never ends);
faults of the whole run still stop it. The two inputs that once took a whole run down (a
count with thousands separators, a 1.5 MB file without a space) are regression tests here.
"""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from newsledger import isolation
from newsledger.extract import annotate_articles, annotate_isolated
from newsledger.extract import hedges as hedges_mod
from newsledger.ingest import IngestOptions, read_inputs
from newsledger.ingest import article as article_mod
from newsledger.isolation import ArticleTimeout, Unanalysed, check_deadline, deadline
from newsledger.model import Article, Rejection
from newsledger.pipeline import analyze

MARK = "Zebulon-marker"
GOOD = (
    "Fighters crossed the border on Tuesday and took control of a village near Kursk, the "
    "group said. "
    "The ministry said the attack had been repelled and {n} soldiers were killed."
)
TOLL = (
    "Officials have revised downward, at least three times, the estimated death toll; "
    "35,000, 10,000, and now less than 10,000."
)
CATASTROPHIC = re.compile(r"(a+)+$")  # 2^n steps on "a" * n + "b"


def _folder(root: Path, bad_text: str | None = None) -> Path:
    folder = root / "in"
    folder.mkdir(parents=True)
    for n in (3, 4):
        (folder / f"good-{n}.txt").write_text(f"Good {n}\n\n{GOOD.format(n=n)}", encoding="utf-8")
    if bad_text is not None:
        (folder / "bad.txt").write_text(f"Bad one\n\n{bad_text}", encoding="utf-8")
    return folder


def _ledger(out: Path) -> dict:
    return json.loads((out / "ledger.json").read_text(encoding="utf-8"))


def _names(items: list[dict]) -> list[str]:
    return sorted(Path(i["path_or_url"]).name for i in items)


def _reasons(ledger: dict) -> dict[str, str]:
    return {Path(r["path_or_url"]).name: r["reason"] for r in ledger["rejected"]}


def _hedges_that(fault):
    real = hedges_mod.find_hedges

    def find_hedges(text: str):
        if MARK in text:
            fault()
        return real(text)

    return find_hedges


def _raise_bug() -> None:
    raise ValueError("an extractor bug")


# --------------------------------------------------------------------------- the two bugs


def test_thousands_separators_parse_as_counts() -> None:
    """The sentence that made analyze exit 1 ("could not convert string to float: '10,000'")."""
    article = Article("a-toll", "h-toll", "toll.txt", TOLL)
    (ann,) = annotate_articles([article])
    values = {q.text: q.value for q in ann.quantities}
    assert values["35,000"] == 35_000
    assert values["10,000"] == 10_000
    assert values["less than 10,000"] == 10_000


def test_the_toll_sentence_analyses_into_a_ledger(tmp_path: Path) -> None:
    folder = _folder(tmp_path, f"{TOLL} The figures came from the health ministry.")
    analyze([str(folder)], tmp_path / "out")
    ledger = _ledger(tmp_path / "out")
    assert _names(ledger["articles"]) == ["bad.txt", "good-3.txt", "good-4.txt"]
    assert ledger["rejected"] == []
    figures = {q.get("value") for claim in ledger["claims"] for q in claim.get("quantities", [])}
    assert 10_000 in figures


@pytest.mark.parametrize("unit", ["a", "=", "9", "aб中"])
def test_a_long_word_file_is_ingested_or_rejected_within_seconds(tmp_path: Path, unit: str) -> None:
    """1.5 MB without a space once kept the line rules busy for hours (a quadratic e-mail
    pattern behind a guard that counted words, not characters)."""
    path = tmp_path / "blob.txt"
    path.write_text((unit * 1_500_000)[:1_500_000], encoding="utf-8")
    start = time.process_time()
    items = list(read_inputs([str(path)], IngestOptions()))
    assert time.process_time() - start < 20  # hours before the fix
    assert len(items) == 1
    if isinstance(items[0], Rejection):
        assert items[0].reason
    else:
        assert items[0].text


# --------------------------------------------------------------------------- isolation


def test_an_extraction_fault_rejects_its_article_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(hedges_mod, "find_hedges", _hedges_that(_raise_bug))
    monkeypatch.setenv("NEWSLEDGER_DEBUG", "1")
    folder = _folder(tmp_path, f"{GOOD.format(n=5)} {MARK}")
    reported: list[Rejection] = []
    summary = analyze([str(folder)], tmp_path / "out", on_rejection=reported.append)
    ledger = _ledger(tmp_path / "out")
    assert _names(ledger["articles"]) == ["good-3.txt", "good-4.txt"]
    reason = _reasons(ledger)["bad.txt"]
    assert reason == "could not be analysed: ValueError: an extractor bug; please report it"
    assert [r.reason for r in reported] == [reason]
    # nothing dropped silently: every input is an article or a rejection
    assert len(ledger["articles"]) + len(ledger["rejected"]) == summary.read_articles == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "an extractor bug" in err  # NEWSLEDGER_DEBUG=1 prints it
    # the failure is not cached: the next run tries the article again, and it now passes
    monkeypatch.undo()
    analyze([str(folder)], tmp_path / "out")
    assert _names(_ledger(tmp_path / "out")["articles"]) == ["bad.txt", "good-3.txt", "good-4.txt"]
    assert _ledger(tmp_path / "out")["rejected"] == []


def test_without_debug_the_traceback_stays_in_the_log(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], caplog
) -> None:
    monkeypatch.setattr(hedges_mod, "find_hedges", _hedges_that(_raise_bug))
    monkeypatch.delenv("NEWSLEDGER_DEBUG", raising=False)
    articles = [
        Article("a-1", "h-1", "one.txt", f"A text. {MARK}"),
        Article("a-2", "h-2", "two", "B."),
    ]
    with caplog.at_level("DEBUG", logger="newsledger"):
        out = list(annotate_isolated(articles))
    assert isinstance(out[0], Unanalysed) and out[0].path_or_url == "one.txt"
    assert not isinstance(out[1], Unanalysed) and out[1].article_id == "a-2"
    assert "Traceback" not in capsys.readouterr().err
    assert any(r.exc_info and "one.txt" in r.getMessage() for r in caplog.records)


def test_a_cleaning_fault_rejects_its_document_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = article_mod.clean_text

    def clean_text(text: str, **kw):
        if MARK in text:
            raise KeyError("a cleaning bug")
        return real(text, **kw)

    monkeypatch.setattr(article_mod, "clean_text", clean_text)
    folder = _folder(tmp_path, f"{GOOD.format(n=6)} {MARK}")
    records = [{"id": "r1", "text": GOOD.format(n=7)}, {"id": "r2", "text": MARK}]
    records.append({"id": "r3", "text": GOOD.format(n=8)})
    (folder / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    analyze([str(folder)], tmp_path / "out")
    ledger = _ledger(tmp_path / "out")
    names = _names(ledger["articles"])
    assert names == ["feed.jsonl#r1", "feed.jsonl#r3", "good-3.txt", "good-4.txt"]
    reasons = _reasons(ledger)
    assert sorted(reasons) == ["bad.txt", "feed.jsonl#r2"]
    assert reasons["bad.txt"].startswith("could not be analysed: KeyError")
    assert reasons["feed.jsonl#r2"].endswith("please report it")


def test_a_resolution_fault_rejects_its_article_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsledger.resolve.incremental as resolve_mod

    real = resolve_mod.place_keys

    def place_keys(mentions, texts, context=()):
        if any(MARK in texts.get(m.article_id, "") for m in mentions):
            raise IndexError("a resolution bug")
        return real(mentions, texts, context)

    monkeypatch.setattr(resolve_mod, "place_keys", place_keys)
    folder = _folder(tmp_path, f"{GOOD.format(n=9)} {MARK}")
    analyze([str(folder)], tmp_path / "out")
    ledger = _ledger(tmp_path / "out")
    assert _names(ledger["articles"]) == ["good-3.txt", "good-4.txt"]
    assert _reasons(ledger)["bad.txt"].startswith("could not be analysed: IndexError")
    assert ledger["entities"], "the other articles are resolved"


def test_a_fault_of_every_article_in_resolution_stops_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsledger.resolve.incremental as resolve_mod

    def broken(mentions, texts, context=()):
        raise RuntimeError("resolution is broken for everyone")

    monkeypatch.setattr(resolve_mod, "place_keys", broken)
    with pytest.raises(RuntimeError, match="broken for everyone"):
        analyze([str(_folder(tmp_path))], tmp_path / "out")


def test_a_missing_dependency_still_stops_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing() -> None:
        raise ModuleNotFoundError("No module named 'natasha'", name="natasha")

    monkeypatch.setattr(hedges_mod, "find_hedges", _hedges_that(missing))
    with pytest.raises(ModuleNotFoundError):
        analyze([str(_folder(tmp_path, MARK))], tmp_path / "out")


# --------------------------------------------------------------------------- time budget


def test_the_budget_interrupts_a_catastrophic_regex(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An article built to be slow: a backtracking pattern of 2^40 steps (hours) in one
    extractor. With a 1 s budget the run ends in seconds and rejects it alone."""
    monkeypatch.setattr(
        hedges_mod, "find_hedges", _hedges_that(lambda: CATASTROPHIC.match("a" * 40 + "b"))
    )
    monkeypatch.setenv(isolation.TIMEOUT_ENV, "1")
    folder = _folder(tmp_path, f"{GOOD.format(n=5)} {MARK}")
    start = time.monotonic()
    analyze([str(folder)], tmp_path / "out")
    assert time.monotonic() - start < 60
    ledger = _ledger(tmp_path / "out")
    assert _names(ledger["articles"]) == ["good-3.txt", "good-4.txt"]
    assert "over the time budget of 1 s per article" in _reasons(ledger)["bad.txt"]


def test_the_budget_interrupts_slow_cleaning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = article_mod.clean_text

    def clean_text(text: str, **kw):
        if MARK in text:
            CATASTROPHIC.match("a" * 40 + "b")
        return real(text, **kw)

    monkeypatch.setattr(article_mod, "clean_text", clean_text)
    monkeypatch.setenv(isolation.TIMEOUT_ENV, "0.5")
    folder = _folder(tmp_path, MARK)
    start = time.monotonic()
    items = list(read_inputs([str(folder)], IngestOptions()))
    assert time.monotonic() - start < 30
    rejected = [i for i in items if isinstance(i, Rejection)]
    assert [Path(r.path_or_url).name for r in rejected] == ["bad.txt"]
    assert "time budget" in rejected[0].reason
    assert sum(isinstance(i, Article) for i in items) == 2


def test_the_budget_is_checked_in_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Off the main thread (Dask workers, the web server) no timer signal can be used: the
    long loops check the deadline. A loop that never ends but checks it is cut off."""

    def spin() -> None:
        while True:
            check_deadline()

    monkeypatch.setattr(hedges_mod, "find_hedges", _hedges_that(spin))
    articles = [
        Article("a-1", "h-1", "spin.txt", f"A text. {MARK}"),
        Article("a-2", "h-2", "b", "B."),
    ]
    out: list = []
    worker = threading.Thread(target=lambda: out.extend(annotate_isolated(articles, timeout=0.3)))
    worker.start()
    worker.join(30)
    assert not worker.is_alive()
    assert isinstance(out[0], Unanalysed) and "time budget" in out[0].reason
    assert not isinstance(out[1], Unanalysed)


def test_deadlines_nest_and_restore() -> None:
    with pytest.raises(ArticleTimeout), deadline(0.2):
        time.sleep(5)  # the timer signal interrupts a sleep in the main thread
    with deadline(30):
        with pytest.raises(ArticleTimeout), deadline(0.1):
            while True:
                check_deadline()
        check_deadline()  # the outer deadline is back, and not over
    check_deadline()  # no deadline at all


def test_the_budget_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(isolation.TIMEOUT_ENV, raising=False)
    assert isolation.article_timeout() == isolation.DEFAULT_TIMEOUT_S == 60
    monkeypatch.setenv(isolation.TIMEOUT_ENV, "2.5")
    assert isolation.article_timeout() == 2.5
    monkeypatch.setenv(isolation.TIMEOUT_ENV, "0")
    assert isolation.article_timeout() is None


# --------------------------------------------------------------------------- dask and web


def test_dask_rejects_a_failing_article_not_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    distributed = pytest.importorskip("distributed")
    from distributed.scheduler import KilledWorker

    from newsledger.scale import dask_engine

    monkeypatch.setattr(hedges_mod, "find_hedges", _hedges_that(_raise_bug))
    articles = [
        Article(f"a-{i}", f"h-{i}", f"{i}.txt", GOOD.format(n=i) + (f" {MARK}" if i == 2 else ""))
        for i in range(4)
    ]
    real = dask_engine._annotate_partition

    def dies_on(part):
        if any(a.path_or_url == "3.txt" for a in part):
            raise KilledWorker("task", SimpleNamespace(address="inproc://gone"), 3)
        return real(part)

    monkeypatch.setattr(dask_engine, "_annotate_partition", dies_on)
    # threads, not processes: the faults injected here reach the workers
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster:
        out = list(
            dask_engine.annotate_with_dask(articles, workers=1, scheduler=cluster.scheduler_address)
        )
    by_path = {
        (o.path_or_url if isinstance(o, Unanalysed) else f"{o.article_id[2:]}.txt"): o for o in out
    }
    assert sorted(by_path) == ["0.txt", "1.txt", "2.txt", "3.txt"]
    assert (
        isinstance(by_path["2.txt"], Unanalysed) and "an extractor bug" in by_path["2.txt"].reason
    )
    assert (
        isinstance(by_path["3.txt"], Unanalysed) and "Dask worker died" in by_path["3.txt"].reason
    )
    assert not isinstance(by_path["0.txt"], Unanalysed)
    assert not isinstance(by_path["1.txt"], Unanalysed)


def test_post_api_articles_rejects_a_failing_article(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from newsledger.web.app import create_app

    monkeypatch.setattr(hedges_mod, "find_hedges", _hedges_that(_raise_bug))
    client = TestClient(create_app(tmp_path, token="s3cret"))
    auth = {"Authorization": "Bearer s3cret"}
    bad = client.post("/api/articles", json={"text": f"{GOOD.format(n=3)} {MARK}"}, headers=auth)
    assert bad.status_code == 201
    assert bad.json()["article_ids"] == []
    assert bad.json()["rejected"] == [
        "could not be analysed: ValueError: an extractor bug; please report it"
    ]
    good = client.post("/api/articles", json={"text": GOOD.format(n=4)}, headers=auth)
    assert good.status_code == 201 and len(good.json()["article_ids"]) == 1
    assert client.get(f"/api/articles/{good.json()['article_ids'][0]}").status_code == 200
