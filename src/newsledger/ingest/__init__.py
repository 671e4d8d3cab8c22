"""Ingest stage: files, folders, JSONL, HTML, feeds and URLs in; cleaned Articles or Rejections out."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from newsledger.model import Article, Rejection


@dataclass(frozen=True)
class IngestOptions:
    max_bytes: int = 5_000_000
    allow_private: bool = False
    timeout_s: float = 20.0


def read_inputs(sources: Sequence[str], options: IngestOptions) -> Iterator[Article | Rejection]:
    """Every input as an Article or a Rejection; never raises for one bad input."""
    for source in sources:
        path = Path(source)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            try:
                text = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                yield Rejection(str(file), f"cannot read: {exc}")
                continue
            digest = hashlib.sha256(text.encode()).hexdigest()
            yield Article(id=f"a-{digest[:12]}", content_hash=digest, path_or_url=str(file), text=text)
