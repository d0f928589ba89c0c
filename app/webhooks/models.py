"""ORM classes of the webhooks domain: endpoints and their queued deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.i18n import N_

# Event names as receivers see them, with the label the admin page shows.
EVENTS = {
    "topic.created": N_("Topic created"),
    "post.created": N_("Reply written"),
    "answer.accepted": N_("Answer accepted"),
    "idea.status_changed": N_("Idea status changed"),
    "invitation.sent": N_("Invitation sent"),
    "invitation.accepted": N_("Invitation accepted"),
    "invitation.declined": N_("Invitation declined"),
    "member.suspended": N_("Member suspended"),
}
# What an endpoint may hear about: only public content, or also the labs (private beta) areas.
VISIBILITIES = {"public": N_("Public content only"), "labs": N_("Public, members' and labs content")}
STATUSES = ("queued", "sending", "delivered", "failed")


class WebhookEndpoint(Base):
    """A URL that hears about chosen events, with the secret its deliveries are signed with."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    secret: Mapped[str] = mapped_column(String(100))
    events: Mapped[str] = mapped_column(Text)  # space-separated event names
    visibility: Mapped[str] = mapped_column(String(10), default="public")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]

    @property
    def event_names(self) -> set[str]:
        """The events this endpoint subscribed to."""
        return set(self.events.split())


class WebhookDelivery(Base):
    """One event for one endpoint: its body as sent, and how the latest attempt went."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_endpoint", "endpoint_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    response_status: Mapped[int | None]
    response_excerpt: Mapped[str] = mapped_column(String(500), default="")
    error: Mapped[str] = mapped_column(String(300), default="")
