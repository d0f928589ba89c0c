"""Admin pages of webhooks: /admin/webhooks (endpoints, the form) and /admin/webhooks/{id} (deliveries)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from app.accounts.auth import MemberDep
from app.db import SessionDep
from app.errors import Forbidden, NotFound, ValidationFailed
from app.guard import Id
from app.i18n import N_
from app.web import Viewer, flash, get_now, redirect, render
from app.webhooks import queries, service
from app.webhooks.delivery import SIGNATURE_HEADER
from app.webhooks.models import EVENTS, VISIBILITIES
from app.webhooks.permissions import can_manage_webhooks

router = APIRouter()
FormStr = Annotated[str, Form()]


def _admin(viewer: Viewer) -> None:
    if not can_manage_webhooks(viewer):
        raise Forbidden(N_("Only admins can manage webhooks."))


def _overview(request: Request, db, *, values: dict, errors: dict | None = None, message: str = "", status_code: int = 200):
    return render(request, "admin/webhooks.html", {
        "rows": queries.endpoints_with_counts(db), "events": EVENTS, "visibilities": VISIBILITIES,
        "values": values, "errors": errors or {}, "message": message, "signature_header": SIGNATURE_HEADER,
    }, status_code=status_code)


@router.get("/admin/webhooks")
def webhooks(request: Request, db: SessionDep, viewer: MemberDep):
    """Registered endpoints with their delivery counts, and the form to add one."""
    _admin(viewer)
    return _overview(request, db, values={"events": [], "visibility": "public"})


@router.post("/admin/webhooks")
def add_endpoint(
    request: Request, db: SessionDep, viewer: MemberDep, url: FormStr = "", description: FormStr = "",
    events: Annotated[list[str], Form()] = [], visibility: FormStr = "public",  # noqa: B006 (FastAPI copies defaults)
):
    """Register an endpoint; the form comes back with the text and messages when something is wrong."""
    _admin(viewer)
    try:
        endpoint = service.create_endpoint(
            db, request.app.state.settings, url=url, description=description, events=events,
            visibility=visibility, created_by_id=viewer.id, now=get_now(request),
        )
    except ValidationFailed as error:
        values = {"url": url, "description": description, "events": events, "visibility": visibility}
        return _overview(request, db, values=values, errors=error.detail, message=error.message, status_code=422)
    flash(request, N_("The endpoint is registered. Its signing secret is shown on its page."), "success")
    return redirect(f"/admin/webhooks/{endpoint.id}")


@router.get("/admin/webhooks/{endpoint_id}")
def endpoint_page(request: Request, endpoint_id: Id, db: SessionDep, viewer: MemberDep):
    """One endpoint: its secret, how to check signatures, and its recent deliveries with responses."""
    _admin(viewer)
    endpoint = service.endpoint(db, endpoint_id)
    return render(request, "admin/webhook.html", {
        "endpoint": endpoint, "deliveries": queries.recent_deliveries(db, endpoint_id), "events": EVENTS,
        "visibilities": VISIBILITIES, "signature_header": SIGNATURE_HEADER,
    })


@router.post("/admin/webhooks/{endpoint_id}/active")
def set_active(request: Request, endpoint_id: Id, db: SessionDep, viewer: MemberDep, active: FormStr = ""):
    """Pause or resume an endpoint."""
    _admin(viewer)
    service.set_active(db, endpoint_id, active == "1")
    flash(request, N_("The endpoint is active.") if active == "1" else N_("The endpoint is paused."), "success")
    return redirect(f"/admin/webhooks/{endpoint_id}")


@router.post("/admin/webhooks/{endpoint_id}/delete")
def delete_endpoint(request: Request, endpoint_id: Id, db: SessionDep, viewer: MemberDep):
    """Remove an endpoint with its deliveries."""
    _admin(viewer)
    service.delete_endpoint(db, endpoint_id)
    flash(request, N_("The endpoint is removed."), "success")
    return redirect("/admin/webhooks")


@router.post("/admin/webhooks/{endpoint_id}/deliveries/{delivery_id}/retry")
def retry(request: Request, endpoint_id: Id, delivery_id: Id, db: SessionDep, viewer: MemberDep):
    """Queue a failed delivery again."""
    _admin(viewer)
    if not service.retry_delivery(db, endpoint_id, delivery_id, get_now(request)):
        raise NotFound(N_("There is no failed delivery with that number."))
    flash(request, N_("The delivery is queued again."), "success")
    return redirect(f"/admin/webhooks/{endpoint_id}")
