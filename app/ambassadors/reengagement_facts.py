"""What a re-engagement or digest e-mail tells a member about the forum: the categories they were
active in and what changed there, open questions they could answer, popular topics. Everything is
filtered by the categories the member may see (app.forum.queries.visible_category_ids)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.forum.models import Category, Post, Topic


@dataclass(frozen=True)
class CategoryChange:
    """A category the member wrote in, and how many topics were started there since they left."""

    id: int
    name: str
    slug: str
    new_topics: int


@dataclass(frozen=True)
class TopicLink:
    """A topic to link in an e-mail."""

    id: int
    title: str
    category: str
    replies: int


def active_categories(session: Session, user_id: int, visible: set[int], since: datetime, limit: int = 3) -> list[CategoryChange]:
    """The member's busiest visible categories (by their posts), with the topics started there since `since`."""
    if not visible:
        return []
    busiest = session.execute(
        select(Topic.category_id, func.count(Post.id).label("posts"))
        .join(Post, Post.topic_id == Topic.id)
        .where(Post.author_id == user_id, Post.deleted_at.is_(None), Topic.category_id.in_(visible))
        .group_by(Topic.category_id)
        .order_by(func.count(Post.id).desc(), Topic.category_id)
        .limit(limit)
    ).all()
    ids = [row.category_id for row in busiest]
    if not ids:
        return []
    new_counts = dict(session.execute(
        select(Topic.category_id, func.count(Topic.id))
        .where(Topic.category_id.in_(ids), Topic.created_at >= since, Topic.hidden_at.is_(None))
        .group_by(Topic.category_id)
    ).all())
    names = {row.id: row for row in session.execute(select(Category.id, Category.name, Category.slug).where(Category.id.in_(ids)))}
    return [CategoryChange(cid, names[cid].name, names[cid].slug, int(new_counts.get(cid, 0))) for cid in ids]


def open_questions(session: Session, user_id: int, visible: set[int], preferred: list[int], limit: int = 3) -> list[TopicLink]:
    """Unanswered questions the member may see, from their own categories first, newest first."""
    if not visible:
        return []
    in_preferred = Topic.category_id.in_(preferred or [-1])
    rows = session.execute(
        select(Topic.id, Topic.title, Category.name, Topic.reply_count)
        .join(Category, Category.id == Topic.category_id)
        .where(
            Topic.kind == "question", Topic.reply_count == 0, Topic.accepted_post_id.is_(None),
            Topic.hidden_at.is_(None), Topic.locked.is_(False), Topic.category_id.in_(visible),
            (Topic.author_id.is_(None)) | (Topic.author_id != user_id),
        )
        .order_by(in_preferred.desc(), Topic.created_at.desc(), Topic.id.desc())
        .limit(limit)
    ).all()
    return [TopicLink(row.id, row.title, row.name, row.reply_count) for row in rows]


def popular_topics(session: Session, visible: set[int], since: datetime, limit: int) -> list[TopicLink]:
    """The visible topics with the most replies written since `since` (the digest's list)."""
    if not visible:
        return []
    replies = func.count(Post.id)
    rows = session.execute(
        select(Topic.id, Topic.title, Category.name, replies.label("recent"))
        .join(Post, Post.topic_id == Topic.id)
        .join(Category, Category.id == Topic.category_id)
        .where(
            Post.created_at >= since, Post.hidden_at.is_(None), Post.deleted_at.is_(None),
            Topic.hidden_at.is_(None), Topic.category_id.in_(visible),
        )
        .group_by(Topic.id, Topic.title, Category.name)
        .order_by(replies.desc(), Topic.id.desc())
        .limit(limit)
    ).all()
    return [TopicLink(row.id, row.title, row.name, int(row.recent)) for row in rows]
