"""From a read document to a cleaned, dated, identified Article (or a Rejection)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from newsledger.ingest.clean import clean_text
from newsledger.ingest.language import detect_language
from newsledger.model import Article, Rejection, Removal


@dataclass(frozen=True)
class RawDoc:
    """What a reader found: text before cleaning plus whatever metadata the format carries."""

    path_or_url: str
    text: str
    title: str | None = None
    byline: str | None = None
    outlet: str | None = None
    published: str | None = None
    published_basis: str | None = None
    pre_removed: tuple[Removal, ...] = ()
    find_title: bool = True


MAX_CHARS = 1_000_000
"""Longest cleaned text analysed: spaCy's default ``max_length``; no news article comes near it."""


def build_article(doc: RawDoc) -> Article | Rejection:
    cleaned = clean_text(
        doc.text, title=doc.title, pre_removed=doc.pre_removed, find_title=doc.find_title
    )
    if not cleaned.text.strip():
        return Rejection(doc.path_or_url, "no article text left after removing boilerplate")
    if len(cleaned.text) > MAX_CHARS:
        return Rejection(
            doc.path_or_url,
            f"text too long to analyse ({len(cleaned.text):,} characters; limit {MAX_CHARS:,})",
        )
    published, basis = doc.published, doc.published_basis
    if published is None and cleaned.dateline:
        published, basis = cleaned.dateline, "dateline"
    digest = hashlib.sha256(cleaned.text.encode("utf-8")).hexdigest()
    return Article(
        id=f"a-{digest[:12]}",
        content_hash=digest,
        path_or_url=doc.path_or_url,
        text=cleaned.text,
        title=_short(cleaned.title),
        byline=_short(doc.byline or cleaned.byline),
        outlet=doc.outlet or outlet_from_url(doc.path_or_url),
        language=detect_language(cleaned.text),
        published=published,
        published_inferred=False,
        published_basis=basis if published else None,
        removed=cleaned.removed,
    )


def outlet_from_url(url: str) -> str | None:
    """Host name without "www."; for web-archive copies, the archived page's host."""
    if not url.startswith(("http://", "https://")):
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    archived = parts.path.split("/", 3)
    if host.endswith("web.archive.org") and len(archived) == 4 and "://" in archived[3]:
        return outlet_from_url(archived[3])
    return host.removeprefix("www.") or None


def _short(value: str | None, limit: int = 300) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value[:limit] or None
