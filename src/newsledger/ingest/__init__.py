"""Ingest stage: files, folders, JSONL, HTML, feeds and URLs in; Articles or Rejections out.

Every input becomes a cleaned :class:`~newsledger.model.Article` or a
:class:`~newsledger.model.Rejection` with a human reason; one bad input never stops
the others. Archives (JSONL, JSONL.gz, WARC) stream, so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from newsledger.ingest.article import RawDoc, build_article
from newsledger.ingest.dates import parse_date_value
from newsledger.ingest.decode import normalise_text
from newsledger.ingest.options import IngestError, IngestOptions
from newsledger.ingest.sources import MISSING_SOURCE, read_source
from newsledger.model import Article, Rejection

__all__ = [
    "IngestError",
    "IngestOptions",
    "article_from_text",
    "is_missing_source",
    "read_inputs",
]


def read_inputs(sources: Sequence[str], options: IngestOptions) -> Iterator[Article | Rejection]:
    """Every input as an Article or a Rejection; never raises for one bad input."""
    for source in sources:
        yield from read_source(source, options)


def is_missing_source(rejection: Rejection) -> bool:
    """A named source that does not exist: a fault of the command (a typo), not of the corpus,
    so it is reported for the run but never kept in the ledger's ``rejected[]``."""
    return rejection.reason == MISSING_SOURCE


def article_from_text(
    text: str,
    path_or_url: str,
    *,
    title: str | None = None,
    published: str | None = None,
    outlet: str | None = None,
) -> Article | Rejection:
    """One article given as text (an API upload, a test): cleaned and identified like a file."""
    if len(text) > IngestOptions().max_bytes:
        return Rejection(path_or_url, "text over the size limit")
    day = parse_date_value(published) if published else None
    return build_article(
        RawDoc(
            path_or_url,
            normalise_text(text),
            title=title,
            outlet=outlet,
            published=day,
            published_basis="given" if day else None,
        )
    )
