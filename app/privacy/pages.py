"""Your data: a member downloads everything held about them or deletes their account; an admin
can do both for a member who asks. Every export and deletion is written to the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from app.accounts.auth import current_user, require_member
from app.accounts.models import AuditEntry, User
from app.db import SessionDep
from app.errors import Forbidden, NotFound
from app.i18n import N_, Msg
from app.privacy.erasure import erase_account
from app.privacy.export import build_export
from app.security import verify_password
from app.storage import storage_for
from app.web import flash, get_now, redirect, render, request_language, translations_for, viewer_of

router = APIRouter()
FormStr = Annotated[str, Form()]


def _own(request: Request, db, username: str) -> User:
    viewer = require_member(request)
    if viewer.username.lower() != username.lower():
        raise NotFound(N_("There is no such page."))
    return current_user(db, viewer)


def _member_for_admin(request: Request, db, username: str) -> tuple[User, int]:
    viewer = require_member(request)
    if not viewer.is_admin:
        raise Forbidden(N_("Only admins can export or delete another member's data."))
    user = db.scalar(select(User).where(User.username_key == username.strip().lower()))
    if user is None:
        raise NotFound(N_("There is no member with that name."))
    return user, viewer.id


def _page(request: Request, user: User, *, admin: bool, errors=None, message=None, status_code=200):
    return render(
        request,
        "privacy/data.html",
        {
            "member": user, "admin": admin, "errors": errors or {}, "message": message,
            "needs_password": not admin and not user.password_hash.startswith("!"),
            "base": f"/admin/members/{user.username}/data" if admin else f"/u/{user.username}/data",
        },
        status_code=status_code,
    )


def _zip(request: Request, db, user: User, actor_id: int) -> Response:
    settings = request.app.state.settings
    now = get_now(request)
    data = build_export(
        db, storage_for(settings), user.id, site_name=settings.site_name, now=now,
        translations=translations_for(request_language(request)),
    )
    db.add(AuditEntry(actor_id=actor_id, action="data.export", target_user_id=user.id,
                      detail="by the member" if actor_id == user.id else "by an admin on the member's request", created_at=now))
    return Response(data, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="hearth-data-{user.username}-{now:%Y%m%d}.zip"',
    })


@router.get("/u/{username}/data")
def my_data(request: Request, username: str, db: SessionDep):
    """The member's own data page: download everything, or delete the account."""
    return _page(request, _own(request, db, username), admin=False)


@router.post("/u/{username}/data/export")
def my_export(request: Request, username: str, db: SessionDep):
    """Everything held about the member, as a zip (audited)."""
    user = _own(request, db, username)
    return _zip(request, db, user, user.id)


@router.post("/u/{username}/data/delete")
def my_delete(request: Request, username: str, db: SessionDep, password: FormStr = "", confirm_name: FormStr = ""):
    """Delete the account after the password (or, for accounts without one, the re-typed username)."""
    user = _own(request, db, username)
    settings = request.app.state.settings
    if not user.password_hash.startswith("!"):
        if not verify_password(settings, password, user.password_hash):
            message = N_("That is not your password; your account is unchanged.")
            return _page(request, user, admin=False, errors={"password": message}, message=message, status_code=403)
    elif confirm_name.strip() != user.username:
        message = N_("Type your username exactly to confirm; your account is unchanged.")
        return _page(request, user, admin=False, errors={"confirm_name": message}, message=message, status_code=422)
    erase_account(db, storage_for(settings), user.id, actor_id=user.id, reason="by the member", now=get_now(request))
    request.session.clear()
    flash(request, N_("Your account is deleted. Your posts stay, under an anonymous name."), "success")
    return redirect("/")


@router.get("/admin/members/{username}/data")
def member_data(request: Request, username: str, db: SessionDep):
    """An admin's page for a member's data request."""
    user, _ = _member_for_admin(request, db, username)
    return _page(request, user, admin=True)


@router.post("/admin/members/{username}/data/export")
def member_export(request: Request, username: str, db: SessionDep):
    """A member's data as a zip, for an admin answering their request (audited)."""
    user, admin_id = _member_for_admin(request, db, username)
    return _zip(request, db, user, admin_id)


@router.post("/admin/members/{username}/data/delete")
def member_delete(request: Request, username: str, db: SessionDep, confirm_name: FormStr = "", reason: FormStr = ""):
    """Delete a member's account on their request, after the admin re-types the username."""
    user, admin_id = _member_for_admin(request, db, username)
    if confirm_name.strip() != user.username:
        message = N_("Type the member's username exactly to confirm; nothing was deleted.")
        return _page(request, user, admin=True, errors={"confirm_name": message}, message=message, status_code=422)
    detail = "by an admin on the member's request" + (f": {reason.strip()[:300]}" if reason.strip() else "")
    placeholder = erase_account(db, storage_for(request.app.state.settings), user.id, actor_id=admin_id, reason=detail, now=get_now(request))
    flash(request, Msg("The account is deleted; its posts now show as %(name)s.", name=placeholder), "success")
    return redirect("/")
