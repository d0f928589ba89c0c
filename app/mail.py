"""The e-mail outbox: services queue messages in the same transaction; a worker sends them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db import Base


class OutboxEmail(Base):
    """One message waiting to be sent (or already sent)."""

    __tablename__ = "email_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_email_outbox_unsent", "sent_at", "created_at"),)


def queue_email(
    session: Session,
    *,
    kind: str,
    to_address: str,
    subject: str,
    body_text: str,
    now: datetime,
    user_id: int | None = None,
) -> OutboxEmail:
    """Add a message to the outbox; it is sent only if the surrounding transaction commits."""
    email = OutboxEmail(
        kind=kind,
        user_id=user_id,
        to_address=to_address,
        subject=subject,
        body_text=body_text,
        created_at=now,
    )
    session.add(email)
    session.flush()
    return email
