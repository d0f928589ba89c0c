"""The API's contract as a developer reads it in /api/docs: only JSON routes, bearer auth, one error
shape, limit/offset paging that works, 401 without credentials, and tokens from the command line."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from app.config import get_settings
from app.db import make_engine, make_session_factory
from app.main import create_app
from tests.conftest import csrf_of, make_settings
from tests.factories import log_in, make_user
from tests.forum_factories import make_category, make_reply, make_topic

LISTS = [
    "/api/v1/categories", "/api/v1/topics", "/api/v1/search", "/api/v1/notifications", "/api/v1/mod/flags",
    "/api/v1/posts/{post_id}/revisions", "/api/v1/topics/{topic_id}", "/api/v1/ideas", "/api/v1/ideas/areas",
    "/api/v1/ambassadors/candidates", "/api/v1/ambassadors/invitations", "/api/v1/invitations",
    "/api/v1/ambassadors/audit", "/api/v1/ambassadors/roles", "/api/v1/users/{username}/karma", "/api/v1/leaderboard",
]


@pytest.fixture
def spec(client) -> dict:
    return client.get("/api/openapi.json").json()


def _operations(spec):
    return [(path, method, op) for path, methods in spec["paths"].items() for method, op in methods.items()]


def test_the_schema_holds_only_the_json_api(spec):
    assert spec["openapi"].startswith("3.1")
    paths = set(spec["paths"])
    assert paths and all(path.startswith("/api/v1/") for path in paths), sorted(paths)
    assert {"/api/v1/me", "/api/v1/topics", "/api/v1/ideas"} <= paths
    assert "HTTPValidationError" not in spec["components"]["schemas"]  # FastAPI's 422 shape is not ours


def test_the_schema_declares_bearer_auth_per_operation(spec):
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "hth_…",
        "description": "A personal API token: `Authorization: Bearer hth_…`.",
    }
    security = {(path, method): op["security"] for path, method, op in _operations(spec)}
    assert security[("/api/v1/me", "get")] == [{"bearerAuth": []}]
    assert security[("/api/v1/topics", "post")] == [{"bearerAuth": []}]
    assert security[("/api/v1/topics", "get")] == [{"bearerAuth": []}, {}]  # visitors may read


def test_every_operation_documents_the_error_shape(spec):
    error = spec["components"]["schemas"]["ErrorRead"]
    assert set(error["properties"]) == {"error", "detail"} and error["required"] == ["error"]
    for path, method, op in _operations(spec):
        for code in ("401", "404", "422"):
            ref = op["responses"][code]["$ref"]
            body = spec["components"]["responses"][ref.rsplit("/", 1)[1]]
            assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorRead"}, (path, method)


def test_every_list_takes_bounded_limit_and_offset(spec):
    for path in LISTS:
        params = {p["name"]: p["schema"] for p in spec["paths"][path]["get"]["parameters"]}
        assert params["limit"] == {"type": "integer", "maximum": 100, "minimum": 1, "default": 20,
                                   "description": "Items per page (1–100).", "title": "Limit"}, path
        assert params["offset"]["minimum"] == 0 and params["offset"]["maximum"] == 100_000, path
    for path, method, op in _operations(spec):
        schema = op["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
        assert schema.get("type") != "array", f"{method} {path} answers a bare list instead of a page"


def test_paging_walks_a_list_without_gaps_or_repeats(client, db, clock):
    category = make_category(db, slug="paging")
    for n in range(5):
        clock.advance(minutes=1)
        make_topic(db, category=category, title=f"Paging question number {n}", now=clock.now)
    seen, offset = [], 0
    while offset is not None:
        page = client.get("/api/v1/topics", params={"limit": 2, "offset": offset}).json()
        assert page["limit"] == 2 and page["offset"] == offset and len(page["items"]) <= 2
        seen += [item["title"] for item in page["items"]]
        offset = page["next_offset"]
    assert seen == [f"Paging question number {n}" for n in reversed(range(5))]
    end = client.get("/api/v1/topics", params={"offset": 5}).json()
    assert (end["items"], end["limit"], end["offset"], end["next_offset"]) == ([], 20, 5, None)


def test_the_topic_list_also_pages_by_cursor(client, db, clock):
    category = make_category(db, slug="cursor")
    for n in range(3):
        clock.advance(minutes=1)
        make_topic(db, category=category, title=f"Cursor question number {n}", now=clock.now)
    first = client.get("/api/v1/topics", params={"limit": 2}).json()
    assert first["next_offset"] == 2 and first["after"]
    clock.advance(minutes=1)
    make_topic(db, category=category, title="A newer question meanwhile", now=clock.now)
    rest = client.get("/api/v1/topics", params={"limit": 2, "after": first["after"]}).json()
    assert [item["title"] for item in rest["items"]] == ["Cursor question number 0"]  # no repeat, no skip
    assert rest["next_offset"] is None


def test_paging_pages_the_posts_of_a_topic(client, db, clock):
    topic = make_topic(db, title="A long thread about pairing")
    for n in range(3):
        make_reply(db, topic=topic, body=f"Reply number {n}")
    posts = client.get(f"/api/v1/topics/{topic.id}", params={"limit": 2, "offset": 1}).json()["posts"]
    assert [p["post_number"] for p in posts["items"]] == [2, 3] and posts["next_offset"] == 3
    last = client.get(f"/api/v1/topics/{topic.id}", params={"limit": 2, "offset": 3}).json()["posts"]
    assert [p["post_number"] for p in last["items"]] == [4] and last["next_offset"] is None


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"offset": 100_001}, {"limit": "ten"}])
def test_paging_out_of_bounds_is_a_clear_422(client, query):
    response = client.get("/api/v1/topics", params=query)
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"error", "detail"} and set(body["detail"]) == set(query)


def test_out_of_range_ids_answer_like_missing_ones(client):
    response = client.get("/api/v1/topics/99999999999999999999")
    assert response.status_code == 404 and set(response.json()) == {"error", "detail"}


def test_an_api_post_without_credentials_gets_401_not_a_form_error(client, db):
    category = make_category(db)
    answer = client.post("/api/v1/topics", json={"category_id": category.id, "title": "Who am I?", "body": "x"})
    assert answer.status_code == 401
    assert answer.json() == {"error": "Please log in to continue.", "detail": None}
    assert client.post("/api/v1/ideas/1/vote").status_code == 401


def test_a_session_cookie_still_needs_the_csrf_header(client, db, clock):
    category = make_category(db)
    log_in(client, make_user(db, created_at=clock.now - timedelta(days=3)))
    body = {"category_id": category.id, "title": "Posted from the browser", "body": "With the session cookie."}
    forged = client.post("/api/v1/topics", json=body)
    assert forged.status_code == 403 and set(forged.json()) == {"error", "detail"}
    sent = client.post("/api/v1/topics", json=body, headers={"X-CSRF-Token": csrf_of(client, "/")})
    assert sent.status_code == 201


@pytest.fixture
def cli_database(make_database, monkeypatch):
    url = make_database()
    monkeypatch.setenv("HEARTH_DATABASE_URL", url)
    monkeypatch.setenv("HEARTH_SECRET_KEY", "cli-test-secret")
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_create_token_prints_a_token_that_authenticates(cli_database):
    engine = make_engine(cli_database)
    with make_session_factory(engine)() as session, session.begin():
        make_user(session, username="scripter")
    runner = CliRunner()
    result = runner.invoke(cli, ["create-token", "scripter", "--name", "backup script"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert secret.startswith("hth_")
    app = create_app(make_settings(cli_database))
    with TestClient(app) as script:
        me = script.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json()["username"] == "scripter"
    app.state.engine.dispose()
    engine.dispose()

    missing = runner.invoke(cli, ["create-token", "nobody"])
    assert missing.exit_code == 1 and "There is no member named nobody." in missing.output

