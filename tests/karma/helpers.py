"""Shared helpers for the karma tests: old accounts (past new-member limits), questions, answers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.accounts.models import User
from app.karma import service as karma_service
from app.karma.models import KarmaEntry
from tests.conftest import START
from tests.factories import make_user
from tests.forum_factories import make_reply, make_topic

OLD = START - timedelta(days=60)


def member(db, username: str | None = None, *, roles=(), karma: int = 0):
    """A member whose account is two months old; `karma` seeds their total through a manual row."""
    user = make_user(db, username=username, roles=roles, created_at=OLD)
    if karma:
        karma_service.adjust(db, user_id=user.id, delta=karma, note="seed", actor_id=user.id, now=OLD)
    return user


def question(db, author, *, now=START, category=None):
    """A question topic; returns (topic, its first post id)."""
    topic = make_topic(db, author=author, kind="question", now=now, category=category)
    return topic


def first_post_id(db, topic) -> int:
    """Id of a topic's opening post."""
    from app.forum.models import Post

    return db.scalar(select(Post.id).where(Post.topic_id == topic.id, Post.post_number == 1))


def answer(db, topic, author, *, now=START):
    """A reply to a topic."""
    return make_reply(db, topic=topic, author=author, now=now)


def karma_of(db, user) -> int:
    """A member's cached karma, read fresh from the database."""
    return db.scalar(select(User.karma).where(User.id == user.id))


def ledger_sum(db, user) -> int:
    """Sum of a member's ledger rows."""
    return db.scalar(select(func.coalesce(func.sum(KarmaEntry.delta), 0)).where(KarmaEntry.user_id == user.id))


def reasons(db, user) -> list[tuple[str, int]]:
    """A member's ledger as (reason, delta) in the order written."""
    return [tuple(row) for row in db.execute(select(KarmaEntry.reason, KarmaEntry.delta).where(KarmaEntry.user_id == user.id).order_by(KarmaEntry.id))]
