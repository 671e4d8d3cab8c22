"""Bounded load test of the web server on loopback: requests/s and p50/p99 latency per endpoint.

Builds the demo ledger (or uses ``--ledger DIR``), starts uvicorn with
``newsledger.web.create_app`` on a free 127.0.0.1 port in a subprocess, sends a fixed
number of requests at a fixed concurrency to ``GET /api/events``, the events page, a
full-text search of each (``?q=QUERY``) and the main event's page, stops by itself, and
prints ONE JSON line. Uses ``wrk`` when installed
(Debian package ``wrk``), else an httpx async client. It only ever targets 127.0.0.1.

    .venv/bin/python scripts/loadtest.py [--ledger DIR] [--requests 2000] [--concurrency 8]
        [--query belgorod] [--only /events,/api/events?q]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import httpx

HOST = "127.0.0.1"  # loopback only, by design: there is no option to change it
REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "examples" / "kursk-belgorod-2024-03"
SERVER = """
import sys
from pathlib import Path
import uvicorn
from newsledger.web import create_app
uvicorn.run(create_app(Path(sys.argv[1])), host=sys.argv[2], port=int(sys.argv[3]),
            log_level="warning", access_log=False, server_header=False)
"""
# wrk: each thread stops after its share of requests; done() prints the figures as JSON.
WRK_LUA = """
local limit = tonumber(os.getenv("LOADTEST_PER_THREAD"))
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) count = 0 end
function response(status, headers, body)
  count = count + 1
  if count == limit then
    io.stderr:write("LOADTEST_THREAD_DONE\\n")
    wrk.thread:stop()
  end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'LOADTEST {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"errors": %d, "non_2xx": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def build_demo_ledger(out: Path) -> Path:
    from newsledger.pipeline import analyze

    analyze([str(DEMO)], out)
    return out


def main_event(ledger_dir: Path) -> str:
    """The event with the most articles, then the most claims: the demo's main story."""
    from sqlalchemy import select

    from newsledger.store import LedgerStore
    from newsledger.store import ledger_tables as lt

    database = ledger_dir / "ledger.sqlite"
    if database.is_file():
        with LedgerStore(f"sqlite:///{database}") as store, lt.reading(store) as conn:
            if lt.has_ledger(conn):
                t = lt.ledger_events
                found = conn.execute(
                    select(t.c.id)
                    .order_by(t.c.n_articles.desc(), t.c.n_claims.desc(), t.c.id.desc())
                    .limit(1)
                ).scalar_one_or_none()
                if found is None:
                    raise SystemExit(f"no events in {database}: nothing to load-test")
                return str(found)
    ledger = json.loads((ledger_dir / "ledger.json").read_text(encoding="utf-8"))
    if not ledger.get("events"):
        raise SystemExit(f"no events in {ledger_dir / 'ledger.json'}: nothing to load-test")
    best = max(
        ledger["events"], key=lambda e: (len(e["article_ids"]), len(e["claim_ids"]), e["id"])
    )
    return str(best["id"])


def start_server(ledger_dir: Path, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", SERVER, str(ledger_dir), HOST, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_ready(base: str, server: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            err = server.stderr.read().decode(errors="replace") if server.stderr else ""
            raise SystemExit(f"server exited with {server.returncode}: {err[-2000:]}")
        try:
            if httpx.get(f"{base}/api/events", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server not ready after {timeout_s:g} s")


def run_wrk(url: str, requests: int, concurrency: int, max_s: float) -> dict[str, float]:
    """wrk until every thread has sent its share, then SIGINT so its clock stops there too."""
    threads = max(1, min(2, concurrency))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_LUA)
    env = {"LOADTEST_PER_THREAD": str(math.ceil(requests / threads)), "PATH": "/usr/bin:/bin"}
    command = ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{math.ceil(max_s)}s"]
    command += ["--timeout", "10s", "-s", script.name, url]
    try:
        proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        assert proc.stderr is not None
        finished = 0
        for line in proc.stderr:  # wrk exits by itself at -d if a thread never finishes
            finished += line.startswith("LOADTEST_THREAD_DONE")
            if finished >= threads:
                proc.send_signal(signal.SIGINT)
                break
        out, err = proc.communicate(timeout=max_s + 30)
    finally:
        Path(script.name).unlink(missing_ok=True)
    line = next((x for x in out.splitlines() if x.startswith("LOADTEST ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result: {out[-1000:]} {err[-1000:]}")
    raw = json.loads(line[len("LOADTEST ") :])
    seconds = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "seconds": round(seconds, 3),
        "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "errors": raw["errors"] + raw["non_2xx"],
    }


async def _httpx_load(url: str, requests: int, concurrency: int, max_s: float) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    issued = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=10.0, trust_env=False) as client:

        async def worker() -> None:
            nonlocal issued, errors
            while issued < requests:
                issued += 1
                t0 = time.perf_counter()
                try:
                    response = await client.get(url)
                    await response.aread()
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - t0)
                errors += not ok

        start = time.perf_counter()
        try:
            async with asyncio.timeout(max_s):
                await asyncio.gather(*(worker() for _ in range(concurrency)))
        except TimeoutError:
            pass
        seconds = time.perf_counter() - start
    latencies.sort()

    def pct(p: float) -> float:
        if not latencies:
            return math.nan
        return latencies[min(len(latencies) - 1, math.ceil(p / 100 * len(latencies)) - 1)]

    return {
        "requests": len(latencies),
        "seconds": round(seconds, 3),
        "rps": round(len(latencies) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(pct(50) * 1000, 2),
        "p99_ms": round(pct(99) * 1000, 2),
        "errors": errors + max(0, requests - len(latencies)),
    }


def run_httpx(url: str, requests: int, concurrency: int, max_s: float) -> dict[str, float]:
    return asyncio.run(_httpx_load(url, requests, concurrency, max_s))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ledger", type=Path, help="ledger folder (default: build the demo)")
    parser.add_argument("--requests", type=int, default=2000, help="requests per endpoint")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=60.0, help="bound per endpoint")
    parser.add_argument("--tool", choices=["auto", "wrk", "httpx"], default="auto")
    parser.add_argument("--query", default="belgorod", help="words of the search endpoints")
    parser.add_argument(
        "--only", default="", help="comma-separated endpoint names to run (default: all)"
    )
    args = parser.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1:
        parser.error("--requests and --concurrency must be positive")
    tool = args.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "httpx"
    elif tool == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (Debian: apt-get install wrk)")
    drive = run_wrk if tool == "wrk" else run_httpx

    with tempfile.TemporaryDirectory(prefix="newsledger-load-") as tmp:
        ledger_dir = args.ledger or build_demo_ledger(Path(tmp) / "ledger")
        event_id = main_event(ledger_dir)
        port = free_port()
        base = f"http://{HOST}:{port}"
        server = start_server(ledger_dir, port)
        try:
            wait_ready(base, server)
            results = {}
            q = urllib.parse.quote_plus(args.query)
            endpoints = {
                "/api/events": "/api/events",
                "/events": "/events",
                "/api/events?q": f"/api/events?q={q}",
                "/events?q": f"/events?q={q}",
                "/events/{main}": f"/events/{event_id}",
            }
            only = {x for x in args.only.split(",") if x}
            for name, path in endpoints.items():
                if only and name not in only:
                    continue
                results[name] = drive(
                    base + path, args.requests, args.concurrency, args.max_seconds
                )
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    print(
        json.dumps(
            {
                "task": "loadtest",
                "tool": tool,
                "host": HOST,
                "ledger": str(args.ledger) if args.ledger else "demo:" + DEMO.name,
                "requests_per_endpoint": args.requests,
                "concurrency": args.concurrency,
                "query": args.query,
                "endpoints": results,
                "errors": sum(int(r["errors"]) for r in results.values()),
            }
        )
    )
    return 0 if all(r["errors"] == 0 for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
