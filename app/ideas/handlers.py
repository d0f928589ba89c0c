"""Ideas' handlers: tell the author, voters and followers when an idea's status changes.

In-app notifications are rows of the forum's Notification table (kind `idea_status`); e-mails
go through the outbox, only to verified addresses and per the member's `idea_status` setting.
Recipients are filtered by the one visibility rule, through the idea thread's category.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Group, GroupMembership, User
from app.config import get_settings
from app.events import subscribe
from app.forum.models import Notification, NotificationSetting
from app.forum.permissions import can_see_category
from app.forum.queries import category_access, unsubscribe_url
from app.i18n import N_
from app.ideas.events import IdeaStatusChanged
from app.ideas.models import STATUS_LABELS, Idea, IdeaArea, IdeaFollower, IdeaVote
from app.mail import queue_email
from app.web import Viewer, render_email, translations_for

KIND = "idea_status"
SUBJECT = N_("Idea “%(title)s” is now: %(status)s")
_settings = None


def configure(settings) -> None:
    """Give handlers the app's settings (base URL for links); create_app calls this."""
    global _settings
    _settings = settings


def current_settings():
    """The configured settings, else the process settings."""
    return _settings or get_settings()


def idea_path(idea_id: int, slug: str) -> str:
    """The canonical path of an idea's page."""
    return f"/ideas/{idea_id}-{slug}"


def recipients_of(session: Session, idea_id: int, actor_id: int | None) -> set[int]:
    """Author, voters (active or not) and followers who may see the idea, without the actor."""
    idea = session.execute(
        select(Idea.author_id, IdeaArea.category_id).join(IdeaArea, IdeaArea.id == Idea.area_id).where(Idea.id == idea_id)
    ).one()
    wanted = {idea.author_id} if idea.author_id is not None else set()
    wanted |= set(session.scalars(select(IdeaVote.user_id).where(IdeaVote.idea_id == idea_id)))
    wanted |= set(session.scalars(select(IdeaFollower.user_id).where(IdeaFollower.idea_id == idea_id)))
    wanted.discard(actor_id)
    access = next((item for item in category_access(session) if item.id == idea.category_id), None)
    if access is None or not wanted:
        return set()
    roles: dict[int, set[str]] = {uid: {"member"} for uid in wanted}
    for uid, name in session.execute(
        select(GroupMembership.user_id, Group.name)
        .join(Group, Group.id == GroupMembership.group_id)
        .where(GroupMembership.user_id.in_(wanted))
    ):
        roles[uid].add(name)
    return {uid for uid in wanted if can_see_category(Viewer(id=uid, roles=frozenset(roles[uid])), access)}


def notify_status_changed(session: Session, event: IdeaStatusChanged) -> list[Notification]:
    """One in-app notification per recipient (and an e-mail where wanted) for a status change."""
    settings = current_settings()
    idea = session.execute(select(Idea.id, Idea.title, Idea.slug, Idea.topic_id).where(Idea.id == event.idea_id)).one()
    recipients = recipients_of(session, idea.id, event.by_id)
    if not recipients:
        return []
    path = idea_path(idea.id, idea.slug)
    data = json.dumps(
        {"title": idea.title, "idea_id": idea.id, "status": event.new_status, "old_status": event.old_status,
         "status_label": STATUS_LABELS[event.new_status], "note": event.note, "url": path}
    )
    notes = [
        Notification(user_id=uid, kind=KIND, actor_id=event.by_id, topic_id=idea.topic_id, post_id=None, data=data,
                     created_at=event.at)
        for uid in sorted(recipients)
    ]
    session.add_all(notes)
    session.flush()
    _queue_emails(session, settings, recipients, event, idea.title, f"{settings.base_url}{path}")
    return notes


def _queue_emails(session: Session, settings, recipients: set[int], event: IdeaStatusChanged, title: str, link: str) -> None:
    muted = set(
        session.scalars(
            select(NotificationSetting.user_id).where(
                NotificationSetting.user_id.in_(recipients), NotificationSetting.kind == KIND,
                NotificationSetting.email.is_(False),
            )
        )
    )
    users = session.scalars(
        select(User).where(User.id.in_(recipients - muted), User.email.is_not(None), User.email_verified_at.is_not(None))
    ).all()
    for user in sorted(users, key=lambda u: u.id):
        gettext = translations_for(user.locale or "en").gettext
        status = gettext(STATUS_LABELS[event.new_status])
        subject = gettext(SUBJECT) % {"title": title, "status": status}
        context = {
            "user": user, "title": title, "status": status, "note": event.note, "link": link,
            "site_name": settings.site_name, "preferences_link": f"{settings.base_url}/notifications/preferences",
            "unsubscribe_link": unsubscribe_url(settings, user.id, KIND),
        }
        queue_email(
            session, kind=f"notification_{KIND}", user_id=user.id, to_address=user.email,
            subject=f"[{settings.site_name}] {subject}",
            body_text=render_email("emails/idea_status.txt", context, user.locale), now=event.at,
        )


def register(settings=None) -> None:
    """Subscribe the ideas domain's handlers."""
    if settings is not None:
        configure(settings)
    subscribe(IdeaStatusChanged, notify_status_changed)
