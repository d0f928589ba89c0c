"""Log in, log out, change and reset passwords, CSRF protection; through the pages."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.accounts.models import User, UserSession
from tests.conftest import post_form
from tests.factories import PASSWORD, last_email, link_path, log_in, make_user

NEW_PASSWORD = "violet-harbour-sings-73"


def _logged_in_as(client, display_name: str) -> bool:
    page = client.get("/")
    return 'class="nav-user"' in page.text and display_name in page.text


def _sessions(db, user) -> int:
    return db.scalar(select(func.count()).where(UserSession.user_id == user.id))


def test_login_by_username_or_email_and_follow_next(client, db):
    user = make_user(db, username="alice", email="alice@example.org")
    response = post_form(
        client,
        "/login",
        {"identifier": "ALICE@example.org", "password": PASSWORD, "next": "/u/alice"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/u/alice"
    assert _logged_in_as(client, "Alice")
    assert _sessions(db, user) == 1


def test_login_never_redirects_off_site(client, db):
    make_user(db, username="alice")
    response = post_form(
        client,
        "/login",
        {"identifier": "alice", "password": PASSWORD, "next": "//evil.example/steal"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_every_login_gets_a_new_session_token(client, db):
    user = make_user(db, username="alice")
    log_in(client, user)
    first = client.cookies.get("hearth_session")
    log_in(client, user)
    assert client.cookies.get("hearth_session") != first
    assert _sessions(db, user) == 2


def test_wrong_password_and_unknown_account_get_the_same_answer(client, db):
    make_user(db, username="alice")
    wrong = post_form(client, "/login", {"identifier": "alice", "password": "not-the-password-1"})
    unknown = post_form(client, "/login", {"identifier": "nobody", "password": "not-the-password-1"})
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.text.replace("alice", "NAME") == unknown.text.replace("nobody", "NAME")
    assert not _logged_in_as(client, "Alice")


def test_logout_ends_the_session(client, db):
    user = make_user(db, username="alice")
    log_in(client, user)
    response = post_form(client, "/logout", {}, follow_redirects=False)
    assert response.status_code == 303
    assert not _logged_in_as(client, "Alice")
    assert _sessions(db, user) == 0


def test_protected_page_sends_visitors_to_login(client, db):
    make_user(db, username="alice")
    response = client.get("/u/alice/preferences", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_change_password_logs_out_other_sessions(app, client, db):
    user = make_user(db, username="alice")
    with TestClient(app) as other_browser:
        log_in(other_browser, user)
        log_in(client, user)
        assert _logged_in_as(other_browser, "Alice")

        response = post_form(
            client,
            "/u/alice/password",
            {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
            token_from="/u/alice/preferences",
        )
        assert response.status_code == 200
        assert "Your password has been changed." in response.text
        assert _logged_in_as(client, "Alice")
        assert not _logged_in_as(other_browser, "Alice")
    assert _sessions(db, user) == 1
    assert last_email(db, "password_changed", user.email) is not None

    client.cookies.clear()
    assert post_form(client, "/login", {"identifier": "alice", "password": PASSWORD}).status_code == 400
    log_in(client, user, NEW_PASSWORD)


def test_change_password_needs_the_current_one(client, db):
    user = make_user(db, username="alice")
    log_in(client, user)
    response = post_form(
        client,
        "/u/alice/password",
        {"current_password": "a-wrong-guess-here", "new_password": NEW_PASSWORD},
        token_from="/u/alice/preferences",
    )
    assert response.status_code == 422
    assert "This is not your current password." in response.text
    client.cookies.clear()
    log_in(client, user, PASSWORD)


def test_member_cannot_open_someone_elses_preferences(client, db):
    make_user(db, username="bob")
    log_in(client, make_user(db, username="alice"))
    assert client.get("/u/bob/preferences").status_code == 404


def _request_reset(client, address: str):
    return post_form(client, "/reset", {"email": address})


def test_password_reset_by_emailed_link_works_once(client, db):
    user = make_user(db, username="alice", email="alice@example.org")
    log_in(client, user)
    client.cookies.clear()

    assert _request_reset(client, "alice@example.org").status_code == 200
    path = link_path(last_email(db, "password_reset", "alice@example.org").body_text, "/reset/")
    assert client.get(path).status_code == 200
    response = post_form(client, path, {"password": NEW_PASSWORD})
    assert response.status_code == 200
    assert _logged_in_as(client, "Alice")
    assert _sessions(db, user) == 1  # the session from before the reset is gone

    reused = client.get(path)
    assert reused.status_code == 422
    assert "invalid, expired or already used" in reused.text
    assert post_form(client, path, {"password": "another-fresh-secret-12"}, token_from="/").status_code == 422

    client.cookies.clear()
    log_in(client, user, NEW_PASSWORD)


def test_reset_rejects_weak_password_and_keeps_the_link_usable(client, db):
    make_user(db, username="alice", email="alice@example.org")
    _request_reset(client, "alice@example.org")
    path = link_path(last_email(db, "password_reset", "alice@example.org").body_text, "/reset/")
    weak = post_form(client, path, {"password": "short"})
    assert weak.status_code == 422
    assert "Use at least 10 characters." in weak.text
    assert post_form(client, path, {"password": NEW_PASSWORD}).status_code == 200


def test_reset_answer_is_the_same_for_known_and_unknown_addresses(client, db):
    make_user(db, username="alice", email="alice@example.org")
    known = _request_reset(client, "alice@example.org")
    unknown = _request_reset(client, "ghost@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("alice@example.org", "X") == unknown.text.replace("ghost@example.org", "X")
    assert last_email(db, "password_reset", "ghost@example.org") is None


def test_post_without_csrf_token_is_rejected_and_changes_nothing(client, db):
    client.get("/register")
    data = {"username": "sneaky", "email": "sneaky@example.org", "password": "copper-kettle-midnight-91"}
    response = client.post("/register", data=data)
    assert response.status_code == 403
    assert 'class="site-header"' in response.text
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_post_with_wrong_csrf_token_is_rejected_and_changes_nothing(client, db):
    user = make_user(db, username="alice")
    log_in(client, user)
    response = client.post(
        "/u/alice/preferences",
        data={"display_name": "Hijacked", "bio": "", "locale": "", "csrf_token": "forged-token"},
    )
    assert response.status_code == 403
    assert db.scalar(select(User.display_name).where(User.id == user.id)) == "Alice"

    logout = client.post("/logout", data={"csrf_token": "forged-token"})
    assert logout.status_code == 403
    assert _logged_in_as(client, "Alice")


def test_csrf_token_of_another_browser_is_rejected(app, client, db):
    user = make_user(db, username="alice")
    log_in(client, user)
    with TestClient(app) as attacker:
        stolen = attacker.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/u/alice/preferences", data={"display_name": "Hijacked", "bio": "", "csrf_token": stolen}
    )
    assert response.status_code == 403
    assert db.scalar(select(User.display_name).where(User.id == user.id)) == "Alice"


def test_preferences_save_with_a_valid_token(client, db):
    user = make_user(db, username="alice")
    log_in(client, user)
    response = post_form(
        client, "/u/alice/preferences", {"display_name": "Alice A.", "bio": "Hi", "locale": "nl"}
    )
    assert response.status_code == 200
    assert db.scalar(select(User.display_name).where(User.id == user.id)) == "Alice A."
    assert db.scalar(select(User.locale).where(User.id == user.id)) == "nl"


def test_reset_and_verification_links_expire_on_the_sites_clock(client, db, clock, settings):
    """Link ages are measured with the request clock: valid just before the limit, refused after."""
    make_user(db, username="alice", email="alice@example.org")
    _request_reset(client, "alice@example.org")
    reset_path = link_path(last_email(db, "password_reset", "alice@example.org").body_text, "/reset/")
    clock.advance(hours=settings.reset_token_hours, seconds=-5)
    assert client.get(reset_path).status_code == 200
    clock.advance(seconds=10)
    expired = client.get(reset_path)
    assert expired.status_code == 422 and "invalid, expired or already used" in expired.text

    post_form(client, "/register", {"username": "bruno", "email": "bruno@example.org", "password": NEW_PASSWORD})
    verify_path = link_path(last_email(db, "verify_email", "bruno@example.org").body_text, "/verify/")
    clock.advance(days=settings.verify_token_days, seconds=5)
    assert client.get(verify_path, follow_redirects=False).status_code == 422
    assert db.scalar(select(User.email_verified_at).where(User.username == "bruno")) is None
