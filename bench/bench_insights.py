"""Server time of the insights pages on a generated community, against a static-file baseline.

Generates a year of activity (default 100,000 posts; `--posts 400000` for the big community):
members, daily visits, questions and replies (some by staff), first responses, accepted answers,
ideas, votes and status changes, plus monthly scoring runs with snapshots for the pipeline. Then
requests each dashboard page in-process (TestClient, no network) several times after a warm-up and
prints the best wall-clock time, the best and median CPU time of the process (the server's own work,
SQLite included; it stays meaningful when other work shares the machine), the baseline (a static
file through the same app) and the ratio.
The health pages read the daily roll-ups (built once with `rollups.rebuild`, timed); the figures
of each period are also computed in-process from the raw rows and from the roll-ups, side by side,
and the upkeep job's run (stale days, yesterday, today) is timed.
Figures are printed, never asserted.

    .venv/bin/python bench/bench_insights.py [--posts N] [--repeat N] [--url URL]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from app.accounts import service as accounts  # noqa: E402
from app.accounts.models import User, UserVisit  # noqa: E402
from app.ambassadors.models import MemberScore, MemberSnapshot, ScoringRun  # noqa: E402
from app.migrate import migrate_database  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import make_engine, make_session_factory, utcnow  # noqa: E402
from app.forum.models import Category, Post, Topic  # noqa: E402
from app.ideas.models import Idea, IdeaArea, IdeaStatusChange, IdeaVote  # noqa: E402
from app.main import create_app  # noqa: E402
from app.security import hash_password  # noqa: E402

PASSWORD = "bench-lantern-orchard-62"
PAGES = [
    ("health, 7 days", "/admin/insights?days=7"),
    ("health, 30 days", "/admin/insights?days=30"),
    ("health, 90 days", "/admin/insights?days=90"),
    ("health, 365 days", "/admin/insights?days=365"),
    ("health, 30 days, one category", "/admin/insights?days=30&category=1"),
    ("health, 365 days, one category", "/admin/insights?days=365&category=1"),
    ("health, custom 200 days", "/admin/insights?start={custom_start}&end={yesterday}"),
    ("health API, 365 days", "/api/v1/insights/health?days=365"),
    ("pipeline, 365 days", "/admin/insights/pipeline"),
]
# The same figures computed in-process from the raw rows (the path the roll-ups replace) and from
# the roll-ups: the same-run baseline of the pages' data work.
FIGURES = [("7 days", "7", None), ("30 days", "30", None), ("90 days", "90", None), ("365 days", "365", None),
           ("30 days, one category", "30", 1), ("365 days, one category", "365", 1)]
BASELINE = ("static file (baseline)", "/static/css/hearth.css")
STAGES = ("registered", "contributor", "regular", "helper", "advocate", "ambassador")


def generate(session, settings: Settings, posts: int, seed: int = 7) -> None:
    """A year of forum, idea and scoring activity with about `posts` posts."""
    rng = random.Random(seed)
    now = utcnow()
    start = now - timedelta(days=365)
    members = max(200, posts // 10)
    session.execute(insert(User), [
        {"id": i, "username": f"m{i}", "username_key": f"m{i}", "display_name": f"M{i}", "password_hash": "x",
         "bio": "", "created_at": start + timedelta(days=rng.randrange(365), seconds=rng.randrange(86400)), "karma": 0}
        for i in range(2, members + 1)
    ])
    manager = User(id=1, username="boss", username_key="boss", display_name="Boss", password_hash=hash_password(settings, PASSWORD),
                   email="boss@example.org", email_key="boss@example.org", email_verified_at=start, bio="", created_at=start - timedelta(days=30))
    session.add(manager)
    session.flush()
    accounts.grant_role(session, manager, "manager", granted_by_id=None, now=start)
    weights = [1.0 / (rank ** 0.9) for rank in range(1, members + 1)]
    active = rng.choices(range(2, members + 1), weights=weights[1:], k=members * 8)
    staff = set(range(2, 12))
    visits = {(m, (start + timedelta(days=rng.randrange(365))).date()) for m in active}
    session.execute(insert(UserVisit), [{"user_id": m, "day": d, "posts_read": 1, "derived": False} for m, d in visits])
    session.execute(insert(Category), [{"id": c, "slug": f"c{c}", "name": f"Category {c}", "description": "", "position": c,
                                        "visibility": "public", "topic_count": 0, "created_at": start} for c in (1, 2, 3, 4)])
    topics = posts // 5
    topic_rows, post_rows, updates = [], [], []
    post_id = 0
    for topic_id in range(1, topics + 1):
        asker = rng.choice(active)
        asked = start + timedelta(seconds=rng.randrange(365 * 86400))
        kind = "question" if rng.random() < 0.8 else "discussion"
        topic_rows.append({"id": topic_id, "category_id": rng.randint(1, 4), "author_id": asker, "title": "t", "slug": "t", "kind": kind,
                           "created_at": asked, "last_posted_at": asked, "reply_count": 4, "highest_post_number": 5})
        post_id += 1
        post_rows.append({"id": post_id, "topic_id": topic_id, "post_number": 1, "author_id": asker, "body_source": "q",
                          "body_html": "q", "created_at": asked, "score": 0, "by_staff": False})
        replies = []
        moment = asked
        for number in range(2, 6):
            moment = moment + timedelta(seconds=int(rng.expovariate(1 / 20000)) + 60)
            author = rng.choice(list(staff)) if rng.random() < 0.15 else rng.choice(active)
            post_id += 1
            replies.append({"id": post_id, "topic_id": topic_id, "post_number": number, "author_id": author, "body_source": "a",
                            "body_html": "a", "created_at": moment, "score": 0, "by_staff": author in staff})
        post_rows += replies
        first = next((r for r in replies if r["author_id"] != asker), None)
        change = {"id": topic_id}
        if first and rng.random() < 0.9:
            change.update(first_response_post_id=first["id"], first_response_seconds=int((first["created_at"] - asked).total_seconds()))
            if kind == "question" and rng.random() < 0.45:
                chosen = rng.choice(replies)
                change.update(accepted_post_id=chosen["id"], accepted_at=chosen["created_at"] + timedelta(hours=2))
        if len(change) > 1:
            updates.append(change)
        if len(post_rows) > 50_000:
            _flush(session, topic_rows, post_rows, updates)
            topic_rows, post_rows, updates = [], [], []
    _flush(session, topic_rows, post_rows, updates)
    _ideas(session, rng, start, active, posts)
    _runs(session, rng, start, members)


def _flush(session, topics, posts, updates) -> None:
    from sqlalchemy import update

    if topics:
        session.execute(insert(Topic), topics)
    if posts:
        session.execute(insert(Post), posts)
    if updates:
        for keys in {tuple(sorted(u)) for u in updates}:
            session.execute(update(Topic), [u for u in updates if tuple(sorted(u)) == keys])


def _ideas(session, rng, start, active, posts) -> None:
    session.execute(insert(IdeaArea), [{"id": 1, "slug": "product", "name": "Product", "description": "", "category_id": 4,
                                        "position": 0, "created_at": start}])
    count = max(50, posts // 200)
    base_topic = 10_000_000
    session.execute(insert(Topic), [{"id": base_topic + i, "category_id": 4, "author_id": rng.choice(active), "title": "idea",
                                     "slug": "idea", "kind": "discussion", "created_at": start, "last_posted_at": start,
                                     "reply_count": 0, "highest_post_number": 1, "hidden_at": start} for i in range(1, count + 1)])
    ideas = []
    for i in range(1, count + 1):
        at = start + timedelta(seconds=rng.randrange(365 * 86400))
        ideas.append({"id": i, "area_id": 1, "author_id": rng.choice(active), "topic_id": base_topic + i, "title": "i", "slug": "i",
                      "status": "open", "vote_count": 0, "created_at": at, "status_changed_at": at})
    session.execute(insert(Idea), ideas)
    votes = {(rng.randint(1, count), rng.choice(active)) for _ in range(count * 20)}
    session.execute(insert(IdeaVote), [{"idea_id": i, "user_id": u, "active": True,
                                        "created_at": start + timedelta(seconds=rng.randrange(365 * 86400))} for i, u in votes])
    session.execute(insert(IdeaStatusChange), [{"idea_id": rng.randint(1, count), "old_status": "open",
                                                "new_status": rng.choice(("planned", "shipped", "declined")), "note": "",
                                                "created_at": start + timedelta(seconds=rng.randrange(365 * 86400))} for _ in range(count)])


def _runs(session, rng, start, members) -> None:
    scored = list(range(2, min(members, 3000) + 1))
    for month in range(12):
        run = ScoringRun(as_of=start + timedelta(days=30 * month + 29), trigger="cli", model_version="bench")
        session.add(run)
        session.flush()
        session.execute(insert(MemberSnapshot), [{"run_id": run.id, "user_id": u, "stage": rng.choice(STAGES)} for u in scored])
        session.execute(insert(MemberScore), [{"run_id": run.id, "user_id": u, "profile": p, "score": 50.0, "rank": r + 1,
                                               "explanation": "[]"}
                                              for p in ("helper", "moderator", "ambassador", "labs")
                                              for r, u in enumerate(rng.sample(scored, 200))])


def _log_in(client: TestClient) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    answer = client.post("/login", data={"identifier": "boss", "password": PASSWORD, "csrf_token": token})
    if 'class="nav-user"' not in answer.text:
        raise SystemExit(f"could not log in for the benchmark (status {answer.status_code})")


def _time(client: TestClient, path: str, repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds per request (in-process: the CPU time is the server's work,
    SQLite included, and stays meaningful on a machine busy with other work)."""
    client.get(path)  # warm-up
    times, cpu = [], []
    for _ in range(repeat):
        before, before_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        times.append(time.perf_counter() - before)
        cpu.append(time.process_time() - before_cpu)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    return times, cpu


def _cpu_best(work, repeat: int) -> float:
    """Best CPU seconds of `work()` over `repeat` runs after one warm-up."""
    work()
    best = float("inf")
    for _ in range(repeat):
        before = time.process_time()
        work()
        best = min(best, time.process_time() - before)
    return best


def _rollups_and_baseline(url: str, repeat: int) -> None:
    """Build the roll-ups when missing, then print raw-row against roll-up figure times."""
    from app.insights import queries, raw, rollups, service
    from app.insights.models import InsightSiteDay
    from app.insights.schemas import parse_period

    engine = make_engine(url)
    factory = make_session_factory(engine)
    now = utcnow()
    with factory() as session:
        if not session.scalar(select(func.count()).select_from(InsightSiteDay)):
            before, before_cpu = time.perf_counter(), time.process_time()
            days = rollups.rebuild(session, now, commit=session.commit)
            session.commit()
            print(f"roll-ups rebuilt: {days} days in {time.perf_counter() - before:.1f} s wall, "
                  f"{time.process_time() - before_cpu:.1f} s cpu")
    with factory() as session:
        upkeep = _cpu_best(lambda: (rollups.upkeep(session, now), session.rollback()), repeat)
        print(f"{'upkeep job (yesterday and today)':<34} cpu best {upkeep * 1000:8.1f} ms")
        for name, days, category in FIGURES:
            period = parse_period(now, days)
            slow = _cpu_best(lambda: service.health(session, period, category, str, source=raw), max(1, repeat // 2))
            fast = _cpu_best(lambda: service.health(session, period, category, str, source=queries), repeat)
            print(f"figures, {name:<25} raw rows cpu best {slow * 1000:8.1f} ms   roll-ups cpu best {fast * 1000:8.1f} ms"
                  f"   {slow / fast:6.1f}x faster")
    engine.dispose()


def main() -> None:
    """Generate, then time each page."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000, help="posts to generate (400000 for the big community)")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page")
    parser.add_argument("--url", default=None, help="database URL (default: a temporary SQLite file); an existing "
                        "community there is reused")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite:///{folder}/bench.db"
        migrate_database(url)
        settings = Settings(database_url=url, secret_key="bench-secret")
        engine = make_engine(url)
        started = time.perf_counter()
        with make_session_factory(engine)() as session, session.begin():
            existing = session.scalar(select(func.count()).select_from(Post))
            if not existing:
                generate(session, settings, args.posts)
        engine.dispose()
        if existing:
            print(f"reusing the {existing:,} posts already in {url}")
        else:
            print(f"generated about {args.posts:,} posts in {time.perf_counter() - started:.0f} s on {url.split(':')[0]}")
        _rollups_and_baseline(url, args.repeat)
        today = utcnow().date()
        dates = {"yesterday": (today - timedelta(days=1)).isoformat(), "custom_start": (today - timedelta(days=200)).isoformat()}
        app = create_app(settings)
        with TestClient(app, base_url="http://testserver") as client:
            _log_in(client)
            wall, cpu = _time(client, BASELINE[1], args.repeat)
            baseline = min(cpu)
            print(f"{BASELINE[0]:<34} wall best {min(wall) * 1000:8.1f} ms   cpu best {baseline * 1000:8.1f} ms")
            for name, path in PAGES:
                wall, cpu = _time(client, path.format(**dates), args.repeat)
                print(f"{name:<34} wall best {min(wall) * 1000:8.1f} ms   cpu best {min(cpu) * 1000:8.1f} ms"
                      f"   cpu median {statistics.median(cpu) * 1000:8.1f} ms   {min(cpu) / baseline:6.0f}x the baseline")
        app.state.engine.dispose()


if __name__ == "__main__":
    main()
