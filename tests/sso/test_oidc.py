"""Log-in through a real OpenID provider: PKCE, state and nonce, linking by verified e-mail, groups."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

from sqlalchemy import select

from app.accounts.models import Group, GroupMembership, SsoIdentity, User
from app.accounts.sso import SsoClaims
from app.accounts.sso_accounts import sync_groups
from app.accounts.service import grant_role
from tests.conftest import csrf_of, make_settings
from tests.factories import PASSWORD, make_user
from tests.sso.conftest import CALLBACK


def _start(client, next_url: str = "/") -> str:
    answer = client.post("/login/sso", data={"csrf_token": csrf_of(client), "next": next_url}, follow_redirects=False)
    assert answer.status_code == 303
    return answer.headers["location"]


def _callback(client, url: str):
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}", follow_redirects=False)


def _me(client):
    return client.get("/api/v1/me")


def _groups(db, user_id: int) -> dict[str, str]:
    return dict(db.execute(
        select(Group.name, GroupMembership.reason).join(GroupMembership, GroupMembership.group_id == Group.id)
        .where(GroupMembership.user_id == user_id)
    ).all())


def test_login_page_offers_the_provider_and_the_request_uses_pkce_state_and_nonce(client, provider):
    assert "Log in with Example Corp" in client.get("/login").text
    query = parse_qs(urlsplit(_start(client)).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43  # base64url SHA-256, never the verifier itself
    assert query["state"][0] and query["nonce"][0]
    assert query["client_id"] == ["hearth-forum"] and query["redirect_uri"] == [CALLBACK]


def test_a_new_member_signs_in_gets_an_account_and_the_mapped_labs_group(client, provider, db):
    callback = provider.log_in(_start(client, "/labs"), "ada", CALLBACK)
    answer = _callback(client, callback)
    assert answer.status_code == 303 and answer.headers["location"] == "/labs"
    assert _me(client).json()["username"] == "ada"
    user = db.scalar(select(User).where(User.email_key == "ada@example.org"))
    assert user.display_name == "Ada Lovelace" and user.email_verified_at is not None
    assert _groups(db, user.id) == {"labs": "sso"}  # "staff-emea" maps to nothing
    assert db.scalar(select(SsoIdentity.subject).where(SsoIdentity.user_id == user.id)) == "ada"


def test_an_existing_account_is_linked_by_verified_email_and_then_by_identity(client, provider, db):
    grace = make_user(db, username="ghopper", email="Grace@example.org")
    db.flush()
    _callback(client, provider.log_in(_start(client), "grace", CALLBACK))
    assert _me(client).json()["username"] == "ghopper"
    assert db.scalar(select(SsoIdentity.user_id).where(SsoIdentity.subject == "grace")) == grace.id
    client.post("/logout", data={"csrf_token": csrf_of(client, "/")})
    assert _me(client).status_code == 401
    _callback(client, provider.log_in(_start(client), "grace", CALLBACK))
    assert _me(client).json()["username"] == "ghopper"
    assert db.scalar(select(User.id).where(User.username_key == "grace")) is None  # no second account


def test_an_unverified_email_from_the_provider_never_links_to_an_existing_account(client, provider, db):
    victim = make_user(db, username="victim", email="victim@example.org")
    db.flush()
    answer = _callback(client, provider.log_in(_start(client), "mallory", CALLBACK))
    assert answer.status_code == 403
    assert "has not confirmed your e-mail address" in answer.text
    assert _me(client).status_code == 401
    assert db.scalar(select(SsoIdentity.id).where(SsoIdentity.subject == "mallory")) is None
    assert _groups(db, victim.id) == {}  # mallory's beta claim gave the victim nothing


def test_a_wrong_state_is_refused_and_logs_nobody_in(client, provider, app):
    callback = provider.log_in(_start(client), "ada", CALLBACK)
    query = parse_qs(urlsplit(callback).query)
    query["state"] = ["forged-state"]
    answer = client.get("/login/sso/callback?" + urlencode(query, doseq=True), follow_redirects=False)
    assert answer.status_code == 400
    assert "does not match the one started in this browser" in answer.text
    assert _me(client).status_code == 401


def test_a_callback_in_another_browser_is_refused(client, provider, app):
    from fastapi.testclient import TestClient

    callback = provider.log_in(_start(client), "ada", CALLBACK)
    with TestClient(app, base_url="http://testserver") as other_browser:
        answer = _callback(other_browser, callback)
        assert answer.status_code == 400 and "not started in this browser" in answer.text
        assert _me(other_browser).status_code == 401


def test_a_replayed_code_is_refused_by_the_provider_and_logs_nobody_in(client, provider):
    first = provider.log_in(_start(client), "ada", CALLBACK)
    assert _callback(client, first).status_code == 303
    client.post("/logout", data={"csrf_token": csrf_of(client, "/")})
    # A fresh login in the same browser, answered with the old code under the new state.
    new_state = parse_qs(urlsplit(_start(client)).query)["state"][0]
    old_code = parse_qs(urlsplit(first).query)["code"][0]
    answer = client.get("/login/sso/callback?" + urlencode({"code": old_code, "state": new_state}), follow_redirects=False)
    assert answer.status_code == 400
    assert "used or expired code" in answer.text
    assert _me(client).status_code == 401
    # The same callback URL sent again finds nothing pending either.
    assert _callback(client, first).status_code == 400


def test_group_claims_no_longer_listed_remove_only_what_sso_granted(db, settings):
    user = make_user(db, username="iris")
    claims = ("beta",)
    sync_groups(db, settings, user, claims, user.created_at)
    assert _groups(db, user.id) == {"labs": "sso"}
    sync_groups(db, settings, user, (), user.created_at)
    assert _groups(db, user.id) == {}
    grant_role(db, user, "labs", granted_by_id=None, now=user.created_at, reason="invitation 4")
    sync_groups(db, settings, user, (), user.created_at)
    assert _groups(db, user.id) == {"labs": "invitation 4"}  # a manager's grant stays


def test_sso_only_hides_the_password_form_and_refuses_password_paths(database_url, provider, clock, connection, db):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.conftest import _bound_session

    make_user(db, username="olga")
    db.flush()
    settings = make_settings(database_url, base_url="http://testserver", **provider.settings(oidc_only=True))
    app = create_app(settings, clock=clock, session_factory=lambda: _bound_session(connection))
    with TestClient(app, base_url="http://testserver") as client:
        page = client.get("/login").text
        assert "Log in with Example Corp" in page and 'name="password"' not in page
        token = csrf_of(client)
        answer = client.post("/login", data={"csrf_token": token, "identifier": "olga", "password": PASSWORD})
        assert answer.status_code == 403 and "single sign-on only" in answer.text
        assert client.get("/reset").status_code == 403
        assert _me(client).status_code == 401
        _callback(client, provider.log_in(_start(client), "grace", CALLBACK))
        assert _me(client).json()["username"] == "grace"
