"""The same form sent twice (double click, retry after a timeout, back button) creates one topic,
reply, idea or invitation, and the second submission lands on the first one's page."""

from __future__ import annotations

import re
import threading

from sqlalchemy import func, select

from app.ambassadors.invitations import Invitation
from app.forum.models import Post, Topic
from app.ideas.models import Idea
from tests.conftest import csrf_of
from tests.factories import log_in
from tests.forum_factories import make_category, make_topic
from tests.ideas.helpers import make_area, member, wire

KEY_RE = re.compile(r'name="form_key" value="([^"]+)"')


def _form(client, path: str) -> tuple[str, str]:
    """The CSRF token and idempotency key of the form a page renders."""
    page = client.get(path)
    return csrf_of(client, path), KEY_RE.search(page.text).group(1)


def _count(db, column, *where) -> int:
    return db.scalar(select(func.count(column)).where(*where))


def test_a_new_topic_sent_twice_is_created_once_and_the_second_lands_on_it(client, db):
    category = make_category(db, slug="help")
    log_in(client, member(db, username="dora"))
    csrf, key = _form(client, "/new-topic")
    data = {"csrf_token": csrf, "form_key": key, "title": "My thermostat shows E4", "body": "What does E4 mean?",
            "category_id": str(category.id), "kind": "question"}
    first = client.post("/new-topic", data=data, follow_redirects=False)
    second = client.post("/new-topic", data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert second.headers["location"] == first.headers["location"]
    assert _count(db, Topic.id, Topic.title == "My thermostat shows E4") == 1
    assert "You sent this form twice; it was saved once." in client.get(second.headers["location"]).text
    # A freshly rendered form is a new submission.
    csrf, other_key = _form(client, "/new-topic")
    assert other_key != key
    client.post("/new-topic", data={**data, "csrf_token": csrf, "form_key": other_key}, follow_redirects=False)
    assert _count(db, Topic.id, Topic.title == "My thermostat shows E4") == 2


def test_a_refused_first_submission_does_not_use_up_the_form(client, db):
    category = make_category(db, slug="help")
    log_in(client, member(db, username="emil"))
    csrf, key = _form(client, "/new-topic")
    data = {"csrf_token": csrf, "form_key": key, "title": "Wiring a heat pump", "category_id": str(category.id),
            "kind": "question"}
    refused = client.post("/new-topic", data={**data, "body": ""})
    assert refused.status_code == 422
    saved = client.post("/new-topic", data={**data, "body": "Which terminals do I use?"}, follow_redirects=False)
    assert saved.status_code == 303
    assert _count(db, Topic.id, Topic.title == "Wiring a heat pump") == 1


def test_a_reply_sent_twice_is_posted_once(client, db):
    topic = make_topic(db, category=make_category(db))
    log_in(client, member(db, username="fritz"))
    path = f"/t/{topic.id}"
    csrf, key = _form(client, path)
    data = {"csrf_token": csrf, "form_key": key, "body": "Try resetting the schedule."}
    first = client.post(f"/t/{topic.id}/reply", data=data, follow_redirects=False)
    second = client.post(f"/t/{topic.id}/reply", data=data)
    assert first.status_code == 303 and second.status_code == 200
    assert second.url.fragment == "p2" and "Try resetting the schedule." in second.text
    assert _count(db, Post.id, Post.topic_id == topic.id) == 2


def test_an_idea_sent_twice_is_proposed_once(client, db, settings):
    wire(settings)
    area = make_area(db, name="Comfort")
    log_in(client, member(db, username="greta"))
    csrf, key = _form(client, "/ideas/new")
    data = {"csrf_token": csrf, "form_key": key, "title": "A vacation mode", "description": "Away for weeks.",
            "area_id": str(area.id)}
    first = client.post("/ideas/new", data=data, follow_redirects=False)
    second = client.post("/ideas/new", data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert second.headers["location"] == first.headers["location"]
    assert _count(db, Idea.id, Idea.title == "A vacation mode") == 1


def test_an_invitation_sent_twice_is_sent_once_without_an_error(client, db):
    helper = member(db, username="hanna")
    log_in(client, member(db, username="manny", roles=("manager",)))
    path = f"/ambassadors/invite/{helper.username}?profile=helper"
    csrf, key = _form(client, path)
    data = {"csrf_token": csrf, "form_key": key, "role": "helper", "message": "Would you like to help?"}
    first = client.post(f"/ambassadors/invite/{helper.username}", data=data, follow_redirects=False)
    second = client.post(f"/ambassadors/invite/{helper.username}", data=data, follow_redirects=False)
    assert first.status_code == 303 and second.status_code == 303  # not 409 "already invited"
    assert second.headers["location"] == first.headers["location"]
    assert _count(db, Invitation.id, Invitation.user_id == helper.id) == 1


def test_two_simultaneous_submissions_create_one_topic(make_database, settings):
    """Two transactions race on one key: the key's primary key lets one win; the other gets its URL."""
    from app import idempotency
    from app.db import make_engine, make_session_factory
    from app.forum import service
    from app.forum.queries import viewer_for
    from tests.conftest import START
    from tests.forum_factories import _settings

    url = make_database()
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session, session.begin():
        category_id = make_category(session, slug="race").id
        author_id = member(session, username="racer").id
    key = idempotency.new_key()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit():
        with factory() as session, session.begin():
            barrier.wait()
            earlier = idempotency.claim(session, author_id, key, "topic", START)
            if earlier is not None:
                outcomes.append(earlier)
                return
            topic = service.create_topic(
                session, _settings(), viewer_for(session, author_id), category_id=category_id,
                title="Two clicks, one topic", body="Sent twice at once.", kind="question", now=START,
            )
            target = f"/t/{topic.id}-{topic.slug}"
            idempotency.finish(session, author_id, key, target)
            outcomes.append(target)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        with factory() as session:
            assert session.scalar(select(func.count(Topic.id)).where(Topic.category_id == category_id)) == 1
        assert len(outcomes) == 2 and outcomes[0] == outcomes[1]
    finally:
        engine.dispose()


def test_keys_are_forgotten_after_a_week(db):
    from datetime import timedelta

    from app import idempotency
    from tests.conftest import START

    user = member(db, username="old-forms")
    idempotency.claim(db, user.id, "a" * 32, "topic", START)
    idempotency.finish(db, user.id, "a" * 32, "/t/1-old")
    idempotency.claim(db, user.id, "b" * 32, "topic", START + timedelta(days=6))
    assert idempotency.purge(db, START + timedelta(days=7, seconds=1)) == {"forgotten": 1}
    assert idempotency.claim(db, user.id, "a" * 32, "topic", START + timedelta(days=8)) is None  # usable again
    assert idempotency.claim(db, user.id, "b" * 32, "topic", START + timedelta(days=8)) == "/"
