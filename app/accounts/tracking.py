"""Login attempts, throttling kept in the database (so workers agree), sessions and visits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from app import security
from app.accounts.events import UserLoggedIn
from app.accounts.models import LoginAttempt, User, UserVisit
from app.config import Settings
from app.db import insert_ignore, lock_keys
from app.events import publish
from app.i18n import N_

LAST_SEEN_EVERY = timedelta(minutes=1)
THROTTLE_MESSAGE = N_(
    "Too many failed log-ins. Please wait a moment and try again, or log in with a link sent by e-mail."
)


@dataclass(frozen=True)
class Client:
    """Where a request came from, as far as login tracking needs to know."""

    ip_hash: str
    user_agent: str
    net_hash: str = ""  # the client's network (IPv4 /24, IPv6 /64), keyed like ip_hash


def login_key(settings: Settings, identifier: str) -> str:
    """Keyed hash of what was typed as the login name: throttles unknown names like real ones."""
    return security.hash_ip(settings, "login:" + identifier.strip().lower())


def _find_user(session: Session, identifier: str) -> User | None:
    key = identifier.strip().lower()
    return session.scalar(select(User).where(or_(User.username_key == key, User.email_key == key)))


# Attempts whose password is still being checked count as failures until they are decided.
COUNTED = ("failure", "pending")


def _retry_after(
    session: Session, condition, window: timedelta, limit: int, now: datetime, outcomes=COUNTED
) -> int | None:
    """Seconds until fewer than `limit` failures matching `condition` remain in the window."""
    since = now - window
    rows = session.scalars(
        select(LoginAttempt.created_at)
        .where(condition, LoginAttempt.outcome.in_(outcomes), LoginAttempt.created_at > since)
        .order_by(LoginAttempt.created_at.desc())
        .limit(limit)
    ).all()
    if len(rows) < limit:
        return None
    oldest_that_counts = rows[-1]
    return int((oldest_that_counts + window - now).total_seconds()) + 1


def _known_network(session: Session, settings: Settings, key_hash: str, net_hash: str, now: datetime) -> bool:
    since = now - timedelta(days=settings.login_known_network_days)
    return session.scalar(
        select(LoginAttempt.id)
        .where(
            LoginAttempt.login_key_hash == key_hash,
            LoginAttempt.net_hash == net_hash,
            LoginAttempt.outcome == "success",
            LoginAttempt.created_at > since,
        )
        .limit(1)
    ) is not None


def throttle_wait(
    session: Session, settings: Settings, key_hash: str, client: Client, now: datetime, outcomes=COUNTED
) -> int | None:
    """Seconds the caller must wait before another attempt, or None when it may try now.

    Per IP (a minute and an hour), and per account *and network*: failures from an attacker's
    networks never lock the owner out of their own. Past a much higher count from all networks
    together, only networks the account has logged in from before may still try.
    """
    account_window = timedelta(minutes=settings.login_account_window_minutes)
    checks = [
        (LoginAttempt.ip_hash == client.ip_hash, timedelta(minutes=1), settings.login_ip_per_minute),
        (LoginAttempt.ip_hash == client.ip_hash, timedelta(hours=1), settings.login_ip_per_hour),
        (
            and_(LoginAttempt.login_key_hash == key_hash, LoginAttempt.net_hash == client.net_hash),
            account_window,
            settings.login_account_failures,
        ),
    ]
    waits = [_retry_after(session, cond, window, limit, now, outcomes) for cond, window, limit in checks]
    waits = [wait for wait in waits if wait is not None]
    if not waits:
        everywhere = _retry_after(
            session, LoginAttempt.login_key_hash == key_hash, account_window,
            settings.login_account_all_networks_failures, now, outcomes,
        )
        if everywhere is not None and not _known_network(session, settings, key_hash, client.net_hash, now):
            waits.append(everywhere)
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


@dataclass(frozen=True)
class Reservation:
    """A login attempt that has been counted: throttled, allowed to check its password, or
    (attempt_id None) waiting because only attempts still being checked fill the limit."""

    attempt_id: int | None
    user: User | None
    retry_after: int | None

    @property
    def undecided(self) -> bool:
        """True when the caller should commit, wait a moment and reserve again."""
        return self.attempt_id is None


def reserve_attempt(
    session: Session, settings: Settings, *, identifier: str, client: Client, now: datetime, may_wait: bool = True
) -> Reservation:
    """Decide whether this attempt may check a password and record it, atomically.

    The row is stored as pending (counted like a failure) and the caller commits it before
    checking the password: parallel guesses each take a place under the limit first, so no race
    lets more than the limit through. When only pending attempts fill a limit, the answer
    depends on their passwords; with `may_wait` nothing is recorded and the caller tries again
    shortly, so several people behind one address logging in at once are not refused.
    """
    user = _find_user(session, identifier) if identifier.strip() else None
    # A known account is counted as one, whether its username or its e-mail was typed.
    key_hash = login_key(settings, f"account:{user.id}" if user else identifier)
    lock_keys(session, f"login-ip:{client.ip_hash}", f"login-key:{key_hash}")
    wait = throttle_wait(session, settings, key_hash, client, now)
    if wait is not None and may_wait and throttle_wait(session, settings, key_hash, client, now, ("failure",)) is None:
        return Reservation(None, user, None)
    attempt = LoginAttempt(
        created_at=now,
        user_id=user.id if user else None,
        login_key_hash=key_hash,
        ip_hash=client.ip_hash,
        net_hash=client.net_hash,
        user_agent=client.user_agent[:300],
        outcome="throttled" if wait is not None else "pending",
    )
    session.add(attempt)
    session.flush()
    return Reservation(attempt.id, user, wait)


def finish_attempt(
    session: Session, settings: Settings, reservation: Reservation, password: str, now: datetime
) -> LoginResult:
    """Check the password of a reserved attempt (outside any lock) and record how it ended."""
    if reservation.retry_after is not None:
        return LoginResult(None, "throttled", retry_after=reservation.retry_after)
    user = reservation.user
    ok = security.verify_password(settings, password, user.password_hash if user else None)
    session.execute(
        update(LoginAttempt)
        .where(LoginAttempt.id == reservation.attempt_id)
        .values(outcome="success" if ok else "failure")
    )
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
