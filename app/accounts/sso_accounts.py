"""Who a single sign-on logs in: the linked identity, an account linked by verified e-mail, or a new one."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.events import UserLoggedIn, UserRegistered
from app.accounts.models import Group, GroupMembership, LoginAttempt, ROLES, SsoIdentity, User
from app.accounts.service import RESERVED_USERNAMES, audit, grant_role, normalize_email, revoke_role, username_key
from app.accounts.sso import SsoClaims, SsoFailed
from app.accounts.tracking import Client, login_key
from app.config import Settings
from app.errors import ValidationFailed
from app.events import publish
from app.i18n import N_
from app.security import unusable_password_hash

# Group memberships granted by single sign-on carry this reason; only they are removed by it.
SSO_REASON = "sso"
_NOT_USERNAME = re.compile(r"[^A-Za-z0-9_.-]+")


def _unverified() -> SsoFailed:
    return SsoFailed(
        N_("Your sign-in provider has not confirmed your e-mail address, so it cannot be matched to an account "
           "here. Confirm the address at your provider and try again."),
        status_code=403,
    )


def _free_username(session: Session, claims: SsoClaims, address: str) -> str:
    """A valid, unused username from the provider's preferred name or the address's local part."""
    base = _NOT_USERNAME.sub("", claims.preferred_username or address.split("@")[0]).lstrip("._-")[:24]
    if len(base) < 3 or base.lower() in RESERVED_USERNAMES:
        base = f"member{base}"[:24]
    candidate = base
    while session.scalar(select(User.id).where(User.username_key == username_key(candidate))):
        candidate = f"{base}{secrets.randbelow(90000) + 10000}"
    return candidate


def _linked_user(session: Session, claims: SsoClaims, now: datetime) -> User | None:
    identity = session.scalar(
        select(SsoIdentity).where(SsoIdentity.issuer == claims.issuer, SsoIdentity.subject == claims.subject)
    )
    if identity is None:
        return None
    identity.last_login_at = now
    return session.get(User, identity.user_id)


def _link_or_create(session: Session, claims: SsoClaims, now: datetime) -> User:
    """Link by a verified address (never an unverified one), or create the account."""
    if not claims.email or not claims.email_verified:
        raise _unverified()
    try:
        address = normalize_email(claims.email)
    except ValidationFailed:
        raise _unverified() from None
    user = session.scalar(select(User).where(User.email_key == address.lower()))
    created = user is None
    if created:
        username = _free_username(session, claims, address)
        user = User(
            username=username, username_key=username_key(username), display_name=claims.name or username,
            email=address, email_key=address.lower(), email_verified_at=now,
            password_hash=unusable_password_hash(), created_at=now,
        )
        session.add(user)
        session.flush()
    elif user.email_verified_at is None:
        user.email_verified_at = now  # the provider confirmed the address
    session.add(SsoIdentity(user_id=user.id, issuer=claims.issuer, subject=claims.subject, created_at=now, last_login_at=now))
    audit(session, actor_id=user.id, action="sso.link", target_user_id=user.id, now=now,
          issuer=claims.issuer, created=created)
    session.flush()
    if created:
        publish(session, UserRegistered(user_id=user.id, at=now))
    return user


def sync_groups(session: Session, settings: Settings, user: User, groups: tuple[str, ...], now: datetime) -> None:
    """Grant the mapped Hearth groups the claim lists; remove SSO-granted ones it no longer lists."""
    wanted = {hearth for remote, hearth in settings.oidc_group_map.items() if remote in groups and hearth in ROLES}
    mapped = {hearth for hearth in settings.oidc_group_map.values() if hearth in ROLES and hearth != "member"}
    held = dict(session.execute(
        select(Group.name, GroupMembership.reason)
        .join(GroupMembership, GroupMembership.group_id == Group.id)
        .where(GroupMembership.user_id == user.id)
    ).all())
    for role in sorted(wanted - set(held) - {"member"}):
        grant_role(session, user, role, granted_by_id=None, now=now, reason=SSO_REASON)
    for role in sorted((mapped - wanted) & set(held)):
        if held[role] == SSO_REASON:
            revoke_role(session, user, role, revoked_by_id=None, now=now, reason=SSO_REASON)


def sign_in(session: Session, settings: Settings, claims: SsoClaims, client: Client, now: datetime) -> User:
    """The account this provider identity logs in (linking or creating it), with groups synced."""
    user = _linked_user(session, claims, now) or _link_or_create(session, claims, now)
    sync_groups(session, settings, user, claims.groups, now)
    session.add(LoginAttempt(
        created_at=now, user_id=user.id, login_key_hash=login_key(settings, f"account:{user.id}"),
        ip_hash=client.ip_hash, net_hash=client.net_hash, user_agent=client.user_agent[:300], outcome="success",
    ))
    publish(session, UserLoggedIn(user_id=user.id, at=now))
    return user
