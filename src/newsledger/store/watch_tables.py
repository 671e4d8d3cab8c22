"""Tables of ``newsledger watch``: what each polled source answered, and every item seen.

They live on the store's metadata, so a ledger of any version gains them on open and a
watch on PostgreSQL keeps its state beside the ledger it feeds (a second machine that
serves the ledger reads the status from the same place).

- ``watch_sources``: one row per polled URL: the validators of its last good answer
  (ETag, Last-Modified) for the next conditional GET, its consecutive failures, the
  time before which it is not polled again (back-off) and the last error.
- ``watch_items``: every item URL taken from a source, with its content hash, so an
  item seen once is never fetched or stored again.
- ``watch_meta``: the status of the last cycle (JSON), read by ``serve``.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Column, Connection, Float, Integer, String, Table, Text, select

from newsledger.store.sql import metadata

watch_sources = Table(
    "watch_sources",
    metadata,
    Column("key", String(64), primary_key=True),  # sha256 of the URL (URLs may be long)
    Column("url", Text, nullable=False),
    Column("etag", Text, nullable=True),
    Column("last_modified", Text, nullable=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("next_try", Float, nullable=True),  # epoch seconds
    Column("last_error", Text, nullable=True),
    Column("last_ok", Float, nullable=True),
)
watch_items = Table(
    "watch_items",
    metadata,
    Column("key", String(64), primary_key=True),  # sha256 of the item URL
    Column("url", Text, nullable=False),
    Column("content_hash", String(128), nullable=True, index=True),
    Column("source_key", String(64), nullable=False),
    Column("seen", Float, nullable=False),
)
watch_meta = Table(
    "watch_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)


def read_status(conn: Connection) -> dict[str, Any] | None:
    """The last watch cycle's status, or None when no watch ever ran on this ledger."""
    value = conn.execute(select(watch_meta.c.value).where(watch_meta.c.key == "status")
                         ).scalar_one_or_none()
    return json.loads(value) if value else None
