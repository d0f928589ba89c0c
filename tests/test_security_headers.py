"""Security headers on every response, and error pages in the site style (HTML) or JSON (API)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.errors import Forbidden, RateLimited
from tests.factories import log_in, make_user

SCRIPT_TAG_RE = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)


def _directives(csp: str) -> dict[str, list[str]]:
    parsed = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def _assert_secure_headers(response):
    csp = _directives(response.headers["content-security-policy"])
    script_sources = csp.get("script-src", csp.get("default-src"))
    assert script_sources and "'unsafe-inline'" not in script_sources and "'unsafe-eval'" not in script_sources
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"]


@pytest.fixture
def crashing_app(app):
    """The app with routes that fail in the ways real code can."""

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    @app.get("/api/v1/boom")
    def api_boom():
        raise RuntimeError("a bug")

    @app.get("/slow-down")
    def slow_down():
        raise RateLimited("You are posting too fast.", retry_after=42)

    @app.get("/api/v1/slow-down")
    def api_slow_down():
        raise RateLimited("You are posting too fast.", retry_after=42)

    @app.get("/staff-only")
    def staff_only():
        raise Forbidden("Only staff can see this.")

    return app


@pytest.fixture
def anyone(crashing_app):
    with TestClient(crashing_app, raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize(
    "path", ["/", "/login", "/register", "/reset", "/u/nobody", "/nowhere", "/static/css/hearth.css", "/api/v1/me", "/api/docs", "/boom", "/api/v1/boom", "/slow-down"]
)
def test_every_response_carries_the_security_headers(anyone, path):
    _assert_secure_headers(anyone.get(path))


def test_redirects_and_rejected_posts_carry_the_headers(anyone):
    _assert_secure_headers(anyone.post("/login", data={}))
    _assert_secure_headers(anyone.get("/u/x/preferences", follow_redirects=False))


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/reset", "/nowhere"])
def test_pages_have_no_inline_script(anyone, path):
    for match in SCRIPT_TAG_RE.finditer(anyone.get(path).text):
        assert "src=" in match.group("attrs") and not match.group("body").strip()


def test_authenticated_pages_are_never_cached(client, db):
    make_user(db, username="alice")
    assert "no-store" not in client.get("/static/css/hearth.css").headers.get("cache-control", "")
    log_in(client, make_user(db, username="bob"))
    for path in ("/", "/u/alice", "/u/bob/preferences"):
        assert client.get(path).headers["cache-control"] == "no-store"


def test_session_cookie_is_http_only_and_same_site_lax(client, db):
    log_in(client, make_user(db, username="alice"))
    response = client.get("/login")
    cookie = response.headers.get("set-cookie") or ""
    if not cookie:  # the session was not changed on that page; take the login answer instead
        cookie = log_in(client, make_user(db, username="bob")).headers["set-cookie"]
    assert "hearth_session=" in cookie
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()


def _looks_like_the_site(response):
    assert response.headers["content-type"].startswith("text/html")
    assert 'class="site-header"' in response.text
    assert '/static/css/hearth.css' in response.text


def test_404_page_in_site_style(anyone):
    response = anyone.get("/nowhere")
    assert response.status_code == 404
    _looks_like_the_site(response)
    assert "Page not found" in response.text


def test_403_page_in_site_style(anyone):
    response = anyone.get("/staff-only")
    assert response.status_code == 403
    _looks_like_the_site(response)
    assert "Only staff can see this." in response.text


def test_429_page_in_site_style_with_retry_after(anyone):
    response = anyone.get("/slow-down")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "42"
    _looks_like_the_site(response)
    assert "You are posting too fast." in response.text


def test_500_page_in_site_style_hides_the_details(anyone):
    response = anyone.get("/boom")
    assert response.status_code == 500
    _looks_like_the_site(response)
    assert "Something went wrong" in response.text
    assert "a bug" not in response.text and "Traceback" not in response.text


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/v1/nowhere", 404), ("/api/v1/boom", 500), ("/api/v1/slow-down", 429), ("/api/v1/me", 401)],
)
def test_api_errors_are_json(anyone, path, status):
    response = anyone.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "detail"}
    assert isinstance(body["error"], str) and body["error"]
    assert "a bug" not in body["error"]


def test_api_validation_errors_name_the_field(anyone):
    @anyone.app.get("/api/v1/echo")
    def echo(count: int):
        return {"count": count}

    response = anyone.get("/api/v1/echo", params={"count": "many"})
    assert response.status_code == 422
    assert "count" in response.json()["detail"]


def test_error_pages_are_translated(anyone):
    response = anyone.get("/nowhere", headers={"Accept-Language": "de"})
    assert response.status_code == 404
    assert 'lang="de"' in response.text
    assert "Seite nicht gefunden" in response.text
