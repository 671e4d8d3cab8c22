"""Real headless Chromium (Debian's ``chromium`` via Playwright) against a live uvicorn server.

Playwright never downloads a browser here: it drives ``/usr/bin/chromium``. When
that binary (or Playwright) is missing, every browser test is skipped with the
reason, so ``make test`` still runs on a machine without a browser.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsledger.web.screenshot import CHROMIUM as CHROMIUM_PATH
from newsledger.web.screenshot import LAUNCH_ARGS

CHROMIUM = Path(CHROMIUM_PATH)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FIXTURE_LEDGER = Path(__file__).resolve().parents[1] / "fixtures" / "web" / "ledger.json"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """uvicorn in a thread on a free loopback port, stopped at teardown."""

    def __init__(self, ledger_dir: Path, token: str | None = None) -> None:
        import uvicorn

        from newsledger.web import create_app

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(ledger_dir, token=token),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium to run browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright for Python is not installed (pip install playwright)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def fixture_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    ledger_dir = tmp_path_factory.mktemp("web-ledger")
    shutil.copy(FIXTURE_LEDGER, ledger_dir / "ledger.json")
    with LiveServer(ledger_dir) as server:
        yield server


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh page that records console errors and CSP violations, and offline requests."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.console_errors = []  # type: ignore[attr-defined]
    page.outside_requests = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    page.on(
        "response", lambda r: r.status >= 400 and page.console_errors.append(f"{r.status} {r.url}")
    )

    def track(request: object) -> None:
        url = request.url  # type: ignore[attr-defined]
        if not url.startswith(("http://127.0.0.1", "data:", "about:")):
            page.outside_requests.append(url)

    page.on("request", track)
    yield page
    context.close()


@pytest.fixture(scope="session")
def live_server() -> type[LiveServer]:
    """The server class, for tests that serve a ledger of their own."""
    return LiveServer


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
