"""Run one benchmark task and print one JSON line: task, n, metrics, seconds."""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import pkgutil
import sys
import time
from pathlib import Path

import newsledger.bench as bench_package


def available_tasks() -> list[str]:
    return sorted(
        m.name for m in pkgutil.iter_modules(bench_package.__path__) if not m.name.startswith("_")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsledger.bench")
    parser.add_argument("task", help=f"one of: {', '.join(available_tasks())}")
    parser.add_argument("--data", required=True, type=Path, help="data file or folder")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N items")
    parser.add_argument("--base", type=int, default=None, help="incremental: base ledger size")
    parser.add_argument("--add", type=int, default=None, help="incremental: articles added")
    parser.add_argument("--synthesise", default=None,
                        help="incremental: grow the ledger to N articles by cloning the base "
                        "(N1,N2,...: to each in turn, measured at each)")
    parser.add_argument("--batches", type=int, default=None,
                        help="cluster: feed the documents in this many incremental batches")
    parser.add_argument("--half", choices=("dev", "held"), default=None,
                        help="cluster: only the events whose gold id's SHA-1 ends in an even "
                        "(dev) or odd (held) hex digit")
    parser.add_argument("--engine", choices=("local", "dask"), default=None,
                        help="incremental: the engine of the add and nothing-new runs")
    parser.add_argument("--workers", type=int, default=None,
                        help="incremental: Dask workers (with --engine dask)")
    parser.add_argument("--cycles", type=int, default=None, help="watch: cycles of the soak")
    parser.add_argument("--feeds", type=int, default=None, help="watch: loopback feeds")
    parser.add_argument("--items", type=int, default=None,
                        help="watch: new items per feed per cycle")
    args = parser.parse_args(argv)
    if args.task not in available_tasks():
        parser.error(f"unknown task {args.task!r}; choose from {', '.join(available_tasks())}")
    if not args.data.exists():
        parser.error(f"--data {args.data} does not exist")
    module = importlib.import_module(f"newsledger.bench.{args.task}")
    started = time.perf_counter()
    options = {k: getattr(args, k) for k in ("base", "add", "synthesise", "batches", "half",
                                             "engine", "workers", "cycles", "feeds", "items")
               if getattr(args, k) is not None}
    accepted = inspect.signature(module.run).parameters
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        parser.error(f"{args.task} takes no --{unknown[0]}")
    result = module.run(args.data, args.limit, **options)
    seconds = round(time.perf_counter() - started, 2)
    n = result.pop("n", None)
    metrics = result.pop("metrics", result)
    line = {"task": args.task, "n": n, "metrics": metrics, "seconds": seconds, **result}
    print(json.dumps(line, sort_keys=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
