"""An attacker rotating addresses cannot lock the owner out; one-time login e-mails; password
reset limited per address and per IP and answered by the same work for unknown addresses."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.accounts.models import LoginLink, MailRequest
from app.mail import OutboxEmail
from app.main import create_app
from tests.conftest import _bound_session, make_settings, post_form
from tests.factories import PASSWORD, last_email, link_path, make_user

PROXY = "10.0.0.1"
ATTACKERS = [f"203.0.113.{n}" for n in range(1, 13)] + [f"198.51.100.{n}" for n in range(1, 13)]


def _from(ip: str) -> dict:
    return {"X-Forwarded-For": ip}


def _login(client, identifier: str, password: str, ip: str):
    return post_form(client, "/login", {"identifier": identifier, "password": password}, headers=_from(ip))


def _logged_in(client) -> bool:
    return 'class="nav-user"' in client.get("/").text


@pytest.fixture
def make_client(database_url, clock, connection):
    """Clients of an app behind a trusted proxy, sharing the test's transaction."""
    opened = []

    def make(**overrides) -> TestClient:
        settings = make_settings(database_url, trusted_proxies=[PROXY], **overrides)
        app = create_app(settings, clock=clock, session_factory=lambda: _bound_session(connection))
        client = TestClient(app, client=(PROXY, 50000))
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def test_ip_rotation_cannot_lock_the_owner_out(make_client, db, clock):
    make_user(db, username="alice", email="alice@example.org")
    attacker, owner = make_client(), make_client()
    for ip in ATTACKERS:  # 12 guesses from each of two networks, no address used twice
        _login(attacker, "alice", f"guess-{ip}", ip)
        clock.advance(seconds=10)
    assert _login(attacker, "alice", PASSWORD, "203.0.113.200").status_code == 429
    assert _login(attacker, "alice", PASSWORD, "198.51.100.200").status_code == 429

    answer = _login(owner, "alice", PASSWORD, "192.0.2.25")
    assert answer.status_code == 200 and _logged_in(owner)


def test_the_owner_logs_in_by_e_mail_from_a_throttled_network(make_client, db, clock):
    make_user(db, username="alice", email="alice@example.org")
    client = make_client()
    for ip in ATTACKERS[:12]:
        _login(client, "alice", f"guess-{ip}", ip)
    assert _login(client, "alice", PASSWORD, "203.0.113.99").status_code == 429
    assert "/login/email" in client.get("/login").text

    sent = post_form(client, "/login/email", {"email": "alice@example.org"}, headers=_from("203.0.113.99"))
    assert sent.status_code == 200 and "login link" in sent.text
    path = link_path(last_email(db, "login_link", "alice@example.org").body_text, "/login/link/")

    confirm = client.get(path)  # opening the link alone logs nobody in
    assert confirm.status_code == 200 and not _logged_in(client)
    used = post_form(client, path, {}, token_from=path, headers=_from("203.0.113.99"))
    assert used.status_code == 200 and _logged_in(client)

    other = make_client()
    again = post_form(other, path, {}, token_from="/login")
    assert again.status_code == 422 and "already used" in again.text
    assert not _logged_in(other)


def test_a_login_link_expires(make_client, db, clock):
    make_user(db, username="alice", email="alice@example.org")
    client = make_client(login_link_minutes=15)
    post_form(client, "/login/email", {"email": "alice@example.org"})
    path = link_path(last_email(db, "login_link", "alice@example.org").body_text, "/login/link/")
    clock.advance(minutes=15, seconds=1)
    assert client.get(path).status_code == 422
    assert post_form(client, path, {}, token_from="/login").status_code == 422
    assert not _logged_in(client)
    assert db.scalar(select(LoginLink.used_at)) is None


def test_past_the_ceiling_only_networks_the_owner_used_may_try(make_client, db, clock):
    make_user(db, username="alice", email="alice@example.org")
    client = make_client(login_account_all_networks_failures=20, login_account_failures=10)
    assert _login(client, "alice", PASSWORD, "192.0.2.25").status_code == 200  # the owner's network
    post_form(client, "/logout", {})
    for n in range(20):  # five guesses from each of four networks: under every per-network limit
        _login(client, "alice", f"guess-{n}", f"{(203, 198, 100, 172)[n % 4]}.{n % 4}.113.{n}")
    assert _login(client, "alice", PASSWORD, "192.168.7.7").status_code == 429  # a network never used
    assert _login(client, "alice", PASSWORD, "192.0.2.80").status_code == 200  # the owner's own
    assert _logged_in(client)


def test_reset_is_limited_per_address(make_client, db, clock):
    make_user(db, username="alice", email="alice@example.org")
    client = make_client(reset_per_address_per_hour=3)
    for n in range(3):
        assert post_form(client, "/reset", {"email": "alice@example.org"}, headers=_from(f"192.0.2.{n}")).status_code == 200
    refused = post_form(client, "/reset", {"email": "Alice@Example.org"}, headers=_from("192.0.2.50"))
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert "Too many e-mails" in refused.text and "Alice@Example.org" in refused.text
    assert db.scalar(select(func.count()).where(OutboxEmail.kind == "password_reset")) == 3

    clock.advance(hours=1, seconds=1)
    assert post_form(client, "/reset", {"email": "alice@example.org"}, headers=_from("192.0.2.50")).status_code == 200


def test_reset_and_login_links_are_limited_per_ip(make_client, db, clock):
    client = make_client(reset_per_ip_per_hour=4, reset_per_address_per_hour=100)
    for n in range(2):
        assert post_form(client, "/reset", {"email": f"someone{n}@example.org"}, headers=_from("192.0.2.9")).status_code == 200
        assert post_form(client, "/login/email", {"email": f"other{n}@example.org"}, headers=_from("192.0.2.9")).status_code == 200
    assert post_form(client, "/reset", {"email": "fifth@example.org"}, headers=_from("192.0.2.9")).status_code == 429
    assert post_form(client, "/reset", {"email": "fifth@example.org"}, headers=_from("192.0.2.10")).status_code == 200


def test_known_and_unknown_addresses_take_the_same_path(make_client, db, clock):
    make_user(db, username="alice", email="alice@example.org")
    client = make_client()
    answers = {}
    for address in ("alice@example.org", "nobody@example.org"):
        before_requests = db.scalar(select(func.count()).select_from(MailRequest))
        before_mail = db.scalar(select(func.count()).select_from(OutboxEmail))
        answers[address] = post_form(client, "/reset", {"email": address})
        # Both record one rate-limit row and queue exactly one e-mail to the typed address.
        assert db.scalar(select(func.count()).select_from(MailRequest)) == before_requests + 1
        assert db.scalar(select(func.count()).select_from(OutboxEmail)) == before_mail + 1
        assert db.scalars(select(OutboxEmail.to_address).order_by(OutboxEmail.id.desc())).first() == address
    known, unknown = answers["alice@example.org"], answers["nobody@example.org"]
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("alice@example.org", "X") == unknown.text.replace("nobody@example.org", "X")
    assert "/reset/" in last_email(db, "password_reset", "alice@example.org").body_text
    note = last_email(db, "no_account", "nobody@example.org").body_text
    assert "No account uses this address" in note and "/reset/" not in note


def test_an_invalid_address_is_refused_with_the_form_kept(make_client, db):
    client = make_client()
    answer = post_form(client, "/reset", {"email": "not an address"})
    assert answer.status_code == 422
    assert 'value="not an address"' in answer.text
    assert db.scalar(select(func.count()).select_from(OutboxEmail)) == 0
