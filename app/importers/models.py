"""ORM classes of the importers: the source-to-Hearth id map and what has no other home."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class ImportSource(Base):
    """One imported source row and the Hearth row it became; makes re-running an import a no-op.

    kind is the source's kind of row (user, voter, category, topic, post, comment, revision, vote,
    accept, award, badge, nomination); target_id is the id of the Hearth row it produced.
    """

    __tablename__ = "import_source"
    __table_args__ = (
        UniqueConstraint("site", "kind", "source_id"),
        Index("ix_import_source_target", "kind", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int] = mapped_column(BigInteger)
    target_id: Mapped[int] = mapped_column(BigInteger)
    imported_at: Mapped[datetime]


class ImportedAward(Base):
    """A badge earned on the source site for which Hearth has no equivalent badge."""

    __tablename__ = "imported_award"
    __table_args__ = (Index("ix_imported_award_user", "user_id", "awarded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    site: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(80))
    award_class: Mapped[int] = mapped_column(default=3)  # 1 gold, 2 silver, 3 bronze
    tag_based: Mapped[bool] = mapped_column(default=False)
    awarded_at: Mapped[datetime]


class ModeratorNomination(Base):
    """A moderator-election nomination from the source site (ground truth for role fit)."""

    __tablename__ = "moderator_nomination"
    __table_args__ = (Index("ix_moderator_nomination_user", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site: Mapped[str] = mapped_column(String(60))
    source_post_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    nominee_name: Mapped[str] = mapped_column(String(80), default="")
    body_html: Mapped[str] = mapped_column(Text)
    score: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    source_url: Mapped[str] = mapped_column(String(200))
