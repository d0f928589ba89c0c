"""Sending queued webhook deliveries (the worker): signed, one claim per row, retried with back-off.

Signature: `Hearth-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, the
timestamp being the moment of this attempt, so a receiver can refuse old or replayed requests.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.webhooks.models import WebhookDelivery, WebhookEndpoint
from app.webhooks.service import is_blocked_address

log = logging.getLogger("hearth.webhooks")
SIGNATURE_HEADER = "Hearth-Signature"
# A claim older than this belongs to a worker that died mid-request; the delivery goes out again
# (receivers deduplicate by the body's id: delivery is at least once).
STALE_CLAIM = timedelta(minutes=15)
EXCERPT = 500


def sign(secret: str, timestamp: int, body: str) -> str:
    """The signature header's value for a body sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass(frozen=True)
class Claimed:
    """A delivery taken by this worker, with what it needs to send it."""

    id: int
    url: str
    secret: str
    event: str
    body: str
    attempts: int


@dataclass(frozen=True)
class Outcome:
    """How one attempt went: delivered, or the status/error, and whether trying again can help."""

    delivered: bool
    status: int | None = None
    excerpt: str = ""
    error: str = ""
    permanent: bool = False


def _claim_next(factory: sessionmaker[Session], now: datetime) -> Claimed | None:
    with factory() as session, session.begin():
        for row in session.execute(
            select(WebhookDelivery.id, WebhookDelivery.status, WebhookEndpoint.url, WebhookEndpoint.secret,
                   WebhookDelivery.event, WebhookDelivery.body, WebhookDelivery.attempts)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(or_(
                (WebhookDelivery.status == "queued") & (WebhookDelivery.next_attempt_at <= now),
                (WebhookDelivery.status == "sending") & (WebhookDelivery.claimed_at < now - STALE_CLAIM),
            ))
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(5)
        ):
            taken = session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == row.id, WebhookDelivery.status == row.status,
                       WebhookDelivery.attempts == row.attempts)
                .values(status="sending", claimed_at=now, attempts=row.attempts + 1)
                .execution_options(synchronize_session=False)
            ).rowcount
            if taken:
                return Claimed(row.id, row.url, row.secret, row.event, row.body, row.attempts + 1)
    return None


def _address_problem(url: str, allow_private: bool) -> str | None:
    """Why this URL must not be called now (its host resolves to a private address), or None."""
    if allow_private:
        return None
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except OSError as error:
        return f"cannot resolve {parts.hostname}: {error}"[:300]
    if any(is_blocked_address(info[4][0]) for info in infos):
        return "refused: the host resolves to a private, loopback or link-local address"
    return None


def _attempt(settings, claimed: Claimed, now: datetime) -> Outcome:
    if problem := _address_problem(claimed.url, settings.webhook_allow_private):
        return Outcome(False, error=problem, permanent=problem.startswith("refused"))
    body_id = json.loads(claimed.body).get("id", "")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Hearth-Webhooks",
        "Hearth-Event": claimed.event,
        "Hearth-Delivery": body_id,
        SIGNATURE_HEADER: sign(claimed.secret, int(now.timestamp()), claimed.body),
    }
    try:
        with httpx.Client(timeout=settings.webhook_timeout_seconds, follow_redirects=False) as http:
            answer = http.post(claimed.url, content=claimed.body.encode(), headers=headers)
    except httpx.HTTPError as error:
        return Outcome(False, error=f"{type(error).__name__}: {error}"[:300])
    excerpt = answer.text[:EXCERPT].replace("\x00", "")
    return Outcome(200 <= answer.status_code < 300, status=answer.status_code, excerpt=excerpt)


def _record(factory: sessionmaker[Session], settings, claimed: Claimed, outcome: Outcome, now: datetime) -> str:
    schedule = settings.webhook_retry_minutes
    if outcome.delivered:
        status, next_at = "delivered", None
    elif outcome.permanent or claimed.attempts > len(schedule):
        status, next_at = "failed", None
    else:
        status, next_at = "queued", now + timedelta(minutes=schedule[claimed.attempts - 1])
    with factory() as session, session.begin():
        session.execute(
            update(WebhookDelivery).where(WebhookDelivery.id == claimed.id)
            .values(status=status, next_attempt_at=next_at, last_attempt_at=now, claimed_at=None,
                    response_status=outcome.status, response_excerpt=outcome.excerpt, error=outcome.error)
            .execution_options(synchronize_session=False)
        )
    return status


def send_pending(factory: sessionmaker[Session], settings, now: datetime) -> dict:
    """Send due deliveries (at most `webhook_batch_size`); counts of delivered, retrying, failed."""
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    for _ in range(settings.webhook_batch_size):
        claimed = _claim_next(factory, now)
        if claimed is None:
            break
        status = _record(factory, settings, claimed, _attempt(settings, claimed, now), now)
        counts["retrying" if status == "queued" else status] += 1
    return counts
