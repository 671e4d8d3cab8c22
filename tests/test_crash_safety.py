"""Crash safety and concurrency of ``analyze``: SIGKILL mid-run, then rerun; two runs at once.

The reference is an uninterrupted run on the same inputs: after a crash and a rerun,
or after two simultaneous runs, the ledger must be byte-identical to it and hold
every article exactly once.
"""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from newsledger.pipeline import analyze

N_ARTICLES = 220  # more than one ingest batch (200) and two annotation batches (100)
N_DUPLICATES = 5  # files whose text repeats another's: one article each, not two

_CHILD = """
import os, signal, sys
from pathlib import Path
from newsledger.pipeline import analyze

src, out, stage, at = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])

def progress(name, done, total):
    if name == stage and done == at:
        os.kill(os.getpid(), signal.SIGKILL)

analyze([src], out, progress=progress)
print("finished", flush=True)
"""

_PLACES = ["river town", "hill district", "coastal city", "border village", "capital"]
_EVENTS = ["a storm", "a fire", "a flood", "an explosion", "a landslide", "a protest"]


def _text(i: int) -> str:
    place = _PLACES[i % len(_PLACES)]
    what = _EVENTS[i % len(_EVENTS)]
    return (
        f"Report {i}: officials in the {place} number {i} said on Tuesday that "
        f"{i % 9 + 2} people were injured when {what} struck on Monday evening. "
        f"Police spokesman Officer {chr(65 + i % 26)}. Smith told reporters that "
        f"{i % 4 + 1} buildings were damaged and repairs would take {i % 5 + 2} weeks. "
        "Residents were asked to stay away from the area while crews worked."
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("crash-corpus")
    for i in range(N_ARTICLES):
        (root / f"{i:04d}.txt").write_text(_text(i), encoding="utf-8")
    for j in range(N_DUPLICATES):
        (root / f"dup-{j}.txt").write_text(_text(j * 11), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def reference(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("crash-reference")
    analyze([str(corpus)], out)
    return (out / "ledger.json").read_bytes()


def _child(corpus: Path, out: Path, stage: str = "", at: int = -1) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_CHILD), str(corpus), str(out), stage, str(at)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _assert_complete(out: Path, reference: bytes) -> None:
    ledger = json.loads((out / "ledger.json").read_bytes())
    ids = [a["id"] for a in ledger["articles"]]
    assert len(ids) == len(set(ids)) == N_ARTICLES
    with sqlite3.connect(out / "ledger.sqlite") as db:
        assert db.execute("SELECT COUNT(*), COUNT(DISTINCT id) FROM articles").fetchone() == (
            N_ARTICLES,
            N_ARTICLES,
        )
        hashes = db.execute("SELECT COUNT(DISTINCT content_hash) FROM annotations").fetchone()[0]
        assert hashes == N_ARTICLES
    assert (out / "ledger.json").read_bytes() == reference


def _stored_articles(out: Path) -> int:
    try:
        with sqlite3.connect(f"file:{out / 'ledger.sqlite'}?mode=ro", uri=True) as db:
            return db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.parametrize(
    ("stage", "at"),
    [
        ("ingest", 210),  # after the first ingest batch committed, before the second
        ("extract", 150),  # after one annotation batch committed, inside the second
        ("resolve", 1),  # inside the batch transaction: entities written, nothing committed
        ("group", 1),  # inside it: origin groups and clusters placed
        ("reconcile", 3),  # inside it: some events reconciled
        ("report", 0),  # everything stored, no output written yet
    ],
)
def test_sigkill_mid_run_then_rerun_completes_the_ledger(
    corpus: Path, reference: bytes, tmp_path: Path, stage: str, at: int
) -> None:
    out = tmp_path / "ledger"
    child = _child(corpus, out, stage, at)
    stdout, stderr = child.communicate(timeout=600)
    assert child.returncode == -9, f"the run was not killed at {stage} {at}: {stderr[-2000:]}"
    assert "finished" not in stdout
    if stage == "ingest":
        assert 0 < _stored_articles(out) < N_ARTICLES
    analyze([str(corpus)], out)
    _assert_complete(out, reference)


def test_sigkill_at_a_random_moment_then_rerun_completes_the_ledger(
    corpus: Path, reference: bytes, tmp_path: Path
) -> None:
    rng = random.Random(8)
    interrupted = 0
    for attempt in range(3):
        out = tmp_path / f"ledger-{attempt}"
        child = _child(corpus, out)
        while child.poll() is None and _stored_articles(out) == 0:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.5))
        child.kill()  # SIGKILL, possibly inside a transaction
        stdout, _ = child.communicate(timeout=60)
        interrupted += "finished" not in stdout
        analyze([str(corpus)], out)
        _assert_complete(out, reference)
    assert interrupted, "no attempt was killed before it finished: the test proved nothing"


def test_two_runs_at_once_serialise_or_refuse_cleanly(
    corpus: Path, reference: bytes, tmp_path: Path
) -> None:
    out = tmp_path / "ledger"
    runs = [_child(corpus, out), _child(corpus, out)]
    results = [run.communicate(timeout=600) for run in runs]
    finished = 0
    for run, (stdout, stderr) in zip(runs, results, strict=True):
        if run.returncode == 0:
            assert "finished" in stdout
            finished += 1
        else:
            # the only acceptable failure is a clear refusal, never a database error
            assert "LedgerBusyError" in stderr or "another newsledger run" in stderr, stderr
            assert "OperationalError" not in stderr and "IntegrityError" not in stderr
    assert finished >= 1
    _assert_complete(out, reference)


@pytest.mark.parametrize(("stage", "at"), [("resolve", 1), ("reconcile", 2), ("report", 0)])
def test_sigkill_while_adding_to_a_ledger_then_rerun_equals_a_clean_update(
    corpus: Path, tmp_path: Path, stage: str, at: int
) -> None:
    """An update (new articles folded into a stored ledger) killed inside its transaction
    leaves the ledger as before it; the rerun gives what an uninterrupted update gives."""
    first = sorted(str(p) for p in corpus.glob("*.txt"))[:120]
    clean = tmp_path / "clean"
    analyze(first, clean)
    analyze([str(corpus)], clean)
    out = tmp_path / "ledger"
    analyze(first, out)
    before = (out / "ledger.json").read_bytes()
    child = _child(corpus, out, stage, at)
    _, stderr = child.communicate(timeout=600)
    assert child.returncode == -9, f"the run was not killed at {stage} {at}: {stderr[-2000:]}"
    assert (out / "ledger.json").read_bytes() == before
    analyze([str(corpus)], out)
    assert (out / "ledger.json").read_bytes() == (clean / "ledger.json").read_bytes()
