"""Moderation: the posting gate (suspensions, new-member limits, rate limit), hiding and restoring
posts, suspending members (flags live in moderation_flags). Every moderator action leaves an audit row."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from app.accounts.models import AuditEntry, User
from app.db import lock_keys
from app.errors import Forbidden, NotFound, RateLimited, ValidationFailed
from app.events import publish
from app.forum.events import MemberSuspended, PostHidden, PostRestored
from app.forum.models import Flag, Post, Suspension, Topic
from app.forum.permissions import can_moderate
from app.i18n import N_, Msg
from app.web import Viewer

MAX_SUSPENSION_DAYS = 3650


def audit(session: Session, actor_id: int | None, action: str, target_user_id: int | None, now: datetime, **detail):
    """Append one line to the audit log."""
    # accounts.service owns the audit helper, but the forum may not import it (DESIGN §3.1).
    session.add(
        AuditEntry(
            actor_id=actor_id,
            action=action,
            target_user_id=target_user_id,
            detail=json.dumps(detail, sort_keys=True, default=str),
            created_at=now,
        )
    )


def _format_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


# ---------------------------------------------------------------- the posting gate


def active_suspension(session: Session, user_id: int, now: datetime) -> Suspension | None:
    """The suspension in force for a member at `now`, if any."""
    return session.scalar(
        select(Suspension)
        .where(
            Suspension.user_id == user_id,
            Suspension.starts_at <= now,
            Suspension.ends_at > now,
            Suspension.lifted_at.is_(None),
        )
        .order_by(Suspension.ends_at.desc())
        .limit(1)
    )


def is_suspended(session: Session, user_id: int, now: datetime) -> bool:
    """True while a member is suspended (no posting, flagging or voting)."""
    return active_suspension(session, user_id, now) is not None


def suspension_message(suspension: Suspension) -> Msg:
    """What a suspended member is told, with the end date and the reason."""
    return Msg(
        "You are suspended until %(until)s: %(reason)s",
        until=_format_time(suspension.ends_at),
        reason=suspension.reason,
    )


def check_not_suspended(session: Session, user_id: int, now: datetime) -> None:
    """Raise Forbidden with the end date and reason while a member is suspended."""
    suspension = active_suspension(session, user_id, now)
    if suspension is not None:
        raise Forbidden(suspension_message(suspension))


def _retry_after(oldest: datetime, window: timedelta, now: datetime) -> int:
    return max(1, int((oldest + window - now).total_seconds() + 0.999))


def check_can_post(session: Session, settings, user_id: int, now: datetime, kind: str) -> None:
    """Raise when a member may not post now; kind is 'topic' or 'reply'.

    Order matters for the message a member sees: a suspension explains itself first, then the
    short posting rate limit, then the daily limits of accounts younger than new_member_hours.
    Windows end at `now`, so back-dated work (imports, the demo) is judged by its own moment.
    """
    check_not_suspended(session, user_id, now)
    # Two posts by one member decide the limits one after the other, never on the same count.
    lock_keys(session, f"post-limit:{user_id}")

    window = timedelta(seconds=settings.post_rate_seconds)
    recent = session.execute(
        select(func.count(Post.id), func.min(Post.created_at)).where(
            Post.author_id == user_id, Post.created_at > now - window, Post.created_at <= now
        )
    ).one()
    if recent[0] >= settings.post_rate_count:
        raise RateLimited(
            Msg(
                "You are posting too fast: at most %(count)s posts in %(seconds)s seconds. "
                "Please wait %(wait)s seconds and try again.",
                count=settings.post_rate_count,
                seconds=settings.post_rate_seconds,
                wait=_retry_after(recent[1], window, now),
            ),
            retry_after=_retry_after(recent[1], window, now),
        )

    created_at = session.scalar(select(User.created_at).where(User.id == user_id))
    new_until = created_at + timedelta(hours=settings.new_member_hours) if created_at else None
    if new_until is None or now >= new_until:
        return
    day = timedelta(hours=24)
    if kind == "topic":
        limit = settings.new_member_topics_per_day
        count, oldest = session.execute(
            select(func.count(Topic.id), func.min(Topic.created_at)).where(
                Topic.author_id == user_id, Topic.created_at > now - day, Topic.created_at <= now
            )
        ).one()
        message = N_("New members can start %(limit)s topics a day. You can start another one after %(when)s.")
    else:
        limit = settings.new_member_replies_per_day
        count, oldest = session.execute(
            select(func.count(Post.id), func.min(Post.created_at)).where(
                Post.author_id == user_id, Post.post_number > 1, Post.created_at > now - day, Post.created_at <= now
            )
        ).one()
        message = N_("New members can write %(limit)s replies a day. You can reply again after %(when)s.")
    if count >= limit:
        allowed_at = min(oldest + day, new_until)
        raise RateLimited(
            Msg(message, limit=limit, when=_format_time(allowed_at)),
            retry_after=_retry_after(allowed_at, timedelta(0), now),
        )


# ---------------------------------------------------------------- hidden posts


def can_see_hidden_post(viewer: Viewer, author_id: int | None) -> bool:
    """Staff and the post's author see a hidden post's text; others see a placeholder."""
    return viewer.is_staff or (viewer.is_authenticated and viewer.id == author_id)


def require_moderator(viewer: Viewer) -> None:
    """Forbidden unless the viewer moderates."""
    if not viewer.is_authenticated or not can_moderate(viewer):
        raise Forbidden(N_("Only moderators can do this."))


def live_post(session: Session, post_id: int) -> Post:
    """A post that exists and is not deleted, else NotFound."""
    post = session.get(Post, post_id)
    if post is None or post.deleted_at is not None:
        raise NotFound(N_("This post does not exist or was deleted."))
    return post


def hide_post(session: Session, viewer: Viewer, post_id: int, reason: str, now: datetime) -> Post:
    """A moderator hides a post (members then see a placeholder)."""
    require_moderator(viewer)
    post = live_post(session, post_id)
    reason = (reason or "").strip()[:200] or "moderator"
    if post.hidden_at is None:
        post.hidden_at = now
        post.hidden_by_id = viewer.id
        post.hidden_reason = reason
        session.flush()
        audit(session, viewer.id, "post.hide", post.author_id, now, post_id=post.id, reason=reason)
        publish(session, PostHidden(post_id=post.id, author_id=post.author_id, by_id=viewer.id, reason=reason, at=now))
    return post


def restore_post(session: Session, viewer: Viewer, post_id: int, now: datetime) -> Post:
    """A moderator makes a hidden post visible again."""
    require_moderator(viewer)
    post = live_post(session, post_id)
    if post.hidden_at is not None:
        post.hidden_at = None
        post.hidden_by_id = None
        post.hidden_reason = None
        session.flush()
        audit(session, viewer.id, "post.restore", post.author_id, now, post_id=post.id)
        publish(session, PostRestored(post_id=post.id, author_id=post.author_id, by_id=viewer.id, at=now))
    return post


# ---------------------------------------------------------------- suspensions


def _member(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username_key == (username or "").strip().lower()))
    if user is None:
        raise NotFound(N_("There is no member with that name."))
    return user


def suspend_member(
    session: Session, viewer: Viewer, username: str, days: int | str, reason: str, now: datetime
) -> Suspension:
    """Suspend a member for a number of days with a reason they will see."""
    require_moderator(viewer)
    user = _member(session, username)
    errors = {}
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_SUSPENSION_DAYS:
        errors["days"] = Msg("Enter a number of days from 1 to %(max)s.", max=MAX_SUSPENSION_DAYS)
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = N_("Give a reason; the member will see it.")
    elif len(reason) > 500:
        errors["reason"] = N_("Keep the reason under 500 characters.")
    if user.id == viewer.id:
        errors["days"] = N_("You cannot suspend yourself.")
    if errors:
        raise ValidationFailed(N_("Please correct the marked fields."), detail=errors)
    suspension = Suspension(
        user_id=user.id, by_id=viewer.id, reason=reason, starts_at=now, ends_at=now + timedelta(days=days)
    )
    session.add(suspension)
    session.flush()
    audit(session, viewer.id, "member.suspend", user.id, now, days=days, reason=reason, until=suspension.ends_at)
    publish(
        session,
        MemberSuspended(user_id=user.id, by_id=viewer.id, until=suspension.ends_at, reason=reason, at=now),
    )
    return suspension


def lift_suspension(session: Session, viewer: Viewer, username: str, now: datetime) -> int:
    """End a member's current suspensions now; returns how many were lifted."""
    require_moderator(viewer)
    user = _member(session, username)
    current = session.scalars(
        select(Suspension).where(
            Suspension.user_id == user.id, Suspension.ends_at > now, Suspension.lifted_at.is_(None)
        )
    ).all()
    for suspension in current:
        suspension.lifted_at = now
    if current:
        session.flush()
        audit(session, viewer.id, "member.unsuspend", user.id, now, suspension_ids=[s.id for s in current])
    return len(current)


@dataclass(frozen=True)
class SuspensionRow:
    """One suspension in a member's history."""

    id: int
    reason: str
    starts_at: datetime
    ends_at: datetime
    lifted_at: datetime | None
    by_username: str | None
    active: bool


@dataclass(frozen=True)
class MemberModeration:
    """What the moderator page of a member shows."""

    user_id: int
    username: str
    display_name: str
    created_at: datetime
    suspensions: tuple[SuspensionRow, ...]
    flags_against: int
    hidden_posts: int

    @property
    def active(self) -> SuspensionRow | None:
        """The suspension in force, if any."""
        return next((item for item in self.suspensions if item.active), None)


def member_moderation(session: Session, viewer: Viewer, username: str, now: datetime) -> MemberModeration:
    """A member's suspension history and moderation counts, in a fixed number of statements."""
    require_moderator(viewer)
    user = _member(session, username)
    by = aliased(User)
    rows = session.execute(
        select(Suspension, by.username)
        .outerjoin(by, by.id == Suspension.by_id)
        .where(Suspension.user_id == user.id)
        .order_by(Suspension.starts_at.desc(), Suspension.id.desc())
    ).all()
    flags_against = session.scalar(
        select(func.count(Flag.id)).join(Post, Post.id == Flag.post_id).where(Post.author_id == user.id, Flag.status == "agreed")
    )
    hidden = session.scalar(select(func.count(Post.id)).where(Post.author_id == user.id, Post.hidden_at.is_not(None)))
    return MemberModeration(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        created_at=user.created_at,
        suspensions=tuple(
            SuspensionRow(
                id=s.id, reason=s.reason, starts_at=s.starts_at, ends_at=s.ends_at, lifted_at=s.lifted_at,
                by_username=by_username, active=s.lifted_at is None and s.starts_at <= now < s.ends_at,
            )
            for s, by_username in rows
        ),
        flags_against=flags_against or 0,
        hidden_posts=hidden or 0,
    )
