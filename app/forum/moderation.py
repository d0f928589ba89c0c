"""Moderation rules that gate posting: suspensions (and, as they are added, rate and new-member limits)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Forbidden
from app.forum.models import Suspension
from app.i18n import Msg


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


def check_can_post(session: Session, settings, user_id: int, now: datetime, kind: str) -> None:
    """Raise when a member may not post now; kind is 'topic' or 'reply'."""
    suspension = active_suspension(session, user_id, now)
    if suspension is not None:
        raise Forbidden(
            Msg(
                "You are suspended until %(until)s: %(reason)s",
                until=suspension.ends_at.strftime("%Y-%m-%d %H:%M UTC"),
                reason=suspension.reason,
            )
        )
