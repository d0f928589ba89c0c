"""The JSON API under /api/v1/ideas: shapes, votes, statuses, merges and errors."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.ideas.models import Idea
from tests.conftest import csrf_of
from tests.factories import log_in
from tests.ideas.helpers import make_area, make_idea, member, wire


@pytest.fixture
def area(db, settings):
    wire(settings)
    return make_area(db, name="Heating schedules")


def _headers(client) -> dict:
    return {"X-CSRF-Token": csrf_of(client, "/ideas")}


def test_create_read_and_list(client, db, area):
    author = member(db, username="apiauthor")
    log_in(client, author)
    headers = _headers(client)
    created = client.post(
        "/api/v1/ideas", json={"area_id": area.id, "title": "Frost protection mode", "description": "Keep pipes *safe*."},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["title"] == "Frost protection mode" and body["status"] == "open" and body["vote_count"] == 0
    assert body["area"] == {"id": area.id, "slug": area.slug, "name": "Heating schedules"}
    assert body["author"] == "apiauthor" and body["url"] == f"/ideas/{body['id']}-frost-protection-mode"
    assert "<em>safe</em>" in body["description_html"]
    assert [step["new_status"] for step in body["history"]] == ["open"]
    assert body["following"] is True

    listing = client.get("/api/v1/ideas?sort=new").json()
    assert [item["id"] for item in listing["items"]] == [body["id"]]
    assert listing["budget"] == {"total": 10, "used": 0, "remaining": 10}
    assert client.get(f"/api/v1/ideas/{body['id']}").json()["id"] == body["id"]
    assert client.get("/api/v1/ideas/areas").json()["items"][0]["slug"] == area.slug


def test_invalid_idea_gets_422_with_field_messages(client, db, area):
    log_in(client, member(db))
    response = client.post("/api/v1/ideas", json={"area_id": area.id, "title": "x", "description": ""}, headers=_headers(client))
    assert response.status_code == 422
    assert set(response.json()["detail"]) == {"title", "description"}
    assert db.scalar(select(Idea.id)) is None


def test_vote_and_unvote_report_count_and_budget(client, db, settings, area):
    idea = make_idea(db, settings, author=member(db), area=area)
    log_in(client, member(db))
    headers = _headers(client)
    voted = client.post(f"/api/v1/ideas/{idea.id}/vote", headers=headers).json()
    assert voted == {"idea_id": idea.id, "voted": True, "changed": True, "vote_count": 1,
                     "budget": {"total": 10, "used": 1, "remaining": 9}}
    again = client.post(f"/api/v1/ideas/{idea.id}/vote", headers=headers).json()
    assert (again["changed"], again["vote_count"]) == (False, 1)
    taken_back = client.delete(f"/api/v1/ideas/{idea.id}/vote", headers=headers).json()
    assert (taken_back["voted"], taken_back["vote_count"], taken_back["budget"]["remaining"]) == (False, 0, 10)


def test_voting_needs_an_account(client, db, settings, area):
    idea = make_idea(db, settings, author=member(db), area=area)
    response = client.post(f"/api/v1/ideas/{idea.id}/vote", headers={"X-CSRF-Token": csrf_of(client, "/login")})
    assert response.status_code == 401
    assert set(response.json()) == {"error", "detail"}


def test_status_change_is_for_the_product_team(client, db, settings, area):
    idea = make_idea(db, settings, author=member(db), area=area)
    log_in(client, member(db))
    refused = client.post(f"/api/v1/ideas/{idea.id}/status", json={"status": "planned"}, headers=_headers(client))
    assert refused.status_code == 403 and refused.json()["error"].startswith("Only the product team")
    db.expire_all()
    assert db.get(Idea, idea.id).status == "open"

    client.cookies.clear()
    log_in(client, member(db, roles=("product",)))
    changed = client.post(f"/api/v1/ideas/{idea.id}/status", json={"status": "planned", "note": "Q3"}, headers=_headers(client))
    assert changed.status_code == 200
    assert [(s["new_status"], s["note"]) for s in changed.json()["history"]] == [("open", ""), ("planned", "Q3")]
    unknown = client.post(f"/api/v1/ideas/{idea.id}/status", json={"status": "someday"}, headers=_headers(client))
    assert unknown.status_code == 422 and "status" in unknown.json()["detail"]


def test_merge_through_the_api(client, db, settings, area):
    author = member(db)
    target, duplicate = make_idea(db, settings, author=author, area=area), make_idea(db, settings, author=author, area=area)
    log_in(client, member(db, roles=("product",)))
    response = client.post(f"/api/v1/ideas/{duplicate.id}/merge", json={"into_id": target.id}, headers=_headers(client))
    assert response.status_code == 200
    assert response.json()["id"] == target.id and response.json()["merged_from"] == [duplicate.id]
    again = client.post(f"/api/v1/ideas/{duplicate.id}/merge", json={"into_id": target.id}, headers=_headers(client))
    assert again.status_code == 409
    assert client.get(f"/api/v1/ideas/{duplicate.id}").json()["merged_into_id"] == target.id
