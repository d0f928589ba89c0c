"""JSON API of the karma domain: a member's karma history and the leaderboard."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel

from app.db import SessionDep
from app.errors import NotFound, ValidationFailed
from app.i18n import N_
from app.karma import queries
from app.karma.permissions import can_see_leaderboard
from app.karma.rules import PERIODS
from app.openapi import Page, PagingDep
from app.web import get_now, translations_for, request_language, viewer_of

router = APIRouter(prefix="/api/v1", tags=["karma"])


class LevelRead(BaseModel):
    """A karma level."""

    number: int
    name: str
    next_at: int | None


class EntryRead(BaseModel):
    """One karma change; `post_url` only when the caller may see the post."""

    id: int
    delta: int
    reason: str
    reason_text: str
    source: str
    created_at: datetime
    note: str
    reverses_id: int | None
    post_url: str | None


class KarmaRead(BaseModel):
    """A member's karma total, level and a page of history, newest first."""

    username: str
    display_name: str
    karma: int
    level: LevelRead
    entries: Page[EntryRead]


class LeaderRead(BaseModel):
    """A place on the leaderboard."""

    rank: int
    username: str
    display_name: str
    karma: int


class LeaderboardRead(BaseModel):
    """The leaderboard of a period."""

    period: str
    entries: Page[LeaderRead]


@router.get("/users/{username}/karma", response_model=KarmaRead)
def karma(request: Request, username: str, db: SessionDep, paging: PagingDep) -> KarmaRead:
    """A member's karma, level and history, newest first (`limit` and `offset` page the history)."""
    settings = request.app.state.settings
    member = queries.member_karma(db, settings, username)
    if member is None:
        raise NotFound(N_("There is no member with that name."))
    gettext = translations_for(request_language(request)).gettext
    history = queries.history(db, viewer_of(request), member.id, per_page=paging.limit, offset=paging.offset)
    return KarmaRead(
        username=member.username,
        display_name=member.display_name,
        karma=member.karma,
        level=LevelRead(number=member.level.number, name=gettext(member.level.name), next_at=member.level.next_at),
        entries=paging.page(
            list(history.items) + ([None] if history.has_more else []),
            lambda item: EntryRead(
                id=item.id,
                delta=item.delta,
                reason=item.reason,
                reason_text=gettext(item.reason_label),
                source=item.source,
                created_at=item.created_at,
                note=gettext(item.note) if item.note else "",
                reverses_id=item.reverses_id,
                post_url=item.link,
            ),
        ),
    )


@router.get("/leaderboard", response_model=LeaderboardRead)
def leaderboard(request: Request, db: SessionDep, paging: PagingDep, period: str = "month") -> LeaderboardRead:
    """Top members by karma gained in a period: week, month, quarter, year or all."""
    choice = queries.leaderboard_settings(db)
    if not can_see_leaderboard(viewer_of(request), choice.enabled):
        raise NotFound(N_("Leaderboards are turned off on this site."))
    if period not in PERIODS:
        raise ValidationFailed(
            N_("Unknown period."), detail={"period": N_("Use week, month, quarter, year or all.")}
        )
    rows = queries.leaderboard(db, request.app.state.settings, period, get_now(request), choice.excluded_groups)
    return LeaderboardRead(
        period=period,
        entries=paging.slice(
            list(rows), lambda row: LeaderRead(rank=row.rank, username=row.username, display_name=row.display_name, karma=row.karma)
        ),
    )
