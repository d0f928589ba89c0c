"""No N+1: the number of SQL statements a forum page issues does not grow with its rows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.forum import answers
from app.forum.models import Post
from app.forum.queries import viewer_for

from tests.factories import count_statements, log_in, make_user
from tests.forum_factories import make_category, make_reply, make_topic


def _topic_with_replies(db, clock, replies: int, category):
    topic = make_topic(db, category=category, tags=["one", "two"], now=clock.now)
    authors = [make_user(db, roles=("moderator",) if n % 5 == 0 else (), created_at=clock.now - timedelta(days=9)) for n in range(replies)]
    for author in authors:
        make_reply(db, topic=topic, author=author, body=f"Hello @{author.username} > quoted", now=clock.advance(minutes=1))
    return topic


def _get(client, connection, path) -> int:
    client.get("/categories")  # per-visit bookkeeping (last seen, visit row) happens here, uncounted
    with count_statements(connection) as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(statements)


def test_topic_page_statements_do_not_grow_with_posts(client, db, clock, connection):
    category = make_category(db)
    small = _topic_with_replies(db, clock, 2, category)  # 3 posts
    large = _topic_with_replies(db, clock, 19, category)  # 20 posts
    answers.accept_answer(db, viewer_for(db, small.author_id), small.id, _reply_id(db, small), clock.now)
    answers.accept_answer(db, viewer_for(db, large.author_id), large.id, _reply_id(db, large), clock.now)
    for viewer in (None, make_user(db)):
        if viewer is not None:
            log_in(client, viewer)
        client.get("/")  # warm up per-session work (visit rows, last seen)
        small_count = _get(client, connection, f"/t/{small.id}-{small.slug}")
        large_count = _get(client, connection, f"/t/{large.id}-{large.slug}")
        assert small_count == large_count, (viewer, small_count, large_count)
        api_small = _get(client, connection, f"/api/v1/topics/{small.id}")
        api_large = _get(client, connection, f"/api/v1/topics/{large.id}")
        assert api_small == api_large


def _reply_id(db, topic):
    return db.scalar(select(Post.id).where(Post.topic_id == topic.id, Post.post_number == 2))


def test_list_statements_do_not_grow_with_topics(client, db, clock, connection):
    few = make_category(db, slug="few")
    many = make_category(db, slug="many")
    for category, count in ((few, 3), (many, 30)):
        for n in range(count):
            topic = make_topic(db, category=category, tags=[f"t{n % 4}", "shared"], now=clock.advance(minutes=1))
            if n % 2:
                make_reply(db, topic=topic, now=clock.advance(minutes=1))
    member = make_user(db)
    log_in(client, member)
    client.get("/")
    assert _get(client, connection, "/c/few") == _get(client, connection, "/c/many")
    assert _get(client, connection, "/api/v1/topics?category=few") == _get(client, connection, "/api/v1/topics?category=many")
    # the latest list and the activity page, with 3 rows and with 30
    author = make_user(db, created_at=clock.now - timedelta(days=5))
    other = make_user(db, created_at=clock.now - timedelta(days=5))
    for _ in range(3):
        make_topic(db, author=author, category=few, now=clock.advance(minutes=1))
    for _ in range(30):
        make_topic(db, author=other, category=many, now=clock.advance(minutes=2))
    assert _get(client, connection, f"/u/{author.username}/activity") == _get(client, connection, f"/u/{other.username}/activity")
