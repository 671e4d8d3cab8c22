"""A screenshot of a ledger's main event page, for the README.

Needs Playwright for Python (a dev dependency) and Debian's ``/usr/bin/chromium``;
nothing is downloaded. Usage: ``python -m newsledger.web.screenshot DIR OUT.png``.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def main_event_id(ledger_dir: Path) -> str:
    """The event most reports speak of (ties: most claims)."""
    events = json.loads((ledger_dir / "ledger.json").read_text(encoding="utf-8"))["events"]
    if not events:
        raise SystemExit(f"{ledger_dir}/ledger.json has no events")
    return max(events, key=lambda e: (len(e["article_ids"]), len(e["claim_ids"])))["id"]


def screenshot(ledger_dir: Path, out: Path, width: int = 1280, height: int = 1700) -> Path:
    import uvicorn
    from playwright.sync_api import sync_playwright

    from newsledger.web import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(ledger_dir), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise SystemExit("the server did not start")
        time.sleep(0.05)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(f"http://127.0.0.1:{port}/events/{main_event_id(ledger_dir)}")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(300)  # let the map settle
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return out


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python -m newsledger.web.screenshot LEDGER_DIR OUT.png")
    print(screenshot(Path(sys.argv[1]), Path(sys.argv[2])))
