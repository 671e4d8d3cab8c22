"""A loopback HTTP server of RSS feeds with faults on demand, for the watch test and soak.

Each path serves either a feed (RSS 2.0 with an ETag and Last-Modified, answering 304
to a matching conditional GET) or a fault: an HTTP 500, an answer slower than the
client's time-out, a truncated (malformed) feed, or a redirect to a refused address.
Every request is counted per path, with whether it was conditional, so a test can
assert what the client fetched. Items are synthetic short reports (no corpus text).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

_PLACES = ("Ashford", "Bramley", "Caldwell", "Dunmore", "Elmstead", "Fairhaven", "Glenrock",
           "Hollins", "Ivybridge", "Juniper Falls", "Kestrel Bay", "Linwood")
_WHAT = ("a fire at a warehouse", "a collision between two lorries", "flooding after a storm",
         "a gas explosion in an apartment block", "a bridge collapse", "a landslide")


@dataclass(frozen=True)
class Item:
    link: str
    title: str
    text: str
    published: str  # RFC 822


def synthetic_item(n: int, base_url: str = "http://news.invalid") -> Item:
    """A short, distinct report: the n-th of an endless series (deterministic)."""
    place = _PLACES[n % len(_PLACES)]
    what = _WHAT[(n // len(_PLACES)) % len(_WHAT)]
    killed, injured = n % 7, (n * 3) % 11 + 1
    day = 1 + n % 27
    text = (
        f"{place}, March {day} - Emergency services in {place} said on Monday that {killed} "
        f"people were killed and {injured} injured in {what} on the edge of the town. "
        f"The regional fire chief told reporters that crews worked through the night, "
        f"and that report number {n} was confirmed by the district hospital. "
        f"Police said an investigation into the cause had begun."
    )
    stamp = formatdate(1_700_000_000 + n * 3600, usegmt=True)
    return Item(f"{base_url}/story/{n}", f"{what.capitalize()} in {place} ({n})", text, stamp)


def feed_xml(title: str, items: list[Item]) -> bytes:
    parts = [f"<item><title>{escape(i.title)}</title>"
             + (f"<link>{escape(i.link)}</link>" if i.link else "")
             + f"<pubDate>{i.published}</pubDate><description>{escape(i.text)}</description>"
             "</item>" for i in items]
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{escape(title)}</title><link>http://news.invalid/</link>"
            f"<description>test feed</description>{''.join(parts)}</channel></rss>"
            ).encode()


@dataclass
class Route:
    """What one path answers: ``feed``, ``page`` (its one item as HTML) or a fault (500,
    slow, malformed, redirect)."""

    kind: str = "feed"
    items: tuple[Item, ...] = ()
    delay_s: float = 0.0
    location: str = ""


class FeedServer:
    """``with FeedServer() as server:``; ``server.url("/a.xml")``; ``server.set(...)``."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: Counter[str] = Counter()
        self.conditional: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.served: list[tuple[str, bytes]] = []  # (path, body) of every whole feed sent
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return None

            def do_GET(self) -> None:
                server._answer(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def set(self, path: str, route: Route) -> None:
        with self._lock:
            self.routes[path] = route

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        with self._lock:
            route = self.routes.get(path)
            self.requests[path] += 1
            if handler.headers.get("If-None-Match"):
                self.conditional[path] += 1
        if route is None:
            handler.send_error(404)
            return
        if route.kind == "500":
            handler.send_error(500, "injected failure")
            return
        if route.kind == "redirect":
            handler.send_response(302)
            handler.send_header("Location", route.location)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        if route.kind == "page":  # an item's own page
            item = route.items[0]
            page = (f"<!doctype html><html><head><title>{escape(item.title)}</title></head>"
                    f"<body><article><h1>{escape(item.title)}</h1><p>{escape(item.text)}</p>"
                    "</article></body></html>").encode()
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.send_header("Content-Length", str(len(page)))
            handler.end_headers()
            handler.wfile.write(page)
            return
        body = feed_xml(path, list(route.items))
        if route.kind == "malformed":
            body = body[: len(body) * 2 // 3]  # cut inside an item: not well-formed XML
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if route.kind == "slow":
            time.sleep(route.delay_s)
        if route.kind == "feed" and handler.headers.get("If-None-Match") == etag:
            with self._lock:
                self.not_modified[path] += 1
            handler.send_response(304)
            handler.send_header("ETag", etag)
            handler.end_headers()
            return
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            handler.send_header("Content-Length", str(len(body)))
            handler.send_header("ETag", etag)
            handler.send_header("Last-Modified", formatdate(usegmt=True))
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client timed out first
            return
        if route.kind == "feed":
            with self._lock:
                self.served.append((path, body))
