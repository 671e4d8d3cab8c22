"""The ``newsledger`` command line: ``analyze`` builds or updates a ledger, ``serve`` browses it."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

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
)
out = Console()
err = Console(stderr=True, soft_wrap=True, highlight=False)

STAGES = ("ingest", "extract", "resolve", "group", "reconcile", "report")


def _version(value: bool) -> None:
    if value:
        out.print(f"newsledger {__version__}")
        raise typer.Exit()


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
        list[str], typer.Argument(help="Files, folders (recursively), URLs or feeds.")
    ],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder for the ledger.")],
    engine: Annotated[
        str, typer.Option(help="local (one process) or dask (distributed extraction).")
    ] = "local",
    workers: Annotated[int, typer.Option(min=1, help="Dask workers (with --engine dask).")] = 2,
    scheduler: Annotated[
        str | None, typer.Option(help="Address of an existing Dask scheduler.")
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(help="SQLAlchemy URL of the store (default: OUT/ledger.sqlite)."),
    ] = None,
    max_bytes: Annotated[
        int, typer.Option(min=1, help="Largest input accepted, in bytes.")
    ] = 5_000_000,
    allow_private: Annotated[
        bool, typer.Option(help="Allow fetching URLs on private, loopback or link-local hosts.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
) -> None:
    """Ingest PATHS into the ledger in OUT; write ledger.json, report.html, report.md, events.csv.

    Re-running with more input updates the same ledger; the same input twice changes nothing.
    """
    from newsledger.ingest import IngestOptions
    from newsledger.model import Rejection
    from newsledger.pipeline import analyze as run_analysis
    from newsledger.store import LedgerBusyError

    if engine not in ("local", "dask"):
        err.print(f"[red]error:[/red] --engine must be 'local' or 'dask', not {engine!r}")
        raise typer.Exit(2)

    def report_rejection(rejection: Rejection) -> None:
        err.print(
            f"[yellow]rejected[/yellow] {escape(rejection.path_or_url)}: {escape(rejection.reason)}"
        )

    options = IngestOptions(max_bytes=max_bytes, allow_private=allow_private)
    show_progress = not quiet and err.is_terminal
    with _progress(show_progress) as progress_cb:
        try:
            summary = run_analysis(
                paths,
                out_dir,
                db_url=db,
                options=options,
                engine=engine,
                workers=workers,
                scheduler=scheduler,
                progress=progress_cb,
                on_rejection=report_rejection,
            )
        except LedgerBusyError as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}")
            raise typer.Exit(75) from exc  # EX_TEMPFAIL: try again when the other run is done
        except Exception as exc:  # one clear message, not a traceback, for the user
            if os.environ.get("NEWSLEDGER_DEBUG"):
                raise
            err.print(f"[red]error:[/red] {escape(str(exc))}")
            raise typer.Exit(1) from exc
    if summary.read_articles == 0:
        err.print(
            f"[red]error:[/red] nothing could be ingested from {escape(', '.join(paths))} "
            f"({summary.new_rejections} input(s) rejected, see above)"
        )
        raise typer.Exit(1)
    if not quiet:
        _print_summary(summary)


def _print_summary(summary) -> None:  # type: ignore[no-untyped-def]
    ledger = summary.ledger
    table = Table(title="newsledger", show_header=True, header_style="bold")
    table.add_column("records")
    table.add_column("count", justify="right")
    table.add_row("articles (new this run)", f"{len(ledger.articles)} ({summary.new_articles})")
    table.add_row("origin groups", str(len(ledger.origin_groups)))
    table.add_row("events", str(len(ledger.events)))
    table.add_row("entities", str(len(ledger.entities)))
    table.add_row("claims", str(len(ledger.claims)))
    table.add_row("conflicts", str(len(ledger.conflicts)))
    table.add_row("rejected inputs", str(len(ledger.rejected)))
    out.print(table)
    if ledger.events:
        events = Table(title="events", show_header=True, header_style="bold")
        events.add_column("date", min_width=10)
        events.add_column("type")
        events.add_column("title")
        events.add_column("claims", justify="right")
        events.add_column("reports", justify="right")
        for event in sorted(ledger.events, key=lambda e: (e.date or "", e.id))[:20]:
            events.add_row(
                (event.date or "?")[:10],
                _clip(event.sub_event_type or event.event_type or "?", 22),
                _clip(event.title, 40),
                str(len(event.claim_ids)),
                str(len(event.article_ids)),
            )
        out.print(events)
    for kind, path in summary.outputs.items():
        out.print(f"{kind:>5}: {path}", highlight=False)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


class _progress:
    """A Rich progress bar per stage, fed by the pipeline's progress callback."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Progress | None = None
        self.tasks: dict[str, int] = {}

    def __enter__(self):  # type: ignore[no-untyped-def]
        if not self.enabled:
            return lambda stage, done, total: None
        self.bar = Progress(
            TextColumn("{task.description:>9}"),
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
            self.tasks[stage] = self.bar.add_task(stage, total=total)
        self.bar.update(self.tasks[stage], completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


@app.command()
def serve(
    ledger_dir: Annotated[Path, typer.Argument(help="A folder written by `newsledger analyze`.")],
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    token: Annotated[
        str | None,
        typer.Option(envvar="NEWSLEDGER_TOKEN", help="Bearer token for POST /api/articles."),
    ] = None,
    tile_url: Annotated[
        str | None, typer.Option(help="Optional map tile URL template for online use.")
    ] = None,
) -> None:
    """Serve the web workbench and JSON API over the ledger in LEDGER_DIR."""
    if not (ledger_dir / "ledger.json").is_file():
        err.print(
            f"[red]error:[/red] {ledger_dir} has no ledger.json; "
            f"run `newsledger analyze PATH --out {ledger_dir}` first"
        )
        raise typer.Exit(1)
    from newsledger.web import serve as run_server

    if not quiet_host(host):
        err.print(f"[yellow]warning:[/yellow] serving on {host}, reachable from other machines")
    run_server(ledger_dir, host=host, port=port, token=token, tile_url=tile_url)


def quiet_host(host: str) -> bool:
    return host in ("127.0.0.1", "localhost", "::1")


if __name__ == "__main__":
    sys.exit(app())
