"""Notification pages and API: the in-app list, preferences, one-click unsubscribe, and the header
status (unread count, suspension banner) every page shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from jinja2 import pass_context
from pydantic import BaseModel, Field

from app.accounts.auth import MemberDep
from app.db import SessionDep
from app.errors import ValidationFailed
from app.forum import moderation, notifications
from app.forum.queries.unsubscribe import read_unsubscribe_token
from app.guard import Id, Page
from app.i18n import N_
from app.inputs import IdField
from app.openapi import PagingDep
from app.web import flash, get_now, redirect, render, templates, viewer_of

router = APIRouter()
api_router = APIRouter(prefix="/api/v1", tags=["notifications"])


@dataclass(frozen=True)
class HeaderStatus:
    """What the header and banner show for the viewer: unread count and a suspension in force."""

    unread: int = 0
    suspended_until: datetime | None = None
    suspension_reason: str | None = None


EMPTY_STATUS = HeaderStatus()


def header_status(request: Request) -> HeaderStatus:
    """Computed once per request: two small statements for members, none for anonymous visitors."""
    cached = getattr(request.state, "forum_header", None)
    if cached is not None:
        return cached
    viewer = viewer_of(request)
    status = EMPTY_STATUS
    if viewer.is_authenticated:
        session = getattr(request.state, "db", None)
        # Error pages render after the request session was closed; they get a short-lived one.
        if session is not None and session.in_transaction():
            status = _status(session, request, viewer)
        else:
            with request.app.state.session_factory() as fresh:
                status = _status(fresh, request, viewer)
    request.state.forum_header = status
    return status


def _status(session, request: Request, viewer) -> HeaderStatus:
    suspension = moderation.active_suspension(session, viewer.id, get_now(request))
    return HeaderStatus(
        unread=notifications.unread_count(session, viewer),
        suspended_until=suspension.ends_at if suspension else None,
        suspension_reason=suspension.reason if suspension else None,
    )


@pass_context
def _forum_header(context) -> HeaderStatus:
    request = context.get("request")
    return header_status(request) if request is not None else EMPTY_STATUS


templates.env.globals["forum_header"] = _forum_header


@router.get("/notifications")
def notification_list(request: Request, viewer: MemberDep, db: SessionDep, page: Page = 1):
    """The viewer's notifications, newest first; unread ones are marked."""
    rows, total = notifications.list_notifications(db, viewer, page)
    pages = max(1, -(-total // notifications.PER_PAGE))
    return render(
        request,
        "forum/notifications.html",
        {"rows": rows, "total": total, "page": max(1, page), "pages": pages},
    )


@router.post("/notifications/read")
def notification_mark_all(request: Request, viewer: MemberDep, db: SessionDep):
    """Mark every notification read."""
    notifications.mark_all_read(db, viewer, get_now(request))
    flash(request, N_("All notifications are marked as read."), "success")
    return redirect("/notifications")


@router.get("/notifications/preferences")
def preferences_form(request: Request, viewer: MemberDep, db: SessionDep):
    """Which notifications also arrive by e-mail."""
    return render(
        request,
        "forum/notifications_preferences.html",
        {"prefs": notifications.email_preferences(db, viewer.id), "labels": notifications.KIND_LABELS},
    )


@router.post("/notifications/preferences")
async def preferences_save(request: Request, viewer: MemberDep, db: SessionDep):
    """Save the e-mail preferences (checked kinds on, the rest off)."""
    form = await request.form()
    enabled = {kind for kind in notifications.KINDS if form.get(f"email_{kind}")}
    notifications.set_email_preferences(db, viewer.id, enabled)
    flash(request, N_("Your notification settings are saved."), "success")
    return redirect("/notifications/preferences")


@router.get("/notifications/unsubscribe/{token}")
def unsubscribe_confirm(request: Request, token: str):
    """Show what the link turns off, with one button (no login needed)."""
    settings = request.app.state.settings
    try:
        _, kind = read_unsubscribe_token(settings, token)
    except ValidationFailed as error:
        return render(request, "forum/notifications_unsubscribe.html", {"error": error.message}, status_code=400)
    return render(
        request,
        "forum/notifications_unsubscribe.html",
        {"token": token, "label": notifications.KIND_LABELS[kind], "done": False},
    )


@router.post("/notifications/unsubscribe/{token}")
def unsubscribe_apply(request: Request, token: str, db: SessionDep):
    """Turn the e-mail kind off."""
    settings = request.app.state.settings
    try:
        _, kind = notifications.apply_unsubscribe(db, settings, token)
    except ValidationFailed as error:
        return render(request, "forum/notifications_unsubscribe.html", {"error": error.message}, status_code=400)
    return render(
        request,
        "forum/notifications_unsubscribe.html",
        {"token": token, "label": notifications.KIND_LABELS[kind], "done": True},
    )


@router.get("/notifications/{notification_id}")
def notification_open(request: Request, notification_id: Id, viewer: MemberDep, db: SessionDep):
    """Mark a notification read and go to the post it is about."""
    return redirect(notifications.open_notification(db, viewer, notification_id, get_now(request)), 303)


# ---------------------------------------------------------------- JSON API


class NotificationRead(BaseModel):
    """A notification as the API returns it."""

    id: int
    kind: str
    actor: str | None
    topic_id: int | None
    topic_title: str | None
    url: str
    created_at: datetime
    read: bool


class NotificationList(BaseModel):
    """A page of notifications, newest first; `total` and `unread` count all of them."""

    items: list[NotificationRead]
    total: int
    unread: int
    limit: int
    offset: int
    next_offset: int | None


class MarkRead(BaseModel):
    """Which notifications to mark read; none given means all."""

    ids: list[IdField] | None = Field(None, max_length=1000)


@api_router.get("/notifications", response_model=NotificationList)
def api_notifications(viewer: MemberDep, db: SessionDep, paging: PagingDep) -> NotificationList:
    """The member's notifications, newest first."""
    rows, total = notifications.list_notifications(db, viewer, offset=paging.offset, limit=paging.limit)
    following = paging.offset + paging.limit
    return NotificationList(
        items=[
            NotificationRead(
                id=row.id, kind=row.kind, actor=row.actor_username, topic_id=row.topic_id,
                topic_title=row.topic_title, url=row.target, created_at=row.created_at, read=row.read,
            )
            for row in rows
        ],
        total=total,
        unread=notifications.unread_count(db, viewer),
        limit=paging.limit,
        offset=paging.offset,
        next_offset=following if following < total else None,
    )


class MarkedRead(BaseModel):
    """How many notifications were marked read and how many unread remain."""

    marked: int
    unread: int


@api_router.post("/notifications/read", response_model=MarkedRead)
def api_mark_read(request: Request, viewer: MemberDep, db: SessionDep, body: MarkRead | None = None) -> dict:
    """Mark the given notifications (or all) read."""
    now = get_now(request)
    if body is None or body.ids is None:
        count = notifications.mark_all_read(db, viewer, now)
    else:
        count = 0
        for notification_id in body.ids:
            notifications.open_notification(db, viewer, notification_id, now)
            count += 1
    return {"marked": count, "unread": notifications.unread_count(db, viewer)}
