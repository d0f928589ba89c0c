"""Handlers of the accounts domain: command events by which higher domains ask for role changes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.accounts.events import RoleGrantRequested, RoleRevokeRequested
from app.accounts.models import User
from app.accounts.service import grant_role, revoke_role
from app.errors import NotFound
from app.events import subscribe
from app.i18n import N_


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(N_("There is no member with that name."))
    return user


def on_grant_requested(session: Session, event: RoleGrantRequested) -> None:
    """Grant the role with its audit row (a member who already holds it keeps it unchanged)."""
    grant_role(session, _user(session, event.user_id), event.role, granted_by_id=event.granted_by_id,
               now=event.at, reason=event.reason)


def on_revoke_requested(session: Session, event: RoleRevokeRequested) -> None:
    """Remove the role with its audit row."""
    revoke_role(session, _user(session, event.user_id), event.role, revoked_by_id=event.revoked_by_id,
                now=event.at, reason=event.reason)


def register() -> None:
    """Subscribe the accounts domain's handlers."""
    subscribe(RoleGrantRequested, on_grant_requested)
    subscribe(RoleRevokeRequested, on_revoke_requested)
