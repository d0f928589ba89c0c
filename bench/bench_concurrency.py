"""Concurrency benchmark: N clients for T seconds against `hearth serve --workers W`.

Each client is one member with a browser session and an API token. It loops over a mix of
replies (form), votes by cookie (form) and by token (JSON API), log-ins (a fresh browser, mostly
the right password) and page reads. Afterwards it compares what the server acknowledged with the
rows in the database: every acknowledged reply must be a post, every member's last acknowledged
vote on a post must be that vote's value. Figures are printed, never asserted.

    .venv/bin/python bench/bench_concurrency.py                    # SQLite file, 16 clients, 20 s
    .venv/bin/python bench/bench_concurrency.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.accounts import service as accounts  # noqa: E402
from app.accounts.models import User  # noqa: E402
from app.migrate import migrate_database  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import make_engine, make_session_factory, utcnow  # noqa: E402
from app.forum import categories, service  # noqa: E402
from app.forum.models import Post, PostVote  # noqa: E402
from app.forum.queries import viewer_for  # noqa: E402
from app.security import hash_password  # noqa: E402
from app.web import Viewer  # noqa: E402

PASSWORD = "bench-lantern-orchard-62"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
MIX = [("reply", 30), ("vote_cookie", 20), ("vote_token", 20), ("login", 10), ("read", 20)]
TOPICS = 8
# Idle connections are dropped by the client before uvicorn's 5 s keep-alive ends, as browsers and
# proxies do; otherwise a request sent just as the server closes an idle connection is reset.
LIMITS = httpx.Limits(keepalive_expiry=4)
ADMIN = Viewer(id=0, username="bench", display_name="Bench", roles=frozenset({"member", "admin"}))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_database(base: str) -> tuple[str, callable]:
    url = make_url(base)
    name = f"hearth_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def _seed(url: str, settings: Settings, clients: int):
    """Members (one per client, past the new-member limits), a host with topics to vote on, tokens."""
    engine = make_engine(url)
    now = utcnow()
    password_hash = hash_password(settings, PASSWORD)
    with make_session_factory(engine)() as db:
        accounts.ensure_groups(db)
        users = []
        for n in range(clients + 1):
            name = f"bench{n}"
            user = User(
                username=name, username_key=name, display_name=name.title(), email=f"{name}@example.org",
                email_key=f"{name}@example.org", email_verified_at=now, password_hash=password_hash,
                created_at=now - timedelta(days=60), bio="",
            )
            db.add(user)
            users.append(user)
        db.flush()
        category = categories.save_category(
            db, ADMIN, slug="bench", name="Bench", description="", position=0, visibility="public",
            group_names=(), now=now,
        )
        host = viewer_for(db, users[0].id)
        topics, posts = [], []
        for n in range(TOPICS):
            topic = service.create_topic(
                db, settings, host, category_id=category.id, title=f"Bench topic number {n}",
                body="A question to reply to and vote on.", now=now - timedelta(days=30, minutes=n),
            )
            topics.append(topic.id)
            posts.append(db.scalar(select(Post.id).where(Post.topic_id == topic.id)))
        tokens = [accounts.create_api_token(db, user, "bench", now) for user in users[1:]]
        db.commit()
    engine.dispose()
    return [user.username for user in users[1:]], topics, posts, tokens


def _acknowledged(response) -> bool:
    """The server said the write is done: 200 from the API, or a redirect to the post (a
    redirect to the login page is not an acknowledgement)."""
    if response is None:
        return False
    return response.status_code == 200 or (
        response.status_code == 303 and response.headers.get("location", "").startswith("/t/")
    )


class Client(threading.Thread):
    """One member doing the mix until the deadline."""

    def __init__(self, index, base, username, token, topics, posts, start, seconds, seed):
        super().__init__(daemon=True)
        self.start_barrier, self.seconds = start, seconds
        self.index, self.base, self.username, self.token = index, base, username, token
        self.topics, self.posts = topics, posts
        self.rng = random.Random(seed)
        self.statuses: Counter = Counter()
        self.by_op: dict[str, list[float]] = {}
        self.errors: Counter = Counter()
        self.replies: list[str] = []
        self.votes: dict[int, int] = {}
        self.five_hundreds: list[str] = []

    def _timed(self, op, call):
        started = time.perf_counter()
        try:
            response = call()
        except httpx.HTTPError as error:
            self.errors[f"{op} {type(error).__name__}"] += 1
            return None
        self.by_op.setdefault(op, []).append(time.perf_counter() - started)
        self.statuses[response.status_code // 100] += 1
        if response.status_code >= 500:
            self.five_hundreds.append(f"{op} {response.status_code} {response.text[:120]!r}")
        return response

    def _browser(self) -> tuple[httpx.Client, str]:
        """Log in (retrying until the server lets us) and return the browser and its CSRF token."""
        browser = httpx.Client(base_url=self.base, timeout=120, follow_redirects=False, limits=LIMITS)
        for _ in range(20):
            page = self._timed("read", lambda: browser.get("/login"))
            if page is None or page.status_code != 200:
                continue
            csrf = CSRF_RE.search(page.text).group(1)
            answer = self._timed("login", lambda: browser.post(
                "/login", data={"identifier": self.username, "password": PASSWORD, "csrf_token": csrf}
            ))
            if answer is not None and answer.status_code == 303:
                break
        page = self._timed("read", lambda: browser.get("/login"))
        return browser, CSRF_RE.search(page.text).group(1) if page is not None else ""

    def run(self):
        browser, csrf = self._browser()
        api = httpx.Client(base_url=self.base, timeout=120, limits=LIMITS, headers={"Authorization": f"Bearer {self.token}"})
        ops, weights = zip(*MIX)
        sequence = 0
        self.setup = (self.statuses, self.errors, self.five_hundreds)
        self.statuses, self.errors, self.by_op, self.five_hundreds = Counter(), Counter(), {}, []
        self.start_barrier.wait()
        deadline = time.monotonic() + self.seconds
        while time.monotonic() < deadline:
            op = self.rng.choices(ops, weights)[0]
            sequence += 1
            if op == "reply":
                marker = f"bench-{self.index}-{sequence}"
                topic = self.rng.choice(self.topics)
                response = self._timed(op, lambda: browser.post(
                    f"/t/{topic}/reply", data={"body": f"Reply {marker} with some words.", "csrf_token": csrf}
                ))
                if _acknowledged(response):
                    self.replies.append(marker)
            elif op in ("vote_cookie", "vote_token"):
                post = self.rng.choice(self.posts)
                value = self.rng.choice((1, 1, 0))
                if op == "vote_cookie":
                    response = self._timed(op, lambda: browser.post(
                        f"/p/{post}/vote", data={"value": str(value), "csrf_token": csrf}
                    ))
                else:
                    response = self._timed(op, lambda: api.post(f"/api/v1/posts/{post}/vote", json={"value": value}))
                if _acknowledged(response):
                    self.votes[post] = value
            elif op == "login":
                wrong = self.rng.random() < 0.2
                fresh = httpx.Client(base_url=self.base, timeout=120, follow_redirects=False, limits=LIMITS)
                try:
                    page = self._timed("read", lambda: fresh.get("/login"))
                    if page is not None and page.status_code == 200:
                        token = CSRF_RE.search(page.text).group(1)
                        self._timed(op, lambda: fresh.post("/login", data={
                            "identifier": self.username, "password": "wrong-password-1" if wrong else PASSWORD,
                            "csrf_token": token,
                        }))
                finally:
                    fresh.close()
            else:
                path = self.rng.choice(["/", "/latest", f"/t/{self.rng.choice(self.topics)}", "/unanswered"])
                self._timed(op, lambda: browser.get(path, follow_redirects=True))
        browser.close()
        api.close()


def _percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=3, help="hearth serve --workers")
    parser.add_argument("--postgres", metavar="URL", help="run on a fresh PostgreSQL database made from this URL")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="hearth-bench-"))
    drop = None
    if args.postgres:
        url, drop = _postgres_database(args.postgres)
    else:
        url = f"sqlite:///{tmp}/bench.db"
    port = _free_port()
    env = {
        **os.environ,
        "HEARTH_DATABASE_URL": url,
        "HEARTH_SECRET_KEY": "bench-secret-key",
        "HEARTH_BASE_URL": f"http://127.0.0.1:{port}",
        # The bench measures the database under load, not the posting and voting limits.
        "HEARTH_POST_RATE_COUNT": "100000",
        "HEARTH_VOTE_DAILY_LIMIT": "100000",
    }
    settings = Settings(database_url=url, secret_key="bench-secret-key")
    server = None
    try:
        migrate_database(url)
        usernames, topics, posts, tokens = _seed(url, settings, args.clients)
        hearth = shutil.which("hearth", path=str(Path(sys.executable).parent)) or "hearth"
        server = subprocess.Popen(
            [hearth, "serve", "--port", str(port), "--workers", str(args.workers), "--no-migrate"],
            env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=open(tmp / "server.log", "w"),
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if httpx.get(base + "/", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        start = threading.Barrier(args.clients + 1)
        clients = [
            Client(n, base, usernames[n], tokens[n], topics, posts, start, args.seconds, seed=n)
            for n in range(args.clients)
        ]
        for client in clients:
            client.start()
        start.wait()  # every client has logged in; the clock starts now
        started = time.monotonic()
        for client in clients:
            client.join()
        elapsed = time.monotonic() - started
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)

    setup_statuses, setup_errors = Counter(), Counter()
    for client in clients:
        setup_statuses.update(client.setup[0])
        setup_errors.update(client.setup[1])
    statuses, errors, latencies, by_op = Counter(), Counter(), [], {}
    replies, votes, five_hundreds = [], {}, []
    for client, username in zip(clients, usernames):
        statuses.update(client.statuses)
        errors.update(client.errors)
        for op, values in client.by_op.items():
            by_op.setdefault(op, []).extend(values)
            latencies.extend(values)
        replies.extend(client.replies)
        votes.update({(username, post): value for post, value in client.votes.items()})
        five_hundreds.extend(client.five_hundreds)

    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        bodies = db.scalars(select(Post.body_source).where(Post.body_source.like("Reply bench-%"))).all()
        stored = {body.split()[1] for body in bodies}
        ids = dict(db.execute(select(User.username, User.id)).all())
        rows = dict(
            ((voter, post), value)
            for voter, post, value in db.execute(select(PostVote.voter_id, PostVote.post_id, PostVote.value))
        )
    engine.dispose()
    if drop:
        drop()
    lost_replies = [marker for marker in replies if marker not in stored]
    lost_votes = [key for key, value in votes.items() if rows.get((ids[key[0]], key[1]), 0) != value]

    total = sum(statuses.values())
    print(f"database      {'PostgreSQL' if args.postgres else 'SQLite'}; {args.clients} clients, "
          f"{args.seconds:g} s, hearth serve --workers {args.workers}")
    print(f"requests      {total} in {elapsed:.1f} s ({total / elapsed:.0f}/s)")
    print(f"status        2xx/3xx {statuses[2] + statuses[3]}  4xx {statuses[4]}  5xx {statuses[5]}"
          f"  connection errors {sum(errors.values())} {dict(errors) or ''}")
    print(f"setup         (log-ins before the clock) 5xx {setup_statuses[5]}  connection errors {sum(setup_errors.values())}")
    print(f"latency       p50 {_percentile(latencies, 0.5) * 1000:.0f} ms  p99 {_percentile(latencies, 0.99) * 1000:.0f} ms")
    for op, values in sorted(by_op.items()):
        print(f"  {op:<12} {len(values):>6}  p50 {_percentile(values, 0.5) * 1000:>6.0f} ms"
              f"  p99 {_percentile(values, 0.99) * 1000:>6.0f} ms")
    print(f"replies       acknowledged {len(replies)}  in database {len(set(replies) & stored)}  lost {len(lost_replies)}")
    print(f"votes         acknowledged (member, post) {len(votes)}  matching database {len(votes) - len(lost_votes)}"
          f"  lost {len(lost_votes)}")
    for line in five_hundreds[:5]:
        print("  5xx:", line)
    if five_hundreds:
        print(f"  server log: {tmp / 'server.log'}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
