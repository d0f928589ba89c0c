"""Small keyword-only factories for test data; they flush, never commit."""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.models import User
from app.security import hash_password
from tests.conftest import START, make_settings

PASSWORD = "amber-lantern-quietly-47"
_counter = itertools.count(1)


@lru_cache(maxsize=1)
def _password_hash() -> str:
    # argon2 is slow on purpose; one hash serves every factory-made member.
    return hash_password(make_settings("sqlite://"), PASSWORD)


def make_user(
    session: Session,
    *,
    username: str | None = None,
    email: str | None = None,
    roles: tuple[str, ...] = (),
    verified: bool = True,
    created_at: datetime = START,
    display_name: str | None = None,
    locale: str | None = None,
) -> User:
    """A member who can log in with PASSWORD."""
    n = next(_counter)
    username = username or f"member{n}"
    email = email or f"{username.lower()}@example.org"
    user = User(
        username=username,
        username_key=username.lower(),
        display_name=display_name or username.capitalize(),
        email=email,
        email_key=email.lower(),
        email_verified_at=created_at if verified else None,
        password_hash=_password_hash(),
        created_at=created_at,
        bio="",
        locale=locale,
    )
    session.add(user)
    session.flush()
    for role in roles:
        accounts.grant_role(session, user, role, granted_by_id=None, now=created_at)
    return user


def log_in(client, user: User, password: str = PASSWORD):
    """Log a member in through the real login form."""
    from tests.conftest import post_form

    response = post_form(client, "/login", {"identifier": user.username, "password": password}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response


def last_email(session: Session, kind: str, to_address: str):
    """The newest outbox message of a kind sent to an address, or None."""
    from sqlalchemy import select

    from app.mail import OutboxEmail

    return session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.kind == kind, OutboxEmail.to_address == to_address)
        .order_by(OutboxEmail.id.desc())
    ).first()


def link_path(body_text: str, prefix: str) -> str:
    """The local path of the first link in an e-mail body that starts with prefix (e.g. /verify/)."""
    import re

    match = re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"\S+)", body_text)
    assert match, f"no {prefix} link in e-mail:\n{body_text}"
    return match.group(1)


@contextmanager
def count_statements(connection):
    """Count the SQL statements sent on the test's connection while the block runs."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", before)
