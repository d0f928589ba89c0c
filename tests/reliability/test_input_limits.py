"""Bad input gets a clear 4xx: oversized bodies (413), NUL/control characters/invalid UTF-8,
ids and pages beyond what a database holds, impossible dates; names and titles refuse control
characters and the form comes back with the member's text (issue 12, point 3)."""

from __future__ import annotations

import asyncio
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from app.accounts.models import User
from app.db import SessionDep
from app.forum.models import Topic
from app.main import create_app
from tests.conftest import csrf_of, make_settings, post_form
from tests.factories import log_in, make_user


def _is_error_json(response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "detail"} and body["error"]
    return body


def _is_error_page(response, status, words):
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert 'class="site-header"' in response.text and words in response.text


# ---------------------------------------------------------------- body size


def _asgi_post(app, *, content_length: int, path: str = "/api/v1/topics"):
    """Drive the app as a server would; returns (status, body chunks the app asked for)."""
    asked, sent = [], []

    async def receive():
        asked.append(1)
        return {"type": "http.request", "body": b"x" * 65536, "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                    (b"content-length", str(content_length).encode())],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], len(asked), body


def test_a_50_mb_body_is_refused_before_a_byte_is_read(app):
    status, chunks_read, body = _asgi_post(app, content_length=50 * 1024 * 1024)
    assert status == 413
    assert chunks_read == 0
    assert "larger than this site accepts" in json.loads(body)["error"]


def test_a_body_without_length_is_cut_off_at_the_limit(client, db):
    log_in(client, make_user(db, username="alice"))
    chunks = (b'{"title": "' + b"x" * 100_000 for _ in range(40))  # 4 MB, streamed
    response = client.post(
        "/api/v1/topics", content=chunks, headers={"Content-Type": "application/json", "X-CSRF-Token": csrf_of(client, "/")}
    )
    _is_error_json(response, 413)
    assert db.scalar(select(Topic.id)) is None


def test_the_limit_is_a_setting_and_forms_get_a_page(database_url, connection):
    from tests.conftest import _bound_session

    app = create_app(make_settings(database_url, max_body_bytes=2000), session_factory=lambda: _bound_session(connection))
    with TestClient(app) as client:
        small = client.post("/reset", data={"email": "a@example.org", "csrf_token": csrf_of(client, "/reset")})
        assert small.status_code != 413
        big = client.post("/reset", data={"email": "a" * 3000, "csrf_token": csrf_of(client, "/reset")})
        _is_error_page(big, 413, "2,000 bytes")


# ---------------------------------------------------------------- URL and body characters


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/u/a%00", 400, "control characters or invalid UTF-8"),
        ("/t/1-%FF%FE", 400, "control characters or invalid UTF-8"),
        ("/search?q=ab%00cd", 400, "control characters or invalid UTF-8"),
        ("/search?q=%C3%28", 400, "control characters or invalid UTF-8"),
        ("/latest?page=99999999999999999999999", 422, "Some fields are missing or invalid"),
        ("/t/2147483648", 404, "Page not found"),
        ("/t/9223372036854775808/1", 404, "Page not found"),
        ("/p/-1", 404, "Page not found"),
    ],
)
def test_hostile_addresses_get_a_friendly_page(client, path, status, words):
    _is_error_page(client.get(path), status, words)


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/v1/topics/2147483648", 404), ("/api/v1/topics?offset=9223372036854775808", 422), ("/api/v1/search?q=a%00", 400)],
)
def test_hostile_api_addresses_answer_json(client, path, status):
    _is_error_json(client.get(path), status)


def test_nul_and_invalid_utf8_in_bodies_are_refused(client, db):
    log_in(client, make_user(db, username="alice"))
    token = csrf_of(client, "/")
    form = client.post(
        "/new-topic", content=b"title=ab%00cd&body=x&csrf_token=" + token.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    _is_error_page(form, 400, "NUL or invalid UTF-8")
    utf8 = client.post(
        "/new-topic", content=b"title=ab%FFcd&body=x&csrf_token=" + token.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    _is_error_page(utf8, 400, "NUL or invalid UTF-8")
    api = client.post(
        "/api/v1/topics", json={"category_id": 1, "title": "ab\x00cd", "body": "x"}, headers={"X-CSRF-Token": token}
    )
    assert "NUL" in _is_error_json(api, 400)["error"]
    escaped = client.post(  # a post may quote the six characters \u0000 themselves
        "/api/v1/topics", content=b'{"category_id": 1, "title": "\\\\u0000 in C strings", "body": "x"}',
        headers={"X-CSRF-Token": token, "Content-Type": "application/json"},
    )
    assert escaped.status_code != 400


def test_a_value_the_database_cannot_hold_answers_400_not_500(app, client):
    @app.get("/api/v1/too-big")
    def too_big(db: SessionDep):
        return {"value": db.scalar(text("SELECT CAST(:v AS INTEGER)"), {"v": 2**63})}

    body = _is_error_json(client.get("/api/v1/too-big"), 400)
    assert "out of range" in body["error"]


def test_backtest_refuses_huge_horizons_and_ancient_dates_in_the_form(client, db):
    log_in(client, make_user(db, username="boss", roles=("admin",)))
    response = client.get("/ambassadors/backtest", params={"cutoff": "2026-01-01", "horizon": "99999999"})
    assert response.status_code == 422
    assert 'value="99999999"' in response.text and "from 1 to 3650" in response.text
    ancient = client.get("/ambassadors/backtest", params={"cutoff": "0001-01-01", "horizon": "60"})
    assert ancient.status_code == 422
    assert 'value="0001-01-01"' in ancient.text and "1970-01-01" in ancient.text


# ---------------------------------------------------------------- control characters in names


def test_display_names_with_control_characters_are_refused_and_kept_in_the_form(client, db):
    alice = make_user(db, username="alice")
    log_in(client, alice)
    response = post_form(
        client, "/u/alice/preferences", {"display_name": "Alice\r\nBcc: victim@example.org", "bio": "", "locale": ""},
        token_from="/u/alice/preferences",
    )
    assert response.status_code == 422
    assert "control characters" in response.text
    assert "Bcc: victim@example.org" in response.text  # what she typed is still in the form
    db.expire_all()
    assert db.get(User, alice.id).display_name == "Alice"


def test_topic_titles_and_tags_with_control_characters_are_refused(client, db, community):
    log_in(client, community["member"])
    category_id = community["form"]["category_id"]
    title = "Thermostat \x1b[2J resets"
    page = post_form(
        client, "/new-topic", {"title": title, "body": "It resets every night.", "category_id": category_id, "tags": ""},
        token_from="/new-topic",
    )
    assert page.status_code == 422 and "control characters" in page.text
    assert "It resets every night." in page.text
    api = client.post(
        "/api/v1/topics", headers={"X-CSRF-Token": csrf_of(client, "/")},
        json={"category_id": category_id, "title": "Fine title here", "body": "x", "tags": ["wi\u202efi"]},
    )
    assert "tags" in _is_error_json(api, 422)["detail"]
    assert db.scalar(select(Topic.id).where(Topic.title.like("%resets%"))) is None


def test_idea_titles_with_control_characters_are_refused(client, db, community):
    log_in(client, community["member"])
    response = post_form(
        client, "/ideas/new",
        {"title": "Dark\x07 mode please", "description": "At night.", "area_id": community["form"]["area_id"]},
        token_from="/ideas/new",
    )
    assert response.status_code == 422 and "control characters" in response.text and "At night." in response.text
