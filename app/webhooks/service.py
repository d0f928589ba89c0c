"""Webhook commands: register, switch and remove endpoints; queue deliveries for an event."""

from __future__ import annotations

import ipaddress
import json
import secrets
import uuid
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.errors import NotFound, ValidationFailed
from app.forum.permissions import can_see_category
from app.forum.queries import category_access_by_id
from app.i18n import N_
from app.web import Viewer
from app.webhooks.models import EVENTS, VISIBILITIES, WebhookDelivery, WebhookEndpoint

URL_MAX = 2000
# Who an endpoint is, for the one visibility rule: an anonymous visitor, or a member of labs.
ENDPOINT_VIEWERS = {
    "public": Viewer(),
    "labs": Viewer(id=0, username="webhook", roles=frozenset({"member", "labs"})),
}


def is_blocked_address(address: str) -> bool:
    """Loopback, private, link-local, multicast, reserved or unspecified: not the public internet."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check_url(url: str, *, allow_private: bool) -> str:
    """The URL as it will be called, or ValidationFailed with a reason a person can act on."""
    url = url.strip()
    problem = None
    parts = urlsplit(url) if len(url) <= URL_MAX else None
    if parts is None:
        problem = N_("The address is too long.")
    elif parts.scheme not in ("http", "https") or not parts.hostname:
        problem = N_("Use an http:// or https:// address.")
    elif parts.username or parts.password:
        problem = N_("Leave user names and passwords out of the address; deliveries are signed with the secret.")
    elif not allow_private:
        try:
            if is_blocked_address(parts.hostname):
                problem = N_("This address is on a private network; the forum does not call those.")
        except ValueError:
            pass  # a host name: checked again at every delivery, when it is resolved
    if problem:
        raise ValidationFailed(N_("Please correct the marked fields."), detail={"url": problem})
    return url


def create_endpoint(
    session: Session, settings, *, url: str, description: str, events: list[str], visibility: str,
    created_by_id: int | None, now: datetime,
) -> WebhookEndpoint:
    """Register an endpoint with a fresh signing secret."""
    errors = {}
    try:
        url = check_url(url, allow_private=settings.webhook_allow_private)
    except ValidationFailed as error:
        errors.update(error.detail)
    chosen = [name for name in EVENTS if name in set(events)]
    if not chosen or len(chosen) != len(set(events)):
        errors["events"] = N_("Choose at least one of the listed events.")
    if visibility not in VISIBILITIES:
        errors["visibility"] = N_("Choose what the endpoint may hear about.")
    description = description.strip()
    if len(description) > 200:
        errors["description"] = N_("Keep the description under 200 characters.")
    if errors:
        raise ValidationFailed(N_("Please correct the marked fields."), detail=errors)
    endpoint = WebhookEndpoint(
        url=url, description=description, secret=f"whsec_{secrets.token_urlsafe(32)}", events=" ".join(chosen),
        visibility=visibility, active=True, created_by_id=created_by_id, created_at=now,
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint:
    """An endpoint by id, or NotFound."""
    found = session.get(WebhookEndpoint, endpoint_id)
    if found is None:
        raise NotFound(N_("There is no webhook endpoint with that number."))
    return found


def set_active(session: Session, endpoint_id: int, active: bool) -> None:
    """Pause or resume an endpoint (a paused one gets nothing queued)."""
    endpoint(session, endpoint_id).active = active


def delete_endpoint(session: Session, endpoint_id: int) -> None:
    """Remove an endpoint and its deliveries."""
    session.delete(endpoint(session, endpoint_id))


def retry_delivery(session: Session, endpoint_id: int, delivery_id: int, now: datetime) -> bool:
    """Queue a failed delivery again (a person decided it should go out); False if none failed."""
    result = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint_id,
               WebhookDelivery.status == "failed")
        .values(status="queued", next_attempt_at=now, attempts=0, error="")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def subscribers(session: Session, event: str) -> list[WebhookEndpoint]:
    """Active endpoints that subscribed to this event (one statement; endpoints are few)."""
    return [
        found for found in session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True)))
        if event in found.event_names
    ]


def queue(
    session: Session, endpoints: list[WebhookEndpoint], *, event: str, data: dict, now: datetime,
    category_id: int | None = None, labs_only: bool = False,
) -> int:
    """Queue one delivery per active endpoint that subscribed and may see the content; how many.

    Runs in the transaction of the event, so the deliveries exist exactly when the event happened.
    Content in a category goes through `can_see_category` for the endpoint's viewer; `labs_only`
    marks content about labs that lives in no category (an invitation into labs).
    """
    access = category_access_by_id(session).get(category_id) if category_id is not None else None
    queued = 0
    for found in endpoints:
        viewer = ENDPOINT_VIEWERS.get(found.visibility, ENDPOINT_VIEWERS["public"])
        if category_id is not None and (access is None or not can_see_category(viewer, access)):
            continue
        if labs_only and "labs" not in viewer.roles:
            continue
        delivery_id = uuid.uuid4().hex
        body = json.dumps({"id": delivery_id, "event": event, "created_at": now.isoformat(), "data": data},
                          sort_keys=True, default=str)
        session.add(WebhookDelivery(endpoint_id=found.id, event=event, body=body, status="queued", attempts=0,
                                    created_at=now, next_attempt_at=now, response_excerpt="", error=""))
        queued += 1
    session.flush()
    return queued
