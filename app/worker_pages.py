"""The admin page of outgoing e-mail (/admin/mail): counts, failed and delayed messages with
their errors, messages interrupted while sending, and the worker's periodic jobs."""

from __future__ import annotations

from types import SimpleNamespace

from fastapi import APIRouter, Request
from sqlalchemy import func, select

from app.accounts.auth import MemberDep
from app.db import SessionDep
from app.errors import Forbidden, NotFound
from app.guard import Id
from app.i18n import N_
from app.mail import OutboxEmail, requeue
from app.web import Viewer, flash, get_now, redirect, render
from app.worker import job_status

router = APIRouter()
PROBLEMS_SHOWN = 100


def _admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise Forbidden(N_("Only admins can see outgoing e-mail."))


LISTED_STATUSES = ("queued", "sent", "failed", "sending")


@router.get("/admin/mail")
def mail_overview(request: Request, db: SessionDep, viewer: MemberDep, status: str = ""):
    """Failed, interrupted and delayed messages first, with counts and the job table.

    `?status=queued|sent|failed|sending` lists the newest messages in that state with their last error.
    """
    _admin(viewer)
    status = status if status in LISTED_STATUSES else ""
    by_status = dict(db.execute(select(OutboxEmail.status, func.count(OutboxEmail.id)).group_by(OutboxEmail.status)).all())
    retrying = db.scalar(
        select(func.count(OutboxEmail.id)).where(OutboxEmail.status == "queued", OutboxEmail.attempts > 0)
    ) or 0
    problems = db.scalars(
        select(OutboxEmail)
        .where((OutboxEmail.status.in_(("failed", "sending"))) | ((OutboxEmail.status == "queued") & (OutboxEmail.attempts > 0)))
        .order_by(OutboxEmail.created_at.desc(), OutboxEmail.id.desc())
        .limit(PROBLEMS_SHOWN)
    ).all()
    counts = SimpleNamespace(
        queued=by_status.get("queued", 0) - retrying, retrying=retrying, sent=by_status.get("sent", 0),
        failed=by_status.get("failed", 0), sending=by_status.get("sending", 0),
    )
    listed = db.scalars(
        select(OutboxEmail).where(OutboxEmail.status == status)
        .order_by(OutboxEmail.created_at.desc(), OutboxEmail.id.desc()).limit(PROBLEMS_SHOWN)
    ).all() if status else []
    return render(request, "admin/mail.html", {
        "counts": counts, "problems": problems, "jobs": job_status(db), "status": status, "listed": listed,
        "smtp_configured": bool(request.app.state.settings.smtp_host),
    })


@router.post("/admin/mail/{email_id}/retry")
def mail_retry(request: Request, email_id: Id, db: SessionDep, viewer: MemberDep):
    """Queue a failed or interrupted message again (a person decided it should go out)."""
    _admin(viewer)
    if not requeue(db, email_id, get_now(request)):
        raise NotFound(N_("There is no failed message with that number."))
    flash(request, N_("The message is queued again."), "success")
    return redirect("/admin/mail")
