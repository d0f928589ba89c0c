"""Reading tracking: how far each member has read each topic, and posts read per day."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.accounts.models import UserVisit
from app.db import insert_ignore
from app.forum.models import TopicRead


def record_read(
    session: Session, user_id: int, topic_id: int, post_numbers, now: datetime
) -> int:
    """Note that a member saw these posts of a topic; returns how many were newly read.

    Newly read posts are added to today's user_visit.posts_read with one atomic UPDATE, so two
    tabs reading at once never lose a count.
    """
    numbers = sorted(set(post_numbers))
    if not numbers:
        return 0
    insert_ignore(
        session,
        TopicRead.__table__,
        {"user_id": user_id, "topic_id": topic_id, "last_read_post_number": 0, "updated_at": now},
        ["user_id", "topic_id"],
    )
    previous = session.scalar(
        select(TopicRead.last_read_post_number).where(TopicRead.user_id == user_id, TopicRead.topic_id == topic_id)
    ) or 0
    newly = sum(1 for number in numbers if number > previous)
    if not newly:
        return 0
    result = session.execute(
        update(TopicRead)
        .where(
            TopicRead.user_id == user_id,
            TopicRead.topic_id == topic_id,
            TopicRead.last_read_post_number == previous,
        )
        .values(last_read_post_number=numbers[-1], updated_at=now)
    )
    if result.rowcount != 1:
        return 0  # another request recorded this read first; it got the credit
    insert_ignore(
        session,
        UserVisit.__table__,
        {"user_id": user_id, "day": now.date(), "posts_read": 0, "derived": False},
        ["user_id", "day"],
    )
    session.execute(
        update(UserVisit)
        .where(UserVisit.user_id == user_id, UserVisit.day == now.date())
        .values(posts_read=UserVisit.posts_read + newly)
    )
    return newly
