"""Signed one-click unsubscribe links: one kind of notification e-mail off for one member, no login."""

from __future__ import annotations

from app import security
from app.errors import ValidationFailed
from app.forum.models import NOTIFICATION_KINDS
from app.i18n import N_

UNSUBSCRIBE_PURPOSE = "unsubscribe"
UNSUBSCRIBE_MAX_AGE = 10 * 365 * 86400


def unsubscribe_token(settings, user_id: int, kind: str) -> str:
    """A signed token that turns off one kind of e-mail for one member, without logging in."""
    return security.sign(settings, UNSUBSCRIBE_PURPOSE, {"u": user_id, "k": kind})


def read_unsubscribe_token(settings, token: str) -> tuple[int, str]:
    """The (member, kind) of a valid token, else ValidationFailed."""
    payload = security.unsign(settings, UNSUBSCRIBE_PURPOSE, token, UNSUBSCRIBE_MAX_AGE)
    if not isinstance(payload, dict) or payload.get("k") not in NOTIFICATION_KINDS or not isinstance(payload.get("u"), int):
        raise ValidationFailed(N_("This unsubscribe link is invalid. Change your e-mail settings after logging in."))
    return payload["u"], payload["k"]


def unsubscribe_url(settings, user_id: int, kind: str) -> str:
    """The one-click link that turns off one kind of notification e-mail for one member."""
    return f"{settings.base_url}/notifications/unsubscribe/{unsubscribe_token(settings, user_id, kind)}"
