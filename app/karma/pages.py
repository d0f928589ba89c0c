"""HTML pages of the karma domain: history, badges, leaderboards, anti-gaming flags, admin settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from app.accounts.auth import MemberDep
from app.accounts.models import ROLES
from app.db import SessionDep
from app.errors import Forbidden, NotFound
from app.guard import Page
from app.i18n import N_
from app.karma import queries, service
from app.karma.permissions import can_change_karma_settings, can_review_karma_flags, can_see_leaderboard
from app.karma.rules import PERIODS, SOURCES
from app.web import flash, get_now, redirect, render, viewer_of

router = APIRouter()


def _member(db, settings, username: str) -> queries.MemberKarma:
    member = queries.member_karma(db, settings, username)
    if member is None:
        raise NotFound(N_("There is no member with that name."))
    return member


@router.get("/u/{username}/karma")
def karma_history(request: Request, username: str, db: SessionDep, page: Page = 1):
    """A member's karma: total, level, badges and every change with its reason."""
    settings = request.app.state.settings
    member = _member(db, settings, username)
    viewer = viewer_of(request)
    return render(
        request,
        "karma/history.html",
        {
            "member": member,
            "history": queries.history(db, viewer, member.id, page),
            "badges": queries.badges_of(db, settings, member.id),
            "sources": SOURCES,
        },
    )


@router.get("/u/{username}/badges")
def badges(request: Request, username: str, db: SessionDep):
    """The badges a member has earned."""
    settings = request.app.state.settings
    member = _member(db, settings, username)
    return render(request, "karma/badges.html", {"member": member, "badges": queries.badges_of(db, settings, member.id)})


@router.get("/leaderboard")
def leaderboard(request: Request, db: SessionDep, period: str = "month"):
    """Who gained the most karma in a period; admins can turn this off or leave groups out."""
    settings = request.app.state.settings
    viewer = viewer_of(request)
    choice = queries.leaderboard_settings(db)
    if not can_see_leaderboard(viewer, choice.enabled):
        raise NotFound(N_("Leaderboards are turned off on this site."))
    if period not in PERIODS:
        period = "month"
    rows = queries.leaderboard(db, settings, period, get_now(request), choice.excluded_groups)
    return render(
        request,
        "karma/leaderboard.html",
        {"rows": rows, "period": period, "periods": PERIODS, "choice": choice},
    )


@router.get("/mod/karma-flags")
def karma_flags(request: Request, viewer: MemberDep, db: SessionDep):
    """Anti-gaming evidence for moderators, managers and admins."""
    if not can_review_karma_flags(viewer):
        raise Forbidden(N_("Only moderators, managers and admins can see voting flags."))
    return render(request, "karma/flags.html", {"flags": queries.flags(db)})


def _admin(viewer) -> None:
    if not can_change_karma_settings(viewer):
        raise Forbidden(N_("Only admins can change the karma settings."))


@router.get("/admin/karma")
def karma_settings_form(request: Request, viewer: MemberDep, db: SessionDep):
    """Leaderboard settings: on or off, and which groups they leave out."""
    _admin(viewer)
    return render(request, "karma/admin.html", {"choice": queries.leaderboard_settings(db), "roles": ROLES})


@router.post("/admin/karma")
def karma_settings_save(
    request: Request,
    viewer: MemberDep,
    db: SessionDep,
    enabled: Annotated[str, Form()] = "",
    excluded: Annotated[list[str], Form()] = [],  # noqa: B006 — FastAPI copies form defaults
):
    """Save the leaderboard settings."""
    _admin(viewer)
    service.save_leaderboard_settings(
        db, enabled=enabled == "on", excluded_groups=excluded, actor_id=viewer.id, now=get_now(request)
    )
    flash(request, N_("Karma settings saved."), "success")
    return redirect("/admin/karma")


def profile_section(session, settings, viewer, member):
    """Karma, level and badges on a member's profile page (registered in app.main)."""
    karma = queries.member_karma(session, settings, member.username)
    if karma is None:
        return None
    return "karma/_profile_section.html", {"karma": karma, "badges": queries.badges_of(session, settings, member.id)}
