"""Reading tracking: topic_read, today's posts_read, unread counts and the /new list."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import UserVisit
from app.forum.models import TopicRead
from tests.factories import log_in, make_user
from tests.forum_factories import make_reply, make_topic


def _posts_read(db, user, day) -> int:
    return db.scalar(select(UserVisit.posts_read).where(UserVisit.user_id == user.id, UserVisit.day == day)) or 0


def _last_read(db, user, topic) -> int | None:
    return db.scalar(
        select(TopicRead.last_read_post_number).where(TopicRead.user_id == user.id, TopicRead.topic_id == topic.id)
    )


def test_viewing_a_topic_counts_newly_read_posts_once(client, db, clock):
    topic = make_topic(db, now=clock.now)
    for _ in range(24):
        make_reply(db, topic=topic, now=clock.advance(minutes=1))
    reader = make_user(db)
    log_in(client, reader)
    url = f"/t/{topic.id}-{topic.slug}"
    client.get(url)
    assert _last_read(db, reader, topic) == 20
    assert _posts_read(db, reader, clock.now.date()) == 20
    client.get(url)  # the same page again reads nothing new
    assert _posts_read(db, reader, clock.now.date()) == 20
    client.get(f"{url}?page=2")
    assert _last_read(db, reader, topic) == 25
    assert _posts_read(db, reader, clock.now.date()) == 25
    client.get(url)  # going back never lowers the mark
    assert _last_read(db, reader, topic) == 25


def test_posts_read_goes_to_the_day_of_reading(client, db, clock):
    topic = make_topic(db, now=clock.now)
    reader = make_user(db)
    log_in(client, reader)
    client.get(f"/t/{topic.id}-{topic.slug}")
    make_reply(db, topic=topic, now=clock.advance(days=1))
    make_reply(db, topic=topic, now=clock.now)
    client.get(f"/t/{topic.id}-{topic.slug}")
    assert _posts_read(db, reader, (clock.now - timedelta(days=1)).date()) == 1
    assert _posts_read(db, reader, clock.now.date()) == 2


def test_anonymous_reading_records_nothing(client, db):
    topic = make_topic(db)
    client.get(f"/t/{topic.id}-{topic.slug}")
    assert db.scalar(select(TopicRead).where(TopicRead.topic_id == topic.id, TopicRead.user_id != topic.author_id)) is None


def test_new_lists_unread_topics_and_lists_show_unread_counts(client, db, clock):
    reader = make_user(db, created_at=clock.now - timedelta(days=10))
    read_topic = make_topic(db, title="A topic the reader has read", now=clock.now)
    quiet_topic = make_topic(db, title="A topic nobody touched since", now=clock.now)
    log_in(client, reader)
    client.get(f"/t/{read_topic.id}-{read_topic.slug}")
    client.get(f"/t/{quiet_topic.id}-{quiet_topic.slug}")
    assert "A topic the reader has read" not in client.get("/new").text

    # the next day: two replies to the read topic and a brand-new topic
    clock.advance(days=1)
    make_reply(db, topic=read_topic, now=clock.advance(minutes=1))
    make_reply(db, topic=read_topic, now=clock.advance(minutes=1))
    make_topic(db, title="A topic started after the last visit", now=clock.advance(minutes=1))
    log_in(client, reader)
    new = client.get("/new").text
    assert "A topic the reader has read" in new
    assert "A topic started after the last visit" in new
    assert "A topic nobody touched since" not in new
    assert "2 unread" in client.get("/latest").text

    client.get(f"/t/{read_topic.id}-{read_topic.slug}")
    new = client.get("/new").text
    assert "A topic the reader has read" not in new
    assert "unread" not in client.get("/latest").text.split("A topic the reader has read")[1].split("</li>")[0]


def test_new_asks_anonymous_visitors_to_log_in(client):
    response = client.get("/new", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
