"""ORM classes of the ideas domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import Base
from app.forum.models import Category, Topic
from app.i18n import N_

STATUSES = ("open", "under_review", "planned", "in_progress", "shipped", "declined")
CLOSED_STATUSES = frozenset({"shipped", "declined"})  # their votes no longer use the budget
ROADMAP_STATUSES = ("planned", "in_progress", "shipped")
STATUS_LABELS = {
    "open": N_("Open"),
    "under_review": N_("Under review"),
    "planned": N_("Planned"),
    "in_progress": N_("In progress"),
    "shipped": N_("Shipped"),
    "declined": N_("Declined"),
}


class IdeaArea(Base):
    """A product area with its own idea board; its ideas' threads live in `category_id`."""

    __tablename__ = "idea_area"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]

    category: Mapped[Category] = relationship(lazy="raise")


class Idea(Base):
    """A proposal; its description is the first post of its forum thread (`topic_id`)."""

    __tablename__ = "idea"
    __table_args__ = (
        Index("ix_idea_area_status", "area_id", "status"),
        Index("ix_idea_votes", "vote_count", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("idea_area.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="open")
    vote_count: Mapped[int] = mapped_column(default=0)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("idea.id", ondelete="SET NULL"), index=True)
    merged_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(index=True)
    status_changed_at: Mapped[datetime]

    area: Mapped[IdeaArea] = relationship(lazy="raise")
    author: Mapped[User | None] = relationship(lazy="raise")
    topic: Mapped[Topic] = relationship(lazy="raise")


class IdeaVote(Base):
    """One member's vote on an idea; `active` votes count against the member's vote budget."""

    __tablename__ = "idea_vote"
    __table_args__ = (
        UniqueConstraint("idea_id", "user_id"),
        Index("ix_idea_vote_user_active", "user_id", "active"),
        Index("ix_idea_vote_created", "created_at"),
        Index("ix_idea_vote_idea_created", "idea_id", "created_at"),  # an idea's recent votes (trending)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class IdeaStatusChange(Base):
    """One step of an idea's status history, with the optional public note."""

    __tablename__ = "idea_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    old_status: Mapped[str | None] = mapped_column(String(20))
    new_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class IdeaFollower(Base):
    """A member who hears about an idea's status changes without voting for it."""

    __tablename__ = "idea_follower"

    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime]
