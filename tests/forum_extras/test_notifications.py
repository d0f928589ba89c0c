"""Notifications: fan-out, visibility, e-mail preferences, unsubscribe, the list and the badge."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.forum import answers
from app.forum.models import Notification, NotificationSetting
from tests.conftest import csrf_of, post_form
from tests.factories import log_in
from tests.factories import count_statements
from tests.forum_extras.helpers import member, outbox
from tests.forum_factories import as_viewer, make_category, make_reply, make_topic


@pytest.fixture
def forum(app, db):
    """The app is built first so the forum's event handlers are registered."""
    return db


def kinds(db, user) -> list[str]:
    return list(db.scalars(select(Notification.kind).where(Notification.user_id == user.id).order_by(Notification.id)))


def test_reply_quote_and_mention_fan_out_once_per_member(forum):
    db = forum
    ann, carl, dave, erin = (member(db, name) for name in ("ann", "carl", "dave", "erin"))
    topic = make_topic(db, author=ann, title="Heat pump noise")
    carls = make_reply(db, topic=topic, author=carl, body="Check the fan bearings.")
    assert kinds(db, ann) == ["reply"] and kinds(db, carl) == []

    make_reply(
        db, topic=topic, author=dave,
        body=f"> [quote=post:{carls.id}]\n> Check the fan bearings.\n\nAgreed, @erin and @dave saw this too.",
    )
    assert kinds(db, ann) == ["reply", "reply"]
    assert kinds(db, carl) == ["quoted"]
    assert kinds(db, erin) == ["mentioned"]
    assert kinds(db, dave) == []  # never the actor

    make_reply(db, topic=topic, author=erin, body=f"> [quote=post:{carls.id}]\n> bearings\n\n@ann @carl here is the fix.")
    assert kinds(db, ann) == ["reply", "reply", "mentioned"]  # mentioned beats reply: one per post
    assert kinds(db, carl) == ["quoted", "mentioned"]


def test_accepted_answer_notifies_its_author_only(forum, clock):
    db = forum
    ann, ben = member(db, "ann"), member(db, "ben")
    topic = make_topic(db, author=ann, kind="question")
    answer = make_reply(db, topic=topic, author=ben)
    answers.accept_answer(db, as_viewer(db, ann), topic.id, answer.id, clock.now)
    assert kinds(db, ben) == ["accepted"]
    assert kinds(db, ann) == ["reply"]


def test_mentions_in_labs_reach_only_members_who_may_see_labs(forum):
    db = forum
    labs = make_category(db, slug="labs", visibility="groups", groups=("labs",))
    tess, lena = member(db, "tess", roles=("labs",)), member(db, "lena", roles=("labs",))
    otto = member(db, "otto")
    topic = make_topic(db, author=tess, category=labs, title="Beta dashboard")
    make_reply(db, topic=topic, author=lena, body="@otto and @tess, look at this beta.")
    assert kinds(db, otto) == []
    assert kinds(db, tess) == ["mentioned"]
    assert outbox(db, "otto@example.org") == []


def test_emails_follow_preferences_and_need_a_verified_address(forum, client):
    db = forum
    ann, ben = member(db, "ann"), member(db, "ben")
    uma = member(db, "uma", verified=False)
    log_in(client, ann)
    response = post_form(client, "/notifications/preferences", {"email_mentioned": "1", "email_quoted": "1"},
                         follow_redirects=False)
    assert response.status_code == 303
    topic = make_topic(db, author=ann, title="Garden pond")
    make_reply(db, topic=topic, author=ben, body="Nice pond, @uma should see it.")
    assert kinds(db, ann) == ["reply"]
    assert outbox(db, "ann@example.org") == []  # reply e-mails were turned off
    assert kinds(db, uma) == ["mentioned"]
    assert outbox(db, "uma@example.org") == []  # unverified address

    make_reply(db, topic=topic, author=ben, body="@ann what fish do you keep?")
    [mail] = outbox(db, "ann@example.org")
    assert mail.kind == "notification_mentioned"
    assert "Ben" in mail.subject and "Garden pond" in mail.subject
    assert f"/t/{topic.id}/3" in mail.body_text
    page = client.get("/notifications/preferences").text
    assert re.search(r'name="email_reply"[^>]*checked', page) is None
    assert re.search(r'name="email_mentioned"[^>]*checked', page)


def test_notification_email_is_in_the_members_language(forum):
    db = forum
    from tests.factories import make_user
    from tests.forum_extras.helpers import OLD

    anke = make_user(db, username="anke", locale="de", created_at=OLD)
    topic = make_topic(db, author=anke, title="Wärmepumpe")
    make_reply(db, topic=topic, author=member(db, "ben"))
    [mail] = outbox(db, "anke@example.org")
    assert "hat auf „Wärmepumpe“ geantwortet" in mail.subject
    assert "Hallo Anke," in mail.body_text


def test_unsubscribe_link_turns_the_kind_off_without_login(forum, client):
    db = forum
    ann, ben = member(db, "ann"), member(db, "ben")
    topic = make_topic(db, author=ann, title="Solar panels")
    make_reply(db, topic=topic, author=ben)
    [mail] = outbox(db, "ann@example.org", "notification_reply")
    link = re.search(r"https?://\S+/notifications/unsubscribe/\S+", mail.body_text).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert page.status_code == 200 and "Replies to my topics" in page.text
    assert db.get(NotificationSetting, (ann.id, "reply")) is None  # GET changes nothing
    done = client.post("/" + path, data={"csrf_token": csrf_of(client, "/" + path)})
    assert done.status_code == 200 and "no longer get e-mails" in done.text
    assert db.get(NotificationSetting, (ann.id, "reply")).email is False
    make_reply(db, topic=topic, author=member(db, "cleo"))
    assert len(outbox(db, "ann@example.org", "notification_reply")) == 1
    assert kinds(db, ann) == ["reply", "reply"]  # still in-app

    forged = client.get("/notifications/unsubscribe/" + path.rsplit("/", 1)[1][:-3] + "xyz")
    assert forged.status_code == 400


def test_list_badge_open_and_mark_all_read(forum, client):
    db = forum
    ann = member(db, "ann")
    topic = make_topic(db, author=ann, title="Sourdough starter")
    for name in ("ben", "cleo"):
        make_reply(db, topic=topic, author=member(db, name))
    log_in(client, ann)
    page = client.get("/notifications").text
    assert 'class="badge count" aria-label="2 unread">2<' in page
    assert "Ben replied to “Sourdough starter”" in page and "Cleo replied" in page
    first = db.scalars(select(Notification.id).where(Notification.user_id == ann.id).order_by(Notification.id)).first()
    opened = client.get(f"/notifications/{first}", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == f"/t/{topic.id}/2"
    assert 'aria-label="1 unread">1<' in client.get("/notifications").text
    assert client.get("/api/v1/notifications").json()["unread"] == 1

    post_form(client, "/notifications/read", {}, token_from="/notifications")
    assert " unread" not in client.get("/notifications").text.split("<main", 1)[0]
    assert client.get("/api/v1/notifications").json()["unread"] == 0


def test_api_lists_and_marks_read(forum, client):
    db = forum
    ann = member(db, "ann")
    topic = make_topic(db, author=ann, title="Bread oven")
    make_reply(db, topic=topic, author=member(db, "ben"))
    make_reply(db, topic=topic, author=member(db, "cleo"))
    log_in(client, ann)
    data = client.get("/api/v1/notifications").json()
    assert data["total"] == 2 and data["unread"] == 2
    assert {item["kind"] for item in data["items"]} == {"reply"}
    assert data["items"][0]["url"] == f"/t/{topic.id}/3"
    token = csrf_of(client, "/notifications")
    one = client.post("/api/v1/notifications/read", json={"ids": [data["items"][0]["id"]]}, headers={"X-CSRF-Token": token})
    assert one.json() == {"marked": 1, "unread": 1}
    rest = client.post("/api/v1/notifications/read", headers={"X-CSRF-Token": token})
    assert rest.json()["unread"] == 0
    zed = member(db, "zed")
    make_reply(db, topic=make_topic(db, author=zed, title="Zed's topic"), author=member(db, "yan"))
    zeds = db.scalar(select(Notification.id).where(Notification.user_id == zed.id))
    foreign = client.post("/api/v1/notifications/read", json={"ids": [zeds]}, headers={"X-CSRF-Token": token})
    assert foreign.status_code == 404 and foreign.json()["error"]
    assert db.get(Notification, zeds).read_at is None


def test_anonymous_visitors_are_sent_to_log_in(forum, client):
    response = client.get("/notifications", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert client.get("/api/v1/notifications").status_code == 401


def test_notification_page_statements_do_not_grow_with_rows(forum, client, connection):
    db = forum
    ann = member(db, "ann")
    topic = make_topic(db, author=ann, title="Counting statements")
    make_reply(db, topic=topic, author=member(db, "r0"))
    log_in(client, ann)
    client.get("/notifications")
    with count_statements(connection) as few:
        client.get("/notifications")
    for n in range(1, 12):
        make_reply(db, topic=topic, author=member(db, f"r{n}"), body=f"Reply {n} @ann")
    with count_statements(connection) as many:
        page = client.get("/notifications")
    assert page.text.count('class="notification') >= 12
    assert len(many) == len(few)
