"""Idempotent forms: a submitted form's key is stored once, so a second submission finds the first.

A form that creates something (topic, reply, idea, invitation) carries a random `form_key` made
when it renders. The creating request claims (member, key) with an INSERT before it creates
anything; the primary key makes the claim race-safe (a concurrent duplicate waits for the first
transaction and then fails the insert, never a check-then-insert race). The first request stores
where its result lives; every later submission of that key is sent there instead of creating again.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db import Base

KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# A form resent later than this is treated as new (nobody retries a week-old page by accident).
KEPT = timedelta(days=7)


class FormSubmission(Base):
    """One claimed form key of a member and where its result lives."""

    __tablename__ = "form_submission"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    form_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    result_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]


def new_key() -> str:
    """A fresh key for a form being rendered."""
    return secrets.token_urlsafe(24)


def valid_key(key: str | None) -> str | None:
    """The key if it looks like one we make (anything else means: no idempotency for this request)."""
    return key if isinstance(key, str) and KEY_RE.match(key) else None


def claim(session: Session, user_id: int, key: str | None, kind: str, now: datetime) -> str | None:
    """Claim a form key before creating anything; returns the first submission's URL when already used.

    None means: go ahead (the key is now ours, or the form carried no key).
    """
    key = valid_key(key)
    if key is None:
        return None
    try:
        with session.begin_nested():
            session.add(FormSubmission(user_id=user_id, form_key=key, kind=kind, result_url=None, created_at=now))
            session.flush()
    except IntegrityError:
        # Another submission of this form committed first (or is in this very transaction).
        url = session.scalar(
            select(FormSubmission.result_url).where(FormSubmission.user_id == user_id, FormSubmission.form_key == key)
        )
        return url or "/"
    return None


def finish(session: Session, user_id: int, key: str | None, url: str) -> None:
    """Record where the created thing lives, for later submissions of the same form."""
    key = valid_key(key)
    if key is None:
        return
    session.execute(
        update(FormSubmission).where(FormSubmission.user_id == user_id, FormSubmission.form_key == key)
        .values(result_url=url).execution_options(synchronize_session=False)
    )


def purge(session: Session, now: datetime) -> dict:
    """Forget keys older than KEPT (the worker runs this daily)."""
    result = session.execute(
        delete(FormSubmission).where(FormSubmission.created_at < now - KEPT).execution_options(synchronize_session=False)
    )
    return {"forgotten": result.rowcount}
