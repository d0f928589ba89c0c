"""Reference definitions of signal facts, one statement per window: the plain SQL that
`app.ambassadors.timeline` must agree with (see timeline_check.py). Kept in the tests because a
scoring run computes every window at once and never calls these."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.ideas.models import Idea, IdeaStatusChange, IdeaVote
from app.karma.models import KarmaEntry


def _window(column, since, until):
    """Conditions for since <= column < until (since None means all time)."""
    conditions = [column < until]
    if since is not None:
        conditions.append(column >= since)
    return conditions


def karma_reversed_by_member(session: Session, until: datetime) -> dict[int, int]:
    """Karma the anti-gaming job took back from each member (reversal rows tied to a flag) before
    `until`, as a positive number."""
    rows = session.execute(
        select(KarmaEntry.user_id, func.sum(-KarmaEntry.delta))
        .where(KarmaEntry.reverses_id.is_not(None), KarmaEntry.flag_id.is_not(None), KarmaEntry.delta < 0,
               KarmaEntry.created_at < until)
        .group_by(KarmaEntry.user_id)
    )
    return {user_id: int(total) for user_id, total in rows}


def idea_activity_by_member(session: Session, since: datetime | None, until: datetime) -> dict[str, dict[int, int]]:
    """Per member in [since, until) (since None = all time): ideas proposed, votes their ideas
    received from others, their ideas that shipped, and idea votes they cast; as {metric: {id: n}}."""

    def window(column):
        return [column < until] + ([column >= since] if since is not None else [])

    result: dict[str, dict[int, int]] = {}
    result["proposed"] = dict(session.execute(
        select(Idea.author_id, func.count()).where(Idea.author_id.is_not(None), *window(Idea.created_at)).group_by(Idea.author_id)
    ).all())
    result["votes_received"] = dict(session.execute(
        select(Idea.author_id, func.count())
        .select_from(IdeaVote)
        .join(Idea, Idea.id == IdeaVote.idea_id)
        .where(Idea.author_id.is_not(None), IdeaVote.user_id != Idea.author_id, *window(IdeaVote.created_at))
        .group_by(Idea.author_id)
    ).all())
    result["shipped"] = dict(session.execute(
        select(Idea.author_id, func.count(func.distinct(Idea.id)))
        .select_from(IdeaStatusChange)
        .join(Idea, Idea.id == IdeaStatusChange.idea_id)
        .where(Idea.author_id.is_not(None), IdeaStatusChange.new_status == "shipped", *window(IdeaStatusChange.created_at))
        .group_by(Idea.author_id)
    ).all())
    result["votes_cast"] = dict(session.execute(
        select(IdeaVote.user_id, func.count()).where(*window(IdeaVote.created_at)).group_by(IdeaVote.user_id)
    ).all())
    return result


def first_responses_by_member(session: Session, since, until) -> dict[int, tuple[int, float]]:
    """Questions of others a member answered first in [since, until): (count, median hours to respond)."""
    from statistics import median

    from app.forum.models import Post, Topic

    rows = session.execute(
        select(Post.author_id, Topic.first_response_seconds)
        .join(Topic, Topic.first_response_post_id == Post.id)
        .where(Topic.kind == "question", (Topic.author_id.is_(None)) | (Topic.author_id != Post.author_id), Post.author_id.is_not(None),
               *_window(Post.created_at, since, until))
        .order_by(Post.author_id)
    )
    seconds: dict[int, list[int]] = {}
    for author_id, value in rows:
        seconds.setdefault(author_id, []).append(value or 0)
    return {author_id: (len(values), median(values) / 3600) for author_id, values in seconds.items()}


def votes_given_by_member(session: Session, since, until) -> dict[int, tuple[int, int]]:
    """Votes each member cast in [since, until) on others' posts: (votes, distinct members voted for)."""
    from sqlalchemy import distinct, func

    from app.forum.models import Post, PostVote

    rows = session.execute(
        select(PostVote.voter_id, func.count(), func.count(distinct(Post.author_id)))
        .join(Post, Post.id == PostVote.post_id)
        .where(PostVote.value != 0, PostVote.voter_id != Post.author_id, *_window(PostVote.created_at, since, until))
        .group_by(PostVote.voter_id)
    )
    return {voter_id: (int(votes), int(members)) for voter_id, votes, members in rows}


def upvote_concentration_by_member(session: Session, since, until, top: int = 3) -> dict[int, float]:
    """Share of the upvotes each member received in [since, until) that came from their `top` most
    frequent voters (1.0 = all from a handful of accounts); members with no upvotes are left out."""
    from sqlalchemy import case, func

    from app.forum.models import Post, PostVote

    pairs = (
        select(Post.author_id.label("author_id"), PostVote.voter_id.label("voter_id"), func.count().label("votes"))
        .select_from(PostVote)
        .join(Post, Post.id == PostVote.post_id)
        .where(PostVote.value > 0, PostVote.voter_id != Post.author_id, Post.author_id.is_not(None),
               *_window(PostVote.created_at, since, until))
        .group_by(Post.author_id, PostVote.voter_id)
        .subquery()
    )
    ranked = select(
        pairs.c.author_id, pairs.c.votes,
        func.row_number().over(partition_by=pairs.c.author_id, order_by=(pairs.c.votes.desc(), pairs.c.voter_id)).label("rank"),
    ).subquery()
    rows = session.execute(
        select(
            ranked.c.author_id,
            func.sum(ranked.c.votes).label("total"),
            func.sum(case((ranked.c.rank <= top, ranked.c.votes), else_=0)).label("top"),
        ).group_by(ranked.c.author_id)
    )
    return {row.author_id: float(row.top) / float(row.total) for row in rows if row.total}


def stewardship_by_member(session: Session, since, until) -> dict[str, dict[int, float]]:
    """Per member in [since, until): flags they raised that moderators agreed with, flags upheld
    against their posts, edits of other members' posts, suspensions that started."""
    from sqlalchemy import func

    from app.forum.models import Flag, Post, PostRevision, Suspension

    result: dict[str, dict[int, float]] = {}
    result["flags_agreed"] = dict(session.execute(
        select(Flag.flagger_id, func.count())
        .where(Flag.status == "agreed", Flag.flagger_id.is_not(None), Flag.reviewed_at.is_not(None),
               *_window(Flag.reviewed_at, since, until))
        .group_by(Flag.flagger_id)
    ).all())
    result["flags_upheld_against"] = dict(session.execute(
        select(Post.author_id, func.count())
        .select_from(Flag)
        .join(Post, Post.id == Flag.post_id)
        .where(Flag.status == "agreed", Post.author_id.is_not(None), Flag.reviewed_at.is_not(None),
               *_window(Flag.reviewed_at, since, until))
        .group_by(Post.author_id)
    ).all())
    result["edits_of_others"] = dict(session.execute(
        select(PostRevision.editor_id, func.count())
        .join(Post, Post.id == PostRevision.post_id)
        .where(PostRevision.editor_id.is_not(None), (Post.author_id.is_(None)) | (PostRevision.editor_id != Post.author_id),
               *_window(PostRevision.created_at, since, until))
        .group_by(PostRevision.editor_id)
    ).all())
    result["suspensions"] = dict(session.execute(
        select(Suspension.user_id, func.count())
        .where(*_window(Suspension.starts_at, since, until))
        .group_by(Suspension.user_id)
    ).all())
    return result
