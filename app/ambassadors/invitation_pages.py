"""HTML pages for invitations: the manager's invite form, snooze and dismiss, the member's invitation
page with Accept / Decline, the managers' list of invitations and the audit log."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy import select

from app.accounts.auth import MemberDep
from app.accounts.models import User
from app.ambassadors import invitations, views
from app.ambassadors.audit import ACTION_NAMES, audit_rows
from app.ambassadors.models import PROFILES, MemberScore, ScoringRun
from app.ambassadors.permissions import can_see_candidates
from app.db import SessionDep
from app.errors import AppError, Forbidden, NotFound, ValidationFailed
from app.i18n import N_, Msg, translate
from app.web import (
    Viewer, earlier_submission, flash, get_now, gettext_for, redirect, render, request_language, submitted,
    translations_for,
)

router = APIRouter()
FormStr = Annotated[str, Form()]


def manager(viewer: Viewer) -> Viewer:
    """The viewer when they manage the community, else 403."""
    if not can_see_candidates(viewer):
        raise Forbidden(N_("Only community managers and admins can invite members into roles."))
    return viewer


def member_named(db, username: str) -> User:
    """A member by username (case-insensitive), else 404."""
    user = db.scalar(select(User).where(User.username_key == username.strip().lower()))
    if user is None:
        raise NotFound(N_("There is no member with that name."))
    return user


def suggested_message(db, request: Request, user: User, profile: str) -> str:
    """A personal message pre-filled with the member's own evidence from the newest scoring run."""
    gettext = gettext_for(request)
    found = db.execute(
        select(MemberScore.explanation, ScoringRun.windows).join(ScoringRun, ScoringRun.id == MemberScore.run_id)
        .where(MemberScore.user_id == user.id, MemberScore.profile == profile)
        .order_by(ScoringRun.id.desc()).limit(1)
    ).first()
    explanation, windows = found if found else ("[]", "{}")
    imported = bool(json.loads(windows or "{}").get("derived_visits"))
    plural = translations_for(request_language(request))
    evidence = [translate(plural, sentence) for effect, sentence in views.sentences(json.loads(explanation or "[]"), imported)
                if effect == "lifts"][:3]
    lines = [gettext("Hello %(name)s,") % {"name": user.display_name}, ""]
    lines.append(gettext("Thank you for everything you do in this community. What stood out to us:"))
    lines += [f"- {sentence}" for sentence in evidence] or [gettext("- your steady, helpful presence")]
    lines += ["", gettext("We would love to welcome you as %(role)s. Have a look and tell us what you think.")
              % {"role": gettext(invitations.ROLE_NAMES[profile])}]
    return "\n".join(lines)


def _invite_form(request, user, profile, message, *, errors=None, status=200, problem=None):
    return render(request, "ambassadors/invitation_form.html", {
        "member": user, "profile": profile, "profiles": PROFILES, "role_names": invitations.ROLE_NAMES,
        "meanings": invitations.ROLE_MEANINGS, "message": message, "errors": errors or {}, "problem": problem,
    }, status_code=status)


@router.get("/ambassadors/invite/{username}")
def invite_form(request: Request, username: str, db: SessionDep, viewer: MemberDep, profile: str = "helper"):
    """The invite form, its message pre-filled from the member's own explanation."""
    manager(viewer)
    profile = views.check_profile(profile)
    user = member_named(db, username)
    return _invite_form(request, user, profile, suggested_message(db, request, user, profile))


@router.post("/ambassadors/invite/{username}")
def invite(
    request: Request, username: str, db: SessionDep, viewer: MemberDep, role: FormStr = "", message: FormStr = "",
    form_key: FormStr = "",
):
    """Send the invitation; any limit re-renders the form with the reason and the message kept."""
    manager(viewer)
    user = member_named(db, username)
    profile = role if role in PROFILES else "helper"
    if earlier := earlier_submission(request, db, viewer.id, form_key, "invitation"):
        return earlier
    try:
        invitations.invite(db, request.app.state.settings, user=user, role=role, inviter_id=viewer.id,
                           message=message, now=get_now(request))
    except ValidationFailed as error:
        return _invite_form(request, user, profile, message, errors=error.detail or {}, status=422, problem=error.message)
    except AppError as error:
        return _invite_form(request, user, profile, message, status=error.status_code, problem=error.message)
    flash(request, Msg(N_("Invitation sent to %(name)s."), name=user.display_name), "success")
    return redirect(submitted(db, viewer.id, form_key, f"/ambassadors?profile={role}"))


@router.post("/ambassadors/candidates/{username}/{kind}")
def decide(request: Request, username: str, kind: str, db: SessionDep, viewer: MemberDep,
           profile: FormStr = "", reason: FormStr = ""):
    """Snooze or dismiss a candidate of one profile (hidden from the list; audited)."""
    manager(viewer)
    if kind not in invitations.DECISION_KINDS:
        raise NotFound(N_("Page not found."))
    user = member_named(db, username)
    profile = views.check_profile(profile)
    invitations.decide(db, request.app.state.settings, user=user, profile=profile, kind=kind, reason=reason,
                       manager_id=viewer.id, now=get_now(request))
    message = N_("%(name)s is snoozed for this role.") if kind == "snooze" else N_("%(name)s is dismissed for this role.")
    flash(request, Msg(message, name=user.display_name), "success")
    return redirect(f"/ambassadors?profile={profile}")


@router.get("/ambassadors/invitations")
def invitation_list(request: Request, db: SessionDep, viewer: MemberDep):
    """Every recent invitation and its answer, for managers."""
    manager(viewer)
    return render(request, "ambassadors/invitations.html", {
        "rows": invitations.views(db, get_now(request)), "role_names": invitations.ROLE_NAMES,
    })


@router.get("/ambassadors/audit")
def audit_log(request: Request, db: SessionDep, viewer: MemberDep):
    """Every invitation, candidate and role action: who did what to whom, when."""
    manager(viewer)
    return render(request, "ambassadors/roles_audit.html", {"rows": audit_rows(db), "action_names": ACTION_NAMES})


def _own(request: Request, db, viewer: Viewer, token: str):
    invitation_id = invitations.invitation_id_from(request.app.state.settings, token)
    invitations.own_invitation(db, invitation_id, viewer.id)
    return invitation_id


def _page(request, db, viewer, token, *, errors=None, problem=None, reason="", status=200):
    invitation_id = _own(request, db, viewer, token)
    view = invitations.views(db, get_now(request), invitation_id=invitation_id)[0]
    return render(request, "ambassadors/invitation.html", {
        "invitation": view, "token": token, "role_names": invitations.ROLE_NAMES,
        "meaning": invitations.ROLE_MEANINGS[view.role], "errors": errors or {}, "problem": problem,
        "reason": reason,
    }, status_code=status)


@router.get("/invitations/{token}")
def invitation_page(request: Request, token: str, db: SessionDep, viewer: MemberDep):
    """The invited member's page: who invited them, what the role means, Accept / Decline."""
    return _page(request, db, viewer, token)


@router.post("/invitations/{token}/accept")
def accept(request: Request, token: str, db: SessionDep, viewer: MemberDep):
    """Accept the invitation: the role is granted at once."""
    invitation_id = _own(request, db, viewer, token)
    try:
        invitation = invitations.accept(db, invitation_id=invitation_id, user_id=viewer.id, now=get_now(request))
    except AppError as error:
        return _page(request, db, viewer, token, problem=error.message, status=error.status_code)
    flash(request, Msg(N_("Welcome! You are now %(role)s."), role=invitations.ROLE_NAMES[invitation.role]), "success")
    return redirect("/labs" if invitation.role == "labs" else f"/invitations/{token}")


@router.post("/invitations/{token}/decline")
def decline(request: Request, token: str, db: SessionDep, viewer: MemberDep, reason: FormStr = ""):
    """Decline the invitation, optionally saying why."""
    invitation_id = _own(request, db, viewer, token)
    try:
        invitations.decline(db, invitation_id=invitation_id, user_id=viewer.id, reason=reason, now=get_now(request))
    except ValidationFailed as error:
        return _page(request, db, viewer, token, errors=error.detail or {}, problem=error.message, reason=reason, status=422)
    except AppError as error:
        return _page(request, db, viewer, token, problem=error.message, reason=reason, status=error.status_code)
    flash(request, N_("Thank you for letting us know. The invitation is declined."), "success")
    return redirect(f"/invitations/{token}")
