"""RSS and Atom feeds via feedparser: each item is an input of its own."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import feedparser

from newsledger.ingest.article import RawDoc, outlet_from_url
from newsledger.ingest.dates import parse_date_value
from newsledger.ingest.decode import normalise_text
from newsledger.ingest.readers import html_fragment_to_text
from newsledger.model import Rejection

# feedparser flags these although the feed was read completely.
_BENIGN = ("CharacterEncodingOverride", "NonXMLContentType")

PageReader = Callable[[str], RawDoc | None]


def looks_like_feed(head: str) -> bool:
    lowered = head[:2000].lower()
    return any(tag in lowered for tag in ("<rss", "<feed", "<rdf:rdf")) and "<html" not in lowered


def read_feed(
    data: bytes, where: str, page_reader: PageReader | None = None
) -> Iterator[RawDoc | Rejection]:
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    entries = parsed.get("entries") or []
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if problem is not None and type(problem).__name__ in _BENIGN:
        problem = None
    if not entries and (problem is not None or not parsed.get("version")):
        reason = f"not a readable feed ({_describe(problem)})" if problem else "not a feed"
        yield Rejection(where, reason)
        return
    feed_title = _text(parsed.get("feed", {}).get("title"))
    for number, entry in enumerate(entries, 1):
        yield _entry_doc(entry, where, number, feed_title, page_reader)
    if not entries:
        yield Rejection(where, "feed has no items")
    if problem is not None:
        yield Rejection(
            where,
            f"feed is malformed or truncated after {len(entries)} item(s): {_describe(problem)}",
        )


def _entry_doc(
    entry: dict, where: str, number: int, feed_title: str | None, page_reader: PageReader | None
) -> RawDoc | Rejection:
    link = _text(entry.get("link"))
    name = link if link and link.startswith(("http://", "https://")) else f"{where}#item-{number}"
    title = _text(entry.get("title"))
    published = None
    for key in ("published", "updated", "created"):
        published = parse_date_value(entry.get(key))
        if published:
            break
    if page_reader is not None and link and name == link:
        page = page_reader(link)
        if page is not None:
            return RawDoc(
                page.path_or_url,
                page.text,
                title=page.title or title,
                byline=page.byline,
                outlet=page.outlet or feed_title,
                published=page.published or published,
                published_basis=page.published_basis or ("feed metadata" if published else None),
            )
    body = ""
    contents = entry.get("content") or []
    if contents and isinstance(contents[0], dict):
        body = contents[0].get("value") or ""
    body = body or entry.get("summary") or entry.get("description") or ""
    if not body.strip():
        return Rejection(name, f"feed item {number} has no text")
    return RawDoc(
        name,
        normalise_text(html_fragment_to_text(body)),
        title=title,
        byline=_text(entry.get("author")),
        outlet=feed_title or outlet_from_url(link or ""),
        published=published,
        published_basis="feed metadata" if published else None,
    )


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    return None


def _describe(problem: BaseException) -> str:
    message = str(problem).strip()
    return f"{type(problem).__name__}: {message}"[:300] if message else type(problem).__name__
