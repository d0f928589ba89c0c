"""A hand-built community for ambassador tests: rows written directly with exact timestamps."""

from __future__ import annotations

import itertools
from datetime import date, datetime

from sqlalchemy.orm import Session

from app.accounts.models import User, UserVisit
from app.forum.models import Category, Flag, Post, PostRevision, PostVote, Suspension, Topic
from app.karma.models import KarmaEntry, KarmaFlag

_counter = itertools.count(1)


def category(db: Session, now: datetime) -> Category:
    """A public category."""
    n = next(_counter)
    row = Category(slug=f"amb-{n}", name=f"Ambassador tests {n}", description="", position=n, visibility="public", created_at=now)
    db.add(row)
    db.flush()
    return row


def ask(db: Session, cat: Category, author: User, at: datetime, kind: str = "question") -> tuple[Topic, Post]:
    """A topic with its opening post."""
    n = next(_counter)
    topic = Topic(category_id=cat.id, author_id=author.id, title=f"Question {n}", slug=f"question-{n}", kind=kind,
                  created_at=at, last_posted_at=at, highest_post_number=1)
    db.add(topic)
    db.flush()
    post = Post(topic_id=topic.id, post_number=1, author_id=author.id, body_source="q", body_html="<p>q</p>", created_at=at)
    db.add(post)
    db.flush()
    return topic, post


def answer(db: Session, topic: Topic, author: User, at: datetime) -> Post:
    """A reply; the first reply by someone other than the asker becomes the first response."""
    topic.highest_post_number += 1
    post = Post(topic_id=topic.id, post_number=topic.highest_post_number, author_id=author.id, body_source="a",
                body_html="<p>a</p>", created_at=at)
    db.add(post)
    db.flush()
    if topic.first_response_post_id is None and author.id != topic.author_id:
        topic.first_response_post_id = post.id
        topic.first_response_seconds = int((at - topic.created_at).total_seconds())
    topic.reply_count += 1
    db.flush()
    return post


def accept(db: Session, topic: Topic, post: Post, at: datetime) -> None:
    """Mark an answer accepted by the asker."""
    topic.accepted_post_id = post.id
    topic.accepted_at = at
    topic.accepted_by_id = topic.author_id
    db.flush()


def vote(db: Session, voter: User, post: Post, at: datetime, value: int = 1) -> None:
    """A vote on a post."""
    db.add(PostVote(voter_id=voter.id, post_id=post.id, value=value, created_at=at, updated_at=at))
    db.flush()


def visit(db: Session, user: User, *days: date) -> None:
    """Visit rows for the given days."""
    for day in days:
        db.add(UserVisit(user_id=user.id, day=day, posts_read=1))
    db.flush()


def flag(db: Session, flagger: User, post: Post, reviewer: User, at: datetime, status: str = "agreed") -> None:
    """A reviewed flag."""
    db.add(Flag(post_id=post.id, flagger_id=flagger.id, reason="spam", note="", status=status, created_at=at,
                reviewed_by_id=reviewer.id, reviewed_at=at))
    db.flush()


def edit(db: Session, editor: User, post: Post, at: datetime) -> None:
    """A revision of a post by an editor."""
    db.add(PostRevision(post_id=post.id, number=next(_counter), editor_id=editor.id, created_at=at, old_source="a", new_source="b"))
    db.flush()


def suspend(db: Session, user: User, by: User, at: datetime, days: int = 3) -> None:
    """A suspension starting at `at`."""
    from datetime import timedelta

    db.add(Suspension(user_id=user.id, by_id=by.id, reason="rude", starts_at=at, ends_at=at + timedelta(days=days)))
    db.flush()


def reversed_karma(db: Session, user: User, amount: int, at: datetime) -> None:
    """A vote grant and its reversal by the anti-gaming job (with its flag)."""
    karma_flag = KarmaFlag(kind="ring", fingerprint=f"ring-{next(_counter)}", member_ids=f"[{user.id}]", evidence="{}",
                           votes=1, karma_reversed=amount, created_at=at)
    db.add(karma_flag)
    db.flush()
    grant = KarmaEntry(user_id=user.id, delta=amount, reason="upvote", source="vote", created_at=at)
    db.add(grant)
    db.flush()
    db.add(KarmaEntry(user_id=user.id, delta=-amount, reason="ring", source="vote", created_at=at, reverses_id=grant.id,
                      flag_id=karma_flag.id))
    db.flush()


def idea(db: Session, cat: Category, author: User, at: datetime):
    """An idea with its discussion topic, in an idea area of the category."""
    from app.ideas.models import Idea, IdeaArea

    n = next(_counter)
    area = IdeaArea(slug=f"area-{n}", name=f"Area {n}", description="", category_id=cat.id, position=n, created_at=at)
    db.add(area)
    db.flush()
    topic, _post = ask(db, cat, author, at, kind="discussion")
    row = Idea(area_id=area.id, author_id=author.id, topic_id=topic.id, title=f"Idea {n}", slug=f"idea-{n}",
               status="open", vote_count=0, created_at=at, status_changed_at=at)
    db.add(row)
    db.flush()
    return row


def idea_vote(db: Session, voter: User, row, at: datetime) -> None:
    """A vote for an idea."""
    from app.ideas.models import IdeaVote

    db.add(IdeaVote(idea_id=row.id, user_id=voter.id, active=True, created_at=at))
    db.flush()


def ship(db: Session, row, by: User, at: datetime) -> None:
    """An idea's move to shipped."""
    from app.ideas.models import IdeaStatusChange

    db.add(IdeaStatusChange(idea_id=row.id, old_status=row.status, new_status="shipped", note="", by_id=by.id, created_at=at))
    row.status = "shipped"
    db.flush()
