"""The search index follows every change to what it holds, however the change is written."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from app.db import is_sqlite
from app.forum.models import Post, Topic
from app.forum.search import search_posts
from app.web import ANONYMOUS
from tests.forum_extras.helpers import member
from tests.forum_factories import make_reply, make_topic


@pytest.fixture
def forum(app, db):
    """The app is built first so the forum's event handlers are registered."""
    return db


@pytest.fixture
def sqlite_forum(forum):
    """On SQLite triggers keep the index; PostgreSQL's is written by the forum's services only."""
    if not is_sqlite(forum):
        pytest.skip("direct SQL writes are followed by the SQLite index's triggers only")
    return forum


def _found(db, words: str) -> set[int]:
    return {hit.post_id for hit in search_posts(db, ANONYMOUS, words).hits}


def test_hiding_a_topic_takes_all_its_posts_out_and_unhiding_brings_them_back(sqlite_forum, clock):
    db = sqlite_forum
    topic = make_topic(db, author=member(db, "ann"), title="Boiler pressure drops", body="Pressure falls overnight.")
    reply = make_reply(db, topic=topic, author=member(db, "ben"), body="Bleed the radiators, pressure recovers.")
    assert len(_found(db, "pressure")) == 2
    db.execute(update(Topic).where(Topic.id == topic.id).values(hidden_at=clock.now))
    assert _found(db, "pressure") == set()
    db.execute(update(Topic).where(Topic.id == topic.id).values(hidden_at=None))
    assert reply.id in _found(db, "radiators")


def test_a_title_change_written_directly_is_searchable_at_once(sqlite_forum):
    db = sqlite_forum
    topic = make_topic(db, author=member(db, "ann"), title="Kettle whistles", body="Loud at night.")
    make_reply(db, topic=topic, author=member(db, "ben"), body="Mine too.")
    db.execute(update(Topic).where(Topic.id == topic.id).values(title="Teapot whistles"))
    assert _found(db, "kettle") == set()
    assert len(_found(db, "teapot")) == 1


def test_score_changes_leave_the_index_alone_and_body_changes_reindex(sqlite_forum):
    db = sqlite_forum
    make_topic(db, author=member(db, "ann"), title="Garden hose", body="The hose leaks at the tap.")
    first = next(iter(_found(db, "hose")))
    db.execute(update(Post).where(Post.id == first).values(score=Post.score + 3))
    assert _found(db, "leaks") == {first}
    db.execute(update(Post).where(Post.id == first).values(body_source="The pipe drips at the tap."))
    assert _found(db, "leaks") == set() and _found(db, "drips") == {first}


def test_words_joined_by_underscores_are_searched_as_words(forum):
    db = forum
    make_topic(db, author=member(db, "ann"), title="Config option", body="Set max_connections to 20.")
    assert len(_found(db, "max_connections")) == 1
