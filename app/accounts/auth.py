"""Who is making the request: session cookie or bearer token, resolved once per request."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import security
from app.accounts import tracking
from app.accounts.models import ApiToken, Group, GroupMembership, User, UserSession
from app.config import Settings
from app.db import SessionDep, bookkeep, end_lookup
from app.errors import Unauthorized
from app.i18n import N_
from app.openapi import bearer_scheme
from app.web import Viewer, get_now, viewer_of


def client_ip(request: Request, settings: Settings) -> str:
    """The client's address; X-Forwarded-For is believed only when it comes from a trusted proxy."""
    peer = request.client.host if request.client else "0.0.0.0"
    networks = [ipaddress.ip_network(item, strict=False) for item in settings.trusted_proxies]

    def trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in networks)

    if not networks or not trusted(peer):
        return peer
    forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()]
    for address in reversed(forwarded):
        if not trusted(address):
            return address
    return forwarded[0] if forwarded else peer


def network_of(address: str) -> str:
    """The network an address belongs to for the login back-off: IPv4 /24, IPv6 /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return str(ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 64}", strict=False))


def client_of(request: Request) -> tracking.Client:
    """Hashed IP, hashed network and user agent of the request, for login tracking."""
    settings = request.app.state.settings
    address = client_ip(request, settings)
    return tracking.Client(
        ip_hash=security.hash_ip(settings, address),
        user_agent=request.headers.get("user-agent", ""),
        net_hash=security.hash_ip(settings, "net:" + network_of(address)),
    )


def roles_of(session: Session, user_id: int) -> frozenset[str]:
    """Every role of a member (member itself is implicit)."""
    names = session.scalars(
        select(Group.name).join(GroupMembership).where(GroupMembership.user_id == user_id)
    ).all()
    return frozenset({"member", *names})


def _viewer(session: Session, user: User) -> Viewer:
    return Viewer(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=roles_of(session, user.id),
        locale=user.locale,
    )


def load_viewer(request: Request, db: SessionDep) -> Viewer:
    """Resolve the viewer from a bearer token or the session cookie; the visit is bookkeeping."""
    now = get_now(request)
    authorization = request.headers.get("authorization", "")
    user: User | None = None
    if authorization.lower().startswith("bearer "):
        secret = authorization[7:].strip()
        row = db.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == security.hash_token(secret), ApiToken.revoked_at.is_(None))
        ).first()
        if row is None:
            raise Unauthorized(N_("The API token is invalid or has been revoked."))
        token, user = row
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            token_id = token.id
            bookkeep(request, lambda session: session.execute(
                update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now)
            ))
    elif "session" in request.scope and (secret := request.session.get("auth")):
        user = db.scalar(
            select(User)
            .join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.token_hash == security.hash_token(secret), UserSession.expires_at > now)
        )
        if user is None:
            request.session.pop("auth", None)
    if user is None:
        end_lookup(request, db)
        return viewer_of(request)
    user_id, last_seen_at = user.id, user.last_seen_at
    bookkeep(request, lambda session: tracking.touch(session, user_id, last_seen_at, now))
    request.state.viewer = _viewer(db, user)
    end_lookup(request, db)
    return request.state.viewer


def log_in_browser(request: Request, token: str) -> None:
    """Bind a fresh session token to this browser and rotate its CSRF token."""
    request.session.clear()
    request.session["auth"] = token


def require_member(request: Request, _declared: Annotated[object, Depends(bearer_scheme)] = None) -> Viewer:
    """The logged-in viewer, or 401 (the HTML handler turns it into the login page)."""
    viewer = viewer_of(request)
    if not viewer.is_authenticated:
        raise Unauthorized(N_("Please log in to continue."))
    return viewer


MemberDep = Annotated[Viewer, Depends(require_member)]


def current_user(db: Session, viewer: Viewer) -> User:
    """The viewer's account row, for pages that change it."""
    user = db.get(User, viewer.id)
    if user is None:
        raise Unauthorized(N_("Please log in to continue."))
    return user
