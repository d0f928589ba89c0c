"""Events the accounts domain publishes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.events import Event


@dataclass(frozen=True)
class UserRegistered(Event):
    """A new account was created."""

    user_id: int
    at: datetime


@dataclass(frozen=True)
class UserLoggedIn(Event):
    """A member logged in successfully."""

    user_id: int
    at: datetime


@dataclass(frozen=True)
class RoleGranted(Event):
    """A member joined a group such as helper or labs."""

    user_id: int
    role: str
    granted_by_id: int | None
    at: datetime


@dataclass(frozen=True)
class RoleRevoked(Event):
    """A member left a group."""

    user_id: int
    role: str
    revoked_by_id: int | None
    at: datetime


@dataclass(frozen=True)
class RoleGrantRequested(Event):
    """A higher domain asks accounts to grant a role (command event; accounts audits it)."""

    user_id: int
    role: str
    granted_by_id: int | None
    reason: str
    at: datetime


@dataclass(frozen=True)
class RoleRevokeRequested(Event):
    """A higher domain asks accounts to remove a role (command event; accounts audits it)."""

    user_id: int
    role: str
    revoked_by_id: int | None
    reason: str
    at: datetime
