"""A readable source label for every article, the same in claims, reports and CSV.

Articles read from plain files carry no outlet. Rather than leave them blank
(or call them all "unknown", which would merge them), they are named by what
identifies them best: the URL's host, else the headline, else the file name.
"""

from __future__ import annotations

from pathlib import PurePath
from urllib.parse import urlparse

from newsledger.model import Article

MAX_TITLE = 60
BASIS_TEXT = {
    "outlet": "outlet",
    "host": "web host of the article's URL; outlet unknown",
    "headline": "headline of the article; outlet unknown",
    "file": "file name of the article; outlet unknown",
}


def outlet_basis(article: Article) -> str:
    """What the label is: ``outlet``, ``host``, ``headline`` or ``file``."""
    if article.outlet and article.outlet.strip():
        return "outlet"
    if _host(article.path_or_url):
        return "host"
    if article.title and article.title.strip():
        return "headline"
    return "file"


def outlet_label(article: Article) -> str:
    basis = outlet_basis(article)
    if basis == "outlet":
        return (article.outlet or "").strip()
    if basis == "host":
        return _host(article.path_or_url) or ""
    if basis == "headline":
        title = " ".join((article.title or "").split())
        return f"“{title[:MAX_TITLE]}{'…' if len(title) > MAX_TITLE else ''}”"
    return PurePath(article.path_or_url).name or article.path_or_url or article.id


def _host(path_or_url: str) -> str | None:
    parsed = urlparse(path_or_url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return None
    host = parsed.hostname.lower()
    return host[4:] if host.startswith("www.") else host
