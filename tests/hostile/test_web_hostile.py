"""The web server against hostile requests, over a ledger built from hostile inputs.

Path traversal (plain, encoded, double-encoded, backslashes) on static and id routes,
hostile article text in every page, the CSP, the write token, body size limits (declared
and streamed) and the write rate limit.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from newsledger.pipeline import analyze
from tests.hostile.test_pipeline_hostile import SCRIPT, hostile_folder

web = pytest.importorskip(
    "newsledger.web", reason="newsledger.web.create_app not available yet (issue 7)"
)
if not hasattr(web, "create_app"):
    pytest.skip("newsledger.web has no create_app yet (issue 7)", allow_module_level=True)
from fastapi.testclient import TestClient  # noqa: E402

TOKEN = "t0ken-for-hostile-tests-" + "x" * 16
ATTR_BREAK = '"><img src=x onerror=alert(9)>'
TRAVERSALS = [
    "/static/../../etc/passwd",
    "/static/../app.py",
    "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/..%2f..%2f..%2fetc%2fpasswd",
    "/static/%2e%2e%2f%2e%2e%2fapp.py",
    "/static/%252e%252e/%252e%252e/etc/passwd",
    "/static/..%5c..%5capp.py",
    "/static/....//....//etc/passwd",
    "/static//etc/passwd",
    "/static/%00../app.py",
    "/events/..%2f..%2f..%2fetc%2fpasswd",
    "/articles/%2e%2e%2f%2e%2e%2fledger.sqlite",
    "/entities/../../etc/passwd",
    "/api/articles/..%2F..%2Fledger.json",
    "/api/events/%2e%2e%2fledger.sqlite",
]
SECRETS = ("root:x:0:0", "def create_app", "SQLite format 3")


@pytest.fixture(scope="module")
def ledger_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("web-hostile")
    hostile_folder(root / "in")
    (root / "in" / "attrs.jsonl").write_text(
        json.dumps(
            {
                "id": "attr-break",
                "title": f"Title {ATTR_BREAK}",
                "outlet": f"Outlet {SCRIPT}",
                "url": "javascript:alert(1)",
                "text": f"The ministry said {ATTR_BREAK} 40 soldiers were killed in {SCRIPT}.",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    analyze([str(root / "in")], root / "out")
    return root / "out"


@pytest.fixture(scope="module")
def ledger(ledger_dir: Path) -> dict[str, Any]:
    return json.loads((ledger_dir / "ledger.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def client(ledger_dir: Path) -> TestClient:
    return TestClient(web.create_app(ledger_dir, token=TOKEN))


def _raw_get(app: Any, raw_path: bytes) -> tuple[int, bytes]:
    """Send a path exactly as given (no client-side normalisation), as uvicorn would pass it."""
    from urllib.parse import unquote_to_bytes

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote_to_bytes(raw_path).decode("utf-8", "replace"),
        "raw_path": raw_path,
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 5555),
        "server": ("127.0.0.1", 8000),
    }
    status: list[int] = []
    body: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))

    async def run() -> None:
        async with asyncio.timeout(30):
            await app(scope, receive, send)

    # A fresh thread has no event loop of its own, even when an earlier test (Playwright's sync
    # API) left one running in the main thread.
    worker = threading.Thread(target=lambda: asyncio.run(run()))
    worker.start()
    worker.join()
    return status[0], b"".join(body)


# --------------------------------------------------------------------------- traversal


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_via_client(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (400, 404, 405), (path, response.status_code)
    assert not any(s in response.text for s in SECRETS)


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_raw(client: TestClient, path: str) -> None:
    status, body = _raw_get(client.app, path.encode())
    assert status in (400, 404, 405), (path, status)
    text = body.decode("utf-8", "replace")
    assert not any(s in text for s in SECRETS)


def test_static_still_served(client: TestClient) -> None:
    """The traversal refusals are not just everything under /static failing."""
    response = client.get("/static/app.js")
    assert response.status_code == 200 and response.content


# --------------------------------------------------------------------------- escaping


class _Tags(HTMLParser):
    """Tags that would run code: inline scripts, on* handlers, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.active: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.active.append(f"inline <script> at {self.getpos()}")
        for name, value in attrs:
            if name.startswith("on"):
                self.active.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                ("javascript:", "data:text/html")
            ):
                self.active.append(f"<{tag} {name}={value!r}>")


def _active_markup(html: str) -> list[str]:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.active


def _pages(client: TestClient, ledger: dict[str, Any]) -> list[str]:
    paths = ["/events", "/articles", "/entities", "/docs"]
    paths += [f"/events/{e['id']}" for e in ledger["events"]]
    paths += [f"/articles/{a['id']}" for a in ledger["articles"]]
    paths += [f"/entities/{e['id']}" for e in ledger["entities"][:20]]
    paths += [f"/events?q={SCRIPT}", f"/entities?q={ATTR_BREAK}", f"/events/{SCRIPT}"]
    return paths


def test_hostile_text_is_escaped_in_every_page(client: TestClient, ledger) -> None:
    hostile = [a for a in ledger["articles"] if "<script" in a["text"] + (a["title"] or "")]
    assert hostile, "the fixture lost its hostile articles"
    for path in _pages(client, ledger):
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        html = response.text
        assert "<script>alert" not in html, path
        assert not _active_markup(html), f"{path}: {_active_markup(html)}"
    page = client.get(f"/articles/{hostile[0]['id']}").text
    assert "&lt;script&gt;" in page


def test_api_returns_hostile_text_as_json_not_html(client: TestClient, ledger) -> None:
    for article in ledger["articles"]:
        response = client.get(f"/api/articles/{article['id']}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["text"] == article["text"]


# --------------------------------------------------------------------------- headers


def test_csp_on_every_kind_of_response(client: TestClient, ledger) -> None:
    paths = [
        "/events",
        f"/events/{ledger['events'][0]['id']}",
        "/api/events",
        "/nope",
        "/static/app.js",
    ]
    for path in paths:
        response = client.get(path)
        csp = response.headers.get("content-security-policy", "")
        directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
        assert "script-src" in directives, path
        assert "'unsafe-inline'" not in directives["script-src"], path
        assert "'unsafe-eval'" not in directives["script-src"], path
        assert directives.get("object-src") == ["'none'"], path
        assert directives.get("frame-ancestors") == ["'none'"], path
        assert response.headers.get("x-content-type-options") == "nosniff", path


def test_default_bind_is_loopback() -> None:
    assert inspect.signature(web.serve).parameters["host"].default == "127.0.0.1"


# --------------------------------------------------------------------------- writes


def _article_body(n: int) -> dict[str, str]:
    return {"text": f"Write test {n}. The ministry said {n} drones were intercepted.", "title": "W"}


def test_write_refused_without_or_with_wrong_token(client: TestClient, ledger_dir: Path) -> None:
    before = (ledger_dir / "ledger.json").read_bytes()
    attempts = [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Bearer {TOKEN[:-1]}"},
        {"Authorization": TOKEN},  # no scheme
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": "Bearer "},
    ]
    for headers in attempts:
        response = client.post("/api/articles", json=_article_body(1), headers=headers)
        assert response.status_code == 401, (headers, response.status_code)
    assert (ledger_dir / "ledger.json").read_bytes() == before, "a refused write changed the ledger"


def test_writes_disabled_without_a_server_token(ledger_dir: Path) -> None:
    client = TestClient(web.create_app(ledger_dir))
    response = client.post(
        "/api/articles", json=_article_body(2), headers={"Authorization": "Bearer anything"}
    )
    assert response.status_code == 403


def test_read_only_methods(client: TestClient) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        response = client.request(method, "/api/events")
        assert response.status_code == 405, method


def test_oversized_body_refused_declared(client: TestClient) -> None:
    big = {"text": "x" * 2_100_000}
    response = client.post("/api/articles", json=big, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 413


def test_oversized_body_refused_streamed(client: TestClient) -> None:
    """No Content-Length (chunked): the limit counts the bytes as they arrive."""

    def chunks():
        yield b'{"text": "'
        for _ in range(300):
            yield b"y" * 10_000
        yield b'"}'

    response = client.post(
        "/api/articles",
        content=chunks(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_write_rate_limit(tmp_path: Path) -> None:
    """Writes per client are capped: after the allowance the server answers 429."""
    client = TestClient(web.create_app(tmp_path, token=TOKEN))
    headers = {"Authorization": f"Bearer {TOKEN}"}
    statuses = []
    for _ in range(12):
        response = client.post("/api/articles", json=_article_body(3), headers=headers)
        statuses.append(response.status_code)
        if response.status_code == 429:
            break
    assert statuses[0] == 201, statuses
    assert statuses[-1] == 429, statuses
    assert set(statuses[:-1]) == {201}
    ledger = json.loads((tmp_path / "ledger.json").read_text(encoding="utf-8"))
    assert len(ledger["articles"]) == 1, "the same article posted again was stored twice"
