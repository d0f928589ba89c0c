"""Daily roll-ups of the health dashboard, derived from the raw rows and repairable from them.

Every row here can be thrown away and rebuilt (`hearth insights rebuild`); nothing else refers to
these tables. Days are UTC dates. `category_id` 0 stands for "in no category" (ideas whose area has
none): such rows count in the community-wide figures and never in a category's.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

NO_CATEGORY = 0


class InsightSiteDay(Base):
    """Community-wide facts of one day: new accounts and members seen."""

    __tablename__ = "insight_site_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    signups: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[int] = mapped_column(Integer, default=0)


class InsightCategoryDay(Base):
    """One day in one category: topics, replies and ideas of that day, and the outcomes so far of
    the questions asked that day (answered, within 24 h, solved, staff or community first/accepted)."""

    __tablename__ = "insight_category_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    topics: Mapped[int] = mapped_column(Integer, default=0)
    questions: Mapped[int] = mapped_column(Integer, default=0)
    replies: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    within_day: Mapped[int] = mapped_column(Integer, default=0)
    solved: Mapped[int] = mapped_column(Integer, default=0)
    staff_first: Mapped[int] = mapped_column(Integer, default=0)
    community_first: Mapped[int] = mapped_column(Integer, default=0)
    staff_accepted: Mapped[int] = mapped_column(Integer, default=0)
    community_accepted: Mapped[int] = mapped_column(Integer, default=0)
    ideas_proposed: Mapped[int] = mapped_column(Integer, default=0)
    idea_votes: Mapped[int] = mapped_column(Integer, default=0)
    idea_changes: Mapped[int] = mapped_column(Integer, default=0)
    ideas_shipped: Mapped[int] = mapped_column(Integer, default=0)
    # Of that day's questions, how many have each response time (the counts percentiles rank in).
    first_timed: Mapped[int] = mapped_column(Integer, default=0)
    accepted_timed: Mapped[int] = mapped_column(Integer, default=0)
    staff_timed: Mapped[int] = mapped_column(Integer, default=0)


class InsightContributorDay(Base):
    """A member's replies to other members' topics on one day in one category, and how many of
    them are accepted answers."""

    __tablename__ = "insight_contributor_day"
    # The few rows with an accepted answer find the top contributors' threshold (see queries);
    # then only those members' days are added up.
    __table_args__ = (
        Index("ix_insight_contributor_day_category", "category_id", "day"),
        Index("ix_insight_contributor_day_accepted", "accepted", "day", "user_id"),
        Index("ix_insight_contributor_day_category_accepted", "category_id", "accepted", "day", "user_id"),
        Index("ix_insight_contributor_day_user", "user_id", "day", "category_id", "replies", "accepted"),
    )

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    replies: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)


class InsightQuestion(Base):
    """One visible question's response times in seconds (None: not yet), for exact percentiles
    over a narrow indexed table instead of the wide topic and post tables."""

    __tablename__ = "insight_question"
    # A percentile is the k-th entry of a walk through one of the value indexes (asked_at checked
    # inside the index), so no query ever sorts the period's questions.
    __table_args__ = (
        Index("ix_insight_question_asked", "asked_at"),
        Index("ix_insight_question_first", "first_response_seconds", "asked_at"),
        Index("ix_insight_question_accepted", "accepted_seconds", "asked_at"),
        Index("ix_insight_question_staff", "staff_response_seconds", "asked_at"),
        Index("ix_insight_question_category_first", "category_id", "first_response_seconds", "asked_at"),
        Index("ix_insight_question_category_accepted", "category_id", "accepted_seconds", "asked_at"),
        Index("ix_insight_question_category_staff", "category_id", "staff_response_seconds", "asked_at"),
    )

    topic_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    category_id: Mapped[int] = mapped_column(Integer)
    asked_at: Mapped[datetime]
    first_response_seconds: Mapped[int | None] = mapped_column(Integer)
    accepted_seconds: Mapped[int | None] = mapped_column(Integer)
    staff_response_seconds: Mapped[int | None] = mapped_column(Integer)


class InsightVisit(Base):
    """A member's visit day with the member's visit before it: the members seen in a range are the
    visits in it whose previous visit lies before the range, counted without DISTINCT."""

    __tablename__ = "insight_visit"
    __table_args__ = (Index("ix_insight_visit_day_previous", "day", "previous_day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    previous_day: Mapped[date | None] = mapped_column(Date)


class InsightStaleDay(Base):
    """A day whose roll-ups no longer match the raw rows (a late answer to that day's question, a
    hidden reply, a moved topic); the upkeep job recomputes it and removes the mark."""

    __tablename__ = "insight_stale_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
