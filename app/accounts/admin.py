"""Operator commands on accounts (used by the CLI, outside any request)."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts import service
from app.accounts.models import User
from app.config import Settings
from app.db import make_engine, make_session_factory, utcnow
from app.errors import ValidationFailed
from app.i18n import translate


def create_admin(settings: Settings, *, username: str, email: str, password: str) -> str:
    """Create a verified admin, or grant admin to an existing account; says which it did."""
    engine = make_engine(settings.database_url)
    now = utcnow()
    with make_session_factory(engine)() as session, session.begin():
        user = session.scalar(select(User).where(User.username_key == service.username_key(username)))
        created = user is None
        if created:
            try:
                user = service.register_user(
                    session, settings, username=username, email=email, password=password, now=now
                )
            except ValidationFailed as error:
                problems = "; ".join(f"{k}: {translate(str, v)}" for k, v in (error.detail or {}).items())
                raise ValueError(problems or error.message) from None
            if user is None:
                raise ValueError("That e-mail address already belongs to another account.")
            user.email_verified_at = now
        granted = service.grant_role(
            session, user, "admin", granted_by_id=None, now=now, reason="hearth create-admin"
        )
    engine.dispose()
    if created:
        return "Created administrator"
    return "Made administrator:" if granted else "Already an administrator:"


def create_token(settings: Settings, *, username: str, name: str) -> str:
    """Create a personal API token for an existing member and return its secret (shown once)."""
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            user = session.scalar(select(User).where(User.username_key == service.username_key(username)))
            if user is None:
                raise ValueError(f"There is no member named {username}.")
            try:
                return service.create_api_token(session, user, name, utcnow())
            except ValidationFailed as error:
                raise ValueError(error.message) from None
    finally:
        engine.dispose()
