"""One writer per ledger: an exclusive run lock that dies with its holder.

Both mechanisms are released by the operating system or the database server when
the holding process dies (even by SIGKILL), so there is never a stale lock to
clean up by hand: an ``flock`` on a file beside the SQLite database, and a
session-level ``pg_advisory_lock`` on PostgreSQL. The holder's pid, host and start
time are recorded only to make the refusal message useful.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

_POLL_S = 0.2


class LedgerBusyError(RuntimeError):
    """Another process is writing this ledger; the message says who and since when."""


def holder_info() -> dict[str, object]:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def describe_holder(info: dict[str, object] | None, where: str) -> str:
    if not info:
        return f"another newsledger run is writing the ledger at {where}"
    return (
        f"another newsledger run (pid {info.get('pid')} on {info.get('host')}, "
        f"started {info.get('started')}) is writing the ledger at {where}"
    )


def poll(try_once: Callable[[], bool], wait: float) -> bool:
    """Call ``try_once`` until it succeeds or ``wait`` seconds have passed."""
    deadline = time.monotonic() + max(wait, 0.0)
    while True:
        if try_once():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_S)


@contextmanager
def file_lock(path: Path, *, wait: float = 0.0, where: str | None = None) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if missing) for the block."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:

        def try_once() -> bool:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        if not poll(try_once, wait):
            raise LedgerBusyError(
                describe_holder(_read_info(path), where or str(path))
                + "; wait for it to finish or use another --out/--db"
            )
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder_info()).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read_info(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "null")
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
