"""Login attempts, throttling kept in the database (so workers agree), sessions and visits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from app import security
from app.accounts.events import UserLoggedIn
from app.accounts.models import LoginAttempt, User, UserVisit
from app.config import Settings
from app.db import insert_ignore
from app.events import publish
from app.i18n import N_

LAST_SEEN_EVERY = timedelta(minutes=1)
THROTTLE_MESSAGE = N_(
    "Too many failed log-ins. Please wait a moment and try again, or reset your password by e-mail."
)


@dataclass(frozen=True)
class Client:
    """Where a request came from, as far as login tracking needs to know."""

    ip_hash: str
    user_agent: str


def login_key(settings: Settings, identifier: str) -> str:
    """Keyed hash of what was typed as the login name: throttles unknown names like real ones."""
    return security.hash_ip(settings, "login:" + identifier.strip().lower())


def _find_user(session: Session, identifier: str) -> User | None:
    key = identifier.strip().lower()
    return session.scalar(select(User).where(or_(User.username_key == key, User.email_key == key)))


def _retry_after(session: Session, condition, window: timedelta, limit: int, now: datetime) -> int | None:
    """Seconds until fewer than `limit` failures matching `condition` remain in the window."""
    since = now - window
    rows = session.scalars(
        select(LoginAttempt.created_at)
        .where(condition, LoginAttempt.outcome == "failure", LoginAttempt.created_at > since)
        .order_by(LoginAttempt.created_at.desc())
        .limit(limit)
    ).all()
    if len(rows) < limit:
        return None
    oldest_that_counts = rows[-1]
    return int((oldest_that_counts + window - now).total_seconds()) + 1


def throttle_wait(session: Session, settings: Settings, key_hash: str, ip_hash: str, now: datetime) -> int | None:
    """Seconds the caller must wait before another attempt, or None when it may try now."""
    checks = [
        (LoginAttempt.ip_hash == ip_hash, timedelta(minutes=1), settings.login_ip_per_minute),
        (LoginAttempt.ip_hash == ip_hash, timedelta(hours=1), settings.login_ip_per_hour),
        (
            LoginAttempt.login_key_hash == key_hash,
            timedelta(minutes=settings.login_account_window_minutes),
            settings.login_account_failures,
        ),
    ]
    waits = [_retry_after(session, cond, window, limit, now) for cond, window, limit in checks]
    waits = [wait for wait in waits if wait is not None]
    return max(waits) if waits else None


@dataclass(frozen=True)
class LoginResult:
    """How a login attempt ended; the attempt row is already added to the session."""

    user: User | None
    outcome: str  # success | failure | unverified | throttled
    retry_after: int | None = None

    @property
    def message(self) -> str:
        """What the person at the form is told (never whether the account exists)."""
        return {
            "success": N_("Welcome back!"),
            "failure": N_("That username or password is not right."),
            "unverified": N_(
                "Please confirm your e-mail address first: open the link we sent you. We have sent it again."
            ),
            "throttled": THROTTLE_MESSAGE,
        }[self.outcome]


def authenticate(
    session: Session, settings: Settings, *, identifier: str, password: str, client: Client, now: datetime
) -> LoginResult:
    """Check a login and record the attempt; callers keep the attempt row even when it fails."""
    user = _find_user(session, identifier) if identifier.strip() else None
    # A known account is counted as one, whether its username or its e-mail was typed.
    key_hash = login_key(settings, f"account:{user.id}" if user else identifier)
    wait = throttle_wait(session, settings, key_hash, client.ip_hash, now)
    attempt = LoginAttempt(
        created_at=now,
        user_id=user.id if user else None,
        login_key_hash=key_hash,
        ip_hash=client.ip_hash,
        user_agent=client.user_agent[:300],
        outcome="throttled",
    )
    session.add(attempt)
    if wait is not None:
        session.flush()
        return LoginResult(None, "throttled", retry_after=wait)
    ok = security.verify_password(settings, password, user.password_hash if user else None)
    attempt.outcome = "success" if ok else "failure"
    session.flush()
    if not ok:
        return LoginResult(None, "failure")
    if user.email_verified_at is None:
        return LoginResult(user, "unverified")
    publish(session, UserLoggedIn(user_id=user.id, at=now))
    return LoginResult(user, "success")


def touch(session: Session, user_id: int, last_seen_at: datetime | None, now: datetime) -> None:
    """Record that a member was seen: last_seen_at at most once a minute, one visit row a day."""
    same_day = last_seen_at is not None and last_seen_at.date() == now.date()
    if same_day and now - last_seen_at < LAST_SEEN_EVERY:
        return
    session.execute(update(User).where(User.id == user_id).values(last_seen_at=now))
    if not same_day:
        insert_ignore(
            session,
            UserVisit.__table__,
            {"user_id": user_id, "day": now.date(), "posts_read": 0, "derived": False},
            ["user_id", "day"],
        )


def visit_days(session: Session, user_id: int) -> int:
    """How many distinct days the member has visited."""
    return session.scalar(select(func.count()).where(UserVisit.user_id == user_id)) or 0
