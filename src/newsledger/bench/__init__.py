"""Benchmarks: ``python -m newsledger.bench TASK --data PATH [--limit N]``.

Each task is a module ``newsledger.bench.<task>`` with
``run(data: Path, limit: int | None) -> dict`` returning its metrics (and, when
useful, extra keys such as ``n``). The runner times it and prints one JSON object
on its last line.
"""
