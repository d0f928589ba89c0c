"""Labs: members of the labs group see a "Labs" entry and the area; nobody else sees any of it on
any path (404 on labs URLs; nothing in lists, search, notifications, profiles, e-mails or the API)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.ideas import service as ideas
from app.forum.models import Notification
from app.mail import OutboxEmail
from tests.conftest import START
from tests.factories import log_in, make_user
from tests.forum_factories import as_viewer, make_category, make_reply, make_topic

SECRET = "Quokkafeature"


@pytest.fixture
def labs(db, app):
    """A labs category with a topic, a reply mentioning an outsider, and a labs idea area with an idea."""
    category = make_category(db, slug="labs-beta", name="Labs beta", visibility="groups", groups=("labs",))
    tester = make_user(db, username="tess", roles=("labs",))
    outsider = make_user(db, username="otto")
    topic = make_topic(db, category=category, author=tester, title=f"{SECRET} preview: tell us what breaks",
                       body=f"The {SECRET} beta is live for Labs members.")
    reply = make_reply(db, topic=topic, author=make_user(db, username="lara", roles=("labs",)),
                       body=f"@otto @tess the {SECRET} toggle crashes on save")
    admin = make_user(db, username="prod", roles=("product",))
    area = ideas.create_area(db, as_viewer(db, admin), name="Labs ideas", slug="labs-ideas", visibility="labs", now=START)
    idea = ideas.propose(db, None, as_viewer(db, tester), area_id=area.id, title=f"{SECRET} dark mode",
                         description="Please.", now=START)
    return {"category": category, "topic": topic, "reply": reply, "tester": tester, "outsider": outsider,
            "area": area, "idea": idea}


def _labs_urls(labs):
    topic = labs["topic"]
    return [
        "/labs", "/api/v1/labs", "/c/labs-beta", f"/t/{topic.id}-{topic.slug}", f"/t/{topic.id}/1", f"/t/{topic.id}/2",
        f"/api/v1/topics/{topic.id}", f"/api/v1/posts/{labs['reply'].id}", f"/ideas/{labs['idea'].id}",
        f"/api/v1/ideas/{labs['idea'].id}",
    ]


@pytest.mark.parametrize("who", ["anonymous", "member", "manager"])
def test_every_labs_url_is_not_found_for_outsiders(client, db, labs, who):
    if who != "anonymous":
        log_in(client, labs["outsider"] if who == "member" else make_user(db, username="mgr", roles=("manager",)))
    for url in _labs_urls(labs):
        answer = client.get(url)
        assert answer.status_code == 404, (url, answer.status_code)
        assert SECRET not in answer.text, url


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_outsiders_never_see_labs_content_in_lists_search_profiles_or_the_api(client, db, labs, who):
    if who == "member":
        log_in(client, labs["outsider"])
    paths = ["/", "/latest", "/new", "/unanswered", "/categories", "/ideas", "/ideas?area=labs-ideas", "/ideas/roadmap",
             "/search?q=breaks", "/u/tess", "/u/lara", "/api/v1/categories", "/api/v1/topics",
             "/api/v1/search?q=breaks", "/api/v1/ideas", "/api/v1/ideas/areas"]
    for path in paths:
        answer = client.get(path)
        assert answer.status_code in (200, 404), (path, answer.status_code)
        assert SECRET not in answer.text and "labs-beta" not in answer.text and "Labs ideas" not in answer.text, path
    assert 'href="/labs"' not in client.get("/latest").text


def test_outsiders_get_no_notification_or_email_about_labs_content(client, db, labs):
    outsider = labs["outsider"]
    assert db.scalars(select(Notification).where(Notification.user_id == outsider.id)).all() == []
    assert db.scalars(select(OutboxEmail).where(OutboxEmail.to_address == outsider.email)).all() == []
    log_in(client, outsider)
    assert SECRET not in client.get("/notifications").text
    # The labs member mentioned alongside gets it: the filter is about visibility, not mentions.
    assert db.scalars(select(Notification).where(Notification.user_id == labs["tester"].id)).all()


def test_labs_members_see_the_nav_entry_and_the_whole_area(client, db, labs):
    log_in(client, labs["tester"])
    home = client.get("/latest")
    assert 'href="/labs"' in home.text
    page = client.get("/labs")
    assert page.status_code == 200
    assert "Labs beta" in page.text and f"{SECRET} preview" in page.text and "Labs ideas" in page.text
    api = client.get("/api/v1/labs").json()
    assert sorted(c["slug"] for c in api["categories"]) == ["ideas-labs-ideas", "labs-beta"]
    assert api["topics"][0]["title"].startswith(SECRET)
    for url in _labs_urls(labs):
        assert client.get(url).status_code == 200, url
    assert SECRET in client.get("/search?q=breaks").text


def test_losing_the_labs_role_closes_the_area(client, db, settings, labs, clock):
    from app.ambassadors import roles

    manager = make_user(db, username="mgr", roles=("manager",))
    roles.remove(db, settings, user_id=labs["tester"].id, role="labs", manager_id=manager.id, message="", now=clock.now)
    log_in(client, labs["tester"])
    assert client.get("/labs").status_code == 404
    assert 'href="/labs"' not in client.get("/latest").text
