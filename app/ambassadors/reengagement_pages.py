"""Re-engagement pages for managers and admins: the list of quiet members (lapsed champions first)
with the return rate, the automatic-nudge switch, and composing a personal nudge."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.accounts import queries as accounts_queries
from app.accounts.auth import MemberDep, current_user
from app.accounts.models import User
from app.ambassadors import reengagement, reengagement_rates
from app.ambassadors.permissions import can_see_candidates
from app.db import SessionDep
from app.errors import AppError, Forbidden, NotFound, ValidationFailed
from app.i18n import N_
from app.web import Viewer, flash, get_now, redirect, render

router = APIRouter()


def _manager(viewer: Viewer) -> Viewer:
    if not can_see_candidates(viewer):
        raise Forbidden(N_("Only community managers and admins can see re-engagement."))
    return viewer


def _member_id(db, username: str) -> int:
    member = accounts_queries.profile(db, username)
    if member is None:
        raise NotFound(N_("There is no member with that name."))
    return member.id


@router.get("/ambassadors/reengagement")
def overview(request: Request, db: SessionDep, viewer: MemberDep):
    """Quiet members, lapsed champions first, with nudge limits and the return rate."""
    _manager(viewer)
    settings = request.app.state.settings
    now = get_now(request)
    rows, overall, pending = reengagement_rates.return_rates(db, now)
    return render(request, "ambassadors/reengagement.html", {
        "members": reengagement.lapsed_members(db, settings, now), "rates": rows, "overall": overall,
        "pending": pending, "percent": reengagement_rates.percent, "auto": reengagement.auto_nudges_on(db),
        "settings": settings,
    })


@router.post("/ambassadors/reengagement/auto")
async def toggle_auto(request: Request, db: SessionDep, viewer: MemberDep):
    """Turn automatic nudges on or off."""
    _manager(viewer)
    form = await request.form()
    enabled = form.get("enabled") == "1"
    reengagement.set_auto_nudges(db, enabled, by_id=viewer.id, now=get_now(request))
    flash(request, N_("Automatic nudges are on.") if enabled else N_("Automatic nudges are off."), "success")
    return redirect("/ambassadors/reengagement")


def _compose(request: Request, db, viewer: Viewer, username: str, *, subject=None, body=None, errors=None,
             message=None, status_code=200):
    settings = request.app.state.settings
    now = get_now(request)
    user_id = _member_id(db, username)
    blocked = None
    try:
        person = reengagement.check_nudge(db, settings, user_id, now)
    except AppError as error:
        blocked = error.message
        person = db.get(User, user_id)
    me = current_user(db, viewer)
    prepared = reengagement.draft(db, settings, person, now, me.display_name)
    return render(request, "ambassadors/reengagement_compose.html", {
        "person": person, "draft": prepared, "subject": prepared.subject if subject is None else subject,
        "body": prepared.body if body is None else body, "errors": errors or {}, "message": message,
        "blocked": blocked, "username": username,
    }, status_code=status_code)


@router.get("/ambassadors/reengagement/{username}")
def compose(request: Request, username: str, db: SessionDep, viewer: MemberDep):
    """A personal nudge pre-filled in the member's language, ready to edit and approve."""
    _manager(viewer)
    return _compose(request, db, viewer, username)


@router.post("/ambassadors/reengagement/{username}")
async def send(request: Request, username: str, db: SessionDep, viewer: MemberDep):
    """Approve and send the nudge; limits answer 403/409 and nothing is sent."""
    _manager(viewer)
    form = await request.form()
    subject, body = str(form.get("subject", "")), str(form.get("body", ""))
    user_id = _member_id(db, username)
    try:
        reengagement.send_nudge(db, request.app.state.settings, user_id=user_id, subject=subject, body=body,
                                now=get_now(request), by_id=viewer.id)
    except ValidationFailed as error:
        return _compose(request, db, viewer, username, subject=subject, body=body, errors=error.detail,
                        message=error.message, status_code=422)
    except AppError as error:
        return _compose(request, db, viewer, username, subject=subject, body=body, message=error.message,
                        status_code=error.status_code)
    flash(request, N_("Your note is on its way; it is sent with the next worker pass."), "success")
    return redirect("/ambassadors/reengagement")
