"""JSON API for invitations, candidate decisions, the audit log and role lifecycle (under /api/v1)."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel

from app.accounts.auth import MemberDep
from app.ambassadors import invitations, roles
from app.ambassadors.audit import audit_rows
from app.ambassadors.invitation_pages import manager, member_named
from app.db import SessionDep
from app.errors import ValidationFailed
from app.i18n import Msg
from app.guard import Id
from app.openapi import Page, PagingDep
from app.web import get_now

router = APIRouter(prefix="/api/v1", tags=["invitations"])


class InvitationCreate(BaseModel):
    """A manager's invitation of a member into a role."""

    username: str
    role: str
    message: str = ""


class DeclineBody(BaseModel):
    """An optional reason for declining."""

    reason: str = ""


class DecisionBody(BaseModel):
    """Snooze or dismiss a candidate of one profile."""

    profile: str
    reason: str = ""


class RemovalBody(BaseModel):
    """A thank-you note sent with a role removal."""

    message: str = ""


class InvitationRead(BaseModel):
    """An invitation and its answer."""

    id: int
    role: str
    status: str
    message: str
    invited_by: str | None
    member: str
    created_at: datetime
    expires_at: datetime
    responded_at: datetime | None
    decline_reason: str


class DecisionRead(BaseModel):
    """A snooze or dismissal of a candidate."""

    member: str
    profile: str
    kind: str
    reason: str
    until: datetime | None


class AuditRead(BaseModel):
    """One invitation, candidate or role action."""

    action: str
    actor: str | None
    member: str | None
    detail: dict
    at: datetime


class HolderRead(BaseModel):
    """A member holding a community role, and whether they have gone quiet."""

    role: str
    member: str
    granted_at: datetime
    granted_by: str | None
    last_active: date | None
    posts_recent: int
    quiet: bool


class RemovalRead(BaseModel):
    """A role removal that took place."""

    member: str
    role: str
    removed: bool


def _read(view: invitations.InvitationView) -> InvitationRead:
    return InvitationRead(id=view.id, role=view.role, status=view.status, message=view.message,
                          invited_by=view.inviter_username, member=view.invitee_username, created_at=view.created_at,
                          expires_at=view.expires_at, responded_at=view.responded_at, decline_reason=view.decline_reason)


def _one(db, request: Request, invitation_id: int) -> InvitationRead:
    return _read(invitations.views(db, get_now(request), invitation_id=invitation_id)[0])


@router.post("/ambassadors/invitations", response_model=InvitationRead, status_code=201)
def create(request: Request, body: InvitationCreate, db: SessionDep, viewer: MemberDep) -> InvitationRead:
    """Invite a member into a role (managers and admins)."""
    manager(viewer)
    user = member_named(db, body.username)
    invitation = invitations.invite(db, request.app.state.settings, user=user, role=body.role, inviter_id=viewer.id,
                                    message=body.message, now=get_now(request))
    return _one(db, request, invitation.id)


@router.get("/ambassadors/invitations", response_model=Page[InvitationRead])
def list_all(request: Request, db: SessionDep, viewer: MemberDep, paging: PagingDep):
    """Invitations of every member, newest first (managers and admins)."""
    manager(viewer)
    return paging.page(invitations.views(db, get_now(request), limit=paging.limit + 1, offset=paging.offset), _read)


@router.get("/invitations", response_model=Page[InvitationRead])
def mine(request: Request, db: SessionDep, viewer: MemberDep, paging: PagingDep):
    """The viewer's own invitations, newest first."""
    views = invitations.views(db, get_now(request), user_id=viewer.id, limit=paging.limit + 1, offset=paging.offset)
    return paging.page(views, _read)


@router.post("/invitations/{invitation_id}/accept", response_model=InvitationRead)
def accept(request: Request, invitation_id: Id, db: SessionDep, viewer: MemberDep) -> InvitationRead:
    """Accept one of the viewer's invitations; the role is granted."""
    invitations.accept(db, invitation_id=invitation_id, user_id=viewer.id, now=get_now(request))
    return _one(db, request, invitation_id)


@router.post("/invitations/{invitation_id}/decline", response_model=InvitationRead)
def decline(request: Request, invitation_id: Id, body: DeclineBody, db: SessionDep, viewer: MemberDep) -> InvitationRead:
    """Decline one of the viewer's invitations, optionally with a reason."""
    invitations.decline(db, invitation_id=invitation_id, user_id=viewer.id, reason=body.reason, now=get_now(request))
    return _one(db, request, invitation_id)


@router.post("/ambassadors/candidates/{username}/snooze", status_code=201, response_model=DecisionRead)
def snooze(request: Request, username: str, body: DecisionBody, db: SessionDep, viewer: MemberDep) -> dict:
    """Hide a candidate of one profile for `candidate_snooze_days`."""
    return _decide(request, db, viewer, username, body, "snooze")


@router.post("/ambassadors/candidates/{username}/dismiss", status_code=201, response_model=DecisionRead)
def dismiss(request: Request, username: str, body: DecisionBody, db: SessionDep, viewer: MemberDep) -> dict:
    """Dismiss a candidate of one profile, with a reason."""
    return _decide(request, db, viewer, username, body, "dismiss")


def _decide(request, db, viewer, username, body: DecisionBody, kind: str) -> dict:
    manager(viewer)
    user = member_named(db, username)
    decision = invitations.decide(db, request.app.state.settings, user=user, profile=body.profile, kind=kind,
                                  reason=body.reason, manager_id=viewer.id, now=get_now(request))
    return {"member": user.username, "profile": decision.profile, "kind": decision.kind, "reason": decision.reason,
            "until": decision.until}


@router.get("/ambassadors/audit", response_model=Page[AuditRead])
def audit(db: SessionDep, viewer: MemberDep, paging: PagingDep):
    """Invitation, candidate and role actions, newest first (managers and admins)."""
    manager(viewer)
    rows = audit_rows(db, limit=paging.limit + 1, offset=paging.offset)
    return paging.page(rows, lambda row: AuditRead(
        action=row.action, actor=row.actor_username, member=row.target_username, detail=row.detail, at=row.created_at,
    ))


@router.get("/ambassadors/roles", response_model=Page[HolderRead])
def holders(request: Request, db: SessionDep, viewer: MemberDep, paging: PagingDep, role: str | None = None):
    """Holders of the community roles (or of one `role`), by role and name, with recent activity (managers and admins)."""
    manager(viewer)
    found = roles.holders(db, request.app.state.settings, get_now(request))
    if role is not None and role not in found:
        raise ValidationFailed(Msg("Unknown role %(role)s.", role=role), detail={"role": ", ".join(found)})
    rows = [holder for name, items in found.items() if role in (None, name) for holder in items]
    return paging.slice(rows, lambda h: HolderRead(
        role=h.role, member=h.username, granted_at=h.granted_at, granted_by=h.granted_by,
        last_active=h.last_active, posts_recent=h.posts_recent, quiet=h.quiet,
    ))


@router.post("/ambassadors/roles/{role}/{username}/remove", response_model=RemovalRead)
def remove(request: Request, role: str, username: str, body: RemovalBody, db: SessionDep, viewer: MemberDep) -> dict:
    """Remove a member from a role with a thank-you note (audited; the member is told)."""
    manager(viewer)
    user = member_named(db, username)
    roles.remove(db, request.app.state.settings, user_id=user.id, role=role, manager_id=viewer.id,
                 message=body.message, now=get_now(request))
    return {"member": user.username, "role": role, "removed": True}
