"""Login throttling with a fixed clock: per IP, per account, across app instances, proxies."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.accounts.models import LoginAttempt
from app.db import make_engine, make_session_factory
from app.main import create_app
from app.security import hash_ip
from tests.conftest import FixedClock, _bound_session, make_settings, post_form
from tests.factories import PASSWORD, last_email, link_path, make_user

PROXY = "10.0.0.1"
WRONG = "definitely-wrong-1"


def _fail(client, identifier: str, headers: dict | None = None):
    response = post_form(client, "/login", {"identifier": identifier, "password": WRONG}, headers=headers)
    assert response.status_code == 400, response.status_code
    return response


def _logged_in(client) -> bool:
    return 'class="nav-user"' in client.get("/").text


def _from(ip: str) -> dict:
    return {"X-Forwarded-For": ip}


@pytest.fixture
def proxied_app(database_url, clock, connection):
    """An app behind a trusted reverse proxy at 10.0.0.1, sharing the test's transaction."""
    settings = make_settings(database_url, trusted_proxies=[PROXY])
    return create_app(settings, clock=clock, session_factory=lambda: _bound_session(connection))


@pytest.fixture
def via_proxy(proxied_app):
    with TestClient(proxied_app, client=(PROXY, 50000)) as client:
        yield client


def test_seventh_failure_from_one_ip_within_a_minute_gets_429(client, db, clock):
    make_user(db, username="alice")
    for n in range(6):
        _fail(client, f"nobody{n}")
        clock.advance(seconds=5)
    blocked = post_form(client, "/login", {"identifier": "alice", "password": PASSWORD})
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    assert "Too many failed log-ins" in blocked.text
    assert not _logged_in(client)

    clock.advance(seconds=int(blocked.headers["Retry-After"]))
    allowed = post_form(client, "/login", {"identifier": "alice", "password": PASSWORD})
    assert allowed.status_code == 200
    assert _logged_in(client)
    assert db.scalars(select(LoginAttempt.outcome).order_by(LoginAttempt.id)).all()[-2:] == [
        "throttled",
        "success",
    ]


def test_six_failures_a_minute_are_still_allowed(client, db, clock):
    make_user(db, username="alice")
    for n in range(5):
        _fail(client, f"nobody{n}")
    response = post_form(client, "/login", {"identifier": "alice", "password": PASSWORD})
    assert response.status_code == 200
    assert _logged_in(client)


def test_thirty_failures_an_hour_from_one_ip(client, db, clock):
    make_user(db, username="alice")
    for n in range(30):
        _fail(client, f"nobody{n}")
        clock.advance(seconds=30 if n % 2 else 1)  # never 6 in one minute
    blocked = post_form(client, "/login", {"identifier": "alice", "password": PASSWORD})
    assert blocked.status_code == 429
    assert 60 < int(blocked.headers["Retry-After"]) <= 3600


def test_eleventh_attempt_for_one_account_from_one_network_within_15_minutes_gets_429(via_proxy, db, clock):
    user = make_user(db, username="alice")
    for n in range(10):
        _fail(via_proxy, "alice", headers=_from(f"203.0.113.{n + 1}"))
        clock.advance(seconds=20)
    same_network = _from("203.0.113.77")
    blocked = post_form(via_proxy, "/login", {"identifier": "alice", "password": PASSWORD}, headers=same_network)
    assert blocked.status_code == 429
    wait = int(blocked.headers["Retry-After"])
    assert 11 * 60 < wait <= 15 * 60
    assert not _logged_in(via_proxy)

    clock.advance(seconds=wait - 5)
    still = post_form(via_proxy, "/login", {"identifier": "alice", "password": PASSWORD}, headers=same_network)
    assert still.status_code == 429

    clock.advance(seconds=5)
    post_form(via_proxy, "/login", {"identifier": "alice", "password": PASSWORD}, headers=same_network)
    assert _logged_in(via_proxy)
    assert user.id in db.scalars(select(LoginAttempt.user_id).where(LoginAttempt.outcome == "success")).all()


def test_account_back_off_spread_over_minutes_from_one_ip(client, db, clock):
    make_user(db, username="alice", email="alice@example.org")
    for _ in range(10):
        _fail(client, "ALICE@example.org")
        clock.advance(seconds=70)
    blocked = post_form(client, "/login", {"identifier": "alice", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Retry-After" in blocked.headers


def test_unknown_accounts_are_throttled_like_real_ones(via_proxy, db, clock):
    make_user(db, username="alice")
    answers = {}
    for name in ("alice", "ghost"):
        for n in range(10):
            _fail(via_proxy, name, headers=_from(f"203.0.113.{n + 1}"))
        answers[name] = post_form(via_proxy, "/login", {"identifier": name, "password": WRONG}, headers=_from("203.0.113.99"))
    assert answers["alice"].status_code == answers["ghost"].status_code == 429
    assert answers["alice"].headers["Retry-After"] == answers["ghost"].headers["Retry-After"]
    assert answers["alice"].text.replace("alice", "X") == answers["ghost"].text.replace("ghost", "X")


def test_password_reset_works_during_a_back_off(client, db, clock):
    user = make_user(db, username="alice", email="alice@example.org")
    for _ in range(10):
        _fail(client, "alice")
        clock.advance(seconds=70)
    assert post_form(client, "/login", {"identifier": "alice", "password": PASSWORD}).status_code == 429

    assert post_form(client, "/reset", {"email": "alice@example.org"}).status_code == 200
    path = link_path(last_email(db, "password_reset", "alice@example.org").body_text, "/reset/")
    response = post_form(client, path, {"password": "violet-harbour-sings-73"})
    assert response.status_code == 200
    assert _logged_in(client)
    assert user.id is not None


def test_forwarded_for_is_ignored_without_trusted_proxies(client, db, clock, settings):
    make_user(db, username="alice")
    for n in range(6):
        _fail(client, f"nobody{n}", headers=_from(f"203.0.113.{n + 1}"))
    blocked = post_form(client, "/login", {"identifier": "alice", "password": PASSWORD}, headers=_from("203.0.113.99"))
    assert blocked.status_code == 429
    hashes = set(db.scalars(select(LoginAttempt.ip_hash)).all())
    assert hashes == {hash_ip(settings, "testclient")}


def test_forwarded_for_is_ignored_from_a_peer_that_is_not_a_trusted_proxy(proxied_app, db, clock):
    make_user(db, username="alice")
    with TestClient(proxied_app, client=("192.0.2.50", 50000)) as direct:
        for n in range(6):
            _fail(direct, f"nobody{n}", headers=_from(f"203.0.113.{n + 1}"))
        blocked = post_form(direct, "/login", {"identifier": "alice", "password": PASSWORD}, headers=_from("203.0.113.99"))
    assert blocked.status_code == 429
    settings = proxied_app.state.settings
    assert set(db.scalars(select(LoginAttempt.ip_hash)).all()) == {hash_ip(settings, "192.0.2.50")}


def test_forwarded_for_from_a_trusted_proxy_names_the_client(via_proxy, db, clock, proxied_app):
    make_user(db, username="alice")
    for n in range(8):
        _fail(via_proxy, f"nobody{n}", headers=_from(f"203.0.113.{n + 1}"))
    post_form(via_proxy, "/login", {"identifier": "alice", "password": PASSWORD}, headers=_from("203.0.113.99, 10.0.0.1"))
    assert _logged_in(via_proxy)
    settings = proxied_app.state.settings
    stored = db.scalars(select(LoginAttempt.ip_hash).order_by(LoginAttempt.id)).all()
    assert stored[0] == hash_ip(settings, "203.0.113.1")
    assert stored[-1] == hash_ip(settings, "203.0.113.99")


@contextmanager
def _two_instances(url: str, clock: FixedClock):
    """Two independent apps (own engines, real commits) on one database, like two workers."""
    apps = [
        create_app(make_settings(url, trusted_proxies=[PROXY]), clock=clock) for _ in range(2)
    ]
    clients = [TestClient(app, client=(PROXY, 50000)) for app in apps]
    try:
        for client in clients:
            client.__enter__()
        yield clients
    finally:
        for client in clients:
            client.__exit__(None, None, None)
        for app in apps:
            app.state.engine.dispose()


def test_throttling_holds_across_two_app_instances_sharing_a_database(make_database):
    url = make_database()
    clock = FixedClock()
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        make_user(session, username="alice")
        make_user(session, username="bob")
        session.commit()

    with _two_instances(url, clock) as (first, second):
        # Per IP: six failures split over both workers, the seventh is refused by either.
        for n in range(6):
            _fail(first if n % 2 else second, f"nobody{n}", headers=_from("203.0.113.1"))
        for worker in (first, second):
            blocked = post_form(worker, "/login", {"identifier": "bob", "password": PASSWORD}, headers=_from("203.0.113.1"))
            assert blocked.status_code == 429
            assert "Retry-After" in blocked.headers
        clock.advance(minutes=2)

        # Per account and network: ten failures from different IPs of one network over both workers.
        for n in range(10):
            _fail(first if n % 2 else second, "alice", headers=_from(f"198.51.100.{n + 1}"))
        for worker in (first, second):
            blocked = post_form(worker, "/login", {"identifier": "alice", "password": PASSWORD}, headers=_from("198.51.100.200"))
            assert blocked.status_code == 429
            assert not _logged_in(worker)

        clock.advance(minutes=15, seconds=1)
        post_form(second, "/login", {"identifier": "alice", "password": PASSWORD}, headers=_from("198.51.100.200"))
        assert _logged_in(second)

    with make_session_factory(engine)() as session:
        outcomes = session.scalars(select(LoginAttempt.outcome).order_by(LoginAttempt.id)).all()
    engine.dispose()
    assert outcomes.count("failure") == 16
    assert outcomes.count("throttled") == 4
    assert outcomes[-1] == "success"
