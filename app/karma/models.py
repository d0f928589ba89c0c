"""ORM classes of the karma domain: the append-only ledger, the daily cap, anti-gaming evidence,
badges and the admin's leaderboard settings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

SOURCES = ("vote", "post", "idea", "flag", "manual")


class KarmaEntry(Base):
    """One change of a member's karma; rows are only ever added, never edited or deleted.

    A correction is a new row whose `reverses_id` points at the row it undoes (unique, so no row
    is undone twice). `counts_toward_cap` marks vote grants that count against the daily cap.
    """

    __tablename__ = "karma_entry"
    __table_args__ = (
        Index("ix_karma_entry_user_created", "user_id", "created_at"),
        Index("ix_karma_entry_source", "source", "post_id", "actor_id"),
        Index("ix_karma_entry_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    delta: Mapped[int]
    reason: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(10))
    source_id: Mapped[int | None]
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime]
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("karma_entry.id"), unique=True)
    counts_toward_cap: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("karma_flag.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(300), default="")


class KarmaCapDay(Base):
    """Karma a member has been granted from votes on one UTC day (a repairable counter for the cap)."""

    __tablename__ = "karma_cap_day"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    granted: Mapped[int] = mapped_column(default=0)


class KarmaJobRun(Base):
    """One run of the daily anti-gaming and badge job, with what it did."""

    __tablename__ = "karma_job_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(index=True)
    summary: Mapped[str] = mapped_column(Text, default="{}")


class KarmaFlag(Base):
    """Evidence of gamed voting found by the job: who, how many votes, when; shown to managers."""

    __tablename__ = "karma_flag"
    __table_args__ = (Index("ix_karma_flag_key", "fingerprint", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # serial | ring
    fingerprint: Mapped[str] = mapped_column(String(200))
    member_ids: Mapped[str] = mapped_column(Text)  # JSON list of user ids
    evidence: Mapped[str] = mapped_column(Text)  # JSON: votes, edges, shares, first/last vote time
    votes: Mapped[int] = mapped_column(default=0)
    karma_reversed: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(index=True)
    job_run_id: Mapped[int | None] = mapped_column(ForeignKey("karma_job_run.id", ondelete="SET NULL"))


class Badge(Base):
    """A badge that can be earned; its name and meaning come from `app.karma.rules.BADGES`."""

    __tablename__ = "badge"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)


class UserBadge(Base):
    """A badge a member earned, and when."""

    __tablename__ = "user_badge"
    __table_args__ = (UniqueConstraint("user_id", "badge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    badge_id: Mapped[int] = mapped_column(ForeignKey("badge.id", ondelete="CASCADE"), index=True)
    awarded_at: Mapped[datetime]


class KarmaSetting(Base):
    """Admin choices that change at run time (leaderboards on/off, excluded groups), as JSON values."""

    __tablename__ = "karma_setting"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
