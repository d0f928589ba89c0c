"""The forum's JSON API: same services, same permissions, JSON errors."""

from __future__ import annotations

from datetime import timedelta

from app.accounts import service as accounts
from tests.factories import make_user
from tests.forum_factories import make_category, make_reply, make_topic


def _bearer(db, user, now):
    return {"Authorization": f"Bearer {accounts.create_api_token(db, user, 'tests', now)}"}


def test_create_read_reply_edit_accept_through_the_api(client, db, clock):
    category = make_category(db, slug="help")
    asker = make_user(db, username="apiasker", created_at=clock.now - timedelta(days=3))
    helper = make_user(db, username="apihelper", created_at=clock.now - timedelta(days=3))
    asker_auth, helper_auth = _bearer(db, asker, clock.now), _bearer(db, helper, clock.now)

    categories = client.get("/api/v1/categories").json()["items"]
    assert [c["slug"] for c in categories] == ["help"]

    created = client.post(
        "/api/v1/topics",
        json={"category_id": category.id, "title": "API question about exports", "body": "How do I export **CSV**?", "tags": ["Export"]},
        headers=asker_auth,
    )
    assert created.status_code == 201, created.text
    topic_id = created.json()["topic_id"]
    assert created.json()["url"] == f"/t/{topic_id}-api-question-about-exports"

    reply = client.post(f"/api/v1/topics/{topic_id}/posts", json={"body": "Use the export button, @apiasker."}, headers=helper_auth)
    assert reply.status_code == 201
    reply_id = reply.json()["id"]

    topic = client.get(f"/api/v1/topics/{topic_id}").json()
    assert topic["tags"] == ["export"] and topic["reply_count"] == 1 and topic["posts"]["next_offset"] is None
    assert "<strong>CSV</strong>" in topic["posts"]["items"][0]["body_html"]
    assert 'href="/u/apiasker"' in topic["posts"]["items"][1]["body_html"]

    clock.advance(minutes=30)
    edited = client.patch(f"/api/v1/posts/{reply_id}", json={"body": "Use the export button in Settings."}, headers=helper_auth)
    assert edited.status_code == 200 and edited.json()["edited"] is True
    revisions = client.get(f"/api/v1/posts/{reply_id}/revisions").json()["items"]
    assert len(revisions) == 1 and revisions[0]["editor"] == "apihelper"
    assert revisions[0]["old_source"] == "Use the export button, @apiasker."

    refused = client.post(f"/api/v1/topics/{topic_id}/accept", json={"post_id": reply_id}, headers=helper_auth)
    assert refused.status_code == 403 and refused.json()["error"]
    assert client.post(f"/api/v1/topics/{topic_id}/accept", json={"post_id": reply_id}, headers=asker_auth).status_code == 204
    assert client.get(f"/api/v1/topics/{topic_id}").json()["accepted_post_id"] == reply_id
    solved = client.get("/api/v1/topics?filter=solved").json()["items"]
    assert [t["id"] for t in solved] == [topic_id] and solved[0]["solved"]
    assert client.delete(f"/api/v1/topics/{topic_id}/accept", headers=asker_auth).status_code == 204
    assert client.get(f"/api/v1/topics/{topic_id}").json()["accepted_post_id"] is None


def test_api_errors_are_json_and_keep_nothing(client, db, clock):
    category = make_category(db)
    member = make_user(db, created_at=clock.now - timedelta(days=3))
    auth = _bearer(db, member, clock.now)
    bad = client.post("/api/v1/topics", json={"category_id": category.id, "title": "no", "body": ""}, headers=auth)
    assert bad.status_code == 422
    assert set(bad.json()["detail"]) == {"title", "body"}
    anonymous = client.post("/api/v1/topics", json={"category_id": category.id, "title": "Long enough title", "body": "x"})
    assert anonymous.status_code in (401, 403) and "error" in anonymous.json()
    assert client.get("/api/v1/topics").json()["items"] == []
    assert client.get("/api/v1/topics/999999").status_code == 404
    assert client.get("/api/v1/topics?filter=bogus").status_code == 422


def test_restricted_topics_are_404_over_the_api(client, db, clock):
    labs = make_category(db, slug="labs-area", visibility="groups", groups=("labs",))
    topic = make_topic(db, category=labs, title="Unreleased feature feedback", now=clock.now)
    reply = make_reply(db, topic=topic, now=clock.now)
    member = make_user(db, created_at=clock.now - timedelta(days=3))
    auth = _bearer(db, member, clock.now)
    assert client.get(f"/api/v1/topics/{topic.id}", headers=auth).status_code == 404
    assert client.get(f"/api/v1/posts/{reply.id}", headers=auth).status_code == 404
    assert client.get("/api/v1/topics?category=labs-area", headers=auth).status_code == 404
    assert client.post(f"/api/v1/topics/{topic.id}/posts", json={"body": "hi"}, headers=auth).status_code == 404
    assert client.patch(f"/api/v1/posts/{reply.id}", json={"body": "mine now"}, headers=auth).status_code == 404
    labs_member = make_user(db, roles=("labs",))
    labs_auth = _bearer(db, labs_member, clock.now)
    assert client.get(f"/api/v1/topics/{topic.id}", headers=labs_auth).json()["title"] == "Unreleased feature feedback"
