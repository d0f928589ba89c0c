"""Personal API tokens: created on the preferences page, hashed at rest, revocable; API errors."""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.accounts.models import ApiToken
from app.security import hash_token
from tests.conftest import csrf_of, post_form
from tests.factories import log_in, make_user

TOKEN_RE = re.compile(r'<code class="token" id="new-token">([^<]+)</code>')


def _create_token(client, username: str, name: str = "my script") -> str:
    page = post_form(client, f"/u/{username}/tokens", {"name": name}, token_from=f"/u/{username}/preferences")
    assert page.status_code == 200
    match = TOKEN_RE.search(page.text)
    assert match, "the new token is shown once on the page"
    return match.group(1)


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_token_from_the_preferences_page_authenticates_the_api(app, client, db, clock):
    user = make_user(db, username="alice")
    log_in(client, user)
    secret = _create_token(client, "alice")

    stored = db.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    assert stored.token_hash == hash_token(secret)
    assert secret not in (stored.token_hash, stored.prefix)
    assert secret not in client.get("/u/alice/preferences").text  # shown once only

    clock.advance(minutes=5)
    with TestClient(app) as script:  # no cookies at all
        response = script.get("/api/v1/me", headers=_bearer(secret))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "alice"
    assert body["roles"] == ["member"]
    assert response.headers["cache-control"] == "no-store"
    assert db.scalar(select(ApiToken.last_used_at).where(ApiToken.id == stored.id)) == clock.now


def test_revoked_token_gets_401_with_the_error_shape(app, client, db):
    user = make_user(db, username="alice")
    log_in(client, user)
    secret = _create_token(client, "alice")
    token_id = db.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id))
    revoked = post_form(client, f"/u/alice/tokens/{token_id}/revoke", {}, token_from="/u/alice/preferences")
    assert revoked.status_code == 200
    assert "revoked" in revoked.text

    with TestClient(app) as script:
        response = script.get("/api/v1/me", headers=_bearer(secret))
    assert response.status_code == 401
    assert set(response.json()) == {"error", "detail"}
    assert "revoked" in response.json()["error"]


def test_invalid_token_gets_401_json(client):
    response = client.get("/api/v1/me", headers=_bearer("hth_made-up"))
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    assert set(response.json()) == {"error", "detail"}


def test_api_without_credentials_gets_401_json_not_a_redirect(client):
    response = client.get("/api/v1/me", follow_redirects=False)
    assert response.status_code == 401
    assert set(response.json()) == {"error", "detail"}


def test_member_cannot_revoke_someone_elses_token(client, db):
    bob = make_user(db, username="bob")
    log_in(client, bob)
    _create_token(client, "bob")
    bob_token = db.scalar(select(ApiToken.id).where(ApiToken.user_id == bob.id))
    client.cookies.clear()
    log_in(client, make_user(db, username="alice"))
    response = post_form(client, f"/u/alice/tokens/{bob_token}/revoke", {}, token_from="/u/alice/preferences")
    assert response.status_code == 404
    assert db.scalar(select(ApiToken.revoked_at).where(ApiToken.id == bob_token)) is None


def test_token_needs_a_name(client, db):
    log_in(client, make_user(db, username="alice"))
    response = post_form(client, "/u/alice/tokens", {"name": "  "}, token_from="/u/alice/preferences")
    assert response.status_code == 422
    assert db.scalars(select(ApiToken)).all() == []


def _add_probe(app):
    """An unsafe JSON endpoint under /api/v1, standing in for the ones later domains add."""
    calls = []

    @app.post("/api/v1/_probe")
    def probe(request: Request):
        calls.append(request.method)
        return {"ok": True}

    return calls


def test_cookie_authenticated_unsafe_api_calls_need_the_csrf_header(app, client, db):
    calls = _add_probe(app)
    user = make_user(db, username="alice")
    log_in(client, user)

    missing = client.post("/api/v1/_probe", json={})
    assert missing.status_code == 403
    assert set(missing.json()) == {"error", "detail"}
    wrong = client.post("/api/v1/_probe", json={}, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    assert calls == []

    token = csrf_of(client, "/")
    assert client.post("/api/v1/_probe", json={}, headers={"X-CSRF-Token": token}).status_code == 200
    assert calls == ["POST"]


def test_bearer_authenticated_unsafe_api_calls_need_no_csrf(app, client, db):
    calls = _add_probe(app)
    log_in(client, make_user(db, username="alice"))
    secret = _create_token(client, "alice")
    with TestClient(app) as script:
        assert script.post("/api/v1/_probe", json={}, headers=_bearer(secret)).status_code == 200
    assert calls == ["POST"]


def test_openapi_documents_the_api(client):
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/me" in spec["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert "<script>" not in docs.text
