"""Writers that wait instead of failing: concurrent replies against a real server and database,
a busy database that keeps the member's text, and bookkeeping that never fails a read."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app import db as app_db
from app.accounts.models import User, UserVisit
from app.db import make_engine, make_session_factory
from app.forum.models import Post
from app.main import create_app
from tests.conftest import START, FixedClock, make_settings
from tests.factories import PASSWORD, make_user
from tests.forum_factories import make_topic
from tests.live import browser, csrf, in_parallel, serve

THREADS = 12
REPLIES_EACH = 3


def _community(url: str, members: int):
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        users = [make_user(db, created_at=START - timedelta(days=30)) for _ in range(members)]
        topic = make_topic(db, now=START - timedelta(days=1))
        db.commit()
        names, topic_id = [user.username for user in users], topic.id
    return engine, names, topic_id


def _logged_in(base: str, username: str):
    client = browser(base)
    client.post("/login", data={"identifier": username, "password": PASSWORD, "csrf_token": csrf(client)})
    return client, csrf(client, "/login/email")


def test_concurrent_replies_are_all_saved_and_none_fails(make_database):
    url = make_database()
    engine, names, topic_id = _community(url, THREADS)
    app = create_app(make_settings(url), clock=FixedClock(START))
    try:
        with serve(app) as base:
            sessions = in_parallel(THREADS, lambda n: _logged_in(base, names[n]))

            def reply(n):
                client, token = sessions[n]
                answers = [
                    client.post(f"/t/{topic_id}/reply", data={"body": f"Reply {n}-{k} from a busy evening.", "csrf_token": token})
                    for k in range(REPLIES_EACH)
                ]
                # Saved means: redirected to the new post, not to the login page or an error.
                return [(a.status_code, a.headers.get("location", "").startswith(f"/t/{topic_id}")) for a in answers]

            statuses = Counter(status for result in in_parallel(THREADS, reply) for status in result)
            reads = Counter(in_parallel(THREADS, lambda n: sessions[n][0].get(f"/t/{topic_id}", follow_redirects=True).status_code))
        assert statuses == {(303, True): THREADS * REPLIES_EACH}
        assert reads == {200: THREADS}
        with make_session_factory(engine)() as db:
            bodies = db.scalars(select(Post.body_source).where(Post.topic_id == topic_id, Post.post_number > 1)).all()
            numbers = db.scalars(select(Post.post_number).where(Post.topic_id == topic_id)).all()
        assert sorted(bodies) == sorted(f"Reply {n}-{k} from a busy evening." for n in range(THREADS) for k in range(REPLIES_EACH))
        assert sorted(numbers) == list(range(1, THREADS * REPLIES_EACH + 2))
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_url(make_database):
    url = make_database()
    if make_url(url).get_backend_name() != "sqlite":
        pytest.skip("holds SQLite's file lock from outside")
    return url


def _hold_write_lock(url: str) -> sqlite3.Connection:
    """Another process's writer, as SQLite sees it: a connection inside BEGIN IMMEDIATE."""
    holder = sqlite3.connect(make_url(url).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_reply_while_the_database_stays_busy_keeps_the_text(sqlite_url, monkeypatch):
    engine, (name,), topic_id = _community(sqlite_url, 1)
    app = create_app(make_settings(sqlite_url), clock=FixedClock(START))
    monkeypatch.setattr(app_db, "BUSY_TIMEOUT_SECONDS", 0.2)
    try:
        with serve(app) as base:
            client, token = _logged_in(base, name)
            holder = _hold_write_lock(sqlite_url)
            try:
                busy = client.post(f"/t/{topic_id}/reply", data={"body": "My careful answer.", "csrf_token": token})
            finally:
                holder.rollback()
                holder.close()
            again = client.post(f"/t/{topic_id}/reply", data={"body": "My careful answer.", "csrf_token": token})
        assert busy.status_code == 503
        assert "My careful answer." in busy.text
        assert "very busy right now" in busy.text
        assert busy.headers["Retry-After"]
        assert again.status_code == 303
        with make_session_factory(engine)() as db:
            assert db.scalar(select(func.count()).where(Post.body_source == "My careful answer.")) == 1
    finally:
        engine.dispose()


def test_a_busy_database_never_fails_a_read_it_only_drops_the_visit(sqlite_url, monkeypatch):
    engine, (name,), topic_id = _community(sqlite_url, 1)
    clock = FixedClock(START)
    app = create_app(make_settings(sqlite_url), clock=clock)
    monkeypatch.setattr(app_db, "BOOKKEEPING_WAIT_SECONDS", 0.1)
    try:
        with serve(app) as base:
            client, _ = _logged_in(base, name)
            clock.advance(days=1)
            holder = _hold_write_lock(sqlite_url)
            try:
                pages = [client.get(path, follow_redirects=True) for path in ("/", f"/t/{topic_id}")]
            finally:
                holder.rollback()
                holder.close()
            with make_session_factory(engine)() as db:
                user_id = db.scalar(select(User.id).where(User.username == name))
                days_while_busy = db.scalars(select(UserVisit.day).where(UserVisit.user_id == user_id)).all()
            client.get("/")
        assert [page.status_code for page in pages] == [200, 200]
        assert f"/t/{topic_id}" in pages[0].text
        assert START.date() + timedelta(days=1) not in days_while_busy
        with make_session_factory(engine)() as db:
            days = db.scalars(select(UserVisit.day).where(UserVisit.user_id == user_id)).all()
        assert START.date() + timedelta(days=1) in days  # recorded once the database was free again
    finally:
        engine.dispose()
