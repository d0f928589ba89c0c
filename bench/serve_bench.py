"""Serve Hearth with its production command and drive it on loopback: scenarios S1-S5 and the stack's ceiling.

    .venv/bin/python bench/serve_bench.py --url sqlite:///var/bench.db [--data DATA_DIR] [--workers 2]
        [--connections 16] [--duration 20] [--scenarios S1,S2,S3,S4,S5] [--client wrk|python]

Load the community first (bench/load_community.py). A SQLite database is copied first and the
copy served, so S5's replies never touch the loaded file. The server is `hearth serve --workers N`
(uvicorn's supervisor, as the README tells operators); the load tool is wrk (`apt install wrk`) or,
without it, a bounded Python client with the same number of connections. Scenarios: S1 front page,
S2 the largest topic's first page, S3 its last page, S4 the largest category, S5 replies POSTed by
16 logged-in members with their CSRF tokens. Printed per scenario: req/s, p50/p99 latency, errors
(non-2xx/3xx answers and socket errors), CPU ms per request of the server processes plus the
database's (PostgreSQL backends), SQL statements per page (counted in-process), then the same
bytes served by bench/ceiling_app.py under the same server settings, Hearth's share of that
ceiling, and the resident memory of each worker after the run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from load_driver import cpu_seconds, descendants, drive, rss_mib  # noqa: E402

SECRET = "bench-only-secret-0123456789abcdefghijklmnopqrstuvwxyz"
PER_PAGE = 20


def sql(url: str, statement: str, params=None):
    """Rows of one read statement."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(statement), params or {}).all()
    engine.dispose()
    return rows


def targets(url: str, data: str | None) -> dict:
    """Topic, category and members of the scenarios: the manifest's, else chosen from the data."""
    if data and os.path.exists(os.path.join(data, "manifest.json")):
        manifest = json.load(open(os.path.join(data, "manifest.json")))
        t = manifest["targets"]
        return {"topic": t["s2_topic_id"], "category": t["s4_category_id"], "reply_topic": t["s5_topic_id"],
                "members": t["s5_user_ids"][:16], "password": manifest["password"]}
    topic = sql(url, "SELECT id FROM topic ORDER BY highest_post_number DESC, id LIMIT 1")[0][0]
    category = sql(url, "SELECT id FROM category ORDER BY topic_count DESC, id LIMIT 1")[0][0]
    reply = sql(url, "SELECT id FROM topic WHERE highest_post_number BETWEEN 15 AND 30 ORDER BY id LIMIT 1")[0][0]
    members = [r[0] for r in sql(url, "SELECT id FROM user_account ORDER BY id LIMIT 16")]
    return {"topic": topic, "category": category, "reply_topic": reply, "members": members,
            "password": os.environ.get("BENCH_PASSWORD", "bench-password-1")}


def paths(url: str, t: dict) -> dict:
    """The path of each page scenario."""
    slug, posts = sql(url, "SELECT slug, highest_post_number FROM topic WHERE id = :id", {"id": t["topic"]})[0]
    category = sql(url, "SELECT slug FROM category WHERE id = :id", {"id": t["category"]})[0][0]
    topic = f"/t/{t['topic']}-{slug}"
    return {"S1": "/", "S2": topic, "S3": f"{topic}?page={max(1, -(-posts // PER_PAGE))}", "S4": f"/c/{category}"}


def statements_per_page(url: str, pages: dict) -> dict:
    """SQL statements each page sends (anonymous, in-process, after one warm-up request)."""
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from app.config import Settings
    from app.main import create_app

    app = create_app(Settings(database_url=url, secret_key=SECRET))
    seen = []
    event.listen(app.state.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    counts = {}
    with TestClient(app) as client:
        for name, path in pages.items():
            client.get(path)
            seen.clear()
            client.get(path)
            counts[name] = sum(1 for s in seen if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")))
    app.state.engine.dispose()
    return counts


def start(argv, env, port: int, work: str):
    """Start a server (its output to a log in `work`) and wait until it answers."""
    log = tempfile.NamedTemporaryFile(prefix="server-", suffix=".log", dir=work, delete=False)
    process = subprocess.Popen(argv, env=env, stdout=log, stderr=log, start_new_session=True)
    deadline = time.time() + 300  # a busy machine takes a while to start two workers
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
            return process
        except Exception:
            if process.poll() is not None:
                raise SystemExit(open(log.name).read()[-2000:])
            time.sleep(0.5)
    stop(process)
    raise SystemExit("server did not answer within 300 s")


def stop(process) -> None:
    """Stop a server started by start() (its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)


def login(base: str, username: str, password: str, form_path: str) -> tuple[str, str]:
    """Log in through the form; the session cookie and the CSRF token of the reply form."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    token = re.search(r'name="csrf_token" value="([^"]+)"', opener.open(base + "/login").read().decode()).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "identifier": username, "password": password}).encode()
    opener.open(base + "/login", data=body, timeout=60).read()
    html = opener.open(base + form_path, timeout=30).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    return "; ".join(f"{c.name}={c.value}" for c in jar), token


def db_pids(url: str) -> list[int]:
    """PostgreSQL backends serving this database (their CPU counts as the request's)."""
    if not url.startswith("postgresql"):
        return []
    return [r[0] for r in sql(url, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                   "AND pid <> pg_backend_pid()")]


def measure(name, server, url, base, path, args, post=None) -> dict:
    """Warm up, then one measured run: throughput, latency, errors, CPU per request."""
    drive(args.client, base, path, args.connections, args.warmup, post=post)
    pids = descendants(server.pid) + db_pids(url)
    before = cpu_seconds(pids)
    result = drive(args.client, base, path, args.connections, args.duration, post=post)
    pids_after = [p for p in descendants(server.pid) + db_pids(url) if p in pids or p not in before]
    used = cpu_seconds(pids_after)
    spent = sum(used.get(p, 0) - before.get(p, 0) for p in used)
    result["cpu_ms_per_request"] = 1000 * spent / max(result["requests"], 1)
    result["scenario"] = name
    return result


def row(result: dict, statements=None, share=None, cpu_share=None) -> str:
    """One table row."""
    return (f"| {result['scenario']} | {result['rps']:8.1f} | {result['p50_ms']:6.1f} | {result['p99_ms']:7.1f} | "
            f"{result['errors']:5d} | {result['cpu_ms_per_request']:6.2f} | {statements if statements is not None else '':>4} | "
            f"{'' if share is None else f'{100 * share:5.1f} %'} | {'' if cpu_share is None else f'{100 * cpu_share:5.1f} %'} |")


def main() -> None:
    """Copy the database, serve it, run the scenarios and the ceiling, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("HEARTH_DATABASE_URL"), required=False)
    parser.add_argument("--data", help="the community's folder (manifest.json names the scenario targets)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--scenarios", default="S1,S2,S3,S4,S5")
    parser.add_argument("--client", choices=("wrk", "python"), default="wrk" if shutil.which("wrk") else "python")
    parser.add_argument("--no-ceiling", action="store_true")
    args = parser.parse_args()
    url, work = args.url, tempfile.mkdtemp(prefix="hearth-bench-")
    if url.startswith("sqlite:///"):
        source = url[len("sqlite:///"):]
        copy = os.path.join(work, "bench.db")
        shutil.copyfile(source, copy)
        url = "sqlite:///" + copy
    scenarios = args.scenarios.split(",")
    t = targets(url, args.data)
    pages = paths(url, t)
    counts = statements_per_page(url, pages)
    base = f"http://127.0.0.1:{args.port}"
    env = dict(os.environ, HEARTH_DATABASE_URL=url, HEARTH_SECRET_KEY=SECRET, HEARTH_BASE_URL=base,
               HEARTH_POST_RATE_COUNT="1000000000")
    hearth = os.path.join(os.path.dirname(sys.executable), "hearth")
    server = start([hearth, "serve", "--host", "127.0.0.1", "--port", str(args.port), "--workers", str(args.workers),
                    "--no-migrate"], env, args.port, work)
    results, bodies, memory = {}, {}, {}
    try:
        for name in scenarios:
            if name == "S5":
                memory["after the page scenarios"] = {pid: rss_mib(pid) for pid in descendants(server.pid)}
                names = dict(sql(url, "SELECT id, username FROM user_account WHERE id IN (%s)" % ",".join(map(str, t["members"]))))
                slug = sql(url, "SELECT slug FROM topic WHERE id = :id", {"id": t["reply_topic"]})[0][0]
                form = f"/t/{t['reply_topic']}-{slug}"
                sessions = [login(base, names[m], t["password"], form) for m in t["members"]]
                post = {"sessions": sessions, "field": "body", "token_field": "csrf_token", "expected": 303}
                results[name] = measure(name, server, url, base, f"/t/{t['reply_topic']}/reply", args, post=post)
            else:
                bodies[name] = urllib.request.urlopen(base + pages[name], timeout=60).read()
                results[name] = measure(name, server, url, base, pages[name], args)
        memory["after the run"] = {pid: rss_mib(pid) for pid in descendants(server.pid)}
    finally:
        stop(server)
    ceiling = {}
    if not args.no_ceiling:
        for name, body in bodies.items():
            path = os.path.join(work, f"{name}.html")
            open(path, "wb").write(body)
            app_env = dict(env, CEILING_BODY=path, PYTHONPATH=HERE)
            uvicorn = os.path.join(os.path.dirname(sys.executable), "uvicorn")
            ceiling_server = start([uvicorn, "ceiling_app:create_app", "--factory", "--host", "127.0.0.1", "--port",
                                    str(args.port), "--workers", str(args.workers), "--no-proxy-headers"],
                                   app_env, args.port, work)
            try:
                ceiling[name] = measure(name, ceiling_server, "", base, pages[name], args)
            finally:
                stop(ceiling_server)
    print(f"Hearth on {args.url.split('?')[0]} ({args.workers} workers, {args.connections} connections, "
          f"{args.duration:.0f} s, client {args.client})")
    # The share by CPU (ceiling's CPU ms per request / Hearth's) is what a 2-core machine can serve
    # when CPU is the limit; it holds up when other work shares the machine, req/s does not.
    print("| scenario | req/s | p50 ms | p99 ms | errors | CPU ms/req | SQL | share of ceiling (req/s) | (CPU) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in scenarios:
        share = results[name]["rps"] / ceiling[name]["rps"] if name in ceiling and ceiling[name]["rps"] else None
        cpu_share = (ceiling[name]["cpu_ms_per_request"] / results[name]["cpu_ms_per_request"]
                     if name in ceiling and results[name]["cpu_ms_per_request"] else None)
        print(row(results[name], counts.get(name), share, cpu_share))
    if ceiling:
        print("\nbare Starlette, same bytes, same server settings:")
        for name, result in ceiling.items():
            print(row(dict(result, scenario=f"{name} ceiling")))
    requests = sum(r["requests"] for r in results.values())
    for moment, sizes in memory.items():
        print(f"resident memory {moment} (MiB; supervisor, workers): " + ", ".join(f"{m:.1f}" for m in sizes.values()))
    print(f"requests served in the measured runs: {requests:,} (warm-ups not counted)")
    print(json.dumps({"hearth": results, "ceiling": ceiling, "statements": counts, "rss_mib": memory}))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
