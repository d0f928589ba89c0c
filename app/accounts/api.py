"""JSON API of the accounts domain."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.accounts.auth import MemberDep, current_user
from app.accounts.schemas import UserRead
from app.db import SessionDep

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.get("/me", response_model=UserRead)
def me(request: Request, viewer: MemberDep, db: SessionDep) -> UserRead:
    """The member the token (or session) belongs to."""
    user = current_user(db, viewer)
    return UserRead(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        created_at=user.created_at,
        last_seen_at=user.last_seen_at,
        locale=user.locale,
        roles=sorted(viewer.roles),
    )
