"""Notifications: who hears about a reply, quote, mention or accepted answer; in-app list, unread
counts, e-mail delivery by preference, and signed one-click unsubscribe links."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, aliased

from app.accounts.models import Group, GroupMembership, User
from app.errors import NotFound, ValidationFailed
from app.forum.events import AnswerAccepted, PostCreated
from app.forum.models import NOTIFICATION_KINDS, Notification, NotificationSetting, Post, Topic
from app.forum.permissions import can_see_category
from app.forum.queries import category_access, visible_category_ids
from app.forum.queries.unsubscribe import read_unsubscribe_token, unsubscribe_url
from app.i18n import N_
from app.mail import queue_email
from app.web import Viewer, render_email, translations_for

# Precedence: a member gets one notification per post, of the strongest kind that applies.
# idea_status is written by the ideas domain (ideas sits above the forum in the import order).
# digest and reengage are sent by the worker and by managers (ambassadors domain), not per post.
KINDS = NOTIFICATION_KINDS
KIND_LABELS = {
    "idea_status": N_("Status changes of ideas I proposed, voted for or follow"),
    "reply": N_("Replies to my topics"),
    "quoted": N_("Replies that quote me"),
    "mentioned": N_("Mentions of my name"),
    "accepted": N_("My answer was accepted"),
    "digest": N_("A weekly digest of popular topics while I am away"),
    "reengage": N_("A personal note from the community team when I have been away a while"),
}
SUBJECTS = {
    "reply": N_("%(actor)s replied to “%(title)s”"),
    "quoted": N_("%(actor)s quoted you in “%(title)s”"),
    "mentioned": N_("%(actor)s mentioned you in “%(title)s”"),
    "accepted": N_("Your answer in “%(title)s” was accepted"),
}
KIND_LABELS["invitation"] = N_("Invitations into community roles and changes to my roles")
PER_PAGE = 30


def _roles_by_user(session: Session, user_ids: set[int]) -> dict[int, frozenset[str]]:
    roles: dict[int, set[str]] = {uid: {"member"} for uid in user_ids}
    if user_ids:
        for uid, name in session.execute(
            select(GroupMembership.user_id, Group.name)
            .join(Group, Group.id == GroupMembership.group_id)
            .where(GroupMembership.user_id.in_(user_ids))
        ):
            roles[uid].add(name)
    return {uid: frozenset(names) for uid, names in roles.items()}


def _who_may_see(session: Session, category_id: int, user_ids: set[int]) -> set[int]:
    """The recipients allowed to see the category, decided by THE visibility function."""
    access = next((item for item in category_access(session) if item.id == category_id), None)
    if access is None:
        return set()
    roles = _roles_by_user(session, user_ids)
    return {uid for uid in user_ids if can_see_category(Viewer(id=uid, roles=roles[uid]), access)}


def notify(
    session: Session, settings, *, recipients: dict[int, str], actor_id: int | None, topic_id: int,
    post_id: int | None, now: datetime,
) -> list[Notification]:
    """Create notifications (recipient -> kind) for those who may see the topic, then queue e-mails."""
    recipients = {uid: kind for uid, kind in recipients.items() if uid is not None and uid != actor_id}
    if not recipients:
        return []
    topic = session.execute(select(Topic.id, Topic.title, Topic.category_id).where(Topic.id == topic_id)).first()
    if topic is None:
        return []
    allowed = _who_may_see(session, topic.category_id, set(recipients))
    existing = set(session.scalars(select(User.id).where(User.id.in_(allowed))).all())
    created = []
    for uid in sorted(existing):
        note = Notification(
            user_id=uid, kind=recipients[uid], actor_id=actor_id, topic_id=topic_id, post_id=post_id,
            data=json.dumps({"title": topic.title}), created_at=now,
        )
        session.add(note)
        created.append(note)
    session.flush()
    _send_emails(session, settings, created, topic.title, now)
    return created


def on_post_created(session: Session, settings, event: PostCreated) -> list[Notification]:
    """Fan a new post out to the topic author, quoted authors and mentioned members."""
    topic_author = session.scalar(select(Topic.author_id).where(Topic.id == event.topic_id))
    recipients: dict[int, str] = {}
    if event.post_number > 1 and topic_author is not None:
        recipients[topic_author] = "reply"
    if event.quoted_post_ids:
        for author_id in session.scalars(
            select(Post.author_id).where(Post.id.in_(set(event.quoted_post_ids)), Post.author_id.is_not(None))
        ):
            recipients[author_id] = "quoted"
    for uid in event.mentioned_user_ids:
        recipients[uid] = "mentioned"
    return notify(
        session, settings, recipients=recipients, actor_id=event.author_id, topic_id=event.topic_id,
        post_id=event.post_id, now=event.at,
    )


def on_answer_accepted(session: Session, settings, event: AnswerAccepted) -> list[Notification]:
    """Tell the answer's author (unless they accepted it themself)."""
    if event.answer_author_id is None:
        return []
    return notify(
        session, settings, recipients={event.answer_author_id: "accepted"}, actor_id=event.accepted_by_id,
        topic_id=event.topic_id, post_id=event.post_id, now=event.at,
    )


# ---------------------------------------------------------------- e-mail


def email_preferences(session: Session, user_id: int) -> dict[str, bool]:
    """Per kind, whether it arrives by e-mail (default on)."""
    stored = dict(
        session.execute(
            select(NotificationSetting.kind, NotificationSetting.email).where(NotificationSetting.user_id == user_id)
        ).all()
    )
    return {kind: stored.get(kind, True) for kind in KINDS}


def set_email_preference(session: Session, user_id: int, kind: str, enabled: bool) -> None:
    """Turn e-mail for one kind on or off."""
    if kind not in KINDS:
        raise ValidationFailed(N_("Unknown kind of notification."))
    row = session.get(NotificationSetting, (user_id, kind))
    if row is None:
        session.add(NotificationSetting(user_id=user_id, kind=kind, email=enabled))
    else:
        row.email = enabled
    session.flush()


def set_email_preferences(session: Session, user_id: int, enabled: set[str]) -> None:
    """Save the whole preferences form: kinds in `enabled` on, the rest off."""
    for kind in KINDS:
        set_email_preference(session, user_id, kind, kind in enabled)


def apply_unsubscribe(session: Session, settings, token: str) -> tuple[int, str]:
    """Turn off the e-mail kind a token names; returns (member id, kind)."""
    user_id, kind = read_unsubscribe_token(settings, token)
    if session.get(User, user_id) is None:
        raise ValidationFailed(N_("This unsubscribe link is invalid. Change your e-mail settings after logging in."))
    set_email_preference(session, user_id, kind, False)
    return user_id, kind


def _send_emails(session: Session, settings, notes: list[Notification], title: str, now: datetime) -> None:
    if not notes:
        return
    user_ids = {note.user_id for note in notes}
    off = set(
        session.execute(
            select(NotificationSetting.user_id, NotificationSetting.kind).where(
                NotificationSetting.user_id.in_(user_ids), NotificationSetting.email.is_(False)
            )
        ).all()
    )
    ids = user_ids | {note.actor_id for note in notes if note.actor_id}
    users = {user.id: user for user in session.scalars(select(User).where(User.id.in_(ids)))}
    post_numbers = {
        post_id: number
        for post_id, number in session.execute(
            select(Post.id, Post.post_number).where(Post.id.in_({n.post_id for n in notes if n.post_id}))
        )
    }
    for note in notes:
        user = users.get(note.user_id)
        if user is None or not user.email or user.email_verified_at is None or (user.id, note.kind) in off:
            continue
        gettext = translations_for(user.locale or "en").gettext
        actor = users.get(note.actor_id)
        actor_name = actor.display_name if actor else gettext(N_("Someone"))
        number = post_numbers.get(note.post_id, 1)
        context = {
            "user": user,
            "actor": actor_name,
            "title": title,
            "site_name": settings.site_name,
            "link": f"{settings.base_url}/t/{note.topic_id}/{number}",
            "preferences_link": f"{settings.base_url}/notifications/preferences",
            "unsubscribe_link": unsubscribe_url(settings, user.id, note.kind),
        }
        subject = gettext(SUBJECTS[note.kind]) % {"actor": actor_name, "title": title}
        queue_email(
            session,
            kind=f"notification_{note.kind}",
            user_id=user.id,
            to_address=user.email,
            subject=f"[{settings.site_name}] {subject}",
            body_text=render_email(f"emails/notification_{note.kind}.txt", context, user.locale),
            now=now,
        )


# ---------------------------------------------------------------- in-app list


@dataclass(frozen=True)
class NotificationRow:
    """One line of the in-app list."""

    id: int
    kind: str
    actor_username: str | None
    actor_display_name: str | None
    topic_id: int | None
    topic_title: str | None
    post_number: int | None
    created_at: datetime
    read: bool
    data: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        """Where the notification leads (through the mark-as-read link)."""
        return f"/notifications/{self.id}"

    @property
    def target(self) -> str:
        """The page the notification is about (an idea page for idea status changes)."""
        return _target(self.kind, self.topic_id, self.post_number, self.data)


def _target(kind: str, topic_id: int | None, post_number: int | None, data: dict) -> str:
    url = data.get("url")
    if kind in ("idea_status", "invitation") and isinstance(url, str) and url.startswith("/") and not url.startswith("//"):
        return url
    return f"/t/{topic_id}/{post_number or 1}" if topic_id else "/notifications"


def _visible(session: Session, viewer: Viewer):
    ids = sorted(visible_category_ids(session, viewer)) or [-1]
    return or_(Notification.topic_id.is_(None), Topic.category_id.in_(ids))


def unread_count(session: Session, viewer: Viewer) -> int:
    """Unread notifications about things the viewer may still see."""
    if not viewer.is_authenticated:
        return 0
    return session.scalar(
        select(func.count(Notification.id))
        .outerjoin(Topic, Topic.id == Notification.topic_id)
        .where(Notification.user_id == viewer.id, Notification.read_at.is_(None), _visible(session, viewer))
    ) or 0


def list_notifications(
    session: Session, viewer: Viewer, page: int = 1, *, offset: int | None = None, limit: int = PER_PAGE
) -> tuple[list[NotificationRow], int]:
    """A page of the viewer's notifications (newest first) and the total, in fixed statements."""
    page = max(1, page)
    start, size = ((page - 1) * PER_PAGE, PER_PAGE) if offset is None else (offset, limit)
    visible = _visible(session, viewer)
    total = session.scalar(
        select(func.count(Notification.id))
        .outerjoin(Topic, Topic.id == Notification.topic_id)
        .where(Notification.user_id == viewer.id, visible)
    ) or 0
    actor = aliased(User)
    rows = session.execute(
        select(
            Notification.id, Notification.kind, Notification.topic_id, Notification.created_at, Notification.read_at,
            Notification.data, actor.username, actor.display_name, Topic.title, Post.post_number,
        )
        .outerjoin(Topic, Topic.id == Notification.topic_id)
        .outerjoin(Post, Post.id == Notification.post_id)
        .outerjoin(actor, actor.id == Notification.actor_id)
        .where(Notification.user_id == viewer.id, visible)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(size)
        .offset(start)
    ).all()
    return [
        NotificationRow(
            id=row.id, kind=row.kind, actor_username=row.username, actor_display_name=row.display_name,
            topic_id=row.topic_id, topic_title=row.title, post_number=row.post_number,
            created_at=row.created_at, read=row.read_at is not None, data=_data(row.data),
        )
        for row in rows
    ], total


def open_notification(session: Session, viewer: Viewer, notification_id: int, now: datetime) -> str:
    """Mark one of the viewer's notifications read and return where it leads."""
    row = session.execute(
        select(Notification, Post.post_number)
        .outerjoin(Post, Post.id == Notification.post_id)
        .where(Notification.id == notification_id, Notification.user_id == viewer.id)
    ).first()
    if row is None:
        raise NotFound(N_("This notification does not exist."))
    note, number = row
    if note.read_at is None:
        note.read_at = now
        session.flush()
    return _target(note.kind, note.topic_id, number, _data(note.data))


def _data(raw: str | None) -> dict:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def mark_all_read(session: Session, viewer: Viewer, now: datetime) -> int:
    """Mark every unread notification of the viewer read; returns how many."""
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == viewer.id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    return result.rowcount or 0
