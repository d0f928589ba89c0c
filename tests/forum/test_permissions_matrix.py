"""Visibility matrix: public / members / labs-only categories × anonymous, member, labs member,
moderator and admin. Every forum path shows or hides the same topics, and restricted ones answer
404 so their existence does not leak."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.forum.models import Post
from tests.factories import log_in, make_user
from tests.forum_factories import make_category, make_reply, make_topic

VISIBILITIES = ("public", "members", "groups")
VIEWERS = {
    "anonymous": None,
    "member": (),
    "labs member": ("labs",),
    "moderator": ("moderator",),
    "admin": ("admin",),
}
MAY_SEE = {
    "anonymous": {"public"},
    "member": {"public", "members"},
    "labs member": {"public", "members", "groups"},
    "moderator": {"public", "members", "groups"},
    "admin": {"public", "members", "groups"},
}


@pytest.fixture
def world(db, clock):
    author = make_user(db, username="insider", roles=("labs",))
    world = {"author": author}
    for visibility in VISIBILITIES:
        category = make_category(
            db, slug=f"area-{visibility}", visibility=visibility, groups=("labs",) if visibility == "groups" else ()
        )
        topic = make_topic(
            db, author=author, category=category, title=f"Secretive title {visibility} zebra",
            body=f"Body text {visibility} quokka", tags=["matrix"], now=clock.now,
        )
        reply = make_reply(db, topic=topic, author=author, body=f"Reply text {visibility} wombat", now=clock.advance(minutes=1))
        world[visibility] = (category, topic, reply)
    return world


def _title(visibility):
    return f"Secretive title {visibility} zebra"


@pytest.mark.parametrize("who", list(VIEWERS))
def test_every_path_agrees_on_what_a_viewer_may_see(client, db, world, who):
    if VIEWERS[who] is not None:
        log_in(client, make_user(db, roles=VIEWERS[who]))
    lists = {
        "latest": client.get("/").text,
        "latest2": client.get("/latest").text,
        "tag": client.get("/tag/matrix").text,
        "activity": client.get("/u/insider/activity").text,
        "api list": client.get("/api/v1/topics").text,
        "api tag": client.get("/api/v1/topics?tag=matrix").text,
        "unanswered": client.get("/unanswered").text,  # only the asker replied: still unanswered
    }
    api_categories = {item["slug"] for item in client.get("/api/v1/categories").json()["items"]}
    for visibility in VISIBILITIES:
        category, topic, reply = world[visibility]
        visible = visibility in MAY_SEE[who]
        for name, text in lists.items():
            assert (_title(visibility) in text) == visible, (who, visibility, name)
        assert (category.slug in api_categories) == visible
        first_post = db.scalar(select(Post.id).where(Post.topic_id == topic.id, Post.post_number == 1))
        pages = {
            "category": client.get(f"/c/{category.slug}"),
            "topic": client.get(f"/t/{topic.id}-{topic.slug}"),
            "topic bare id": client.get(f"/t/{topic.id}", follow_redirects=False),
            "permalink": client.get(f"/t/{topic.id}/2", follow_redirects=False),
            "post link": client.get(f"/p/{reply.id}", follow_redirects=False),
            "revisions": client.get(f"/p/{first_post}/revisions"),
            "api topic": client.get(f"/api/v1/topics/{topic.id}"),
            "api post": client.get(f"/api/v1/posts/{reply.id}"),
            "api revisions": client.get(f"/api/v1/posts/{reply.id}/revisions"),
            "api category list": client.get(f"/api/v1/topics?category={category.slug}"),
        }
        for name, response in pages.items():
            if visible:
                assert response.status_code in (200, 301, 302), (who, visibility, name, response.status_code)
            else:
                assert response.status_code == 404, (who, visibility, name, response.status_code)
                for word in (f"{visibility} zebra", f"{visibility} quokka", f"{visibility} wombat"):
                    assert word not in response.text
        if visible:
            assert f"Reply text {visibility} wombat" in pages["topic"].text
            assert pages["api topic"].json()["title"] == _title(visibility)


def test_a_labs_topic_never_leaks_to_a_plain_member(client, db, world):
    member = make_user(db)
    log_in(client, member)
    _category, topic, reply = world["groups"]
    seen = []
    for path in (
        "/", "/latest", "/solved", "/new", "/categories", "/c/area-groups", "/tag/matrix", "/u/insider/activity",
        f"/t/{topic.id}-{topic.slug}", f"/t/{topic.id}/1", f"/p/{reply.id}", f"/p/{reply.id}/edit",
        "/api/v1/categories", "/api/v1/topics", f"/api/v1/topics/{topic.id}", f"/api/v1/posts/{reply.id}",
        "/new-topic?category=area-groups",
    ):
        text = client.get(path).text
        if any(word in text for word in ("groups zebra", "groups quokka", "groups wombat", "area-groups")):
            seen.append(path)
    assert seen == []
    # nor can a member post into it or reply to it
    token = client.get("/new-topic").text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/new-topic",
        data={"csrf_token": token, "title": "Sneaking in here", "body": "hello", "category_id": str(_category.id)},
    )
    assert response.status_code == 422
    assert client.post(f"/t/{topic.id}/reply", data={"csrf_token": token, "body": "hi"}).status_code == 404
