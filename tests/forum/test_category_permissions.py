"""Per-category posting rules: who may start topics and who may reply (every member, staff, groups),
and categories whose topics come only from the idea form; enforced in pages and the API alike."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.forum.models import Category, CategoryPostingGroup, Post, Topic
from app.forum.permissions import CategoryAccess, can_post_in_category
from app.web import Viewer
from tests.conftest import post_form
from tests.factories import log_in
from tests.forum_factories import make_category, make_topic
from tests.ideas.helpers import make_area, member, wire

ANONYMOUS = Viewer()


def _viewer(*roles: str) -> Viewer:
    return Viewer(id=1, username="x", display_name="x", roles=frozenset({"member", *roles}))


PUBLIC = dict(visibility="public", groups=frozenset())


@pytest.mark.parametrize(
    "access, viewer, topic, reply",
    [
        (CategoryAccess(1, **PUBLIC), ANONYMOUS, False, False),
        (CategoryAccess(1, **PUBLIC), _viewer(), True, True),
        (CategoryAccess(1, **PUBLIC, topic_access="staff"), _viewer(), False, True),
        (CategoryAccess(1, **PUBLIC, topic_access="staff"), _viewer("moderator"), True, True),
        (CategoryAccess(1, **PUBLIC, topic_access="staff"), _viewer("manager"), True, True),
        (CategoryAccess(1, **PUBLIC, reply_access="staff"), _viewer(), True, False),
        (CategoryAccess(1, **PUBLIC, topic_access="groups", topic_groups=frozenset({"labs"})), _viewer(), False, True),
        (CategoryAccess(1, **PUBLIC, topic_access="groups", topic_groups=frozenset({"labs"})), _viewer("labs"), True, True),
        (CategoryAccess(1, **PUBLIC, topic_access="groups", topic_groups=frozenset({"labs"})), _viewer("admin"), True, True),
        # Posting never reaches past seeing: a labs-only category is closed to everyone else.
        (CategoryAccess(1, "groups", frozenset({"labs"})), _viewer(), False, False),
        (CategoryAccess(1, "groups", frozenset({"labs"})), _viewer("labs"), True, True),
        (CategoryAccess(1, "groups", frozenset({"labs"}), reply_access="staff"), _viewer("labs"), True, False),
        # Idea categories: no plain topics for anyone, replies as usual.
        (CategoryAccess(1, **PUBLIC, topic_form="ideas"), _viewer(), False, True),
        (CategoryAccess(1, **PUBLIC, topic_form="ideas"), _viewer("admin"), False, True),
    ],
)
def test_the_posting_rule(access, viewer, topic, reply):
    assert can_post_in_category(viewer, access, "topic") is topic
    assert can_post_in_category(viewer, access, "reply") is reply


def test_the_idea_form_may_start_topics_in_idea_categories():
    access = CategoryAccess(1, **PUBLIC, topic_form="ideas")
    assert can_post_in_category(_viewer(), access, "topic", via="ideas") is True
    assert can_post_in_category(ANONYMOUS, access, "topic", via="ideas") is False


def _topics_in(db, category) -> int:
    return db.scalar(select(func.count(Topic.id)).where(Topic.category_id == category.id))


def test_only_staff_start_announcements_and_members_reply_there(client, db):
    news = make_category(db, slug="announcements", name="Announcements")
    news.topic_access = "staff"
    db.flush()
    other = make_category(db, slug="help", name="Help")
    alice = member(db, username="alice")
    log_in(client, alice)

    assert 'href="/new-topic?category=announcements"' not in client.get("/c/announcements").text
    assert 'href="/new-topic?category=help"' in client.get("/c/help").text
    form = client.get("/new-topic")
    assert f'<option value="{other.id}"' in form.text and f'<option value="{news.id}"' not in form.text

    body = "Big news from the community: a meetup next week!"
    response = post_form(client, "/new-topic", {"title": "News from the Ember team", "body": body,
                                                "category_id": str(news.id), "kind": "discussion"},
                         token_from="/new-topic")
    assert response.status_code == 403
    assert "Only staff can start topics in this category." in response.text
    assert body in response.text  # nothing typed is lost
    assert _topics_in(db, news) == 0

    api = client.post("/api/v1/topics", json={"category_id": news.id, "title": "News from the Ember team",
                                                "body": body, "kind": "discussion"},
                      headers={"X-CSRF-Token": _csrf(client)})
    assert api.status_code == 403
    assert api.json()["error"] == "Only staff can start topics in this category."
    assert {c["slug"]: c["can_start_topics"] for c in client.get("/api/v1/categories").json()["items"]} == {
        "announcements": False, "help": True,
    }

    announcement = make_topic(db, category=news, author=member(db, roles=("moderator",)))
    reply = post_form(client, f"/t/{announcement.id}/reply", {"body": "Looking forward to it!"},
                      token_from=f"/t/{announcement.id}", follow_redirects=False)
    assert reply.status_code == 303
    assert db.scalar(select(func.count(Post.id)).where(Post.topic_id == announcement.id)) == 2


def _csrf(client) -> str:
    from tests.conftest import csrf_of

    return csrf_of(client, "/new-topic")


def test_staff_only_replies_are_refused_on_the_page_and_the_api(client, db):
    support = make_category(db, slug="official-answers")
    support.reply_access = "staff"
    db.flush()
    topic = make_topic(db, category=support)
    log_in(client, member(db, username="bob"))
    page = client.get(f"/t/{topic.id}")
    assert "Only staff can reply in this category." in page.text
    assert f'action="/t/{topic.id}/reply' not in page.text
    refused = post_form(client, f"/t/{topic.id}/reply", {"body": "Me too, please fix it"}, token_from=f"/t/{topic.id}")
    assert refused.status_code == 403 and "Only staff can reply in this category." in refused.text
    api = client.post(f"/api/v1/topics/{topic.id}/posts", json={"body": "Me too"},
                      headers={"X-CSRF-Token": _csrf(client)})
    assert api.status_code == 403 and api.json()["error"] == "Only staff can reply in this category."
    assert db.scalar(select(func.count(Post.id)).where(Post.topic_id == topic.id)) == 1


def test_a_group_may_be_the_only_one_starting_topics(client, db):
    beta = make_category(db, slug="beta-feedback")
    db.add(CategoryPostingGroup(category_id=beta.id, action="topic", group_id=_group_id(db, "labs")))
    beta.topic_access = "groups"
    db.flush()
    outsider = member(db, username="outsider")
    tester = member(db, username="tester", roles=("labs",))
    data = {"title": "Firmware 6 beta drains the battery", "body": "Since the beta my battery lasts a day.",
            "category_id": str(beta.id), "kind": "question"}
    log_in(client, outsider)
    assert post_form(client, "/new-topic", data, token_from="/new-topic").status_code == 403
    client.cookies.clear()
    log_in(client, tester)
    assert post_form(client, "/new-topic", data, token_from="/new-topic", follow_redirects=False).status_code == 303
    assert _topics_in(db, beta) == 1


def _group_id(db, name: str) -> int:
    from app.accounts.models import Group

    return db.scalar(select(Group.id).where(Group.name == name))


def test_idea_categories_take_topics_only_through_the_idea_form(client, db, settings):
    wire(settings)
    area = make_area(db, name="Heating ideas")
    category = db.get(Category, area.category_id)
    assert category.topic_form == "ideas"
    log_in(client, member(db, username="ideator"))
    assert f'<option value="{category.id}"' not in client.get("/new-topic").text
    plain = post_form(client, "/new-topic", {"title": "Add a frost protection mode", "body": "Please.",
                                             "category_id": str(category.id), "kind": "discussion"},
                      token_from="/new-topic")
    assert plain.status_code == 403
    assert "Topics in this category are started from the idea board: use the idea form." in plain.text
    assert _topics_in(db, category) == 0
    idea = post_form(client, "/ideas/new", {"title": "Add a frost protection mode", "description": "Please.",
                                            "area_id": str(area.id)}, token_from="/ideas/new", follow_redirects=False)
    assert idea.status_code == 303
    assert _topics_in(db, category) == 1


def test_admin_sets_who_may_post_in_admin_categories(client, db):
    category = make_category(db, slug="releases", name="Releases")
    log_in(client, member(db, username="root", roles=("admin",)))
    form = client.get(f"/admin/categories?edit={category.id}")
    assert 'name="topic_access" value="staff"' in form.text and 'name="reply_groups" value="labs"' in form.text
    data = {"category_id": str(category.id), "slug": "releases", "name": "Releases", "position": "0",
            "visibility": "public", "topic_access": "staff", "reply_access": "groups", "reply_groups": ["labs"]}
    saved = post_form(client, "/admin/categories", data, token_from="/admin/categories", follow_redirects=False)
    assert saved.status_code == 303
    db.refresh(category)
    assert (category.topic_access, category.reply_access, category.topic_form) == ("staff", "groups", "any")
    assert db.scalars(select(CategoryPostingGroup.action).where(CategoryPostingGroup.category_id == category.id)).all() == ["reply"]
    listing = client.get("/admin/categories").text
    assert "Staff only" in listing and "Groups: labs" in listing

    missing_group = post_form(client, "/admin/categories", {**data, "reply_groups": []}, token_from="/admin/categories")
    assert missing_group.status_code == 422
    assert "Choose at least one group that may post." in missing_group.text
