"""Analyst corrections of the event grouping: merges and splits, kept as the analyst's input.

A correction names *articles* (with the sentences each gave the event when it was made),
not only event ids: event ids hash the sentence that founded an event, so a rebuilt or
re-grouped ledger may give the same happening another id, while the articles stay. The
table sits on the store's metadata, so a ledger of any version gains it on open; it is
not a derived table (``inc_*``, ``ledger_*``): rebuilding or upgrading the ledger never
clears it, and the fold replays it (:mod:`newsledger.group.corrections`).

- ``ledger_corrections``: one row per correction: ``kind`` (``merge`` | ``split``), the
  article ids it names (JSON list, for reading), its record (JSON: the parts, the event
  ids named when it was made), the analyst's note and when it was made (UTC, ISO 8601).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Connection, Integer, String, Table, Text, insert, select

from newsledger.store.sql import metadata

MERGE, SPLIT = "merge", "split"
KINDS = (MERGE, SPLIT)

corrections_table = Table(
    "corrections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("articles", Text, nullable=False),  # JSON list of article ids
    Column("record", Text, nullable=False),  # JSON: parts, events
    Column("note", Text, nullable=False, default=""),
    Column("created", String(40), nullable=False),
)


@dataclass(frozen=True)
class Member:
    """An article's part of an event: the sentences it gave the event (empty: all)."""

    article_id: str
    sentences: tuple[int, ...] = ()


@dataclass(frozen=True)
class Correction:
    """An analyst's correction of the grouping.

    ``parts``: for a merge, one part per event named (the events holding these parts are
    one event); for a split, two parts: the members that leave the event and form an
    event of their own, then the members that stay. ``events``: the ids named when it
    was made (for the record; replaying uses the articles).
    """

    id: int
    kind: str
    parts: tuple[tuple[Member, ...], ...]
    events: tuple[str, ...] = ()
    note: str = ""
    created: str = ""

    @property
    def articles(self) -> tuple[str, ...]:
        return tuple(sorted({m.article_id for part in self.parts for m in part}))

    @property
    def tag(self) -> str:
        """What the basis of a corrected article cites: ``merge:<id>``, ``split:<id>``."""
        return f"{self.kind}:{self.id}"

    @property
    def moving(self) -> tuple[Member, ...]:
        """The members whose place this correction decides (a split's staying members
        only say where the leaving ones must not be)."""
        if self.kind == SPLIT:
            return self.parts[0]
        return tuple(m for part in self.parts for m in part)


def _record(parts: Sequence[Sequence[Member]], events: Sequence[str]) -> str:
    return json.dumps({
        "parts": [[{"article_id": m.article_id, "sentences": list(m.sentences)} for m in part]
                  for part in parts],
        "events": list(events),
    }, sort_keys=True, ensure_ascii=False)


def _from_row(row: Any) -> Correction:
    data = json.loads(row.record)
    parts = tuple(tuple(Member(m["article_id"], tuple(m.get("sentences", ()))) for m in part)
                  for part in data["parts"])
    return Correction(int(row.id), row.kind, parts, tuple(data.get("events", ())),
                      row.note or "", row.created)


def add_correction(conn: Connection, kind: str, parts: Sequence[Sequence[Member]],
                   events: Sequence[str] = (), note: str = "",
                   created: str | None = None) -> Correction:
    """Store a correction (inside the caller's transaction); returns it with its id."""
    if kind not in KINDS:
        raise ValueError(f"unknown correction kind {kind!r}: use {' or '.join(KINDS)}")
    if kind == SPLIT and (len(parts) != 2 or not parts[0]):
        raise ValueError("a split names the members that leave and those that stay")
    if kind == MERGE and len(parts) < 2:
        raise ValueError("a merge names at least two events")
    articles = sorted({m.article_id for part in parts for m in part})
    when = created or datetime.now(UTC).isoformat(timespec="seconds")
    result = conn.execute(insert(corrections_table).values(
        kind=kind, articles=json.dumps(articles), record=_record(parts, events), note=note,
        created=when).returning(corrections_table.c.id))
    cid = int(result.scalar_one())
    return Correction(cid, kind, tuple(tuple(p) for p in parts), tuple(events), note, when)


def load_corrections(conn: Connection) -> list[Correction]:
    """Every stored correction, oldest first (the order they are replayed in)."""
    t = corrections_table.c
    return [_from_row(r) for r in conn.execute(
        select(t.id, t.kind, t.record, t.note, t.created).order_by(t.id))]


def to_json(correction: Correction) -> dict[str, Any]:
    """A correction as plain data (``correct list --json``, ``correct import``)."""
    return {"id": correction.id, "kind": correction.kind, "articles": list(correction.articles),
            **json.loads(_record(correction.parts, correction.events)),
            "note": correction.note, "created": correction.created}


def from_json(data: dict[str, Any]) -> tuple[str, list[list[Member]], list[str], str, str | None]:
    """(kind, parts, events, note, created) of a correction written by :func:`to_json`."""
    parts = [[Member(str(m["article_id"]), tuple(int(s) for s in m.get("sentences", ())))
              for m in part] for part in data["parts"]]
    return (str(data["kind"]), parts, [str(e) for e in data.get("events", ())],
            str(data.get("note") or ""), data.get("created"))


__all__ = ["KINDS", "MERGE", "SPLIT", "Correction", "Member", "add_correction",
           "corrections_table", "from_json", "load_corrections", "to_json"]
