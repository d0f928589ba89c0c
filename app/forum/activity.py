"""A member's forum activity: their topics and replies that the viewer may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.forum import markdown
from app.forum.browse import TOPICS_PER_PAGE, Page
from app.forum.models import Category, Post, Topic
from app.forum.permissions import can_moderate
from app.forum.queries import visible_category_ids
from app.web import Viewer


@dataclass(frozen=True)
class ActivityItem:
    """A topic or reply in a member's activity list."""

    post_id: int
    post_number: int
    topic_id: int
    topic_title: str
    topic_slug: str
    category_name: str
    created_at: datetime
    excerpt: str
    accepted: bool

    @property
    def url(self) -> str:
        """Permalink of the post."""
        return f"/t/{self.topic_id}/{self.post_number}"


def member_activity(session: Session, viewer: Viewer, user_id: int, page: int = 1) -> Page:
    """A member's topics and replies that the viewer may see, newest first."""
    page = max(1, page)
    visible = visible_category_ids(session, viewer)
    statement = (
        select(Post, Topic.title, Topic.slug, Topic.accepted_post_id, Category.name)
        .join(Topic, Topic.id == Post.topic_id)
        .join(Category, Category.id == Topic.category_id)
        .where(Post.author_id == user_id, Topic.category_id.in_(visible), Post.deleted_at.is_(None))
    )
    if not can_moderate(viewer):
        statement = statement.where(Post.hidden_at.is_(None), Topic.hidden_at.is_(None))
    rows = session.execute(
        statement.order_by(Post.created_at.desc(), Post.id.desc())
        .offset((page - 1) * TOPICS_PER_PAGE)
        .limit(TOPICS_PER_PAGE + 1)
    ).all()
    items = [
        ActivityItem(
            post_id=row.Post.id,
            post_number=row.Post.post_number,
            topic_id=row.Post.topic_id,
            topic_title=row.title,
            topic_slug=row.slug,
            category_name=row.name,
            created_at=row.Post.created_at,
            excerpt=markdown.excerpt(row.Post.body_html, 180),
            accepted=row.accepted_post_id == row.Post.id,
        )
        for row in rows[:TOPICS_PER_PAGE]
    ]
    return Page(items, page, len(rows) > TOPICS_PER_PAGE)
