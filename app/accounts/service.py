"""Account commands: registration, verification, passwords, sessions, roles and API tokens."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app import security
from app.accounts.events import RoleGranted, RoleRevoked, UserRegistered
from app.accounts.models import (
    ROLES,
    ApiToken,
    AuditEntry,
    Group,
    GroupMembership,
    User,
    UserSession,
)
from app.config import Settings
from app.errors import Conflict, NotFound, ValidationFailed
from app.events import publish
from app.i18n import N_, Msg
from app.inputs import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from app.mail import queue_email
from app.web import render_email

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$")
RESERVED_USERNAMES = {"me", "new", "api", "admin-panel", "system", "anonymous", "static", "u"}


def username_key(username: str) -> str:
    """Case-insensitive key under which usernames are unique."""
    return username.strip().lower()


def normalize_email(address: str) -> str:
    """Validate an address and return its normalized form, or raise ValidationFailed."""
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationFailed(
            N_("Please check the e-mail address."), detail={"email": N_("This does not look like a valid e-mail address.")}
        ) from None


def _username_problem(session: Session, username: str) -> str | None:
    if not USERNAME_RE.match(username):
        return N_("Use 3–32 letters, digits, dots, dashes or underscores, starting with a letter or digit.")
    if username_key(username) in RESERVED_USERNAMES:
        return N_("This username is reserved.")
    taken = session.scalar(select(User.id).where(User.username_key == username_key(username)))
    return N_("This username is taken.") if taken else None


def register_user(
    session: Session,
    settings: Settings,
    *,
    username: str,
    email: str,
    password: str,
    now: datetime,
    locale: str | None = None,
) -> User | None:
    """Create an unverified account and mail a verification link.

    When the address already belongs to an account, nothing is created and that account's
    owner is told by e-mail instead, so the answer never reveals who is registered.
    """
    username = username.strip()
    errors: dict[str, str] = {}
    if problem := _username_problem(session, username):
        errors["username"] = problem
    try:
        address = normalize_email(email)
    except ValidationFailed as error:
        errors["email"] = error.detail["email"]
        address = None
    if problem := security.password_problem(settings, password, user_inputs=(username, email)):
        errors["password"] = problem
    if errors:
        raise ValidationFailed(N_("Please correct the marked fields."), detail=errors)

    # Hash first, even for a known address: otherwise the slow argon2 step would reveal
    # through timing which addresses are registered.
    password_hash = security.hash_password(settings, password)
    existing = session.scalar(select(User).where(User.email_key == address.lower()))
    if existing is not None:
        _mail(session, settings, existing, "account_exists", now, login_url=f"{settings.base_url}/login")
        return None
    user = User(
        username=username,
        username_key=username_key(username),
        display_name=username,
        email=address,
        email_key=address.lower(),
        password_hash=password_hash,
        created_at=now,
        locale=locale,
    )
    session.add(user)
    session.flush()
    send_verification(session, settings, user, now)
    publish(session, UserRegistered(user_id=user.id, at=now))
    return user


def send_verification(session: Session, settings: Settings, user: User, now: datetime) -> None:
    """Mail a signed link that confirms the member's e-mail address."""
    token = security.sign(settings, "verify", {"uid": user.id, "email": user.email_key}, now)
    _mail(session, settings, user, "verify_email", now, link=f"{settings.base_url}/verify/{token}")


def user_for_verify_token(session: Session, settings: Settings, token: str, now: datetime) -> User:
    """The account a valid verification link names (confirmed or not), else ValidationFailed."""
    payload = security.unsign(settings, "verify", token, settings.verify_token_days * 86400, now)
    user = session.get(User, payload["uid"]) if isinstance(payload, dict) and isinstance(payload.get("uid"), int) else None
    if user is None or user.email_key != payload.get("email"):
        raise ValidationFailed(N_("This confirmation link is invalid or has expired."))
    return user


def verify_email(session: Session, settings: Settings, token: str, now: datetime) -> User:
    """Confirm the address a verification link was sent to; a link works once and logs nobody in."""
    user = user_for_verify_token(session, settings, token, now)
    # Conditional UPDATE: of two clicks at once exactly one confirms, the other is told it was used.
    confirmed = session.execute(
        update(User).where(User.id == user.id, User.email_verified_at.is_(None))
        .values(email_verified_at=now).execution_options(synchronize_session=False)
    ).rowcount
    if confirmed != 1:
        raise ValidationFailed(N_("This address is already confirmed. Log in with your password."))
    session.refresh(user)
    return user


def _mail(session: Session, settings: Settings, user: User, kind: str, now: datetime, **context):
    from app.web import translations_for

    subjects = {
        "verify_email": N_("Confirm your e-mail address"),
        "account_exists": N_("Someone tried to register with your address"),
        "password_changed": N_("Your password was changed"),
    }
    gettext = translations_for(user.locale or "en").gettext
    body = render_email(
        f"emails/{kind}.txt",
        {"user": user, "site_name": settings.site_name, **context},
        user.locale,
    )
    queue_email(
        session,
        kind=kind,
        user_id=user.id,
        to_address=user.email,
        subject=f"[{settings.site_name}] {gettext(subjects[kind])}",
        body_text=body,
        now=now,
    )


def password_fingerprint(user: User) -> str:
    """Changes whenever the password does, so a reset link works at most once."""
    return security.hash_token(user.password_hash)[:16]


def user_for_reset_token(session: Session, settings: Settings, token: str, now: datetime) -> User:
    """The account a reset link belongs to, if the link is valid and unused."""
    payload = security.unsign(settings, "reset", token, settings.reset_token_hours * 3600, now)
    user = session.get(User, payload["uid"]) if isinstance(payload, dict) else None
    if user is None or payload.get("fp") != password_fingerprint(user):
        raise ValidationFailed(N_("This reset link is invalid, expired or already used."))
    return user


def set_password(session: Session, settings: Settings, user: User, password: str, now: datetime) -> None:
    """Set a new password, end every session of the account and tell the owner."""
    if problem := security.password_problem(
        settings, password, user_inputs=(user.username, user.email or "")
    ):
        raise ValidationFailed(N_("Please choose another password."), detail={"password": problem})
    user.password_hash = security.hash_password(settings, password)
    if user.email_verified_at is None:
        user.email_verified_at = now  # only the owner of the address could have got this far
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    _mail(session, settings, user, "password_changed", now)


def change_password(
    session: Session, settings: Settings, user: User, current: str, new: str, now: datetime
) -> None:
    """Change a password after checking the current one."""
    if not security.verify_password(settings, current, user.password_hash):
        raise ValidationFailed(
            N_("Please correct the marked fields."), detail={"current_password": N_("This is not your current password.")}
        )
    set_password(session, settings, user, new, now)


def start_session(
    session: Session, settings: Settings, user: User, now: datetime, user_agent: str = ""
) -> str:
    """Create a fresh session token for a login; returns the secret for the cookie."""
    token = security.new_token()
    session.add(
        UserSession(
            user_id=user.id,
            token_hash=security.hash_token(token),
            created_at=now,
            expires_at=now + timedelta(days=settings.session_days),
            user_agent=user_agent[:300],
        )
    )
    session.flush()
    return token


def end_session(session: Session, token: str) -> None:
    """Log a browser out."""
    session.execute(delete(UserSession).where(UserSession.token_hash == security.hash_token(token)))


def audit(
    session: Session, *, actor_id: int | None, action: str, target_user_id: int | None, now: datetime, **detail
) -> None:
    """Append one line to the audit log."""
    session.add(
        AuditEntry(
            actor_id=actor_id,
            action=action,
            target_user_id=target_user_id,
            detail=json.dumps(detail, sort_keys=True, default=str),
            created_at=now,
        )
    )


def ensure_groups(session: Session) -> dict[str, Group]:
    """The role groups by name (created by the first migration)."""
    groups = {group.name: group for group in session.scalars(select(Group))}
    missing = [name for name in ROLES if name != "member" and name not in groups]
    for name in missing:
        groups[name] = Group(name=name, description="")
        session.add(groups[name])
    if missing:
        session.flush()
    return groups


def grant_role(
    session: Session, user: User, role: str, *, granted_by_id: int | None, now: datetime, reason: str = ""
) -> bool:
    """Add a member to a role group; False when they already had it."""
    if role not in ROLES or role == "member":
        raise ValidationFailed(Msg("Unknown role %(role)s.", role=role))
    group = ensure_groups(session)[role]
    exists = session.scalar(
        select(GroupMembership.id).where(
            GroupMembership.user_id == user.id, GroupMembership.group_id == group.id
        )
    )
    if exists:
        return False
    session.add(
        GroupMembership(
            user_id=user.id, group_id=group.id, granted_by_id=granted_by_id, granted_at=now, reason=reason
        )
    )
    audit(session, actor_id=granted_by_id, action="role.grant", target_user_id=user.id, now=now, role=role, reason=reason)
    session.flush()
    publish(session, RoleGranted(user_id=user.id, role=role, granted_by_id=granted_by_id, at=now))
    return True


def revoke_role(
    session: Session, user: User, role: str, *, revoked_by_id: int | None, now: datetime, reason: str = ""
) -> bool:
    """Remove a member from a role group; False when they did not have it."""
    group = ensure_groups(session).get(role)
    if group is None:
        raise ValidationFailed(Msg("Unknown role %(role)s.", role=role))
    result = session.execute(
        delete(GroupMembership).where(
            GroupMembership.user_id == user.id, GroupMembership.group_id == group.id
        )
    )
    if result.rowcount == 0:
        return False
    audit(session, actor_id=revoked_by_id, action="role.revoke", target_user_id=user.id, now=now, role=role, reason=reason)
    publish(session, RoleRevoked(user_id=user.id, role=role, revoked_by_id=revoked_by_id, at=now))
    return True


def create_api_token(session: Session, user: User, name: str, now: datetime) -> str:
    """Create a personal API token; the secret is returned once and stored only hashed."""
    name = name.strip()
    if not name or len(name) > 80:
        raise ValidationFailed(N_("Give the token a name of 1–80 characters."), detail={"name": N_("Required.")})
    if has_control_characters(name):
        raise ValidationFailed(CONTROL_CHARACTERS_MESSAGE, detail={"name": CONTROL_CHARACTERS_MESSAGE})
    secret = "hth_" + security.new_token(30)
    session.add(
        ApiToken(
            user_id=user.id,
            name=name,
            token_hash=security.hash_token(secret),
            prefix=secret[:10],
            created_at=now,
        )
    )
    session.flush()
    return secret


def revoke_api_token(session: Session, user: User, token_id: int, now: datetime) -> None:
    """Revoke one of the member's own tokens."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(N_("No such token."))
    if token.revoked_at is not None:
        raise Conflict(N_("This token was already revoked."))
    token.revoked_at = now


def update_preferences(
    session: Session, user: User, *, display_name: str, bio: str, locale: str | None, ambassador_opt_out: bool | None = None
) -> None:
    """Change the profile fields a member controls."""
    from app.web import LANGUAGES

    display_name = display_name.strip()
    errors = {}
    if not 1 <= len(display_name) <= 80:
        errors["display_name"] = N_("Use 1–80 characters.")
    elif has_control_characters(display_name):
        errors["display_name"] = CONTROL_CHARACTERS_MESSAGE
    if len(bio) > 2000:
        errors["bio"] = N_("Keep it under 2,000 characters.")
    if locale and locale not in LANGUAGES:
        errors["locale"] = N_("Choose one of the offered languages.")
    if errors:
        raise ValidationFailed(N_("Please correct the marked fields."), detail=errors)
    user.display_name = display_name
    user.bio = bio
    user.locale = locale or None
    if ambassador_opt_out is not None:
        user.ambassador_opt_out = ambassador_opt_out


def set_language(session: Session, user_id: int, language: str) -> None:
    """Make one of the shipped languages the member's language for pages and e-mails."""
    from app.web import LANGUAGES

    if language in LANGUAGES:
        session.execute(update(User).where(User.id == user_id).values(locale=language))
