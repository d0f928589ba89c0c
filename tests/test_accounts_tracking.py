"""Login attempts and visits are recorded with the request clock."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import LoginAttempt, User, UserVisit
from app.security import hash_ip
from tests.conftest import post_form
from tests.factories import PASSWORD, log_in, make_user

BROWSER = {"User-Agent": "Mozilla/5.0 (HearthTest) Firefox/140.0"}


def _attempts(db):
    return db.scalars(select(LoginAttempt).order_by(LoginAttempt.id)).all()


def _last_seen(db, user):
    return db.scalar(select(User.last_seen_at).where(User.id == user.id))


def _visit_days(db, user):
    return db.scalars(select(UserVisit.day).where(UserVisit.user_id == user.id).order_by(UserVisit.day)).all()


def test_every_attempt_is_recorded_with_time_outcome_user_hashed_ip_and_agent(client, db, clock, settings):
    user = make_user(db, username="alice")
    client.headers.update(BROWSER)
    post_form(client, "/login", {"identifier": "alice", "password": "wrong-password-000"})
    clock.advance(seconds=5)
    post_form(client, "/login", {"identifier": "ghost", "password": "wrong-password-000"})
    clock.advance(seconds=5)
    log_in(client, user)

    attempts = _attempts(db)
    assert [a.outcome for a in attempts] == ["failure", "failure", "success"]
    assert [a.user_id for a in attempts] == [user.id, None, user.id]
    start = clock.now - timedelta(seconds=10)
    assert [a.created_at for a in attempts] == [start, start + timedelta(seconds=5), clock.now]
    for attempt in attempts:
        assert attempt.ip_hash == hash_ip(settings, "testclient")
        assert attempt.user_agent == BROWSER["User-Agent"]


def test_raw_ip_is_never_stored(app, db, settings):
    from fastapi.testclient import TestClient

    make_user(db, username="alice")
    with TestClient(app, client=("198.51.100.23", 40000)) as browser:
        post_form(browser, "/login", {"identifier": "alice", "password": "wrong-password-000"})
    attempt = _attempts(db)[0]
    assert attempt.ip_hash == hash_ip(settings, "198.51.100.23")
    stored = " ".join(str(getattr(attempt, c.key)) for c in LoginAttempt.__table__.columns)
    assert "198.51.100.23" not in stored


def test_one_visit_row_per_day_and_last_seen_at_most_once_a_minute(client, db, clock):
    user = make_user(db, username="alice")
    log_in(client, user)
    client.get("/")
    first_seen = clock.now
    assert _last_seen(db, user) == first_seen
    assert _visit_days(db, user) == [first_seen.date()]

    clock.advance(seconds=30)
    client.get("/")
    assert _last_seen(db, user) == first_seen

    clock.advance(seconds=31)
    client.get("/")
    assert _last_seen(db, user) == clock.now
    assert _visit_days(db, user) == [first_seen.date()]

    clock.advance(days=1)
    client.get("/")
    assert _last_seen(db, user) == clock.now
    assert _visit_days(db, user) == [first_seen.date(), clock.now.date()]


def test_a_visit_just_after_midnight_counts_for_the_new_day(client, db, clock):
    user = make_user(db, username="alice")
    clock.now = clock.now.replace(hour=23, minute=59, second=50)
    log_in(client, user)
    client.get("/")
    clock.advance(seconds=20)
    client.get("/")
    assert len(_visit_days(db, user)) == 2


def test_profile_shows_days_visited(client, db, clock):
    user = make_user(db, username="alice")
    log_in(client, user)
    for _ in range(3):
        client.get("/")
        clock.advance(days=1)
    page = client.get("/u/alice")
    assert page.status_code == 200
    # The visit is bookkeeping written after the page's own read, so today counts from the next page.
    assert "<dd>3</dd>" in page.text
    assert "<dd>4</dd>" in client.get("/u/alice").text


def test_anonymous_visitors_leave_no_visit_rows(client, db):
    make_user(db, username="alice")
    client.get("/")
    client.get("/u/alice")
    assert db.scalars(select(UserVisit)).all() == []
    assert post_form(client, "/login", {"identifier": "alice", "password": PASSWORD}).status_code == 200
