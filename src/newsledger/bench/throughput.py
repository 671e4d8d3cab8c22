"""Throughput: the real ``analyze`` end to end beside raw spaCy ``nlp.pipe`` on the same texts.

Each side runs in its own child process so that peak RSS is that run's alone and
neither warms the other's caches. The end-to-end side is the real pipeline into a
fresh temporary ledger (ingest of a JSONL file, extraction, grouping, reconciliation,
reports); the spaCy side is the English pipeline the extractor uses, over the
cleaned texts of the articles that run ingested. ``ratio`` is end-to-end articles/s
over raw spaCy articles/s.

Environment: ``NEWSLEDGER_BENCH_ENGINE`` (``local`` or ``dask``),
``NEWSLEDGER_BENCH_WORKERS`` (Dask workers, default 2) and
``NEWSLEDGER_BENCH_PROFILE`` (a path: write a cProfile of the end-to-end run there).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_END_TO_END = """
import cProfile, json, sys, threading, time
from pathlib import Path
import psutil

peak = 0
def sample():
    # the whole process tree: Dask workers are grandchildren of this process
    global peak
    me = psutil.Process()
    while True:
        total = 0
        for p in [me, *me.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        peak = max(peak, total)
        time.sleep(0.1)

threading.Thread(target=sample, daemon=True).start()
from newsledger.pipeline import analyze

corpus, out, engine, workers, profile = sys.argv[1:6]
profiler = cProfile.Profile() if profile else None
started = time.perf_counter()
if profiler:
    profiler.enable()
summary = analyze([corpus], Path(out), engine=engine, workers=int(workers))
if profiler:
    profiler.disable()
    profiler.dump_stats(profile)
seconds = time.perf_counter() - started
time.sleep(0.15)
print(json.dumps({"seconds": seconds, "read": summary.read_articles,
                  "new": summary.new_articles, "tree_peak": peak}))
"""

_SPACY = """
import json, sys, time
from newsledger.extract.nlp import english

texts = [a["text"] for a in json.loads(open(sys.argv[1], encoding="utf-8").read())["articles"]]
started = time.perf_counter()
nlp = english()
loaded = time.perf_counter()
tokens = sum(len(doc) for doc in nlp.pipe(texts))
done = time.perf_counter()
print(json.dumps({"seconds": done - loaded, "load_seconds": loaded - started,
                  "n": len(texts), "tokens": tokens, "pipes": nlp.pipe_names}))
"""


def _lines(data: Path) -> Iterator[str]:
    files = (
        sorted(p for p in data.rglob("*") if p.name.endswith((".jsonl", ".jsonl.gz")))
        if data.is_dir()
        else [data]
    )
    for file in files:
        opener = gzip.open if file.name.endswith(".gz") else open
        with opener(file, "rt", encoding="utf-8") as lines:
            yield from (line for line in lines if line.strip())


def _child(script: str, *args: str) -> tuple[dict[str, Any], float, float]:
    """Run ``script`` in a fresh interpreter: its last stdout line (JSON), peak RSS in MB and
    CPU seconds (user + system), which load from other processes on the machine does not inflate
    the way it inflates wall time."""
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    stdout = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed with exit code {proc.returncode}")
    cpu = usage.ru_utime + usage.ru_stime
    return json.loads(stdout.strip().splitlines()[-1]), usage.ru_maxrss / 1024, cpu


def run(data: Path, limit: int | None) -> dict[str, Any]:
    engine = os.environ.get("NEWSLEDGER_BENCH_ENGINE", "local")
    workers = int(os.environ.get("NEWSLEDGER_BENCH_WORKERS", "2"))
    profile = os.environ.get("NEWSLEDGER_BENCH_PROFILE", "")
    with tempfile.TemporaryDirectory(prefix="newsledger-throughput-") as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        with corpus.open("w", encoding="utf-8") as out:
            for count, line in enumerate(_lines(data)):
                if limit is not None and count >= limit:
                    break
                out.write(line.rstrip("\n") + "\n")
        ledger_dir = Path(tmp) / "ledger"
        e2e, e2e_rss, e2e_cpu = _child(
            _END_TO_END, str(corpus), str(ledger_dir), engine, str(workers), profile
        )
        spacy, spacy_rss, spacy_cpu = _child(_SPACY, str(ledger_dir / "ledger.json"))
    n = e2e["read"]
    articles_per_s = n / e2e["seconds"] if e2e["seconds"] else 0.0
    spacy_per_s = spacy["n"] / spacy["seconds"] if spacy["seconds"] else 0.0
    return {
        "n": n,
        "metrics": {
            "articles_per_s": round(articles_per_s, 2),
            "spacy_articles_per_s": round(spacy_per_s, 2),
            "ratio": round(articles_per_s / spacy_per_s, 3) if spacy_per_s else None,
            "peak_rss_mb": round(max(e2e_rss, e2e["tree_peak"] / 2**20), 1),
            "spacy_peak_rss_mb": round(spacy_rss, 1),
        },
        "engine": engine,
        "workers": workers if engine == "dask" else 1,
        "seconds_end_to_end": round(e2e["seconds"], 2),
        "seconds_spacy": round(spacy["seconds"], 2),
        # the child process and its reaped descendants, interpreter start-up included
        "cpu_seconds_end_to_end": round(e2e_cpu, 1),
        "cpu_seconds_spacy": round(spacy_cpu, 1),
        "seconds_spacy_load": round(spacy["load_seconds"], 2),
        "spacy_pipes": spacy["pipes"],
        "tokens": spacy["tokens"],
    }
