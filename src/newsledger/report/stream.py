"""Outputs streamed from the store: memory follows a slice of events, not the ledger.

``ledger.json`` is written section by section with the bytes ``json.dumps(..., indent=1)``
of today's whole-ledger export would give; ``events.csv`` a slice of events at a time;
the brief (report.md, report.html) covers the events the run changed plus the latest
``brief_latest`` by date, or every event when ``brief_latest`` is None.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, func, select

from newsledger.report.brief import build_brief, plural
from newsledger.report.ledger_json import SCHEMA
from newsledger.report.render import (
    ACLED_COLUMNS,
    event_rows,
    render_html,
    render_markdown,
    write_atomic,
)
from newsledger.store import LedgerStore
from newsledger.store import ledger_tables as lt
from newsledger.store.ledger_tables import StreamedRecord

BRIEF_LATEST = 50
"""Events the brief covers by default beyond those a run changed: the newest by date."""
_SLICE = 200  # events per sub-ledger while streaming events.csv


_HOLE = "\x00newsledger-streamed\x00"


def _split(record: StreamedRecord, **dump: Any) -> tuple[str, str]:
    """The record's JSON before and after its streamed list."""
    text = json.dumps({**record.data, record.key: _HOLE}, ensure_ascii=False, **dump)
    head, tail = text.split(json.dumps(_HOLE), 1)
    return head, tail


def _indented(item: Any, pad: str) -> str:
    """``json.dumps(item, indent=1)`` with each line break followed by ``pad``.

    Flat objects (every value a scalar, like a mention) are laid out here with the C
    encoder: the pure-Python indenting encoder leaves reference cycles per call that
    pile up over millions of small records.
    """
    if isinstance(item, dict) and item and not any(
        isinstance(v, (dict, list, tuple)) for v in item.values()
    ):
        inner = pad + " "
        body = ("," + inner).join(
            json.dumps(k, ensure_ascii=False) + ": " + json.dumps(v, ensure_ascii=False)
            for k, v in item.items()
        )
        return "{" + inner + body + pad + "}"
    return json.dumps(item, ensure_ascii=False, indent=1).replace("\n", pad)


def _write_item(handle: IO[str], item: Any, depth: int) -> None:
    """One item as ``json.dumps(indent=1)`` lays it out ``depth`` levels down."""
    pad = "\n" + " " * depth
    if not isinstance(item, StreamedRecord):
        handle.write(_indented(item, pad))
        return
    head, tail = _split(item, indent=1)
    handle.write(head.replace("\n", pad))
    first = True
    inner = "\n" + " " * (depth + 2)
    for sub in item.items:
        handle.write("[" + inner if first else "," + inner)
        handle.write(_indented(sub, inner))
        first = False
    handle.write("[]" if first else "\n" + " " * (depth + 1) + "]")
    handle.write(tail.replace("\n", pad))


def _write_line(handle: IO[str], item: Any) -> None:
    """One item as ``json.dumps`` writes it on one line."""
    if not isinstance(item, StreamedRecord):
        handle.write(json.dumps(item, ensure_ascii=False))
        return
    head, tail = _split(item)
    handle.write(head + "[")
    for i, sub in enumerate(item.items):
        handle.write((", " if i else "") + json.dumps(sub, ensure_ascii=False))
    handle.write("]" + tail)


def write_json_sections(handle: IO[str], sections: Iterable[tuple[str, Iterator[Any]]]) -> None:
    """``{"schema": ..., key: [items...], ...}`` laid out as ``json.dumps(indent=1)`` would.

    Items are plain data or :class:`StreamedRecord` (a list inside written as it comes).
    """
    handle.write('{\n "schema": ' + json.dumps(SCHEMA))
    for key, items in sections:
        handle.write(",\n " + json.dumps(key) + ": ")
        first = True
        for item in items:
            handle.write("[\n  " if first else ",\n  ")
            _write_item(handle, item, 2)
            first = False
        handle.write("[]" if first else "\n ]")
    handle.write("\n}\n")


def _atomic(path: Path) -> tuple[Path, IO[str]]:
    tmp = path.with_name(f".{path.name}.tmp")
    return tmp, tmp.open("w", encoding="utf-8", newline="")


def write_ledger_json_from_store(conn: Connection, path: Path) -> None:
    """The ``newsledger/1`` export of the stored ledger, replaced atomically."""
    tmp, handle = _atomic(path)
    try:
        with handle:
            write_json_sections(handle, lt.iter_ledger_sections(conn))
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _slices(ids: Sequence[str], size: int = _SLICE) -> Iterator[Sequence[str]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def all_event_ids(conn: Connection, since: str | None = None) -> list[str]:
    """Event ids in export order (ids only: a few bytes per event)."""
    t = lt.ledger_events
    stmt = select(t.c.id).order_by(lt._by_id(conn, t.c.id))
    if since:
        stmt = stmt.where(t.c.date >= since)
    return list(conn.execute(stmt).scalars())


def write_events_csv_from_store(
    conn: Connection, path: Path, event_ids: Sequence[str] | None = None
) -> None:
    """events.csv (ACLED columns), a slice of events and what they reference at a time."""
    tmp, handle = _atomic(path)
    try:
        with handle:
            export(conn, handle, "csv", event_ids=event_ids)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def brief_event_ids(conn: Connection, run: int | None, latest: int) -> list[str]:
    """Events changed in ``run`` plus the ``latest`` newest (by date, then size)."""
    t = lt.ledger_events
    chosen = set(lt.changed_event_ids(conn, run)) if run is not None else set()
    newest = conn.execute(
        select(t.c.id)
        .order_by(t.c.search_key.desc())  # the list order: newest, then most reported
        .limit(latest)
    ).scalars()
    chosen.update(newest)
    return sorted(chosen)


def write_brief_from_store(
    conn: Connection, out_dir: Path, run: int | None, latest: int | None = BRIEF_LATEST
) -> dict[str, Path]:
    """report.md and report.html; the whole ledger's brief when it covers every event."""
    total = conn.execute(select(func.count()).select_from(lt.ledger_events)).scalar_one()
    ids = None if latest is None else brief_event_ids(conn, run, latest)
    if ids is None or len(ids) >= total:
        brief = build_brief(lt.load_ledger(conn))
    else:
        sub = lt.load_sub_ledger(conn, ids, mentions=False)
        sub = replace(sub, rejected=tuple(lt.iter_rejections(conn)))
        brief = build_brief(sub)
        brief.summary = (
            f"This brief covers {plural(len(ids), 'event')} of {total}: those this run "
            f"changed and the {latest} newest (analyze --brief-all for every event). "
            + brief.summary
        )
    paths = {"markdown": out_dir / "report.md", "html": out_dir / "report.html"}
    write_atomic(paths["markdown"], render_markdown(brief))
    write_atomic(paths["html"], render_html(brief))
    return paths


def write_changes_from_store(conn: Connection, path: Path, run: int | None) -> None:
    """changes.json: the events ``run`` wrote (new or reconciled again) as a ``newsledger/1``
    document, with the articles they cite and their origin groups, the entities they
    involve holding their mentions in those articles, their claims and conflicts."""
    ids = lt.changed_event_ids(conn, run) if run is not None else []
    tmp, handle = _atomic(path)
    try:
        with handle:
            write_json_sections(
                handle, lt.iter_ledger_sections(conn, event_ids=ids, cited_mentions=True)
            )
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


FULL_OUTPUTS_MAX_ARTICLES = 2000
"""Up to this many articles, ``analyze`` rewrites ledger.json and events.csv after every run
that changed the ledger (a few seconds); beyond, only when asked (``--full-export``),
since each costs the ledger's size, not the run's (the help of ``analyze`` names it)."""

FULL_OUTPUTS = ("json", "csv")


def output_paths(out_dir: Path, full: bool) -> dict[str, Path]:
    """The files a run writes: the brief and changes.json always, the full ones if ``full``."""
    paths = {"markdown": out_dir / "report.md", "html": out_dir / "report.html",
             "changes": out_dir / "changes.json"}
    if full:
        paths.update({"json": out_dir / "ledger.json", "csv": out_dir / "events.csv"})
    return paths


def write_store_outputs(
    store: LedgerStore,
    out_dir: Path,
    run: int | None,
    *,
    brief_latest: int | None = BRIEF_LATEST,
    full: bool = True,
) -> dict[str, Path]:
    """The output files of a run, read from the store in one consistent snapshot: the brief
    and changes.json, and with ``full`` the whole ledger.json and events.csv."""
    paths = output_paths(out_dir, full)
    with lt.reading(store) as conn:
        if full:
            write_ledger_json_from_store(conn, paths["json"])
        write_brief_from_store(conn, out_dir, run, brief_latest)
        write_changes_from_store(conn, paths["changes"], run)
        if full:
            write_events_csv_from_store(conn, paths["csv"])
    return paths


EXPORT_FORMATS = ("jsonl", "csv", "json")
_KIND = {
    "articles": "article",
    "origin_groups": "origin_group",
    "events": "event",
    "entities": "entity",
    "claims": "claim",
    "conflicts": "conflict",
    "stories": "story",
    "rejected": "rejected",
}


def export(
    conn: Connection,
    handle: IO[str],
    fmt: str,
    *,
    since: str | None = None,
    event_ids: Sequence[str] | None = None,
) -> None:
    """Stream the ledger, or the part of it ``since``/``event_ids`` select, to ``handle``.

    json: a ``newsledger/1`` document (the whole one equals ledger.json); jsonl: one
    ``{"kind": ..., "record": ...}`` line per record, in the same order; csv: the
    selected events in events.csv's ACLED columns.
    """
    if fmt == "json":
        write_json_sections(handle, lt.iter_ledger_sections(conn, since=since, event_ids=event_ids))
    elif fmt == "jsonl":
        for key, items in lt.iter_ledger_sections(conn, since=since, event_ids=event_ids):
            prefix = '{"kind": ' + json.dumps(_KIND[key]) + ', "record": '
            for item in items:
                handle.write(prefix)
                _write_line(handle, item)
                handle.write("}\n")
    elif fmt == "csv":
        ids = all_event_ids(conn, since)
        if event_ids is not None:
            wanted = set(event_ids)
            ids = [i for i in ids if i in wanted]
        writer = csv.DictWriter(handle, fieldnames=ACLED_COLUMNS)
        writer.writeheader()
        for chunk in _slices(ids):
            sub = lt.load_sub_ledger(conn, chunk, mentions=False)
            writer.writerows(event_rows(sub, build_brief(sub)))
    else:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")
