"""ORM classes of re-engagement: nudges sent to quiet members, the comparison baseline, the switch."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class Nudge(Base):
    """One re-engagement e-mail to a quiet member: who sent it (None: automatic), when, what."""

    __tablename__ = "reengagement_nudge"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    sent_at: Mapped[datetime]
    sent_on: Mapped[date] = mapped_column(Date)
    # Last day on which a visit still counts as a return (sent_on + reengage_return_days).
    window_end: Mapped[date] = mapped_column(Date)
    band: Mapped[str] = mapped_column(String(10))
    quiet_days: Mapped[int]
    mode: Mapped[str] = mapped_column(String(10))  # manual | auto
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    email_id: Mapped[int | None] = mapped_column(ForeignKey("email_outbox.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_reengagement_nudge_member", "user_id", "sent_at"),)


class Baseline(Base):
    """A quiet member who could have been nudged on `day` (same band, same window): the comparison group."""

    __tablename__ = "reengagement_baseline"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    band: Mapped[str] = mapped_column(String(10))
    window_end: Mapped[date] = mapped_column(Date)


class ReengagementConfig(Base):
    """The single row holding whether the worker sends automatic nudges."""

    __tablename__ = "reengagement_config"

    id: Mapped[int] = mapped_column(primary_key=True)
    auto_nudges: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime | None]
