"""Handlers that turn other domains' events into queued webhook deliveries (same transaction)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.ambassadors.events import InvitationAccepted, InvitationDeclined, InvitationSent
from app.events import subscribe
from app.forum.events import AnswerAccepted, MemberSuspended, PostCreated
from app.forum.models import Category, Topic
from app.ideas.events import IdeaStatusChanged
from app.ideas.models import Idea
from app.webhooks.service import queue, subscribers

_settings = None


def configure(settings) -> None:
    """Remember the settings (links in payloads use the public base URL)."""
    global _settings
    _settings = settings


def _base() -> str:
    return (_settings.base_url if _settings else "").rstrip("/")


def _username(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return session.scalar(select(User.username).where(User.id == user_id))


def _topic(session: Session, topic_id: int):
    return session.execute(
        select(Topic.id, Topic.title, Topic.slug, Topic.kind, Topic.category_id, Category.slug.label("category"))
        .join(Category, Category.id == Topic.category_id)
        .where(Topic.id == topic_id)
    ).one()


def _topic_data(topic) -> dict:
    return {"id": topic.id, "title": topic.title, "kind": topic.kind, "category": topic.category,
            "url": f"{_base()}/t/{topic.id}-{topic.slug}"}


def on_post_created(session: Session, event: PostCreated) -> None:
    """A topic's first post is `topic.created`; any later post is `post.created`."""
    name = "topic.created" if event.post_number == 1 else "post.created"
    if not (endpoints := subscribers(session, name)):
        return
    topic = _topic(session, event.topic_id)
    post = {"id": event.post_id, "number": event.post_number, "author": _username(session, event.author_id),
            "url": f"{_base()}/p/{event.post_id}"}
    queue(session, endpoints, event=name, data={"topic": _topic_data(topic), "post": post}, now=event.at,
          category_id=topic.category_id)


def on_answer_accepted(session: Session, event: AnswerAccepted) -> None:
    """`answer.accepted` with the topic, the answer and who accepted it."""
    if not (endpoints := subscribers(session, "answer.accepted")):
        return
    topic = _topic(session, event.topic_id)
    data = {
        "topic": _topic_data(topic),
        "answer": {"id": event.post_id, "author": _username(session, event.answer_author_id),
                   "url": f"{_base()}/p/{event.post_id}"},
        "accepted_by": _username(session, event.accepted_by_id),
    }
    queue(session, endpoints, event="answer.accepted", data=data, now=event.at, category_id=topic.category_id)


def on_idea_status_changed(session: Session, event: IdeaStatusChanged) -> None:
    """`idea.status_changed`; the idea is as visible as its discussion topic's category."""
    if not (endpoints := subscribers(session, "idea.status_changed")):
        return
    idea = session.execute(
        select(Idea.id, Idea.title, Idea.slug, Topic.category_id).join(Topic, Topic.id == Idea.topic_id)
        .where(Idea.id == event.idea_id)
    ).one()
    data = {
        "idea": {"id": idea.id, "title": idea.title, "url": f"{_base()}/ideas/{idea.id}-{idea.slug}"},
        "old_status": event.old_status, "new_status": event.new_status, "note": event.note,
        "changed_by": _username(session, event.by_id),
    }
    queue(session, endpoints, event="idea.status_changed", data=data, now=event.at, category_id=idea.category_id)


def _on_invitation(name: str):
    def handler(session: Session, event) -> None:
        if not (endpoints := subscribers(session, name)):
            return
        data = {"invitation_id": event.invitation_id, "role": event.role,
                "member": _username(session, event.user_id), "invited_by": _username(session, event.invited_by_id)}
        # An invitation into labs says who is in the private beta: only endpoints that may see labs hear of it.
        queue(session, endpoints, event=name, data=data, now=event.at, labs_only=event.role == "labs")

    handler.__name__ = f"on_{name.replace('.', '_')}"
    handler.__doc__ = f"`{name}` for endpoints that may see it."
    return handler


on_invitation_sent = _on_invitation("invitation.sent")
on_invitation_accepted = _on_invitation("invitation.accepted")
on_invitation_declined = _on_invitation("invitation.declined")


def on_member_suspended(session: Session, event: MemberSuspended) -> None:
    """`member.suspended` with until when and why."""
    if not (endpoints := subscribers(session, "member.suspended")):
        return
    data = {"member": _username(session, event.user_id), "suspended_by": _username(session, event.by_id),
            "until": event.until.isoformat(), "reason": event.reason}
    queue(session, endpoints, event="member.suspended", data=data, now=event.at)


def register() -> None:
    """Subscribe the webhooks domain's handlers."""
    subscribe(PostCreated, on_post_created)
    subscribe(AnswerAccepted, on_answer_accepted)
    subscribe(IdeaStatusChanged, on_idea_status_changed)
    subscribe(InvitationSent, on_invitation_sent)
    subscribe(InvitationAccepted, on_invitation_accepted)
    subscribe(InvitationDeclined, on_invitation_declined)
    subscribe(MemberSuspended, on_member_suspended)
