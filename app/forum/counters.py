"""Cached forum counters (reply, topic and tag counts, highest post numbers): find drift and recompute them."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.forum.models import Category, Post, Tag, Topic, TopicTag


def _counter_expressions():
    replies = (
        select(func.count(Post.id))
        .where(Post.topic_id == Topic.id, Post.post_number > 1, Post.deleted_at.is_(None))
        .scalar_subquery()
    )
    topics = select(func.count(Topic.id)).where(Topic.category_id == Category.id).scalar_subquery()
    tagged = select(func.count()).select_from(TopicTag).where(TopicTag.tag_id == Tag.id).scalar_subquery()
    # Topic pages count their pages from highest_post_number (posts are numbered 1..n, never removed).
    highest = (
        select(func.coalesce(func.max(Post.post_number), 0)).where(Post.topic_id == Topic.id).scalar_subquery()
    )
    return replies, topics, tagged, highest


def counter_drift(session: Session) -> list[tuple[str, int, int, int]]:
    """Cached counters that differ from a recount: (table, id, cached, recomputed)."""
    replies, topics, tagged, highest = _counter_expressions()
    drift = []
    for table, model, column, expression in (
        ("topic", Topic, Topic.reply_count, replies),
        ("topic", Topic, Topic.highest_post_number, highest),
        ("category", Category, Category.topic_count, topics),
        ("tag", Tag, Tag.topic_count, tagged),
    ):
        for row_id, cached, real in session.execute(select(model.id, column, expression)):
            if cached != real:
                drift.append((table, row_id, cached, real))
    return drift


def recompute_counters(session: Session) -> int:
    """Recount reply, topic and tag counts and topic.highest_post_number; returns rows fixed."""
    replies, topics, tagged, highest = _counter_expressions()
    fixed = 0
    fixed += session.execute(
        update(Topic).where(Topic.highest_post_number != highest).values(highest_post_number=highest)
    ).rowcount
    fixed += session.execute(update(Topic).where(Topic.reply_count != replies).values(reply_count=replies)).rowcount
    fixed += session.execute(update(Category).where(Category.topic_count != topics).values(topic_count=topics)).rowcount
    fixed += session.execute(update(Tag).where(Tag.topic_count != tagged).values(topic_count=tagged)).rowcount
    session.expire_all()
    return fixed
