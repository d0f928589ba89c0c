"""ORM classes of the forum domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Group, User
from app.db import Base

VISIBILITIES = ("public", "members", "groups")
# Who may start topics / reply in a category (on top of seeing it): every member, staff, listed groups.
POSTING_ACCESS = ("members", "staff", "groups")
# Where new topics of a category come from: any topic form, or only the idea board's form.
TOPIC_FORMS = ("any", "ideas")
POSTING_ACTIONS = ("topic", "reply")
TOPIC_KINDS = ("question", "discussion")
# Kinds of notification. idea_status is written by the ideas domain; digest and reengage by the
# worker and managers; invitation (roles and invitations) by the ambassadors domain.
NOTIFICATION_KINDS = ("mentioned", "quoted", "reply", "accepted", "idea_status", "digest", "reengage", "invitation")


class Category(Base):
    """A place for topics; its visibility decides who may see anything inside it."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    visibility: Mapped[str] = mapped_column(String(10), default="public")
    topic_access: Mapped[str] = mapped_column(String(10), default="members", server_default="members")
    reply_access: Mapped[str] = mapped_column(String(10), default="members", server_default="members")
    topic_form: Mapped[str] = mapped_column(String(10), default="any", server_default="any")
    topic_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]

    groups: Mapped[list[Group]] = relationship(secondary="category_group", lazy="raise")


class CategoryGroup(Base):
    """Groups allowed into a category whose visibility is 'groups' (labs, staff areas)."""

    __tablename__ = "category_group"

    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("user_group.id", ondelete="CASCADE"), primary_key=True)


class CategoryPostingGroup(Base):
    """Groups allowed to start topics ('topic') or reply ('reply') where that access is 'groups'."""

    __tablename__ = "category_posting_group"

    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"), primary_key=True)
    action: Mapped[str] = mapped_column(String(10), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("user_group.id", ondelete="CASCADE"), primary_key=True)


class Topic(Base):
    """A question or discussion; its first post (post_number 1) holds the opening text."""

    __tablename__ = "topic"
    # Each topic list reads one of these in its ORDER BY (see app/forum/lists.py, bench/explain_pages.py).
    __table_args__ = (
        Index("ix_topic_category_latest", "category_id", "pinned", "last_posted_at", "id"),
        Index("ix_topic_latest", "last_posted_at", "id"),
        Index(
            "ix_topic_unanswered", "last_posted_at", "id",
            sqlite_where=text("kind = 'question' AND first_response_post_id IS NULL"),
            postgresql_where=text("kind = 'question' AND first_response_post_id IS NULL"),
        ),
        Index(
            "ix_topic_solved", "last_posted_at", "id",
            sqlite_where=text("accepted_post_id IS NOT NULL"),
            postgresql_where=text("accepted_post_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(12), default="discussion")
    created_at: Mapped[datetime]
    last_posted_at: Mapped[datetime]
    last_poster_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reply_count: Mapped[int] = mapped_column(default=0)
    highest_post_number: Mapped[int] = mapped_column(default=0)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("post.id", ondelete="SET NULL", use_alter=True, name="fk_topic_accepted_post_id_post")
    )
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    first_response_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("post.id", ondelete="SET NULL", use_alter=True, name="fk_topic_first_response_post_id_post")
    )
    first_response_seconds: Mapped[int | None]
    hidden_at: Mapped[datetime | None]

    category: Mapped[Category] = relationship(lazy="raise")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="raise")
    tags: Mapped[list[Tag]] = relationship(secondary="topic_tag", lazy="raise", order_by="Tag.name")


class Tag(Base):
    """A label on topics."""

    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    topic_count: Mapped[int] = mapped_column(default=0)


class TopicTag(Base):
    """Which tags a topic carries."""

    __tablename__ = "topic_tag"
    __table_args__ = (Index("ix_topic_tag_tag_topic", "tag_id", "topic_id"),)  # a tag page's topics, from the index alone

    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True)


class Post(Base):
    """A post in a topic; body_html is rendered and sanitized once, when written."""

    __tablename__ = "post"
    __table_args__ = (
        UniqueConstraint("topic_id", "post_number"),
        Index("ix_post_author_created", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"))
    post_number: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reply_to_post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="SET NULL"))
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    by_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(index=True)
    edited_at: Mapped[datetime | None]
    edit_count: Mapped[int] = mapped_column(default=0)
    score: Mapped[int] = mapped_column(default=0)
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(String(200))
    deleted_at: Mapped[datetime | None]

    topic: Mapped[Topic] = relationship(lazy="raise", foreign_keys=[topic_id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="raise")


class PostRevision(Base):
    """One edit of a post: who, when, and the source before and after."""

    __tablename__ = "post_revision"
    __table_args__ = (UniqueConstraint("post_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    number: Mapped[int]
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime]
    old_source: Mapped[str] = mapped_column(Text)
    new_source: Mapped[str] = mapped_column(Text)
    old_title: Mapped[str | None] = mapped_column(String(200))
    new_title: Mapped[str | None] = mapped_column(String(200))
    reverted_to: Mapped[int | None]

    editor: Mapped[User | None] = relationship(lazy="raise")


class TopicRead(Base):
    """How far a member has read a topic (for unread counts and 'new since last visit')."""

    __tablename__ = "topic_read"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True, index=True)
    last_read_post_number: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime]


class Notification(Base):
    """Something a member should know about: a reply, a quote, a mention, an accepted answer."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    data: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class NotificationSetting(Base):
    """Per member and kind: whether it also arrives by e-mail (in-app is always on)."""

    __tablename__ = "notification_setting"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean, default=True)


class Flag(Base):
    """A member's report of a post, reviewed by moderators."""

    __tablename__ = "flag"
    __table_args__ = (UniqueConstraint("post_id", "flagger_id"), Index("ix_flag_status", "status", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    flagger_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | agreed | disagreed
    created_at: Mapped[datetime]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]


class Suspension(Base):
    """A period in which a member may not post, vote or flag."""

    __tablename__ = "suspension"
    __table_args__ = (Index("ix_suspension_user_ends", "user_id", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    lifted_at: Mapped[datetime | None]


class PostUpload(Base):
    """An uploaded image (by content address) that a post's text shows; kept in step on every write."""

    __tablename__ = "post_upload"

    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class PostVote(Base):
    """A member's current vote on a post: +1, -1, or 0 once withdrawn."""

    __tablename__ = "post_vote"
    __table_args__ = (
        UniqueConstraint("voter_id", "post_id"),
        # Covering: per-member vote aggregates read these indexes alone (migration 0011_vote_covering_indexes).
        Index("ix_post_vote_post_created", "post_id", "created_at", "value", "voter_id"),
        Index("ix_post_vote_voter_created", "voter_id", "created_at", "value", "post_id"),
        Index("ix_post_vote_voter_updated", "voter_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    value: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
