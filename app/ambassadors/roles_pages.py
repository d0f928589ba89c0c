"""Role lifecycle pages: current holders with recent activity, the quiet-holder review, removal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from app.accounts.auth import MemberDep
from app.ambassadors import roles
from app.ambassadors.invitation_pages import manager, member_named
from app.ambassadors.invitations import ROLE_NAMES
from app.ambassadors.models import PROFILES
from app.db import SessionDep
from app.i18n import N_, Msg
from app.web import flash, get_now, redirect, render

router = APIRouter()
FormStr = Annotated[str, Form()]


@router.get("/ambassadors/roles")
def roles_page(request: Request, db: SessionDep, viewer: MemberDep):
    """Holders of every community role with their recent activity, and who has gone quiet."""
    manager(viewer)
    settings, now = request.app.state.settings, get_now(request)
    by_role = roles.holders(db, settings, now)
    return render(request, "ambassadors/roles.html", {
        "by_role": by_role, "profiles": PROFILES, "role_names": ROLE_NAMES,
        "quiet": sorted((h for role in by_role.values() for h in role if h.quiet),
                        key=lambda h: (h.last_active is not None, h.last_active or now.date(), h.username)),
        "quiet_days": settings.role_quiet_days, "activity_days": roles.ACTIVITY_DAYS,
    })


@router.post("/ambassadors/roles/{role}/{username}/remove")
def remove(request: Request, role: str, username: str, db: SessionDep, viewer: MemberDep, message: FormStr = ""):
    """Remove a member from a role with a thank-you note; audited, and the member is told."""
    manager(viewer)
    user = member_named(db, username)
    roles.remove(db, request.app.state.settings, user_id=user.id, role=role, manager_id=viewer.id, message=message,
                 now=get_now(request))
    flash(request, Msg(N_("%(name)s is no longer %(role)s and has been thanked."), name=user.display_name,
                       role=ROLE_NAMES.get(role, role)), "success")
    return redirect("/ambassadors/roles")
