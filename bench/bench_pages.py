"""Page benchmark: requests/s and p50/p99 latency of a few pages, against a static-file baseline.

Starts Hearth with uvicorn on a temporary SQLite database (or HEARTH_BENCH_DATABASE_URL), adds a
few members, and requests each page N times over one keep-alive connection. The baseline, a
static file served by the same server in the same run, shows how much of the time is Hearth's
own work. Figures are printed, never asserted.

    .venv/bin/python bench/bench_pages.py --requests 500
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.accounts.models import User  # noqa: E402
from app.migrate import migrate_database  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import make_engine, make_session_factory, utcnow  # noqa: E402
from app.main import create_app  # noqa: E402
from app.security import hash_password  # noqa: E402

PASSWORD = "bench-lantern-orchard-62"
BASELINE = ("static file (baseline)", "/static/css/hearth.css", False)
TARGETS = [
    ("front page", "/", False),
    ("log-in page", "/login", False),
    ("profile page", "/u/bench1", False),
    ("front page, logged in", "/", True),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _seed(settings: Settings, members: int) -> None:
    """A few verified members (bench1 is the one whose profile is requested)."""
    engine = make_engine(settings.database_url)
    now = utcnow()
    password_hash = hash_password(settings, PASSWORD)
    with make_session_factory(engine)() as session, session.begin():
        for n in range(1, members + 1):
            session.add(
                User(
                    username=f"bench{n}",
                    username_key=f"bench{n}",
                    display_name=f"Bench Member {n}",
                    email=f"bench{n}@example.org",
                    email_key=f"bench{n}@example.org",
                    email_verified_at=now - timedelta(days=n),
                    password_hash=password_hash,
                    created_at=now - timedelta(days=n),
                    bio="",
                )
            )
    engine.dispose()


def _log_in(client: httpx.Client) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = client.post("/login", data={"identifier": "bench1", "password": PASSWORD, "csrf_token": token})
    if 'class="nav-user"' not in answer.text:
        raise SystemExit(f"could not log in for the benchmark (status {answer.status_code})")


def _measure(base_url: str, path: str, logged_in: bool, requests: int, warmup: int) -> dict:
    with httpx.Client(base_url=base_url, follow_redirects=True, timeout=30) as client:
        if logged_in:
            _log_in(client)
        for _ in range(warmup):
            client.get(path)
        latencies = []
        started = time.perf_counter()
        for _ in range(requests):
            before = time.perf_counter()
            response = client.get(path)
            latencies.append(time.perf_counter() - before)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
        elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"rps": requests / elapsed, "p50": cuts[49] * 1000, "p99": cuts[98] * 1000}


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=30, help="untimed requests per page first")
    parser.add_argument("--members", type=int, default=50, help="members to create")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="hearth-bench-") as folder:
        url = os.environ.get("HEARTH_BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.db"
        port = _free_port()
        settings = Settings(database_url=url, secret_key="bench-secret-not-for-production", base_url=f"http://127.0.0.1:{port}")
        migrate_database(url)
        _seed(settings, args.members)

        app = create_app(settings)
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            if not thread.is_alive():
                raise SystemExit("the server did not start")
            time.sleep(0.02)
        try:
            base_url = f"http://127.0.0.1:{port}"
            results = {label: _measure(base_url, path, logged_in, args.requests, args.warmup) for label, path, logged_in in [BASELINE, *TARGETS]}
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            app.state.engine.dispose()

    baseline = results[BASELINE[0]]
    database = url.split(":", 1)[0]
    print(f"Hearth page benchmark: {args.requests} requests per page, one connection, {database}, Python {sys.version.split()[0]}")
    print(f"{'page':<26}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'req/s vs baseline':>20}{'p50 vs baseline':>17}")
    for label, figures in results.items():
        print(
            f"{label:<26}{figures['rps']:>9.0f}{figures['p50']:>9.2f}{figures['p99']:>9.2f}"
            f"{figures['rps'] / baseline['rps']:>19.2f}x{figures['p50'] / baseline['p50']:>16.2f}x"
        )


if __name__ == "__main__":
    main()
