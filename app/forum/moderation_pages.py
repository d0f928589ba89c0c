"""Moderation pages and API: flagging, the review queue, hide/restore, suspensions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from app.accounts.auth import MemberDep
from app.db import SessionDep
from app.errors import Forbidden, NotFound, ValidationFailed
from app.forum import moderation, moderation_flags
from app.forum.models import Post, Topic
from app.forum.permissions import can_moderate
from app.forum.queries import visible_category_ids
from app.guard import Id
from app.i18n import N_
from app.openapi import Page, PagingDep
from app.web import Viewer, flash, get_now, redirect, render

router = APIRouter()
api_router = APIRouter(prefix="/api/v1", tags=["moderation"])
FormStr = Annotated[str, Form()]


def _require_moderator(viewer: Viewer) -> None:
    if not can_moderate(viewer):
        raise Forbidden(N_("Only moderators can do this."))


def _flag_target(db, viewer: Viewer, post_id: int):
    row = db.execute(
        select(Post.id, Post.topic_id, Post.post_number, Post.body_html, Post.deleted_at, Topic.title, Topic.category_id)
        .join(Topic, Topic.id == Post.topic_id)
        .where(Post.id == post_id)
    ).first()
    if row is None or row.deleted_at is not None or row.category_id not in visible_category_ids(db, viewer):
        raise NotFound(N_("This post does not exist or was deleted."))
    return row


def _render_flag_form(request, post, values, errors=None, message=None, status_code=200):
    return render(
        request,
        "forum/flag.html",
        {"post": post, "values": values, "errors": errors or {}, "message": message, "reasons": moderation_flags.FLAG_REASONS},
        status_code=status_code,
    )


@router.get("/posts/{post_id}/flag")
def flag_form(request: Request, post_id: Id, viewer: MemberDep, db: SessionDep):
    """Ask why a post needs a moderator."""
    return _render_flag_form(request, _flag_target(db, viewer, post_id), {})


@router.post("/posts/{post_id}/flag")
def flag_submit(
    request: Request, post_id: Id, viewer: MemberDep, db: SessionDep, reason: FormStr = "", note: FormStr = ""
):
    """Record the flag and go back to the post."""
    post = _flag_target(db, viewer, post_id)
    try:
        moderation_flags.flag_post(db, viewer, post_id, reason, note, get_now(request))
    except ValidationFailed as error:
        return _render_flag_form(
            request, post, {"reason": reason, "note": note}, error.detail, error.message, status_code=422
        )
    flash(request, N_("Thank you. A moderator will look at this post."), "success")
    return redirect(f"/t/{post.topic_id}/{post.post_number}")


@router.get("/mod/flags")
def flag_queue(request: Request, viewer: MemberDep, db: SessionDep):
    """The review queue of pending flags."""
    _require_moderator(viewer)
    return render(
        request,
        "forum/moderation_flags.html",
        {"flags": moderation_flags.pending_flags(db, viewer), "reasons": moderation_flags.FLAG_REASONS},
    )


@router.post("/mod/flags/{flag_id}")
def flag_decide(request: Request, flag_id: Id, viewer: MemberDep, db: SessionDep, decision: FormStr = ""):
    """Agree (hide the post) or disagree (keep it)."""
    _require_moderator(viewer)
    if decision not in ("agree", "disagree"):
        raise ValidationFailed(N_("Choose agree or disagree."), detail={"decision": N_("Choose agree or disagree.")})
    moderation_flags.resolve_flag(db, viewer, flag_id, decision == "agree", get_now(request))
    flash(
        request,
        N_("The post is hidden and the flags are closed.") if decision == "agree" else N_("The post stays; the flags are closed."),
        "success",
    )
    return redirect("/mod/flags")


def _post_url(db, post_id: int) -> str:
    row = db.execute(select(Post.topic_id, Post.post_number).where(Post.id == post_id)).first()
    return f"/t/{row.topic_id}/{row.post_number}" if row else "/mod/flags"


@router.post("/mod/posts/{post_id}/hide")
def hide(request: Request, post_id: Id, viewer: MemberDep, db: SessionDep, reason: FormStr = ""):
    """Hide a post from members."""
    _require_moderator(viewer)
    moderation.hide_post(db, viewer, post_id, reason, get_now(request))
    flash(request, N_("The post is hidden."), "success")
    return redirect(_post_url(db, post_id))


@router.post("/mod/posts/{post_id}/restore")
def restore(request: Request, post_id: Id, viewer: MemberDep, db: SessionDep):
    """Show a hidden post again."""
    _require_moderator(viewer)
    moderation.restore_post(db, viewer, post_id, get_now(request))
    flash(request, N_("The post is visible again."), "success")
    return redirect(_post_url(db, post_id))


def _render_member(request, db, viewer, username, values=None, errors=None, message=None, status_code=200):
    return render(
        request,
        "forum/moderation_user.html",
        {
            "member": moderation.member_moderation(db, viewer, username, get_now(request)),
            "values": values or {"days": "7"},
            "errors": errors or {},
            "message": message,
        },
        status_code=status_code,
    )


@router.get("/mod/users/{username}")
def member_page(request: Request, username: str, viewer: MemberDep, db: SessionDep):
    """A member's suspensions, with the form to suspend or lift."""
    _require_moderator(viewer)
    return _render_member(request, db, viewer, username)


@router.post("/mod/users/{username}/suspend")
def member_suspend(
    request: Request, username: str, viewer: MemberDep, db: SessionDep, days: FormStr = "", reason: FormStr = ""
):
    """Suspend a member for a number of days."""
    _require_moderator(viewer)
    try:
        moderation.suspend_member(db, viewer, username, days, reason, get_now(request))
    except ValidationFailed as error:
        return _render_member(
            request, db, viewer, username, {"days": days, "reason": reason}, error.detail, error.message, 422
        )
    flash(request, N_("The member is suspended."), "success")
    return redirect(f"/mod/users/{username}")


@router.post("/mod/users/{username}/lift")
def member_lift(request: Request, username: str, viewer: MemberDep, db: SessionDep):
    """End a member's suspension now."""
    _require_moderator(viewer)
    moderation.lift_suspension(db, viewer, username, get_now(request))
    flash(request, N_("The suspension is lifted."), "success")
    return redirect(f"/mod/users/{username}")


# ---------------------------------------------------------------- JSON API


class FlagCreate(BaseModel):
    """A member's flag on a post."""

    reason: Literal["spam", "off_topic", "inappropriate", "other"]
    note: str = Field("", max_length=1000)


class FlagRead(BaseModel):
    """A flag as the API returns it."""

    id: int
    post_id: int
    reason: str
    note: str
    status: str
    created_at: datetime


class QueueItem(BaseModel):
    """A pending flag in the review queue."""

    id: int
    post_id: int
    topic_id: int
    topic_title: str
    post_url: str
    author: str | None
    flagger: str | None
    reason: str
    note: str
    created_at: datetime


class FlagDecision(BaseModel):
    """A moderator's decision on a flag."""

    decision: Literal["agree", "disagree"]


class SuspendRequest(BaseModel):
    """How long and why."""

    days: int = Field(ge=1, le=moderation.MAX_SUSPENSION_DAYS)
    reason: str = Field(min_length=1, max_length=500)


class HideRequest(BaseModel):
    """Why a post is hidden."""

    reason: str = Field("", max_length=200)


class DecisionRead(BaseModel):
    """The flags a decision resolved and their new status."""

    resolved: list[int]
    status: str | None


class HiddenRead(BaseModel):
    """Whether a post is hidden now."""

    post_id: int
    hidden: bool


class SuspensionRead(BaseModel):
    """A suspension that took effect."""

    user_id: int
    until: datetime
    reason: str


class LiftRead(BaseModel):
    """How many current suspensions were lifted (0 when there was none)."""

    lifted: int


@api_router.post("/posts/{post_id}/flags", response_model=FlagRead, status_code=201)
def api_flag(request: Request, post_id: Id, body: FlagCreate, viewer: MemberDep, db: SessionDep) -> FlagRead:
    """Flag a post for moderators."""
    flag = moderation_flags.flag_post(db, viewer, post_id, body.reason, body.note, get_now(request))
    return FlagRead(
        id=flag.id, post_id=flag.post_id, reason=flag.reason, note=flag.note, status=flag.status,
        created_at=flag.created_at,
    )


@api_router.get("/mod/flags", response_model=Page[QueueItem])
def api_queue(viewer: MemberDep, db: SessionDep, paging: PagingDep):
    """Pending flags, oldest first (moderators)."""
    _require_moderator(viewer)
    rows = moderation_flags.pending_flags(db, viewer, limit=paging.limit + 1, offset=paging.offset)
    return paging.page(rows, lambda row: QueueItem(
        id=row.id, post_id=row.post_id, topic_id=row.topic_id, topic_title=row.topic_title,
        post_url=f"/t/{row.topic_id}/{row.post_number}", author=row.author_username,
        flagger=row.flagger_username, reason=row.reason, note=row.note, created_at=row.created_at,
    ))


@api_router.post("/mod/flags/{flag_id}", response_model=DecisionRead)
def api_decide(request: Request, flag_id: Id, body: FlagDecision, viewer: MemberDep, db: SessionDep) -> dict:
    """Agree (hide the post) or disagree (keep it)."""
    _require_moderator(viewer)
    resolved = moderation_flags.resolve_flag(db, viewer, flag_id, body.decision == "agree", get_now(request))
    return {"resolved": [flag.id for flag in resolved], "status": resolved[0].status if resolved else None}


@api_router.post("/mod/posts/{post_id}/hide", response_model=HiddenRead)
def api_hide(request: Request, post_id: Id, body: HideRequest, viewer: MemberDep, db: SessionDep) -> dict:
    """Hide a post."""
    _require_moderator(viewer)
    post = moderation.hide_post(db, viewer, post_id, body.reason, get_now(request))
    return {"post_id": post.id, "hidden": True}


@api_router.post("/mod/posts/{post_id}/restore", response_model=HiddenRead)
def api_restore(request: Request, post_id: Id, viewer: MemberDep, db: SessionDep) -> dict:
    """Restore a hidden post."""
    _require_moderator(viewer)
    post = moderation.restore_post(db, viewer, post_id, get_now(request))
    return {"post_id": post.id, "hidden": False}


@api_router.post("/mod/users/{username}/suspend", status_code=201, response_model=SuspensionRead)
def api_suspend(request: Request, username: str, body: SuspendRequest, viewer: MemberDep, db: SessionDep) -> dict:
    """Suspend a member."""
    _require_moderator(viewer)
    suspension = moderation.suspend_member(db, viewer, username, body.days, body.reason, get_now(request))
    return {"user_id": suspension.user_id, "until": suspension.ends_at, "reason": suspension.reason}


@api_router.post("/mod/users/{username}/lift", response_model=LiftRead)
def api_lift(request: Request, username: str, viewer: MemberDep, db: SessionDep) -> dict:
    """Lift a member's suspension."""
    _require_moderator(viewer)
    return {"lifted": moderation.lift_suspension(db, viewer, username, get_now(request))}
