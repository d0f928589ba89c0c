"""Events the ambassadors domain publishes (invitations into roles and labs); webhooks listen to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.events import Event


@dataclass(frozen=True)
class InvitationSent(Event):
    """A manager invited a member into a role or labs."""

    invitation_id: int
    user_id: int
    role: str
    invited_by_id: int | None
    at: datetime


@dataclass(frozen=True)
class InvitationAccepted(Event):
    """The invited member accepted (the role is granted in the same transaction)."""

    invitation_id: int
    user_id: int
    role: str
    invited_by_id: int | None
    at: datetime


@dataclass(frozen=True)
class InvitationDeclined(Event):
    """The invited member declined."""

    invitation_id: int
    user_id: int
    role: str
    invited_by_id: int | None
    at: datetime
