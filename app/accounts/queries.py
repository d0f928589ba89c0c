"""Read-only account facts for pages and for other domains (frozen dataclasses, never ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Group, GroupMembership, User, UserVisit


@dataclass(frozen=True)
class MemberProfile:
    """What a public profile shows."""

    id: int
    username: str
    display_name: str
    bio: str
    created_at: datetime
    last_seen_at: datetime | None
    roles: tuple[str, ...]
    visit_days: int


@dataclass(frozen=True)
class MemberRef:
    """A member as other domains refer to them."""

    id: int
    username: str
    display_name: str


def profile(session: Session, username: str) -> MemberProfile | None:
    """A member's public profile by username (case-insensitive), in a fixed number of queries."""
    row = session.execute(
        select(
            User.id, User.username, User.display_name, User.bio, User.created_at, User.last_seen_at,
            select(func.count()).where(UserVisit.user_id == User.id).scalar_subquery().label("visit_days"),
        ).where(User.username_key == username.strip().lower())
    ).first()
    if row is None:
        return None
    roles = session.scalars(
        select(Group.name).join(GroupMembership).where(GroupMembership.user_id == row.id).order_by(Group.name)
    ).all()
    return MemberProfile(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        bio=row.bio,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        roles=tuple(roles),
        visit_days=row.visit_days,
    )


def members_by_id(session: Session, ids) -> dict[int, MemberRef]:
    """Look up many members at once."""
    ids = set(ids)
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.username, User.display_name).where(User.id.in_(ids)))
    return {row.id: MemberRef(row.id, row.username, row.display_name) for row in rows}


def role_members(session: Session, role: str) -> set[int]:
    """Ids of every member of a role group."""
    return set(
        session.scalars(select(GroupMembership.user_id).join(Group).where(Group.name == role)).all()
    )
