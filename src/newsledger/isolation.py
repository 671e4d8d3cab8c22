"""One bad article never stops or stalls a run: per-article fault isolation and time budget.

Cleaning, extraction and resolution are pure functions of an article's text, so an
exception there is a fault of that article (a bug it triggers), not of the run: the
article is rejected with :func:`failure_reason` and the traceback goes to the log
(printed on stderr when ``NEWSLEDGER_DEBUG=1``). Faults of the whole run (the database,
the disk, a missing model) happen outside the guarded code and still stop it.

The time budget is a deadline per article (``NEWSLEDGER_ARTICLE_TIMEOUT`` seconds, 60 by
default; ``0`` turns it off). It really interrupts: in the main thread an interval timer
(SIGALRM) raises :class:`ArticleTimeout` wherever the work is, regular expressions
included (CPython's matcher checks for signals); in other threads (Dask workers, the
web server) the long loops call :func:`check_deadline`, and the text rules are linear,
so no single step between two checks can run away.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass

DEFAULT_TIMEOUT_S = 60.0
TIMEOUT_ENV = "NEWSLEDGER_ARTICLE_TIMEOUT"
DEBUG_ENV = "NEWSLEDGER_DEBUG"

log = logging.getLogger("newsledger")

UNANALYSED_PREFIX = "could not be analysed:"
"""How the reason of every article rejected by a fault of its own begins."""

WHOLE_RUN_ERRORS: tuple[type[BaseException], ...] = (ImportError, MemoryError)
"""Raised inside guarded code, these are faults of the installation or the machine, not of
one article: they still stop the run."""


class ArticleTimeout(BaseException):
    """One article ran over its time budget.

    A BaseException, like KeyboardInterrupt, so that the ``except Exception`` of code it
    interrupts (a library's own fallback) cannot swallow it: only the guards catch it.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"over the time budget of {seconds:g} s per article (set {TIMEOUT_ENV} to change it)"
        )
        self.seconds = seconds


ARTICLE_FAULTS: tuple[type[BaseException], ...] = (Exception, ArticleTimeout)
"""What a guard around one article's work catches (after letting WHOLE_RUN_ERRORS through)."""


@dataclass(frozen=True)
class Unanalysed:
    """An article whose extraction raised or ran over its budget: rejected, the run goes on."""

    article_id: str
    content_hash: str
    path_or_url: str
    reason: str


def article_timeout() -> float | None:
    """Seconds allowed per article from ``NEWSLEDGER_ARTICLE_TIMEOUT``; None when turned off."""
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_TIMEOUT_S
    if not math.isfinite(value) or value <= 0:
        return None
    return value


def failure_reason(exc: BaseException) -> str:
    """The plain reason listed in ``rejected[]`` for an article that raised ``exc``."""
    if isinstance(exc, ArticleTimeout):
        error = str(exc)
    else:
        detail = " ".join(str(exc).split())[:200]
        error = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return f"{UNANALYSED_PREFIX} {error}; please report it"


def log_failure(where: str, stage: str, exc: BaseException) -> None:
    """The traceback to the log; on stderr too when ``NEWSLEDGER_DEBUG`` is set."""
    log.debug("%s of %s failed", stage, where, exc_info=exc)
    if os.environ.get(DEBUG_ENV):
        print(f"newsledger: {stage} of {where} failed:", file=sys.stderr)
        traceback.print_exception(exc, file=sys.stderr)


# --------------------------------------------------------------------------- deadline

_local = threading.local()


def check_deadline() -> None:
    """Raise :class:`ArticleTimeout` when this thread's article is over its budget.

    Cheap (one clock read); called once per line, sentence or candidate in the long loops.
    """
    end = getattr(_local, "end", None)
    if end is not None and time.monotonic() > end:
        raise ArticleTimeout(_local.seconds)


def _on_alarm(signum: int, frame: object) -> None:
    end = getattr(_local, "end", None)
    if end is not None:
        raise ArticleTimeout(_local.seconds)


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Bound the work inside to ``seconds`` (None: no bound); nested deadlines take the earlier.

    Raises :class:`ArticleTimeout` inside the block when the time is up.
    """
    if seconds is None:
        yield
        return
    prev_end, prev_seconds = getattr(_local, "end", None), getattr(_local, "seconds", None)
    end = time.monotonic() + seconds
    if prev_end is not None and prev_end < end:
        end, seconds = prev_end, prev_seconds
    _local.end, _local.seconds = end, seconds
    alarm = _can_alarm()
    old_handler = None
    if alarm:
        old_handler = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, max(end - time.monotonic(), 1e-3))
    try:
        yield
    finally:
        try:
            if alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
        finally:  # restored even when the alarm fires just as the work ends
            _local.end, _local.seconds = prev_end, prev_seconds
            if alarm:
                signal.signal(signal.SIGALRM, old_handler)
                if prev_end is not None:  # the outer deadline's timer, re-armed
                    signal.setitimer(signal.ITIMER_REAL, max(prev_end - time.monotonic(), 1e-3))
