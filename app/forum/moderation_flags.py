"""Flags: members report posts, moderators agree (the post is hidden) or disagree in a review queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from app.accounts.models import User
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.events import publish
from app.forum.events import FlagResolved
from app.forum.models import Flag, Post, Topic
from app.forum.moderation import audit, check_not_suspended, hide_post, live_post, require_moderator
from app.forum.queries import visible_category_ids
from app.i18n import N_
from app.web import Viewer

FLAG_REASONS = {
    "spam": N_("Spam"),
    "off_topic": N_("Off topic"),
    "inappropriate": N_("Inappropriate"),
    "other": N_("Something else"),
}


def flag_post(session: Session, viewer: Viewer, post_id: int, reason: str, note: str, now: datetime) -> Flag:
    """A member reports a post; one flag per member per post, never on their own posts."""
    if not viewer.is_authenticated:
        raise Forbidden(N_("Please log in to flag posts."))
    row = session.execute(
        select(Post, Topic.category_id).join(Topic, Topic.id == Post.topic_id).where(Post.id == post_id)
    ).first()
    if row is None or row[0].deleted_at is not None or row[1] not in visible_category_ids(session, viewer):
        raise NotFound(N_("This post does not exist or was deleted."))
    post = row[0]
    check_not_suspended(session, viewer.id, now)
    if post.author_id == viewer.id:
        raise Forbidden(N_("You cannot flag your own post."))
    note = (note or "").strip()
    errors = {}
    if reason not in FLAG_REASONS:
        errors["reason"] = N_("Choose why this post needs a moderator.")
    elif reason == "other" and not note:
        errors["note"] = N_("Tell the moderators what is wrong with this post.")
    if len(note) > 1000:
        errors["note"] = N_("Keep the note under 1000 characters.")
    if errors:
        raise ValidationFailed(N_("Please correct the marked fields."), detail=errors)
    exists = session.scalar(select(Flag.id).where(Flag.post_id == post_id, Flag.flagger_id == viewer.id))
    if exists is not None:
        raise Conflict(N_("You have already flagged this post; a moderator will look at it."))
    flag = Flag(post_id=post_id, flagger_id=viewer.id, reason=reason, note=note, status="pending", created_at=now)
    session.add(flag)
    session.flush()
    return flag


def resolve_flag(session: Session, viewer: Viewer, flag_id: int, agree: bool, now: datetime) -> list[Flag]:
    """Agree (hide the post) or disagree (keep it); every pending flag on the post is resolved alike."""
    require_moderator(viewer)
    flag = session.get(Flag, flag_id)
    if flag is None:
        raise NotFound(N_("This flag does not exist."))
    if flag.status != "pending":
        raise Conflict(N_("This flag has already been reviewed."))
    post = live_post(session, flag.post_id)
    pending = session.scalars(
        select(Flag).where(Flag.post_id == flag.post_id, Flag.status == "pending").order_by(Flag.id)
    ).all()
    if agree:
        reasons = sorted({item.reason for item in pending})
        hide_post(session, viewer, post.id, "flag: " + ", ".join(reasons), now)
    for item in pending:
        item.status = "agreed" if agree else "disagreed"
        item.reviewed_by_id = viewer.id
        item.reviewed_at = now
    session.flush()
    audit(
        session, viewer.id, "flag.agree" if agree else "flag.disagree", post.author_id, now,
        post_id=post.id, flag_ids=[item.id for item in pending],
    )
    for item in pending:
        publish(
            session,
            FlagResolved(
                flag_id=item.id, post_id=post.id, flagger_id=item.flagger_id, post_author_id=post.author_id,
                agreed=agree, reviewer_id=viewer.id, at=now,
            ),
        )
    return list(pending)


@dataclass(frozen=True)
class FlagRow:
    """A pending flag as the review queue shows it."""

    id: int
    post_id: int
    topic_id: int
    topic_title: str
    post_number: int
    post_html: str
    post_hidden: bool
    author_username: str | None
    flagger_username: str | None
    reason: str
    note: str
    created_at: datetime


def pending_flags(session: Session, viewer: Viewer, limit: int = 100, offset: int = 0) -> list[FlagRow]:
    """The review queue, oldest first, in one statement."""
    require_moderator(viewer)
    author = aliased(User)
    flagger = aliased(User)
    rows = session.execute(
        select(
            Flag.id, Flag.post_id, Flag.reason, Flag.note, Flag.created_at,
            Post.topic_id, Post.post_number, Post.body_html, Post.hidden_at,
            Topic.title, author.username.label("author_username"), flagger.username.label("flagger_username"),
        )
        .join(Post, Post.id == Flag.post_id)
        .join(Topic, Topic.id == Post.topic_id)
        .outerjoin(author, author.id == Post.author_id)
        .outerjoin(flagger, flagger.id == Flag.flagger_id)
        .where(Flag.status == "pending", Post.deleted_at.is_(None))
        .order_by(Flag.created_at, Flag.id)
        .offset(offset)
        .limit(limit)
    ).all()
    return [
        FlagRow(
            id=row.id, post_id=row.post_id, topic_id=row.topic_id, topic_title=row.title,
            post_number=row.post_number, post_html=row.body_html, post_hidden=row.hidden_at is not None,
            author_username=row.author_username, flagger_username=row.flagger_username,
            reason=row.reason, note=row.note, created_at=row.created_at,
        )
        for row in rows
    ]
