"""Accepted answers on questions: the asker or staff choose, change or clear one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, Forbidden, ValidationFailed
from app.events import publish
from app.forum.events import AnswerAccepted, AnswerUnaccepted
from app.forum.lookup import get_visible_topic
from app.forum.models import Post, Topic
from app.forum.permissions import can_accept_answer
from app.i18n import N_
from app.web import Viewer


def accept_answer(session: Session, viewer: Viewer, topic_id: int, post_id: int, now: datetime) -> Topic:
    """Mark a reply as the answer to a question (replacing any earlier one)."""
    topic = get_visible_topic(session, viewer, topic_id, for_update=True)
    if not can_accept_answer(viewer, topic.author_id):
        raise Forbidden(N_("Only the asker or staff can choose the accepted answer."))
    if topic.kind != "question":
        raise Conflict(N_("Only questions have accepted answers."))
    post = session.get(Post, post_id)
    if post is None or post.topic_id != topic.id or post.post_number == 1 or post.deleted_at or post.hidden_at:
        raise ValidationFailed(N_("Choose a visible reply in this topic as the answer."))
    if topic.accepted_post_id == post.id:
        return topic
    if topic.accepted_post_id is not None:
        unaccept_answer(session, viewer, topic.id, now, check=False)
    topic.accepted_post_id = post.id
    topic.accepted_at = now
    topic.accepted_by_id = viewer.id
    session.flush()
    publish(
        session,
        AnswerAccepted(
            topic_id=topic.id,
            post_id=post.id,
            answer_author_id=post.author_id,
            asker_id=topic.author_id,
            accepted_by_id=viewer.id,
            at=now,
        ),
    )
    return topic


def unaccept_answer(session: Session, viewer: Viewer, topic_id: int, now: datetime, *, check: bool = True) -> Topic:
    """Clear the accepted answer of a question."""
    topic = get_visible_topic(session, viewer, topic_id, for_update=True)
    if check and not can_accept_answer(viewer, topic.author_id):
        raise Forbidden(N_("Only the asker or staff can choose the accepted answer."))
    if topic.accepted_post_id is None:
        return topic
    old_id = topic.accepted_post_id
    answer_author_id = session.scalar(select(Post.author_id).where(Post.id == old_id))
    topic.accepted_post_id = None
    topic.accepted_at = None
    topic.accepted_by_id = None
    session.flush()
    publish(
        session,
        AnswerUnaccepted(
            topic_id=topic.id,
            post_id=old_id,
            answer_author_id=answer_author_id,
            asker_id=topic.author_id,
            by_id=viewer.id,
            at=now,
        ),
    )
    return topic
