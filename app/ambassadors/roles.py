"""Role lifecycle: who holds the community roles, what they did lately, who has gone quiet, and a
polite, audited removal (the accounts domain does the removal through a command event)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from app.accounts import queries as accounts_queries
from app.accounts.events import RoleRevokeRequested
from app.accounts.models import Group, GroupMembership, User
from app.ambassadors.invitations import NOTIFICATION_KIND, ROLE_NAMES, audit
from app.ambassadors.models import PROFILES
from app.errors import NotFound, ValidationFailed
from app.events import publish
from app.forum import queries as forum_queries
from app.forum.models import Notification
from app.forum.queries import unsubscribe_url
from app.i18n import N_
from app.mail import queue_email
from app.web import render_email, translations_for

ACTIVITY_DAYS = 30
SUBJECT = N_("Thank you for your time as %(role)s")


@dataclass(frozen=True)
class Holder:
    """A member in a role, with when and by whom they got it and what they did lately."""

    user_id: int
    username: str
    display_name: str
    role: str
    granted_at: datetime
    granted_by: str | None
    last_active: date | None  # accounts.queries.last_active_days, as everywhere
    posts_recent: int
    quiet: bool


def holders(session: Session, settings, now: datetime) -> dict[str, list[Holder]]:
    """Every holder of helper, moderator, ambassador and labs, by role, in two statements."""
    granter = aliased(User)
    active = accounts_queries.last_active_days(now.date())
    rows = session.execute(
        select(Group.name, GroupMembership.granted_at, User.id, User.username, User.display_name, active.c.last_day,
               granter.display_name.label("granted_by"))
        .join(Group, Group.id == GroupMembership.group_id)
        .join(User, User.id == GroupMembership.user_id)
        .outerjoin(active, active.c.user_id == User.id)
        .outerjoin(granter, granter.id == GroupMembership.granted_by_id)
        .where(Group.name.in_(PROFILES))
        .order_by(Group.name, User.username_key)
    ).all()
    posts = forum_queries.post_activity_by_member(session, now - timedelta(days=ACTIVITY_DAYS), now)["posts"]
    quiet_since = (now - timedelta(days=settings.role_quiet_days)).date()
    found: dict[str, list[Holder]] = {role: [] for role in PROFILES}
    for row in rows:
        found[row.name].append(Holder(
            row.id, row.username, row.display_name, row.name, row.granted_at, row.granted_by, row.last_day,
            int(posts.get(row.id, 0)), row.last_day is None or row.last_day < quiet_since,
        ))
    return found


def quiet_holders(session: Session, settings, now: datetime) -> list[Holder]:
    """The periodic review: holders with no visit in `role_quiet_days`, longest quiet first."""
    quiet = [holder for role in holders(session, settings, now).values() for holder in role if holder.quiet]
    return sorted(quiet, key=lambda h: (h.last_active is not None, h.last_active or now.date(), h.username))


def remove(session: Session, settings, *, user_id: int, role: str, manager_id: int, message: str, now: datetime) -> None:
    """Remove a member from a role: audited by accounts, and the member is thanked in-app and by e-mail."""
    if role not in PROFILES:
        raise ValidationFailed(N_("Choose one of the roles: helper, moderator, ambassador or labs."))
    user = session.get(User, user_id)
    held = session.scalar(
        select(GroupMembership.id).join(Group, Group.id == GroupMembership.group_id)
        .where(GroupMembership.user_id == user_id, Group.name == role)
    )
    if user is None or held is None:
        raise NotFound(N_("This member does not hold that role."))
    message = (message or "").strip()[:2000]
    publish(session, RoleRevokeRequested(user_id=user_id, role=role, revoked_by_id=manager_id,
                                         reason="role review", at=now))
    audit(session, actor_id=manager_id, action="role.offboarded", target_user_id=user_id, now=now, role=role)
    session.add(Notification(
        user_id=user_id, kind=NOTIFICATION_KIND, actor_id=manager_id, topic_id=None, post_id=None,
        data=json.dumps({"role": role, "role_name": ROLE_NAMES[role], "url": "/notifications", "event": "role_removed"}), created_at=now,
    ))
    session.flush()
    if not user.email or user.email_verified_at is None:
        return
    gettext = translations_for(user.locale or "en").gettext
    role_name = gettext(ROLE_NAMES[role])
    unsubscribe = unsubscribe_url(settings, user.id, NOTIFICATION_KIND)
    body = render_email("emails/invitation_role_removed.txt", {
        "user": user, "role": role_name, "message": message, "site_name": settings.site_name,
        "unsubscribe_link": unsubscribe,
    }, user.locale)
    queue_email(session, kind="role_removed", user_id=user.id, to_address=user.email,
                subject=f"[{settings.site_name}] {gettext(SUBJECT) % {'role': role_name}}", body_text=body,
                unsubscribe_url=unsubscribe, now=now)


def review_job(session: Session, now: datetime, settings) -> dict:
    """The periodic role review: tell every manager and admin how many role holders have gone quiet."""
    quiet = quiet_holders(session, settings, now)
    if not quiet:
        return {"quiet": 0, "notified": 0}
    managers = accounts_queries.role_members(session, "manager") | accounts_queries.role_members(session, "admin")
    data = json.dumps({"event": "role_review", "count": len(quiet), "days": settings.role_quiet_days,
                       "url": "/ambassadors/roles"})
    session.add_all([
        Notification(user_id=uid, kind=NOTIFICATION_KIND, actor_id=None, topic_id=None, post_id=None, data=data,
                      created_at=now)
        for uid in sorted(managers)
    ])
    session.flush()
    return {"quiet": len(quiet), "notified": len(managers)}
