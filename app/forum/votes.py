"""Votes on posts: the race-free vote command over PostVote rows.

One row per (voter, post); value is +1, -1 or 0 (withdrawn). A withdrawn vote keeps its row at 0
so every later change is a conditional UPDATE of one known row, which is what makes the karma
exact under concurrent writers (see `cast_vote`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.accounts.models import Group, GroupMembership, User
from app.db import insert_ignore, lock_keys
from app.errors import Conflict, Forbidden, NotFound, RateLimited, ValidationFailed
from app.events import publish
from app.forum.events import PostVoted
from app.forum.models import Post, PostVote, Topic
from app.forum.moderation import active_suspension
from app.forum.permissions import can_moderate
from app.forum.queries import visible_category_ids
from app.i18n import N_, Msg
from app.web import Viewer

VOTE_VALUES = (-1, 0, 1)
CHANGE_ATTEMPTS = 5


@dataclass(frozen=True)
class VoteResult:
    """The outcome of a vote: the voter's vote now, the post's score now, and whether it changed."""

    post_id: int
    topic_id: int
    post_number: int
    value: int
    score: int
    changed: bool


def post_kind(post_number: int) -> str:
    """'question' for a topic's opening post, 'answer' for every reply (karma rules key on this)."""
    return "question" if post_number == 1 else "answer"


def current_vote(session: Session, voter_id: int, post_id: int) -> int:
    """A member's current vote on a post: +1, -1 or 0."""
    value = session.scalar(
        select(PostVote.value).where(PostVote.voter_id == voter_id, PostVote.post_id == post_id)
    )
    return value or 0


def _voter(session: Session, voter_id: int) -> Viewer:
    roles = session.scalars(
        select(Group.name).join(GroupMembership, GroupMembership.group_id == Group.id).where(GroupMembership.user_id == voter_id)
    ).all()
    return Viewer(id=voter_id, roles=frozenset({"member", *roles}))


def _check_visible(session: Session, voter_id: int, post) -> None:
    viewer = _voter(session, voter_id)
    hidden = post.hidden_at is not None or post.topic_hidden_at is not None
    if (
        post.deleted_at is not None
        or post.category_id not in visible_category_ids(session, viewer)
        or (hidden and not can_moderate(viewer))
    ):
        raise NotFound(N_("This post does not exist or you may not see it."))


def _check_may_vote(session: Session, settings, voter_id: int, post, value: int, now: datetime) -> None:
    if post.author_id == voter_id:
        raise Forbidden(N_("You cannot vote on your own posts."))
    suspension = active_suspension(session, voter_id, now)
    if suspension is not None:
        raise Forbidden(
            Msg(
                "You are suspended until %(until)s and cannot vote: %(reason)s",
                until=suspension.ends_at.strftime("%Y-%m-%d %H:%M UTC"),
                reason=suspension.reason,
            )
        )
    if value == -1:
        karma = session.scalar(select(User.karma).where(User.id == voter_id)) or 0
        if karma < settings.vote_min_karma_to_downvote:
            raise Forbidden(
                Msg(
                    "You need %(needed)s karma to downvote; you have %(karma)s. "
                    "Upvote what helps instead, or flag what breaks the rules.",
                    needed=settings.vote_min_karma_to_downvote,
                    karma=karma,
                )
            )
    if value != 0:
        lock_keys(session, f"vote-limit:{voter_id}")  # decide the daily limit one vote at a time
        since = now - timedelta(hours=24)
        count, oldest = session.execute(
            select(func.count(PostVote.id), func.min(PostVote.updated_at)).where(
                PostVote.voter_id == voter_id, PostVote.updated_at > since, PostVote.value != 0
            )
        ).one()
        if count >= settings.vote_daily_limit:
            wait = max(1, int((oldest + timedelta(hours=24) - now).total_seconds()))
            raise RateLimited(
                Msg(
                    "You have used your %(limit)s votes for today. You can vote again in %(hours)s hours.",
                    limit=settings.vote_daily_limit,
                    hours=max(1, round(wait / 3600)),
                ),
                retry_after=wait,
            )


def cast_vote(session: Session, settings, *, voter_id: int, post_id: int, value: int, now: datetime) -> VoteResult:
    """Set a member's vote on a post to +1, -1 or 0 (withdrawn); publishes PostVoted when it changed.

    The shape is what keeps votes and karma exact under concurrent writers on SQLite and
    PostgreSQL alike (a check-then-insert plus read-modify-write of totals was measured to
    double-count):

    1. ``UPDATE post SET score = score`` comes first. On SQLite a transaction whose first statement
       writes takes the database write lock (waiting under busy_timeout) before it reads anything,
       so it never works from a stale snapshot; on PostgreSQL it locks the post row, so votes on
       one post queue up. It also tells us whether the post exists.
    2. The (voter, post) row is inserted with value 0 if missing (insert-or-ignore on the unique key).
    3. ``UPDATE post_vote SET value=:new WHERE ... AND value=:old``: only when that changed a row
       do the score (``score = score + :d``) and, through the PostVoted handlers, the karma ledger
       and ``karma = karma + :delta`` move — all in the caller's transaction.

    Callers that own a transaction and may hit a transient lock error use
    ``app.forum.vote_pages.vote_with_retry``.
    """
    if value not in VOTE_VALUES:
        raise ValidationFailed(
            N_("Please choose up, down or no vote."), detail={"value": N_("A vote is +1, -1 or 0.")}
        )
    claimed = session.execute(
        update(Post).where(Post.id == post_id).values(score=Post.score).execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        raise NotFound(N_("This post does not exist or you may not see it."))
    post = session.execute(
        select(
            Post.id,
            Post.topic_id,
            Post.post_number,
            Post.author_id,
            Post.deleted_at,
            Post.hidden_at,
            Topic.category_id,
            Topic.hidden_at.label("topic_hidden_at"),
        )
        .join(Topic, Topic.id == Post.topic_id)
        .where(Post.id == post_id)
    ).one()
    _check_visible(session, voter_id, post)
    old = current_vote(session, voter_id, post_id)
    if value != old:
        _check_may_vote(session, settings, voter_id, post, value, now)
        insert_ignore(
            session,
            PostVote.__table__,
            {"voter_id": voter_id, "post_id": post_id, "value": 0, "created_at": now, "updated_at": now},
            ["voter_id", "post_id"],
        )
    changed = False
    for _attempt in range(CHANGE_ATTEMPTS):
        old = current_vote(session, voter_id, post_id)
        if old == value:
            break
        rows = session.execute(
            update(PostVote)
            .where(PostVote.voter_id == voter_id, PostVote.post_id == post_id, PostVote.value == old)
            .values(value=value, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if rows == 1:
            changed = True
            break
    else:
        raise Conflict(N_("Your vote was changed elsewhere at the same moment. Reload the page and try again."))
    if changed:
        session.execute(
            update(Post)
            .where(Post.id == post_id)
            .values(score=Post.score + (value - old))
            .execution_options(synchronize_session=False)
        )
        publish(
            session,
            PostVoted(
                post_id=post_id,
                voter_id=voter_id,
                author_id=post.author_id,
                old_value=old,
                new_value=value,
                post_kind=post_kind(post.post_number),
                at=now,
            ),
        )
        loaded = session.identity_map.get(identity_key(Post, post_id))
        if loaded is not None:
            session.expire(loaded, ["score"])  # the UPDATE bypassed the ORM; reload on next access
    score = session.scalar(select(Post.score).where(Post.id == post_id))
    return VoteResult(
        post_id=post_id,
        topic_id=post.topic_id,
        post_number=post.post_number,
        value=value,
        score=score,
        changed=changed,
    )


def my_votes(session: Session, voter_id: int | None, post_ids) -> dict[int, int]:
    """The viewer's non-zero votes on the given posts, for the vote buttons (one statement)."""
    post_ids = list(post_ids)
    if voter_id is None or not post_ids:
        return {}
    rows = session.execute(
        select(PostVote.post_id, PostVote.value).where(
            PostVote.voter_id == voter_id, PostVote.post_id.in_(post_ids), PostVote.value != 0
        )
    )
    return {post_id: value for post_id, value in rows}


def _recomputed_score():
    return (
        select(func.coalesce(func.sum(PostVote.value), 0))
        .where(PostVote.post_id == Post.id)
        .correlate(Post)
        .scalar_subquery()
    )


def score_drift(session: Session) -> list[tuple[int, int, int]]:
    """Posts whose cached score differs from the sum of their votes: (post id, cached, recomputed)."""
    recomputed = _recomputed_score()
    rows = session.execute(select(Post.id, Post.score, recomputed).where(Post.score != recomputed))
    return [tuple(row) for row in rows]


def recompute_scores(session: Session) -> int:
    """Repair every post's cached score from its votes; returns how many posts were wrong."""
    wrong = len(score_drift(session))
    if wrong:
        session.execute(
            update(Post)
            .where(Post.score != _recomputed_score())
            .values(score=_recomputed_score())
            .execution_options(synchronize_session=False)
        )
    return wrong
