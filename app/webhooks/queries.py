"""Read models of the admin pages: endpoints with delivery counts, an endpoint's recent deliveries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.webhooks.models import WebhookDelivery, WebhookEndpoint

DELIVERIES_SHOWN = 50


@dataclass(frozen=True)
class EndpointRow:
    """An endpoint as listed: its settings and how many deliveries are in each state."""

    endpoint: WebhookEndpoint
    counts: dict[str, int]


def endpoints_with_counts(session: Session) -> list[EndpointRow]:
    """Every endpoint with its delivery counts by state (two statements)."""
    endpoints = session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()
    counts: dict[int, dict[str, int]] = {}
    for endpoint_id, status, count in session.execute(
        select(WebhookDelivery.endpoint_id, WebhookDelivery.status, func.count())
        .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.status)
    ):
        counts.setdefault(endpoint_id, {})[status] = count
    return [EndpointRow(endpoint, counts.get(endpoint.id, {})) for endpoint in endpoints]


def recent_deliveries(session: Session, endpoint_id: int) -> list[WebhookDelivery]:
    """The endpoint's newest deliveries, newest first."""
    return list(session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.id.desc()).limit(DELIVERIES_SHOWN)
    ))
