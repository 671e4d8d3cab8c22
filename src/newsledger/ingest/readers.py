"""Single documents: plain text (with an optional header line) and HTML; IngestError on failure."""

from __future__ import annotations

import re

import trafilatura

from newsledger.ingest.article import RawDoc
from newsledger.ingest.dates import parse_date_value
from newsledger.ingest.decode import normalise_text
from newsledger.ingest.options import IngestError
from newsledger.model import Removal

# The header some collections put on line one: " date 2024-03-12 Title of the article".
_HEADER = re.compile(r"^ ?date (\d{4}-\d{2}-\d{2})[ \t]+(\S.*)$")


def read_plain(text: str, where: str) -> RawDoc:
    first, _, _ = text.partition("\n")
    header = _HEADER.match(first)
    if not header:
        return RawDoc(where, text)
    published = parse_date_value(header.group(1))
    return RawDoc(
        where,
        text,
        title=header.group(2).strip(),
        published=published,
        published_basis="header" if published else None,
        pre_removed=(Removal(0, len(first), first, "metadata header"),),
    )


_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "date",
    "dc.date.issued",
    "dc.date",
    "sailthru.date",
)
_META = re.compile(r"<meta\b[^>]{0,2000}>", re.IGNORECASE)
_ATTR = re.compile(r"""(\w[\w:.-]*)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")
_HTML_HINT = re.compile(r"<(?:p|div|br|span|a|b|i|em|strong|li|h[1-6])\b[^>]*>", re.IGNORECASE)


def read_html(html: str, where: str, url: str | None = None) -> RawDoc:
    """Article text and metadata via trafilatura; metadata dates only, never guessed from text."""
    try:
        found = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except (RecursionError, ValueError, TypeError, AttributeError, LookupError) as exc:
        raise IngestError(f"HTML could not be parsed: {type(exc).__name__}") from None
    data = found.as_dict() if found is not None and hasattr(found, "as_dict") else found
    if not data or not (data.get("text") or "").strip():
        raise IngestError("no article text found in the HTML")
    published = _meta_datetime(html, data.get("date"))
    return RawDoc(
        where,
        normalise_text(data["text"]),
        title=_clean_meta(data.get("title")),
        byline=_clean_meta(data.get("author")),
        outlet=_clean_meta(data.get("sitename")) or _clean_meta(data.get("hostname")),
        published=published,
        published_basis="html metadata" if published else None,
    )


def html_fragment_to_text(fragment: str) -> str:
    """Text of a small HTML fragment (a feed summary, a JSON body with markup)."""
    if not _HTML_HINT.search(fragment):
        return fragment
    try:
        text = trafilatura.extract(
            f"<html><body><article>{fragment}</article></body></html>",
            include_comments=False,
            favor_recall=True,
        )
    except (RecursionError, ValueError, TypeError, AttributeError, LookupError):
        text = None
    if text:
        return text
    return re.sub(r"<[^>]{0,2000}>", " ", fragment)


def _meta_datetime(html: str, day: str | None) -> str | None:
    """trafilatura gives a day; a publication-time meta tag of the same day adds the time."""
    day_iso = parse_date_value(day) if day else None
    for tag in _META.finditer(html[:300_000]):
        attrs = {k.lower(): v.strip("\"'") for k, v in _ATTR.findall(tag.group(0))}
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        if key in _PUBLISHED_META and attrs.get("content"):
            value = parse_date_value(attrs["content"])
            if value and (day_iso is None or value[:10] == day_iso[:10]):
                return value
    return day_iso


def _clean_meta(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None
