"""The ``newsledger/1`` export: a Ledger as the JSON document DESIGN.md specifies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from newsledger.codec import to_data
from newsledger.model import Ledger

SCHEMA = "newsledger/1"


def ledger_to_data(ledger: Ledger) -> dict[str, Any]:
    """Plain data in schema order; each article carries the id of its origin group."""
    origin_of = {aid: group.id for group in ledger.origin_groups for aid in group.article_ids}
    articles = []
    for article in ledger.articles:
        data = to_data(article)
        data["origin_group"] = origin_of.get(article.id)
        articles.append(data)
    return {
        "schema": SCHEMA,
        "articles": articles,
        "origin_groups": [to_data(g) for g in ledger.origin_groups],
        "events": [to_data(e) for e in ledger.events],
        "entities": [to_data(e) for e in ledger.entities],
        "claims": [to_data(c) for c in ledger.claims],
        "conflicts": [to_data(c) for c in ledger.conflicts],
        "stories": [to_data(s) for s in ledger.stories],
        "rejected": [to_data(r) for r in ledger.rejected],
    }


def write_ledger_json(ledger: Ledger, path: Path) -> None:
    """Write atomically so a reader (the web UI) never sees half a file."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    try:
        tmp.write_text(
            json.dumps(ledger_to_data(ledger), ensure_ascii=False, indent=1) + "\n",
            encoding="utf-8",
        )
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)  # interrupted: no stray half file beside the ledger


def read_ledger_json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("schema") != SCHEMA:
        raise ValueError(f"{path} is not a {SCHEMA} ledger (schema={data.get('schema')!r})")
    return data
