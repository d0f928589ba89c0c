"""Topics and posts looked up for a viewer: the row, or NotFound when it is missing or not theirs to see."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.forum.models import Post, Topic
from app.forum.permissions import can_moderate
from app.forum.queries import visible_category_ids
from app.i18n import N_
from app.web import Viewer


def get_visible_topic(session: Session, viewer: Viewer, topic_id: int, *, for_update: bool = False) -> Topic:
    """A topic the viewer may see, or NotFound (restricted and hidden topics do not leak)."""
    statement = select(Topic).where(Topic.id == topic_id)
    if for_update:
        statement = statement.with_for_update()
    topic = session.scalar(statement)
    if topic is None or topic.category_id not in visible_category_ids(session, viewer):
        raise NotFound(N_("This topic does not exist or you may not see it."))
    if topic.hidden_at is not None and not can_moderate(viewer) and topic.author_id != viewer.id:
        raise NotFound(N_("This topic does not exist or you may not see it."))
    return topic


def get_visible_post(session: Session, viewer: Viewer, post_id: int) -> tuple[Post, Topic]:
    """A post (and its topic) the viewer may see, or NotFound."""
    missing = NotFound(N_("This post does not exist or you may not see it."))
    post = session.get(Post, post_id)
    if post is None:
        raise missing
    try:
        topic = get_visible_topic(session, viewer, post.topic_id)
    except NotFound:
        raise missing from None  # a hidden post must answer exactly like a missing one
    return post, topic
