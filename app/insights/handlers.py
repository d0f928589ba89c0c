"""Insights handlers: mark roll-up days stale when a change reaches back into an older day.

Each handler adds at most a few one-row marks (INSERT ... ON CONFLICT DO NOTHING) to the writer's
transaction; the recomputing itself happens in the upkeep job, so a reply costs no aggregation.
New rows dated today (sign-ups, visits, topics, votes, idea changes) need no mark at all: upkeep
recomputes yesterday and today on every run.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.events import subscribe
from app.forum.events import AnswerAccepted, AnswerUnaccepted, PostCreated, PostDeleted, PostHidden, PostRestored, TopicMoved
from app.forum.models import Post, Topic
from app.insights.rollups import mark_stale


def _mark_topic(session: Session, topic_id: int, event) -> None:
    topic = session.get(Topic, topic_id)
    if topic is not None:
        mark_stale(session, topic.created_at, event.at)


def _mark_post(session: Session, post_id: int, event) -> None:
    post = session.get(Post, post_id)
    if post is not None:
        mark_stale(session, post.created_at, event.at)
        _mark_topic(session, post.topic_id, event)


def on_reply(session: Session, event: PostCreated) -> None:
    """A reply may be the first (staff) response to an older day's question."""
    if event.post_number > 1:
        _mark_topic(session, event.topic_id, event)


def on_post_changed(session: Session, event) -> None:
    """A hidden, restored or deleted post changes its own day's replies and its question's outcome."""
    _mark_post(session, event.post_id, event)


def on_acceptance(session: Session, event) -> None:
    """An accepted or unaccepted answer changes its question's day and the answer's day."""
    _mark_post(session, event.post_id, event)
    _mark_topic(session, event.topic_id, event)


def on_topic_moved(session: Session, event: TopicMoved) -> None:
    """A moved topic takes its question and every reply's day to the other category."""
    _mark_topic(session, event.topic_id, event)
    days = {moment.date(): moment for moment in session.scalars(select(Post.created_at).where(Post.topic_id == event.topic_id))}
    for moment in days.values():
        mark_stale(session, moment, event.at)


def register() -> None:
    """Subscribe to the forum's events."""
    subscribe(PostCreated, on_reply)
    for event_type in (PostHidden, PostRestored, PostDeleted):
        subscribe(event_type, on_post_changed)
    subscribe(AnswerAccepted, on_acceptance)
    subscribe(AnswerUnaccepted, on_acceptance)
    subscribe(TopicMoved, on_topic_moved)
