"""Password-reset and one-time login e-mails: limited per address and per IP, and answered by the
same steps whether or not an account uses the address (both queue one e-mail)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app import security
from app.accounts.events import UserLoggedIn
from app.accounts.models import LoginAttempt, LoginLink, MailRequest, User
from app.accounts.service import normalize_email, password_fingerprint
from app.accounts.tracking import Client, login_key
from app.config import Settings
from app.db import lock_keys
from app.errors import RateLimited, ValidationFailed
from app.events import publish
from app.i18n import N_, Msg
from app.mail import queue_email
from app.web import render_email, translations_for

KINDS = ("password_reset", "login_link")
HOUR = timedelta(hours=1)
SUBJECTS = {
    "password_reset": N_("Reset your password"),
    "login_link": N_("Your login link"),
    "no_account": N_("No account uses this address"),
}


def _wait(session, column, value: str, limit: int, now: datetime) -> int | None:
    rows = session.scalars(
        select(MailRequest.created_at)
        .where(column == value, MailRequest.created_at > now - HOUR)
        .order_by(MailRequest.created_at.desc())
        .limit(limit)
    ).all()
    if len(rows) < limit:
        return None
    return max(1, math.ceil((rows[-1] + HOUR - now).total_seconds()))


def _count_request(session, settings: Settings, kind: str, address_key: str, client: Client, now: datetime) -> None:
    """Record the request or raise RateLimited; decided under a lock, so no race passes a limit."""
    address_hash = security.hash_ip(settings, "mail:" + address_key)
    lock_keys(session, f"mail-address:{address_hash}", f"mail-ip:{client.ip_hash}")
    waits = [
        wait
        for wait in (
            _wait(session, MailRequest.address_hash, address_hash, settings.reset_per_address_per_hour, now),
            _wait(session, MailRequest.ip_hash, client.ip_hash, settings.reset_per_ip_per_hour, now),
        )
        if wait is not None
    ]
    if waits:
        wait = max(waits)
        raise RateLimited(
            Msg(
                "Too many e-mails were asked for. Please wait %(minutes)s minutes, then try again.",
                minutes=max(1, round(wait / 60)),
            ),
            retry_after=wait,
        )
    session.add(MailRequest(created_at=now, kind=kind, address_hash=address_hash, ip_hash=client.ip_hash))


def _queue(session, settings: Settings, *, kind: str, to: str, user: User | None, language: str | None, now, **context):
    language = (user.locale if user else None) or language
    body = render_email(
        f"emails/{kind}.txt", {"user": user, "email": to, "site_name": settings.site_name, **context}, language
    )
    subject = translations_for(language or "en").gettext(SUBJECTS[kind])
    queue_email(
        session,
        kind=kind,
        user_id=user.id if user else None,
        to_address=to,
        subject=f"[{settings.site_name}] {subject}",
        body_text=body,
        now=now,
    )


def request_link(
    session, settings: Settings, *, kind: str, email: str, client: Client, now: datetime, language: str | None = None
) -> None:
    """Queue a reset or one-time login e-mail for an address, whatever it belongs to.

    A known address gets its link; an unknown one gets a note that no account uses it. Both
    paths validate, count the request, look the address up and queue one message, so neither
    the answer nor the work done tells an asker whether the address is registered.
    """
    if kind not in KINDS:
        raise ValueError(kind)
    address = normalize_email(email)
    _count_request(session, settings, kind, address.lower(), client, now)
    user = session.scalar(select(User).where(User.email_key == address.lower(), User.is_imported.is_(False)))
    if user is None:
        _queue(session, settings, kind="no_account", to=address, user=None, language=language, now=now, asked=kind)
        return
    if kind == "password_reset":
        token = security.sign(settings, "reset", {"uid": user.id, "fp": password_fingerprint(user)}, now)
        link, context = f"{settings.base_url}/reset/{token}", {"hours": settings.reset_token_hours}
    else:
        token = security.new_token()
        session.add(
            LoginLink(
                user_id=user.id,
                token_hash=security.hash_token(token),
                created_at=now,
                expires_at=now + timedelta(minutes=settings.login_link_minutes),
            )
        )
        link, context = f"{settings.base_url}/login/link/{token}", {"minutes": settings.login_link_minutes}
    _queue(session, settings, kind=kind, to=user.email, user=user, language=language, now=now, link=link, **context)


def _invalid() -> ValidationFailed:
    return ValidationFailed(N_("This login link is invalid, expired or already used. Ask for a new one."))


def link_user(session, token: str, now: datetime) -> User:
    """The account a login link would log in, without using it up (for the confirmation page)."""
    user = session.scalar(
        select(User)
        .join(LoginLink, LoginLink.user_id == User.id)
        .where(LoginLink.token_hash == security.hash_token(token), LoginLink.used_at.is_(None), LoginLink.expires_at > now)
    )
    if user is None:
        raise _invalid()
    return user


def use_link(session, settings: Settings, token: str, client: Client, now: datetime) -> User:
    """Use a login link exactly once (one conditional UPDATE) and record the login.

    The login counts as a success from the client's network, so the owner's network is known
    to the login back-off from then on. Only the owner of the address could open the link, so
    an unconfirmed address is confirmed by it, as by a password reset.
    """
    row = session.execute(
        update(LoginLink)
        .where(LoginLink.token_hash == security.hash_token(token), LoginLink.used_at.is_(None), LoginLink.expires_at > now)
        .values(used_at=now)
        .returning(LoginLink.user_id)
    ).first()
    if row is None:
        raise _invalid()
    user = session.get(User, row.user_id)
    if user.email_verified_at is None:
        user.email_verified_at = now
    session.add(
        LoginAttempt(
            created_at=now,
            user_id=user.id,
            login_key_hash=login_key(settings, f"account:{user.id}"),
            ip_hash=client.ip_hash,
            net_hash=client.net_hash,
            user_agent=client.user_agent[:300],
            outcome="success",
        )
    )
    publish(session, UserLoggedIn(user_id=user.id, at=now))
    return user
