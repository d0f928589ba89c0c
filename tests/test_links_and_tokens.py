"""Bad bearer tokens answer 401 (API) or the login page (HTML, /login included), never a redirect
loop; a post hidden from the viewer answers exactly like a post that does not exist."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from app.accounts.models import ApiToken
from app.forum.models import Post, Topic
from tests.conftest import post_form
from tests.factories import log_in, make_user
from tests.forum_factories import make_category, make_reply, make_topic

MISSING = 987_654
MAIN_RE = re.compile(r"<main.*?</main>", re.S)


def _token(client, db, username: str) -> str:
    user = make_user(db, username=username)
    log_in(client, user)
    page = post_form(client, f"/u/{username}/tokens", {"name": "script"}, token_from=f"/u/{username}/preferences")
    secret = re.search(r'<code class="token" id="new-token">([^<]+)</code>', page.text).group(1)
    client.cookies.clear()
    return secret


@pytest.mark.parametrize("path", ["/", "/login", "/latest", "/admin/mail", "/notifications"])
def test_an_unknown_bearer_token_on_a_page_gets_the_login_page_not_a_loop(app, path):
    with TestClient(app) as browser:
        response = browser.get(path, headers={"Authorization": "Bearer hth_not-a-real-token"}, follow_redirects=False)
    assert response.status_code == 401
    assert 'action="/login"' in response.text and 'name="password"' in response.text
    assert "The API token is invalid or has been revoked." in response.text
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_a_revoked_token_gets_401_json_on_the_api_and_the_login_page_on_pages(app, client, db, clock):
    secret = _token(client, db, "scripter")
    headers = {"Authorization": f"Bearer {secret}"}
    with TestClient(app) as script:
        assert script.get("/api/v1/me", headers=headers).status_code == 200
        db.execute(update(ApiToken).values(revoked_at=clock.now))
        db.flush()
        api = script.get("/api/v1/me", headers=headers)
        assert api.status_code == 401
        assert api.json() == {"error": "The API token is invalid or has been revoked.", "detail": None}
        page = script.get("/login", headers=headers, follow_redirects=False)
        assert page.status_code == 401 and 'name="password"' in page.text
        # A form POST with the dead token is refused the same way, and changes nothing.
        posted = script.post("/login", data={"identifier": "scripter", "password": "x"}, headers=headers,
                             follow_redirects=False)
        assert posted.status_code == 401


def _hidden_and_missing(db):
    """A labs reply (hidden from ordinary members) and its topic."""
    labs = make_category(db, visibility="groups", groups=("labs",))
    topic = make_topic(db, category=labs)
    reply = make_reply(db, topic=topic)
    return topic, reply


def _same(first, second):
    assert first.status_code == second.status_code == 404
    if first.headers["content-type"].startswith("application/json"):
        assert first.json() == second.json()
    else:
        assert MAIN_RE.search(first.text).group(0) == MAIN_RE.search(second.text).group(0)


@pytest.mark.parametrize("viewer", ["anonymous", "member"])
def test_hidden_and_missing_posts_and_topics_answer_identically(client, db, viewer):
    topic, reply = _hidden_and_missing(db)
    if viewer == "member":
        log_in(client, make_user(db, username="outsider"))
    for template in ("/p/{}", "/api/v1/posts/{}", "/p/{}/revisions", "/api/v1/posts/{}/revisions"):
        _same(client.get(template.format(reply.id)), client.get(template.format(MISSING)))
    for template in ("/t/{}", "/t/{}/2", "/api/v1/topics/{}"):
        _same(client.get(template.format(topic.id)), client.get(template.format(MISSING)))
    if viewer == "member":
        _same(client.get(f"/p/{reply.id}/edit"), client.get(f"/p/{MISSING}/edit"))


def test_a_hidden_posts_vote_answers_like_a_missing_one(app, client, db):
    _topic, reply = _hidden_and_missing(db)
    secret = _token(client, db, "voter")
    with TestClient(app) as script:
        headers = {"Authorization": f"Bearer {secret}"}
        hidden = script.post(f"/api/v1/posts/{reply.id}/vote", json={"value": 1}, headers=headers)
        missing = script.post(f"/api/v1/posts/{MISSING}/vote", json={"value": 1}, headers=headers)
    _same(hidden, missing)
    assert hidden.json()["error"] == "This post does not exist or you may not see it."


def test_a_moderator_hidden_topic_answers_like_a_missing_one(client, db, clock):
    topic = make_topic(db, category=make_category(db))
    reply = make_reply(db, topic=topic)
    db.execute(update(Topic).where(Topic.id == topic.id).values(hidden_at=clock.now - timedelta(minutes=1)))
    db.flush()
    _same(client.get(f"/t/{topic.id}"), client.get(f"/t/{MISSING}"))
    _same(client.get(f"/p/{reply.id}"), client.get(f"/p/{MISSING}"))
    _same(client.get(f"/api/v1/posts/{reply.id}"), client.get(f"/api/v1/posts/{MISSING}"))
    assert db.scalar(select(func.count(Post.id)).where(Post.topic_id == topic.id)) == 2


def test_labs_ideas_and_categories_answer_like_missing_ones(client, db, settings):
    from tests.ideas.helpers import make_area, make_idea, member, wire

    wire(settings)
    area = make_area(db, visibility="labs", name="Secret beta")
    idea = make_idea(db, settings, author=member(db, roles=("labs",)), area=area)
    log_in(client, make_user(db, username="curious"))
    _same(client.get(f"/ideas/{idea.id}"), client.get(f"/ideas/{MISSING}"))
    _same(client.get(f"/api/v1/ideas/{idea.id}"), client.get(f"/api/v1/ideas/{MISSING}"))
    from app.forum.models import Category

    slug = db.get(Category, area.category_id).slug
    assert client.get(f"/c/{slug}").status_code == 404
    _same(client.get(f"/c/{slug}"), client.get("/c/no-such-category"))
