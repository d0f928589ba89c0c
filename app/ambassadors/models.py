"""ORM classes of the ambassadors domain: scoring runs and what each run found per member."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

PROFILES = ("helper", "moderator", "ambassador", "labs")


class ScoringRun(Base):
    """One scoring run: its inputs, model, windows, sizes, timings and backtest quality; never overwritten.

    JSON columns: parameters (settings used), windows (cutoffs and horizons trained on), timings
    (seconds per phase), quality and models (per profile: trained or default weights, backtest
    NDCG/precision, coefficients by signal).
    """

    __tablename__ = "scoring_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[datetime] = mapped_column(index=True)
    trigger: Mapped[str] = mapped_column(String(20), default="cli")  # cli | job | demo | api
    model_version: Mapped[str] = mapped_column(String(40))
    parameters: Mapped[str] = mapped_column(Text, default="{}")
    windows: Mapped[str] = mapped_column(Text, default="{}")
    member_count: Mapped[int] = mapped_column(default=0)
    training_rows: Mapped[int] = mapped_column(default=0)
    timings: Mapped[str] = mapped_column(Text, default="{}")
    quality: Mapped[str] = mapped_column(Text, default="{}")
    models: Mapped[str] = mapped_column(Text, default="{}")


class MemberScore(Base):
    """A member's 0-100 score for one role profile in one run, with its plain-words explanation (JSON)."""

    __tablename__ = "member_score"
    __table_args__ = (
        UniqueConstraint("run_id", "user_id", "profile"),
        Index("ix_member_score_run_profile", "run_id", "profile", "score"),
        Index("ix_member_score_user", "user_id", "run_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("scoring_run.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    profile: Mapped[str] = mapped_column(String(12))
    score: Mapped[float] = mapped_column(Float)
    rank: Mapped[int]
    explanation: Mapped[str] = mapped_column(Text, default="[]")


class MemberSnapshot(Base):
    """A member's signal values, journey stage and risk flags as one run saw them (signal history)."""

    __tablename__ = "member_snapshot"
    __table_args__ = (
        UniqueConstraint("run_id", "user_id"),
        Index("ix_member_snapshot_user", "user_id", "run_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("scoring_run.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(12))
    signals: Mapped[str] = mapped_column(Text, default="{}")
    flags: Mapped[str] = mapped_column(Text, default="[]")
