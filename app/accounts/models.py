"""ORM classes of the accounts domain."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.i18n import N_

# Marked for translation: profiles show role names in the reader's language.
ROLES = (
    N_("member"), N_("helper"), N_("moderator"), N_("ambassador"),
    N_("labs"), N_("product"), N_("manager"), N_("admin"),
)
STAFF_ROLES = frozenset({"moderator", "manager", "admin"})


class User(Base):
    """A member account."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32))
    username_key: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(320))
    email_key: Mapped[str | None] = mapped_column(String(320), unique=True)
    email_verified_at: Mapped[datetime | None]
    password_hash: Mapped[str] = mapped_column(String(255))
    bio: Mapped[str] = mapped_column(Text, default="")
    locale: Mapped[str | None] = mapped_column(String(8))
    is_imported: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None]
    karma: Mapped[int] = mapped_column(default=0, server_default="0")
    # The member asked never to be listed as a candidate for community roles (ambassador scoring).
    ambassador_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    memberships: Mapped[list[GroupMembership]] = relationship(
        back_populates="user", lazy="raise", foreign_keys="GroupMembership.user_id"
    )


class Group(Base):
    """A role or group such as moderator or labs (member is implicit for every account)."""

    __tablename__ = "user_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    description: Mapped[str] = mapped_column(String(300), default="")


class GroupMembership(Base):
    """A member's place in a group, with who granted it and when."""

    __tablename__ = "group_membership"
    __table_args__ = (UniqueConstraint("user_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("user_group.id", ondelete="CASCADE"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    granted_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(300), default="")

    user: Mapped[User] = relationship(back_populates="memberships", lazy="raise", foreign_keys=[user_id])
    group: Mapped[Group] = relationship(lazy="raise")


class AuditEntry(Base):
    """Who did what to whom: role grants and removals, account changes, manager actions."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    target_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(index=True)


class UserSession(Base):
    """A logged-in browser; the cookie holds the token, the database only its hash."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    user_agent: Mapped[str] = mapped_column(String(300), default="")


class LoginAttempt(Base):
    """Every login attempt: when, how it ended, for which account key, from which hashed IP."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_ip", "ip_hash", "created_at"),
        Index("ix_login_attempt_key", "login_key_hash", "created_at"),
        Index("ix_login_attempt_key_net", "login_key_hash", "net_hash", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(16))  # success | failure | throttled | pending (being checked)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    login_key_hash: Mapped[str] = mapped_column(String(32))
    ip_hash: Mapped[str] = mapped_column(String(32))
    # Keyed hash of the client's network (IPv4 /24, IPv6 /64): the account back-off is per network.
    net_hash: Mapped[str | None] = mapped_column(String(32))
    user_agent: Mapped[str] = mapped_column(String(300), default="")


class MailRequest(Base):
    """A password-reset or login-link e-mail someone asked for, counted for the rate limits."""

    __tablename__ = "mail_request"
    __table_args__ = (
        Index("ix_mail_request_address", "address_hash", "created_at"),
        Index("ix_mail_request_ip", "ip_hash", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))  # password_reset | login_link
    address_hash: Mapped[str] = mapped_column(String(32))
    ip_hash: Mapped[str] = mapped_column(String(32))


class LoginLink(Base):
    """A one-time login link sent by e-mail; the database keeps only the token's SHA-256."""

    __tablename__ = "login_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class UserVisit(Base):
    """One row per member per day they were seen; later issues count posts read here."""

    __tablename__ = "user_visit"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    posts_read: Mapped[int] = mapped_column(default=0)
    derived: Mapped[bool] = mapped_column(Boolean, default=False)


class ApiToken(Base):
    """A personal API token; only its SHA-256 is stored, the prefix helps members tell them apart."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class SsoIdentity(Base):
    """An account's identity at the OpenID Connect provider (issuer + subject), linked once."""

    __tablename__ = "sso_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


class UserAvatar(Base):
    """The uploaded image a member shows as their avatar (none: the generated initials)."""

    __tablename__ = "user_avatar"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("upload.id", ondelete="CASCADE"), index=True)
