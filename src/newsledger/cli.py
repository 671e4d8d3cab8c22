"""The ``newsledger`` command line: ``analyze`` builds or updates a ledger, ``serve`` browses it.

Every failure a user can cause (a wrong path, a bad URL, a busy port, Ctrl-C) ends with one
``error:`` line that says what is wrong and what to do, and an exit status scripts can test:
0 done, 1 nothing could be done, 2 bad usage, 75 the ledger is busy, 130 interrupted.
Set ``NEWSLEDGER_DEBUG=1`` to get the traceback instead.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import socket
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from newsledger import __version__

app = typer.Typer(
    help="Turn many news reports into a cited ledger of events, claims and contradictions.",
    no_args_is_help=True,
    add_completion=False,
    epilog="Exit status: 0 done, 1 nothing could be done, 2 bad usage, 75 the ledger is busy, "
    "130 interrupted. NEWSLEDGER_DEBUG=1 shows tracebacks. See README.md for every option.",
)
out = Console()
err = Console(stderr=True, soft_wrap=True, highlight=False)

STAGES = ("ingest", "extract", "resolve", "group", "reconcile", "report")
STAGE_LABELS = {
    "ingest": "reading",
    "extract": "extracting",
    "resolve": "resolving",
    "group": "grouping",
    "reconcile": "reconciling",
    "report": "writing",
    "shutdown": "stopping workers",
}
EXIT_FAILED, EXIT_USAGE, EXIT_BUSY, EXIT_INTERRUPTED = 1, 2, 75, 130
DB_EXAMPLES = "sqlite:///PATH/ledger.sqlite or postgresql://USER@HOST/DBNAME"
LedgerDb = Annotated[
    str | None,
    typer.Option(
        help=f"Store URL of the ledger: {DB_EXAMPLES} (default: LEDGER_DIR/ledger.sqlite).",
        show_default=False,
    ),
]
"""The --db option of the commands that read a ledger (serve, export)."""


class Engine(StrEnum):
    local = "local"
    dask = "dask"


def _version(value: bool) -> None:
    if value:
        out.print(f"newsledger {__version__}")
        raise typer.Exit()


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """One ``error:`` line on stderr, then exit with ``code``."""
    err.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(code)


def one_line(exc: BaseException) -> str:
    """An exception as one readable line: no SQLAlchemy background links, no line breaks."""
    text = str(exc) or type(exc).__name__
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith("(Background on this error")]
    return " ".join(lines) or type(exc).__name__


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """newsledger: what happened, who claims what, and how many independent sources agree."""


@app.command()
def analyze(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Files, folders (read recursively; hidden files skipped), http(s) URLs or feeds.",
            show_default=False,
        ),
    ],
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Output folder; created if missing, updated if it holds a ledger."
        ),
    ],
    engine: Annotated[
        Engine, typer.Option(help="local: one process; dask: extraction on Dask workers.")
    ] = Engine.local,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Dask workers started on this machine (with --engine dask; default: 2).",
            show_default=False,
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Address of a running Dask scheduler, e.g. tcp://host:8786 (with --engine dask)."
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            help=f"Store URL: {DB_EXAMPLES} (default: OUT/ledger.sqlite).", show_default=False
        ),
    ] = None,
    max_bytes: Annotated[
        int, typer.Option(min=1, help="Largest input file or download accepted, in bytes.")
    ] = 5_000_000,
    allow_private: Annotated[
        bool,
        typer.Option(
            "--allow-private", help="Let URLs reach private, loopback or link-local hosts."
        ),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only errors and rejected inputs.")
    ] = False,
    brief_latest: Annotated[
        int,
        typer.Option(
            min=0,
            help="The brief (report.md, report.html) covers the events this run changed plus "
            "the N newest.",
        ),
    ] = 50,
    brief_all: Annotated[
        bool, typer.Option("--brief-all", help="The brief covers every event of the ledger.")
    ] = False,
    full_export: Annotated[
        bool | None,
        typer.Option(
            "--full-export/--no-full-export",
            help="Write the whole ledger.json and events.csv after this run (default: while "
            "the ledger holds at most 2000 articles; beyond, `newsledger export` writes them).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Ingest PATHS into the ledger in OUT; write report.html, report.md, changes.json, and
    (up to 2000 articles, or with --full-export) ledger.json and events.csv.

    Re-running with more input updates the same ledger; the same input twice changes nothing.
    """
    try:
        _analyze(
            paths,
            out_dir,
            engine.value,
            workers,
            scheduler,
            db,
            max_bytes,
            allow_private,
            quiet,
            None if brief_all else brief_latest,
            full_export,
        )
    except KeyboardInterrupt:
        if os.environ.get("NEWSLEDGER_DEBUG"):
            raise
        err.print()
        fail(
            "interrupted; the articles stored so far are kept, and running the same command "
            "again finishes the job",
            EXIT_INTERRUPTED,
        )


def _analyze(
    paths: list[str],
    out_dir: Path,
    engine: str,
    workers: int | None,
    scheduler: str | None,
    db: str | None,
    max_bytes: int,
    allow_private: bool,
    quiet: bool,
    brief_latest: int | None = 50,
    full_export: bool | None = None,
) -> None:
    _check_inputs(paths)
    if engine == "local" and (workers is not None or scheduler is not None):
        given = "--workers" if scheduler is None else "--scheduler"
        err.print(
            f"[yellow]warning:[/yellow] {given} applies only with --engine dask; "
            "running in one process"
        )
    if db is not None:
        _check_db_url(db)
    sources = _without_out(paths, out_dir, quiet)
    created = _prepare_out(out_dir)
    if db is None:
        _keep_orphan_ledger(out_dir)

    from sqlalchemy.exc import SQLAlchemyError

    from newsledger.ingest import IngestOptions
    from newsledger.model import Rejection
    from newsledger.pipeline import analyze as run_analysis
    from newsledger.store import LedgerBusyError

    rejected = 0

    def report_rejection(rejection: Rejection) -> None:
        nonlocal rejected
        rejected += 1
        err.print(
            f"[yellow]rejected[/yellow] {escape(rejection.path_or_url)}: {escape(rejection.reason)}"
        )

    # analyze() adds out_dir to the walker's exclusions itself
    options = IngestOptions(max_bytes=max_bytes, allow_private=allow_private)
    try:
        with _progress(not quiet and err.is_terminal, log=not quiet) as progress_cb:
            summary = run_analysis(
                sources,
                out_dir,
                db_url=db,
                options=options,
                engine=engine,
                workers=workers or 2,
                scheduler=scheduler,
                progress=progress_cb,
                on_rejection=report_rejection,
                brief_latest=brief_latest,
                full_outputs=full_export,
            )
    except LedgerBusyError as exc:
        _forget_new_folder(out_dir, created)
        fail(one_line(exc), EXIT_BUSY)  # EX_TEMPFAIL: try again when the other run is done
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # one clear message, not a traceback, for the user
        if os.environ.get("NEWSLEDGER_DEBUG"):
            raise
        _forget_new_folder(out_dir, created)
        if isinstance(exc, ModuleNotFoundError):
            fail(
                f"the Python package {exc.name!r} is missing; --engine dask and PostgreSQL need "
                "the scale extra: pip install 'newsledger[scale]'"
            )
        if isinstance(exc, OSError):
            fail(_os_message(exc))
        if isinstance(exc, SQLAlchemyError):
            where = db or str(out_dir / "ledger.sqlite")
            fail(
                f"the ledger database {where} cannot be used "
                f"({one_line(getattr(exc, 'orig', None) or exc)}); if it is "
                "damaged, move it aside and run again with the same inputs to rebuild it"
            )
        fail(one_line(exc))
    if summary.read_articles == 0:
        what = (
            f"{_plural(rejected, 'input')} rejected, listed above"
            if rejected
            else "they hold no article records"
        )
        if created:  # a new folder holding an empty ledger would only mislead the next look
            shutil.rmtree(out_dir, ignore_errors=True)
        fail(f"nothing could be ingested from {', '.join(paths)} ({what})")
    if not quiet:
        _print_summary(summary, rejected)
        hint = _engine_hint(engine, summary.new_articles, os.cpu_count() or 1)
        if hint:
            err.print(hint, highlight=False, soft_wrap=True)


MANY_NEW_ARTICLES = 500
"""From this many new articles, a local run on a multi-core machine names --engine dask:
there the second core repays a local cluster's start (BENCHMARKS.md, issue 15)."""
HINTED_WORKERS_MAX = 8  # about 0.5 GB each (docs/scale.md): more is a choice, not a tip


def _engine_hint(engine: str, new_articles: int, cores: int) -> str | None:
    """A tip after a large one-process run: extraction could have used the other cores."""
    if engine != "local" or cores < 2 or new_articles < MANY_NEW_ARTICLES:
        return None
    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        return None
    return (
        f"tip: this run extracted {new_articles} new articles on one core; a large import "
        f"runs faster with --engine dask --workers {min(cores, HINTED_WORKERS_MAX)} (docs/scale.md)"
    )


def _is_url(source: str) -> bool:
    return "://" in source


def _check_inputs(paths: list[str]) -> None:
    """Stop before touching OUT when no input can hold anything (typo, empty folder)."""
    from newsledger.ingest.sources import walk

    problems = []
    for source in paths:
        if _is_url(source):
            return
        path = Path(source)
        if not path.exists():
            problems.append(f"{source}: no such file or folder")
        elif path.is_dir() and next(walk(path), None) is None:
            problems.append(f"{source}: the folder holds no files (hidden files are skipped)")
        else:
            return
    fail("nothing to read: " + "; ".join(problems))


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _without_out(paths: list[str], out_dir: Path, quiet: bool = False) -> list[str]:
    """The inputs minus OUT: a second run must not read the first run's reports as articles."""
    from newsledger.ingest.sources import walk

    out_real = Path(os.path.realpath(out_dir))
    kept: list[str] = []
    for source in paths:
        if _is_url(source):
            kept.append(source)
            continue
        real = Path(os.path.realpath(source))
        if _inside(real, out_real):
            err.print(f"[yellow]warning:[/yellow] skipping {escape(source)}: it is in --out")
        elif Path(source).is_dir() and _inside(out_real, real):
            if not quiet:
                err.print(
                    f"note: reading {escape(source)} without the output folder "
                    f"{escape(str(out_dir))}"
                )
            # the ingest walker skips OUT itself (IngestOptions.exclude); keep the folder
            # only if it holds something else to read
            if next(walk(Path(source), (out_dir,)), None) is not None:
                kept.append(source)
        else:
            kept.append(source)
    if not kept:
        fail("nothing to read: the inputs hold no files outside the output folder --out")
    return kept


def _check_db_url(db: str) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        backend = make_url(db).get_backend_name()
    except ArgumentError:
        fail(f"--db {db!r} is not a database URL; use {DB_EXAMPLES}", EXIT_USAGE)
    if backend not in ("sqlite", "postgresql", "postgres"):
        fail(f"--db: unsupported database {backend!r}; use {DB_EXAMPLES}", EXIT_USAGE)


def _prepare_out(out_dir: Path) -> bool:
    """Create OUT if needed and check it can be written; True when this run created it."""
    if out_dir.exists() and not out_dir.is_dir():
        fail(f"--out {out_dir} is a file; give a folder (it is created if missing)", EXIT_USAGE)
    created = not out_dir.exists()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot create the output folder {out_dir}: {exc.strerror or exc}")
    if not os.access(out_dir, os.W_OK | os.X_OK):
        _forget_new_folder(out_dir, created)
        fail(f"cannot write into the output folder {out_dir}: permission denied")
    return created


def _keep_orphan_ledger(out_dir: Path) -> None:
    """A ledger.json whose store is gone would be overwritten by this run's inputs alone."""
    ledger, store = out_dir / "ledger.json", out_dir / "ledger.sqlite"
    if not ledger.is_file() or store.exists():
        return
    kept = out_dir / "ledger.previous.json"
    shutil.copyfile(ledger, kept)
    err.print(
        f"[yellow]warning:[/yellow] {escape(str(out_dir))} has a ledger.json but not the "
        "ledger.sqlite it was built from; this run starts a new ledger from its own inputs, "
        f"and the old ledger.json is kept as {escape(str(kept))}"
    )


def _forget_new_folder(out_dir: Path, created: bool) -> None:
    """Leave no empty OUT behind when the run that created it failed before writing."""
    if created:
        with contextlib.suppress(OSError):  # not empty: keep what was written
            out_dir.rmdir()


def _os_message(exc: OSError) -> str:
    where = f" {exc.filename}" if exc.filename else ""
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write{where}: {exc.strerror}; choose another --out or fix its permissions"
    if exc.errno == errno.ENOSPC:
        return f"cannot write{where}: the disk is full"
    return f"{exc.strerror or one_line(exc)}:{where}".rstrip(":")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _print_summary(summary, rejected: int) -> None:  # type: ignore[no-untyped-def]
    view = summary.overview(20)
    counts = view.counts
    known = summary.read_articles - summary.new_articles
    line = (
        f"Read {_plural(summary.read_articles, 'article')}: {summary.new_articles} new, "
        f"{known} already known"
    )
    if rejected:
        line += f"; {_plural(rejected, 'input')} rejected (listed above)"
    out.print(line + ".", highlight=False, soft_wrap=True)
    table = Table(title="the ledger now holds", show_header=True, header_style="bold")
    table.add_column("records")
    table.add_column("count", justify="right")
    table.add_row("articles", str(counts["articles"]))
    table.add_row("independent origins", str(counts["origin_groups"]))
    table.add_row("events", str(counts["events"]))
    table.add_row("entities", str(counts["entities"]))
    table.add_row("claims", str(counts["claims"]))
    table.add_row("conflicts", str(counts["conflicts"]))
    table.add_row("stories (events linked over days)", str(counts["stories"]))
    table.add_row("rejected inputs (all runs)", str(counts["rejected"]))
    out.print(table)
    if view.latest:
        shown = view.latest
        n_events = counts["events"]
        title = "events" if n_events <= 20 else f"latest 20 of {n_events} events"
        events = Table(title=title, show_header=True, header_style="bold")
        events.add_column("date", min_width=10)
        events.add_column("type")
        events.add_column("title")
        events.add_column("claims", justify="right")
        events.add_column("reports", justify="right")
        for event in shown:
            events.add_row(
                (event.date or "undated")[:10],
                _clip(event.sub_event_type or event.event_type or "unclassified", 22),
                _clip(event.title, 40),
                str(len(event.claim_ids)),
                str(len(event.article_ids)),
            )
        out.print(events)
    labels = {"json": "ledger", "html": "report", "markdown": "report", "csv": "events",
              "changes": "changes"}
    for kind, path in summary.outputs.items():
        out.print(f"{labels.get(kind, kind):>7}  {path}", highlight=False, soft_wrap=True)
    if not summary.full_outputs:
        out.print(
            f"   note  ledger.json and events.csv are not rewritten at this size: "
            f"newsledger export {summary.out_dir} --format json --to "
            f"{summary.out_dir / 'ledger.json'} (or analyze --full-export)",
            highlight=False,
            soft_wrap=True,
        )
    out.print(f" browse  newsledger serve {summary.out_dir}", highlight=False, soft_wrap=True)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


class _progress:
    """A Rich progress bar per stage on a terminal, fed by the pipeline's progress callback.

    Without a terminal (a log file, CI) and unless ``log`` is off, the long stage says
    how much it has to do and reports each quarter done, so a long run is never silent.
    """

    def __init__(self, enabled: bool, log: bool = False) -> None:
        self.enabled = enabled
        self.log = log
        self.bar: Progress | None = None
        self.tasks: dict[str, int] = {}
        self.logged: dict[str, int] = {}

    def __enter__(self):  # type: ignore[no-untyped-def]
        if not self.enabled:
            return self.log_line if self.log else lambda stage, done, total: None
        self.bar = Progress(
            TextColumn("{task.description:>11}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        )
        self.bar.start()
        return self.update

    def update(self, stage: str, done: int, total: int | None) -> None:
        assert self.bar is not None
        if stage not in self.tasks:
            for earlier in self.tasks.values():  # a stage that is over stops pulsing and timing
                task = self.bar.tasks[earlier]
                if not task.finished:
                    ended = max(int(task.completed), 1)
                    self.bar.update(earlier, completed=ended, total=ended)
                    self.bar.stop_task(earlier)
            label = STAGE_LABELS.get(stage, stage)
            self.tasks[stage] = self.bar.add_task(label, total=total)
        self.bar.update(self.tasks[stage], completed=done, total=total)

    def log_line(self, stage: str, done: int, total: int | None) -> None:
        if stage != "extract" or not total:
            return
        quarter = 4 * done // total
        if stage not in self.logged:
            self.logged[stage] = 0
            err.print(f"extracting {_plural(total, 'new article')} ...")
        elif quarter > self.logged[stage] and total >= 20:
            self.logged[stage] = quarter
            err.print(f"extracting: {done}/{total}")

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


@app.command()
def watch(
    sources: Annotated[
        list[str],
        typer.Argument(help="Feed or page URLs to poll (files and folders are read again "
                       "each cycle).", show_default=False),
    ],
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Ledger folder; created if missing.")
    ],
    every: Annotated[
        str, typer.Option(help="Interval between cycles: 30s, 15m, 1h.")
    ] = "15m",
    once: Annotated[
        bool, typer.Option("--once", help="Run one cycle and exit (for cron).")
    ] = False,
    engine: Annotated[
        Engine, typer.Option(help="local: one process; dask: extraction and reconciliation "
                             "on Dask workers.")
    ] = Engine.local,
    workers: Annotated[
        int, typer.Option(min=1, help="Dask workers started here (with --engine dask).")
    ] = 2,
    scheduler: Annotated[
        str | None, typer.Option(help="Address of a running Dask scheduler (--engine dask).")
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(help=f"Store URL: {DB_EXAMPLES} (default: OUT/ledger.sqlite).",
                     show_default=False),
    ] = None,
    timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds to wait on one source's connection/read.")
    ] = 20.0,
    backoff_max: Annotated[
        str, typer.Option(help="Longest back-off of a failing source.")
    ] = "6h",
    fetch_items: Annotated[
        bool, typer.Option("--fetch-items", help="Fetch each new feed item's page (not only "
                           "its summary); items already seen are never fetched again.")
    ] = False,
    max_bytes: Annotated[
        int, typer.Option(min=1, help="Largest download accepted, in bytes.")
    ] = 5_000_000,
    allow_private: Annotated[
        bool, typer.Option("--allow-private",
                           help="Let URLs reach any private, loopback or link-local host.")
    ] = False,
    allow_network: Annotated[
        list[str] | None,
        typer.Option("--allow-network", help="A network (CIDR) let through although not "
                     "public, e.g. 127.0.0.0/8 for a feed on this machine; repeatable.",
                     show_default=False),
    ] = None,
) -> None:
    """Poll SOURCES every --every, fold new items into the ledger in OUT, log one line a cycle.

    Conditional GET; items seen before (by URL or by content) are skipped.

    A failing source is retried after a back-off of its own; the others go on.

    Ctrl-C or SIGTERM stops after the current step, nothing lost; --once runs one cycle.
    """
    import ipaddress
    import logging

    from newsledger.ingest import IngestOptions
    from newsledger.watch import WatchConfig, parse_every, stop_on_signals
    from newsledger.watch import watch as run_watch

    try:
        every_s = parse_every(every)
        backoff_max_s = parse_every(backoff_max)
        networks = tuple(str(ipaddress.ip_network(n, strict=False)) for n in allow_network or ())
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)
    if db is not None:
        _check_db_url(db)
    local = [s for s in sources if not _is_url(s)]
    if local:
        _check_inputs(local)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    options = IngestOptions(max_bytes=max_bytes, allow_private=allow_private,
                            allow_networks=networks, timeout_s=timeout,
                            fetch_feed_items=fetch_items)
    config = WatchConfig(tuple(sources), out_dir, db, every_s, options,
                         backoff_max_s=backoff_max_s, engine=engine.value, workers=workers,
                         scheduler=scheduler)

    def on_cycle(report) -> None:  # type: ignore[no-untyped-def]
        print(report.line(), flush=True)  # each failure was logged on stderr as it happened

    import threading

    stop = threading.Event()
    from newsledger.store import LedgerBusyError

    try:
        with stop_on_signals(stop):
            reports = run_watch(config, once=once, stop=stop, on_cycle=on_cycle)
    except KeyboardInterrupt:
        err.print()
        fail("interrupted; what was stored is kept and the next start folds it",
             EXIT_INTERRUPTED)
    except LedgerBusyError as exc:
        fail(one_line(exc), EXIT_BUSY)
    except Exception as exc:  # the database cannot be opened, the folder cannot be written
        if os.environ.get("NEWSLEDGER_DEBUG"):
            raise
        fail(_os_message(exc) if isinstance(exc, OSError) else one_line(exc))
    if stop.is_set():
        err.print("stopped; what was stored is kept and the next start folds it")
    if once and reports:
        last = reports[-1]
        if last.count("failed", "waiting") and not last.count("fetched", "not-modified", "local"):
            raise typer.Exit(EXIT_FAILED)


@app.command()
def serve(
    ledger_dir: Annotated[
        Path, typer.Argument(help="A folder written by `newsledger analyze --out`.")
    ],
    host: Annotated[
        str, typer.Option(help="Interface to bind; 0.0.0.0 exposes it to the network.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="NEWSLEDGER_TOKEN",
            help="Bearer token that enables POST /api/articles; without it the server is "
            "read-only.",
        ),
    ] = None,
    tile_url: Annotated[
        str | None,
        typer.Option(
            help="Map tile URL template, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png "
            "(default: the offline map, no tiles).",
            show_default=False,
        ),
    ] = None,
    db: LedgerDb = None,
) -> None:
    """Serve the web workbench and JSON API over the ledger in LEDGER_DIR (Ctrl-C stops it).

    Pages read the ledger's database directly, so they show each new ``analyze`` at once.
    A folder with only a ledger.json (from a version before the ledger tables) is served
    from a private copy of that file until the next ``analyze`` upgrades the folder.
    """
    from newsledger.web.security import tile_origin

    if ledger_dir.is_file() and ledger_dir.name == "ledger.json":
        ledger_dir = ledger_dir.parent  # the file itself was named: serve its folder
    elif ledger_dir.is_file():
        fail(f"{ledger_dir} is a file; give the folder that holds ledger.json", EXIT_USAGE)
    if db is not None:
        _check_db_url(db)
    counts = _served_counts(ledger_dir, db)
    try:
        tile_origin(tile_url)
    except ValueError as exc:
        fail(f"--tile-url: {exc}", EXIT_USAGE)
    _check_port(host, port)
    from newsledger.web import serve as run_server

    if not quiet_host(host):
        err.print(f"[yellow]warning:[/yellow] serving on {host}, reachable from other machines")
    shown = f"[{host}]" if ":" in host else host
    events, articles, where = counts
    err.print(
        f"Serving {_plural(events, 'event')} from {_plural(articles, 'article')} in "
        f"{escape(where)} at http://{shown}:{port} "
        f"({'writes enabled' if token else 'read-only'}; Ctrl-C to stop)"
    )
    run_server(ledger_dir, host=host, port=port, token=token, tile_url=tile_url, db_url=db)


def _open_ledger_store(ledger_dir: Path, db: str | None):  # type: ignore[no-untyped-def]
    """The ledger's store when it holds ledger tables written by analyze, else None."""
    from newsledger.store import LedgerDatabaseError, LedgerStore
    from newsledger.store import ledger_tables as lt

    if db is None and not (ledger_dir / "ledger.sqlite").is_file():
        return None
    try:
        store = LedgerStore(db or f"sqlite:///{ledger_dir / 'ledger.sqlite'}")
    except (LedgerDatabaseError, RuntimeError) as exc:
        if db is not None:
            fail(one_line(exc))
        return None  # a damaged file beside a ledger.json: the file still serves
    with lt.reading(store) as conn:
        if lt.has_ledger(conn):
            return store
    store.close()
    return None


def _served_counts(ledger_dir: Path, db: str | None) -> tuple[int, int, str]:
    """(events, articles, where) of what serve will show, or one clear error."""
    from sqlalchemy import func, select

    from newsledger.report.ledger_json import read_ledger_json
    from newsledger.store import ledger_tables as lt
    from newsledger.store.sql import articles_table

    again = f"run `newsledger analyze PATH --out {ledger_dir}`"
    store = _open_ledger_store(ledger_dir, db)
    if store is not None:
        with store, lt.reading(store) as conn:
            events = conn.execute(select(func.count()).select_from(lt.ledger_events)).scalar()
            articles = conn.execute(select(func.count()).select_from(articles_table)).scalar()
            return int(events or 0), int(articles or 0), store.describe() if db else str(ledger_dir)
    if db is not None:
        fail(f"the database {db} holds no ledger yet; {again} --db {db} first")
    ledger_file = ledger_dir / "ledger.json"
    if not ledger_dir.exists():
        fail(f"{ledger_dir} does not exist; {again} first")
    if not ledger_file.is_file():
        fail(f"{ledger_dir} has no ledger.json; {again} first")
    try:
        data = read_ledger_json(ledger_file)
    except json.JSONDecodeError as exc:
        fail(
            f"{ledger_file} is not valid JSON ({exc.msg}, line {exc.lineno}), perhaps cut "
            f"short; {again} again to rewrite it"
        )
    except (OSError, ValueError) as exc:
        fail(f"{ledger_file} cannot be used: {one_line(exc)}; {again} again to rewrite it")
    err.print(
        f"[yellow]note:[/yellow] {ledger_dir} has no ledger tables yet (written by an older "
        f"newsledger); serving a copy of its ledger.json, and {again} to upgrade it"
    )
    return len(data.get("events", [])), len(data.get("articles", [])), str(ledger_dir)


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    json = "json"


@app.command()
def export(
    ledger_dir: Annotated[
        Path, typer.Argument(help="A folder written by `newsledger analyze --out`.")
    ],
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            "-f",
            help="json: a newsledger/1 document; jsonl: one {kind, record} line per record; "
            "csv: events in ACLED columns.",
        ),
    ] = ExportFormat.jsonl,
    since: Annotated[
        str | None,
        typer.Option(
            metavar="DATE",
            help="Only events dated on or after DATE (YYYY-MM-DD), with what they reference.",
        ),
    ] = None,
    event: Annotated[
        list[str] | None,
        typer.Option(
            metavar="ID", help="Only this event (repeat for more), with what it references."
        ),
    ] = None,
    to: Annotated[
        Path | None,
        typer.Option(
            "--to", help="Write to this file (replaced when complete) instead of standard output."
        ),
    ] = None,
    db: LedgerDb = None,
) -> None:
    """Stream the ledger in LEDGER_DIR, or a part of it, as JSON, JSON Lines or CSV.

    Reads the database a record at a time: memory stays flat however large the ledger.
    """
    import datetime as dt

    from newsledger.report.stream import export as run_export
    from newsledger.store import ledger_tables as lt

    if since is not None:
        try:
            dt.date.fromisoformat(since)
        except ValueError:
            fail(f"--since {since!r} is not a date; write it as YYYY-MM-DD", EXIT_USAGE)
    if db is not None:
        _check_db_url(db)
    store = _open_ledger_store(ledger_dir, db)
    if store is None:
        fail(
            f"{db or ledger_dir} holds no ledger tables; run `newsledger analyze PATH --out "
            f"{ledger_dir}`{' --db ' + db if db else ''} first (a ledger from an older version "
            "is upgraded by that run)"
        )
    with store, lt.reading(store) as conn:
        if event:
            missing = sorted(set(event) - set(lt.existing_event_ids(conn, event)))
            if missing:
                fail(f"no event with id {', '.join(missing)} in {ledger_dir}")
        if to is None:
            run_export(conn, sys.stdout, fmt.value, since=since, event_ids=event or None)
            sys.stdout.flush()
            return
        tmp = to.with_name(f".{to.name}.tmp")
        try:
            with tmp.open("w", encoding="utf-8", newline="") as handle:
                run_export(conn, handle, fmt.value, since=since, event_ids=event or None)
            tmp.replace(to)
        except OSError as exc:
            fail(_os_message(exc))
        finally:
            tmp.unlink(missing_ok=True)


correct_app = typer.Typer(
    help="Correct the event grouping: merge events, split articles out of one, list the "
    "corrections. Corrections are stored in the ledger and replayed by every later run.",
    no_args_is_help=True,
)
app.add_typer(correct_app, name="correct")

LedgerOut = Annotated[
    Path, typer.Option("--out", "-o", help="The ledger folder (written by `newsledger analyze`).")
]
Note = Annotated[str, typer.Option(help="Why: kept with the correction.")]


def _correction_store(out_dir: Path, db: str | None):  # type: ignore[no-untyped-def]
    """The ledger's store, or one clear error when there is no ledger to correct."""
    if db is not None:
        _check_db_url(db)
    store = _open_ledger_store(out_dir, db)
    if store is None:
        fail(
            f"{db or out_dir} holds no ledger; run `newsledger analyze PATH --out {out_dir}`"
            f"{' --db ' + db if db else ''} first"
        )
    return store


def _run_correction(out_dir: Path, db: str | None, apply) -> None:  # type: ignore[no-untyped-def]
    """Apply a correction with the errors every ``correct`` command shares, then report it."""
    from sqlalchemy.exc import SQLAlchemyError

    from newsledger.pipeline import CorrectionError
    from newsledger.store import LedgerBusyError

    try:
        result = apply()
    except CorrectionError as exc:
        fail(str(exc))
    except LedgerBusyError as exc:
        fail(one_line(exc), EXIT_BUSY)
    except KeyboardInterrupt:
        err.print()
        fail("interrupted; the ledger is as it was before the correction", EXIT_INTERRUPTED)
    except Exception as exc:
        if os.environ.get("NEWSLEDGER_DEBUG"):
            raise
        if isinstance(exc, OSError):
            fail(_os_message(exc))
        if isinstance(exc, SQLAlchemyError):
            fail(f"the ledger database {db or out_dir / 'ledger.sqlite'} cannot be used "
                 f"({one_line(getattr(exc, 'orig', None) or exc)})")
        fail(one_line(exc))
    for c in result.corrections:
        named = (f"{_plural(len(c.parts[0]), 'article')} leaving" if c.kind == "split"
                 else _plural(len(c.articles), "article"))
        out.print(f"correction {c.id}: {c.kind} of {', '.join(c.events) or 'imported events'}"
                  f" ({named})", highlight=False, soft_wrap=True)
    if result.removed_events:
        out.print(f"removed  {', '.join(result.removed_events)} (merged)", highlight=False,
                  soft_wrap=True)
    if result.changed_events:
        out.print(f"reconciled  {', '.join(result.changed_events)}", highlight=False,
                  soft_wrap=True)
    elif not result.outputs:
        out.print("no article is folded in yet: the corrections apply when `newsledger "
                  f"analyze PATH --out {out_dir}` folds their articles in", highlight=False,
                  soft_wrap=True)
    else:
        out.print("nothing moved: the grouping already agrees", highlight=False)
    for path in result.outputs.values():
        out.print(f"  wrote  {path}", highlight=False, soft_wrap=True)


@correct_app.command("merge")
def correct_merge(
    event_ids: Annotated[
        list[str], typer.Argument(metavar="EVENT_ID...", help="Two or more event ids.",
                                  show_default=False)
    ],
    out_dir: LedgerOut,
    note: Note = "",
    db: LedgerDb = None,
) -> None:
    """The events EVENT_ID... are one event (the smallest id is kept).

    The others are folded into it and deleted; it is reconciled again, the outputs rewritten.
    """
    if len(set(event_ids)) < 2:
        fail("a merge needs at least two different event ids", EXIT_USAGE)
    _correction_store(out_dir, db).close()
    from newsledger.pipeline import correct

    _run_correction(out_dir, db, lambda: correct(out_dir, "merge", event_ids, note=note,
                                                  db_url=db))


@correct_app.command("split")
def correct_split(
    event_id: Annotated[str, typer.Argument(help="The event to split.", show_default=False)],
    article: Annotated[
        list[str], typer.Option("--article", "-a", metavar="ARTICLE_ID",
                                help="An article that leaves the event (repeat for more).",
                                show_default=False)
    ],
    out_dir: LedgerOut,
    note: Note = "",
    db: LedgerDb = None,
) -> None:
    """The articles --article leave EVENT_ID and form an event of their own.

    EVENT_ID keeps its id, the new event gets one; both are reconciled again.
    """
    _correction_store(out_dir, db).close()
    from newsledger.pipeline import correct

    _run_correction(out_dir, db, lambda: correct(out_dir, "split", [event_id],
                                                  articles=article, note=note, db_url=db))


@correct_app.command("list")
def correct_list(
    out_dir: LedgerOut,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the corrections as JSON (for `correct import`).")
    ] = False,
    db: LedgerDb = None,
) -> None:
    """The corrections stored in the ledger, oldest first (the order runs replay them in)."""
    from newsledger.store import ledger_tables as lt
    from newsledger.store.corrections import load_corrections, to_json

    store = _correction_store(out_dir, db)
    with store, lt.reading(store) as conn:
        corrections = load_corrections(conn)
    if as_json:
        print(json.dumps([to_json(c) for c in corrections], indent=2, ensure_ascii=False))
        return
    if not corrections:
        out.print(f"no corrections in {out_dir}", highlight=False)
        return
    table = Table(title="corrections", show_header=True, header_style="bold")
    for column in ("id", "kind", "created (UTC)", "events", "articles"):
        table.add_column(column, no_wrap=True)  # ids are copied from here: never folded
    table.add_column("note", overflow="fold")
    for c in corrections:
        # a split names the articles that left; a merge, every article of its events
        named = [m.article_id for m in c.parts[0]] if c.kind == "split" else c.articles
        table.add_row(str(c.id), c.kind, c.created[:16].replace("T", " "), "\n".join(c.events),
                      "\n".join(named),
                      c.note)
    out.print(table)


@correct_app.command("import")
def correct_import(
    source: Annotated[
        Path, typer.Argument(help="A file written by `newsledger correct list --json`.")
    ],
    out_dir: LedgerOut,
    db: LedgerDb = None,
) -> None:
    """Store and apply the corrections of another ledger of the same articles (a rebuild).

    Corrections naming articles not folded in yet apply when a run folds them in.
    """
    try:
        records = json.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"cannot read {source}: {exc.strerror or exc}")
    except json.JSONDecodeError as exc:
        fail(f"{source} is not valid JSON ({exc.msg}, line {exc.lineno})")
    if not isinstance(records, list):
        fail(f"{source} holds no list of corrections; write it with `newsledger correct list "
             "--json`")
    if db is not None:
        _check_db_url(db)
    _prepare_out(out_dir)
    from newsledger.pipeline import import_corrections

    _run_correction(out_dir, db, lambda: import_corrections(out_dir, records, db_url=db))


def _check_port(host: str, port: int) -> None:
    """Refuse a busy port with one line, before the server logs its own error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                fail(f"port {port} on {host} is in use; stop the other server or pick --port")
            fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


def quiet_host(host: str) -> bool:
    return host in ("127.0.0.1", "localhost", "::1")


if __name__ == "__main__":
    sys.exit(app())
