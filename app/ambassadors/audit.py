"""The manager-facing audit log: invitation, candidate and role actions with both members' names."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from app.accounts.models import AuditEntry, User
from app.i18n import N_

PREFIXES = ("invitation.", "candidate.", "role.")
ACTION_NAMES = {
    "invitation.sent": N_("invited"),
    "invitation.accepted": N_("accepted an invitation"),
    "invitation.declined": N_("declined an invitation"),
    "candidate.snooze": N_("snoozed a candidate"),
    "candidate.dismiss": N_("dismissed a candidate"),
    "role.grant": N_("granted a role"),
    "role.revoke": N_("removed a role"),
    "role.offboarded": N_("thanked and offboarded a role holder"),
}


@dataclass(frozen=True)
class AuditRow:
    """One audit line as the page and the API show it."""

    id: int
    action: str
    actor_username: str | None
    actor_display_name: str | None
    target_username: str | None
    target_display_name: str | None
    detail: dict
    created_at: datetime


def audit_rows(session: Session, limit: int = 200, offset: int = 0) -> list[AuditRow]:
    """The newest invitation, candidate and role actions, in one statement."""
    actor, target = aliased(User), aliased(User)
    rows = session.execute(
        select(AuditEntry, actor.username, actor.display_name, target.username, target.display_name)
        .outerjoin(actor, actor.id == AuditEntry.actor_id)
        .outerjoin(target, target.id == AuditEntry.target_user_id)
        .where(or_(*[AuditEntry.action.startswith(prefix) for prefix in PREFIXES]))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .offset(offset)
        .limit(limit)
    )
    result = []
    for entry, a_user, a_name, t_user, t_name in rows:
        try:
            detail = json.loads(entry.detail or "{}")
        except ValueError:
            detail = {}
        result.append(AuditRow(entry.id, entry.action, a_user, a_name, t_user, t_name,
                               detail if isinstance(detail, dict) else {}, entry.created_at))
    return result
