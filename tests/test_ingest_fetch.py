"""Safe fetching: the address policy as unit tests, fetching against a local server only."""

from __future__ import annotations

import gzip
import ipaddress
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from newsledger.ingest import IngestOptions, read_inputs
from newsledger.ingest import fetch as fetch_module
from newsledger.ingest.fetch import USER_AGENT, address_allowed, check_url
from newsledger.ingest.options import IngestError
from newsledger.model import Article, Rejection

EN = (
    "Fighters crossed the border on Tuesday and took control of a village, the group said. "
    "The ministry said the attack had been repelled and the border was secure."
)
PAGE = (
    "<html><head><title>Raid</title><meta property='og:site_name' content='Local News'></head>"
    f"<body><article><h1>Raid at the border</h1><p>{EN}</p></article></body></html>"
).encode()
FEED = (
    "<?xml version='1.0'?><rss version='2.0'><channel><title>Local Feed</title>"
    f"<item><title>One</title><link>https://news.example.org/1</link><description>{EN}"
    "</description></item></channel></rss>"
).encode()


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:93.184.216.34", True),
    ],
)
def test_address_policy(address: str, allowed: bool) -> None:
    assert address_allowed(ipaddress.ip_address(address)) is allowed


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://[::1]:8080/x",
        "http://169.254.169.254/latest/meta-data",
        "https://10.0.0.8/",
        "http://localhost/",
        "http://[::ffff:192.168.0.1]/",
    ],
)
def test_private_targets_are_refused(url: str) -> None:
    with pytest.raises(IngestError, match="refused"):
        check_url(url, IngestOptions())
    check_url(url, IngestOptions(allow_private=True))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://x/", "http:///nohost"])
def test_only_http_urls_with_hosts(url: str) -> None:
    with pytest.raises(IngestError):
        check_url(url, IngestOptions(allow_private=True))


def test_public_literal_passes_without_network() -> None:
    check_url("http://93.184.216.34/", IngestOptions())


class _Handler(BaseHTTPRequestHandler):
    seen_agents: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:
        return None

    def _send(self, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.seen_agents.append(self.headers.get("User-Agent", ""))
        path = self.path
        if path == "/article":
            self._send(PAGE, "text/html; charset=utf-8")
        elif path == "/feed":
            self._send(FEED, "application/rss+xml")
        elif path == "/local-feed":
            link = f"http://127.0.0.1:{self.server.server_port}/article"
            self._send(FEED.replace(b"https://news.example.org/1", link.encode()), "text/xml")
        elif path == "/big":
            self._send(b"a" * 200_000, "text/plain")
        elif path == "/bomb":
            self._send(gzip.compress(b" " * 5_000_000), "text/html", {"Content-Encoding": "gzip"})
        elif path == "/slow":
            time.sleep(2)
            self._send(PAGE, "text/html")
        elif path.startswith("/hop/"):
            left = int(path.rsplit("/", 1)[1])
            target = "/article" if left == 0 else f"/hop/{left - 1}"
            self.send_response(302)
            self.send_header("Location", target)
            self.end_headers()
        elif path == "/to-other-host":
            self.send_response(301)
            self.send_header("Location", f"http://127.0.0.2:{self.server.server_port}/article")
            self.end_headers()
        else:
            self.send_error(404)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        return None  # the client hanging up on an oversized body is the point of some tests


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = _QuietServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def fetch_all(*urls: str, **options: object) -> list[Article | Rejection]:
    opts = IngestOptions(**{"allow_private": True, "max_bytes": 100_000, **options})
    return list(read_inputs(list(urls), opts))


def test_page_feed_and_user_agent(server: str) -> None:
    page, feed = fetch_all(f"{server}/article", f"{server}/feed")
    assert isinstance(page, Article) and page.path_or_url == f"{server}/article"
    assert page.title == "Raid at the border" and page.outlet == "Local News"
    assert isinstance(feed, Article) and feed.path_or_url == "https://news.example.org/1"
    assert feed.outlet == "Local Feed"
    assert _Handler.seen_agents[-1] == USER_AGENT and USER_AGENT.startswith("newsledger/")


def test_feed_items_fetched_when_asked(server: str) -> None:
    (summary,) = fetch_all(f"{server}/local-feed")
    (page,) = fetch_all(f"{server}/local-feed", fetch_feed_items=True)
    assert isinstance(summary, Article) and isinstance(page, Article)
    assert summary.title == "One" and summary.outlet == "Local Feed"
    assert page.title == "Raid at the border" and page.outlet == "Local News"
    assert page.path_or_url == f"{server}/article"


def test_private_server_refused_by_default(server: str) -> None:
    (item,) = list(read_inputs([f"{server}/article"], IngestOptions()))
    assert isinstance(item, Rejection) and "refused" in item.reason


def test_limits(server: str) -> None:
    big, bomb, missing, loop, slow = fetch_all(
        f"{server}/big",
        f"{server}/bomb",
        f"{server}/nothing",
        f"{server}/hop/9",
        f"{server}/slow",
        timeout_s=0.5,
        max_redirects=3,
    )
    assert isinstance(big, Rejection) and "over the limit" in big.reason
    assert isinstance(bomb, Rejection) and "over the limit" in bomb.reason
    assert isinstance(missing, Rejection) and "HTTP 404" in missing.reason
    assert isinstance(loop, Rejection) and "redirects" in loop.reason
    assert isinstance(slow, Rejection) and "timed out" in slow.reason
    (ok,) = fetch_all(f"{server}/hop/2", max_redirects=3)
    assert isinstance(ok, Article)


def test_redirect_target_is_checked_again(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_module, "address_allowed", lambda a: str(a) == "127.0.0.1")
    (item,) = list(read_inputs([f"{server}/to-other-host"], IngestOptions()))
    assert isinstance(item, Rejection) and "127.0.0.2" in item.reason
