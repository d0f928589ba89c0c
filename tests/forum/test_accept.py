"""Accepted answers (who may set, change and clear them) and time to first response."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import events
from app.events import subscribe
from app.forum.events import AnswerAccepted, AnswerUnaccepted
from app.forum.models import Topic
from tests.conftest import post_form
from tests.factories import log_in, make_user
from tests.forum_factories import make_reply, make_topic


def _accept(client, topic, post_id):
    return post_form(client, f"/t/{topic.id}/accept", {"post_id": str(post_id)}, token_from=f"/t/{topic.id}-{topic.slug}", follow_redirects=False)


@pytest.fixture
def answer_events():
    """Record AnswerAccepted/AnswerUnaccepted for one test, then unsubscribe."""
    seen = []

    def on_accepted(session, event):
        seen.append(("accepted", event.post_id, event.accepted_by_id))

    def on_unaccepted(session, event):
        seen.append(("unaccepted", event.post_id, event.by_id))

    subscribe(AnswerAccepted, on_accepted)
    subscribe(AnswerUnaccepted, on_unaccepted)
    yield seen
    events._handlers[AnswerAccepted].remove(on_accepted)
    events._handlers[AnswerUnaccepted].remove(on_unaccepted)


def test_asker_accepts_changes_and_clears_the_answer(client, db, clock, answer_events):
    seen = answer_events
    asker = make_user(db)
    topic = make_topic(db, author=asker, now=clock.now)
    first = make_reply(db, topic=topic, body="Reinstall the driver.", now=clock.advance(minutes=5))
    second = make_reply(db, topic=topic, body="Update the firmware to 2.1.", now=clock.advance(minutes=5))
    log_in(client, asker)

    assert _accept(client, topic, first.id).status_code == 303
    db.refresh(topic)
    assert topic.accepted_post_id == first.id and topic.accepted_by_id == asker.id
    page = client.get(f"/t/{topic.id}-{topic.slug}").text
    assert "Solved" in page and "accepted-box" in page and "Reinstall the driver." in page.split("accepted-box")[1]
    assert "Solved" in client.get("/solved").text.split("<main")[1]

    assert _accept(client, topic, second.id).status_code == 303
    db.refresh(topic)
    assert topic.accepted_post_id == second.id
    assert "Update the firmware to 2.1." in client.get(f"/t/{topic.id}-{topic.slug}").text.split("accepted-box")[1]

    response = post_form(client, f"/t/{topic.id}/unaccept", {}, token_from=f"/t/{topic.id}-{topic.slug}", follow_redirects=False)
    assert response.status_code == 303
    db.refresh(topic)
    assert topic.accepted_post_id is None
    assert "accepted-box" not in client.get(f"/t/{topic.id}-{topic.slug}").text
    assert [kind for kind, *_ in seen] == ["accepted", "unaccepted", "accepted", "unaccepted"]
    assert seen[1][1] == first.id and seen[2][1] == second.id


def test_others_get_403_and_nothing_changes(client, db, clock):
    topic = make_topic(db, now=clock.now)
    reply = make_reply(db, topic=topic, now=clock.advance(minutes=1))
    answerer = make_user(db)
    log_in(client, answerer)
    assert _accept(client, topic, reply.id).status_code == 403
    db.refresh(topic)
    assert topic.accepted_post_id is None
    assert "Accept this answer" not in client.get(f"/t/{topic.id}-{topic.slug}").text


def test_staff_may_accept_for_the_asker(client, db, clock):
    topic = make_topic(db, now=clock.now)
    reply = make_reply(db, topic=topic, now=clock.advance(minutes=1))
    manager = make_user(db, roles=("manager",))
    log_in(client, manager)
    assert _accept(client, topic, reply.id).status_code == 303
    db.refresh(topic)
    assert topic.accepted_post_id == reply.id and topic.accepted_by_id == manager.id


def test_discussions_and_first_posts_cannot_be_accepted(client, db, clock):
    asker = make_user(db)
    discussion = make_topic(db, author=asker, kind="discussion", now=clock.now)
    reply = make_reply(db, topic=discussion, now=clock.advance(minutes=1))
    question = make_topic(db, author=asker, now=clock.now)
    log_in(client, asker)
    assert _accept(client, discussion, reply.id).status_code == 409
    assert _accept(client, question, reply.id).status_code == 422  # a reply from another topic
    assert db.get(Topic, discussion.id).accepted_post_id is None


def test_time_to_first_response_ignores_the_askers_own_replies(db, clock):
    asker = make_user(db)
    start = clock.now
    topic = make_topic(db, author=asker, now=start)
    make_reply(db, topic=topic, author=asker, body="Bump: anyone?", now=clock.advance(minutes=30))
    assert topic.first_response_post_id is None
    answer = make_reply(db, topic=topic, body="Here is how.", now=clock.advance(minutes=45))
    make_reply(db, topic=topic, body="And another way.", now=clock.advance(minutes=10))
    db.refresh(topic)
    assert topic.first_response_post_id == answer.id
    assert topic.first_response_seconds == 75 * 60


def test_unanswered_lists_questions_without_a_reply_from_someone_else(client, db, clock):
    asker = make_user(db)
    lonely = make_topic(db, author=asker, title="Only the asker talks here", now=clock.now)
    make_reply(db, topic=lonely, author=asker, body="Still waiting.", now=clock.advance(minutes=1))
    answered = make_topic(db, title="Someone answered this question", now=clock.now)
    make_reply(db, topic=answered, now=clock.advance(minutes=1))
    make_topic(db, kind="discussion", title="A discussion is not a question", now=clock.now)
    page = client.get("/unanswered").text
    assert "Only the asker talks here" in page
    assert "Someone answered this question" not in page
    assert "A discussion is not a question" not in page
    assert db.scalar(select(Topic.first_response_post_id).where(Topic.id == lonely.id)) is None


def test_the_solved_box_quotes_the_answer_as_plain_text(client, db, clock):
    asker = make_user(db)
    topic = make_topic(db, author=asker, now=clock.now)
    reply = make_reply(db, topic=topic, body="Open **Settings → Heating** and `reset` it.", now=clock.advance(minutes=5))
    log_in(client, asker)
    _accept(client, topic, reply.id)
    box = client.get(f"/t/{topic.id}-{topic.slug}").text.split("accepted-box")[1].split("</aside>")[0]
    assert "Open Settings → Heating and reset it." in box
    assert "**" not in box and "`" not in box
