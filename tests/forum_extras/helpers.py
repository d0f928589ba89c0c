"""Shared helpers for the search, notification and moderation tests."""

from __future__ import annotations

from datetime import timedelta

from app.accounts import service as accounts
from tests.conftest import START
from tests.factories import make_user

OLD = START - timedelta(days=30)


def member(db, username: str, *, roles=(), verified=True):
    """A member whose account is a month old (past the new-member limits)."""
    return make_user(db, username=username, roles=roles, verified=verified, created_at=OLD)


def labs_setup(db):
    """Make sure the role groups exist (labs categories name them)."""
    accounts.ensure_groups(db)


def outbox(db, address: str, kind: str | None = None):
    """E-mails queued for an address (optionally of one kind), oldest first."""
    from sqlalchemy import select

    from app.mail import OutboxEmail

    statement = select(OutboxEmail).where(OutboxEmail.to_address == address).order_by(OutboxEmail.id)
    if kind:
        statement = statement.where(OutboxEmail.kind == kind)
    return list(db.scalars(statement))
