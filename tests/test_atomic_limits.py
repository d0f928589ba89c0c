"""Limits decided atomically: parallel requests against a real server never pass a limit, on
SQLite and PostgreSQL alike (login throttling, posting rate, daily votes)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from app.accounts import service as accounts
from app.accounts.models import LoginAttempt
from app.db import make_engine, make_session_factory
from app.forum.models import Post, PostVote
from app.main import create_app
from tests.conftest import START, FixedClock, make_settings
from tests.factories import PASSWORD, make_user
from tests.forum_factories import make_reply, make_topic
from tests.live import browser, csrf, in_parallel, serve

PARALLEL = 16


def test_parallel_wrong_passwords_evaluate_exactly_the_limit(make_database):
    url = make_database()
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        make_user(db, username="alice")
        db.commit()
    app = create_app(make_settings(url, login_ip_per_minute=6), clock=FixedClock(START))
    try:
        with serve(app) as base:
            clients = [browser(base) for _ in range(PARALLEL)]
            tokens = [csrf(client) for client in clients]
            statuses = Counter(in_parallel(PARALLEL, lambda n: clients[n].post(
                "/login", data={"identifier": "alice", "password": f"wrong-guess-{n}", "csrf_token": tokens[n]}
            ).status_code))
        assert statuses == {400: 6, 429: PARALLEL - 6}
        with make_session_factory(engine)() as db:
            outcomes = Counter(db.scalars(select(LoginAttempt.outcome)).all())
        assert outcomes == {"failure": 6, "throttled": PARALLEL - 6}
    finally:
        engine.dispose()


def test_parallel_correct_logins_from_one_address_all_succeed(make_database):
    url = make_database()
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        names = [make_user(db).username for _ in range(10)]
        db.commit()
    app = create_app(make_settings(url, login_ip_per_minute=3), clock=FixedClock(START))
    try:
        with serve(app) as base:
            clients = [browser(base) for _ in names]
            tokens = [csrf(client) for client in clients]
            answers = in_parallel(len(names), lambda n: clients[n].post(
                "/login", data={"identifier": names[n], "password": PASSWORD, "csrf_token": tokens[n]}
            ))
        assert [(answer.status_code, answer.headers.get("location")) for answer in answers] == [(303, "/")] * len(names)
    finally:
        engine.dispose()


def test_parallel_replies_never_pass_the_posting_rate(make_database):
    url = make_database()
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        make_user(db, username="quick", created_at=START - timedelta(days=30))
        topics = [make_topic(db, now=START - timedelta(days=1)).id for _ in range(PARALLEL)]
        db.commit()
    app = create_app(make_settings(url, post_rate_count=5, post_rate_seconds=60), clock=FixedClock(START))
    try:
        with serve(app) as base:
            member = browser(base)
            member.post("/login", data={"identifier": "quick", "password": PASSWORD, "csrf_token": csrf(member)})
            token = csrf(member, "/login/email")
            answers = in_parallel(PARALLEL, lambda n: member.post(
                f"/t/{topics[n]}/reply", data={"body": f"Quick reply {n}.", "csrf_token": token}
            ))
        statuses = Counter(answer.status_code for answer in answers)
        assert statuses == {303: 5, 429: PARALLEL - 5}
        refused = [answer for answer in answers if answer.status_code == 429]
        assert all("posting too fast" in answer.text for answer in refused)
        assert all(f"Quick reply {answers.index(answer)}." in answer.text for answer in refused)  # text kept
        with make_session_factory(engine)() as db:
            assert db.scalar(select(func.count()).where(Post.body_source.like("Quick reply %"))) == 5
    finally:
        engine.dispose()


def test_parallel_votes_never_pass_the_daily_limit(make_database):
    url = make_database()
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        voter = make_user(db, created_at=START - timedelta(days=30))
        topic = make_topic(db, now=START - timedelta(days=1))
        posts = [make_reply(db, topic=topic, now=START - timedelta(hours=20, minutes=n)).id for n in range(PARALLEL)]
        secret = accounts.create_api_token(db, voter, "votes", START)
        db.commit()
    app = create_app(make_settings(url, vote_daily_limit=4), clock=FixedClock(START))
    try:
        with serve(app) as base:
            api = browser(base, Authorization=f"Bearer {secret}")
            statuses = Counter(in_parallel(PARALLEL, lambda n: api.post(
                f"/api/v1/posts/{posts[n]}/vote", json={"value": 1}
            ).status_code))
        assert statuses == {200: 4, 429: PARALLEL - 4}
        with make_session_factory(engine)() as db:
            assert db.scalar(select(func.count()).select_from(PostVote).where(PostVote.value == 1)) == 4
            assert db.scalar(select(func.sum(Post.score))) == 4
    finally:
        engine.dispose()
