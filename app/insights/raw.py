"""The health figures computed straight from the raw rows, the way the roll-ups define them.

The dashboard reads the roll-ups (`queries`); this path stays as the reference the roll-ups are
tested against and as the benchmark's same-run baseline. One grouped statement per fact serves the
period's chart points and the previous period's total at once (see `_edges`).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from app.accounts.models import User, UserVisit
from app.db import bucket_index, seconds_between
from app.forum.models import Post, Topic
from app.ideas.models import Idea, IdeaArea, IdeaStatusChange, IdeaVote
from app.insights.queries import DAY, Contributor, Percentiles, Series, split_into_series, topic_filter, unanswered_now
from app.insights.schemas import Period

__all__ = ["unanswered_now"]  # shared with the roll-up path: a count of the questions open now


def _edges(period: Period) -> list:
    # Bucket 1 is the previous period, buckets 2.. are the chart points; 0 is older.
    return [period.previous.start, *period.edges]


def _grouped(session: Session, period: Period, column, *values, where=(), joins=(), outer=()) -> list[Series]:
    bucket = bucket_index(column, _edges(period)).label("bucket")
    query = select(bucket, *values)
    for target, condition in joins:
        query = query.join(target, condition)
    for target, condition in outer:
        query = query.outerjoin(target, condition)
    rows = session.execute(
        query.where(column >= period.previous.start, column < period.end, *where).group_by(bucket)
    )
    return split_into_series(rows, period, len(values))


def signups(session: Session, period: Period) -> Series:
    """New accounts per chart point."""
    return _grouped(session, period, User.created_at, func.count())[0]


def daily_active(session: Session, period: Period) -> tuple[list[int], list[int]]:
    """Members seen on each day of the period and of the previous one."""
    first = period.previous.start.date()
    counts = dict(session.execute(
        select(UserVisit.day, func.count())
        .where(UserVisit.day >= first, UserVisit.day < period.end.date())
        .group_by(UserVisit.day)
    ).all())
    days = period.days
    previous = [counts.get(first + timedelta(days=i), 0) for i in range(days)]
    current = [counts.get(period.start.date() + timedelta(days=i), 0) for i in range(days)]
    return current, previous


def active_members(session: Session, period: Period) -> dict[str, int]:
    """Distinct members seen: in the period, before it, in both (returning), only before (quiet),
    and in the period's last 7 (WAU) and 30 (MAU) days."""
    start, end = period.start.date(), period.end.date()
    week, month = end - timedelta(days=7), end - timedelta(days=30)
    earliest = min(period.previous.start.date(), month)

    def seen(condition):
        return func.max(case((condition, 1), else_=0))

    per_member = (
        select(
            seen(UserVisit.day >= start).label("now"),
            seen(and_(UserVisit.day >= period.previous.start.date(), UserVisit.day < start)).label("before"),
            seen(UserVisit.day >= week).label("week"),
            seen(UserVisit.day >= month).label("month"),
        )
        .where(UserVisit.day >= earliest, UserVisit.day < end)
        .group_by(UserVisit.user_id)
        .subquery()
    )
    c = per_member.c
    row = session.execute(select(
        func.sum(c.now), func.sum(c.before), func.sum(c.now * c.before), func.sum(c.before * (1 - c.now)),
        func.sum(c.week), func.sum(c.month),
    )).one()
    keys = ("active", "previous_active", "returning", "quiet", "wau", "mau")
    return {key: int(value or 0) for key, value in zip(keys, row)}


def _percentiles(session: Session, period: Period, moment, seconds, where, joins=()) -> Percentiles:
    """Nearest-rank median and p90 of `seconds` for rows whose `moment` falls in the period or the
    previous one, ranked in SQL (window functions) so only four numbers leave the database."""
    group = case((moment >= period.start, 1), else_=0).label("now")
    inner = select(group, seconds.label("value"))
    for target, condition in joins:
        inner = inner.join(target, condition)
    inner = inner.where(moment >= period.previous.start, moment < period.end, seconds.is_not(None), *where).subquery()
    ranked = select(
        inner.c.now, inner.c.value,
        func.row_number().over(partition_by=inner.c.now, order_by=inner.c.value).label("rank"),
        func.count().over(partition_by=inner.c.now).label("n"),
    ).subquery()
    rows = session.execute(
        select(ranked.c.now, ranked.c.rank, ranked.c.n, ranked.c.value).where(
            (ranked.c.rank == (ranked.c.n * 50 + 99) // 100) | (ranked.c.rank == (ranked.c.n * 90 + 99) // 100)
        )
    ).all()
    found: dict[tuple[int, str], int] = {}
    sizes = {0: 0, 1: 0}
    for now, rank, n, value in rows:
        sizes[now] = n
        if rank == (n * 50 + 99) // 100:
            found[(now, "median")] = int(value)
        if rank == (n * 90 + 99) // 100:
            found[(now, "p90")] = int(value)
    return Percentiles(found.get((1, "median")), found.get((1, "p90")), sizes[1], found.get((0, "median")))


def topics(session: Session, period: Period, category_id: int | None) -> tuple[Series, Series]:
    """Topics started and, of them, questions, per chart point."""
    topics_, questions = _grouped(
        session, period, Topic.created_at, func.count(), func.sum(case((Topic.kind == "question", 1), else_=0)),
        where=topic_filter(category_id),
    )
    return topics_, questions


def replies(session: Session, period: Period, category_id: int | None) -> Series:
    """Visible replies written per chart point."""
    # A set of topic ids tested per reply costs far less than looking up every reply's topic:
    # hidden topics are few, and a category's topics are read once.
    if category_id is None:
        in_topics = Post.topic_id.not_in(select(Topic.id).where(Topic.hidden_at.is_not(None)))
    else:
        in_topics = Post.topic_id.in_(select(Topic.id).where(*topic_filter(category_id)))
    return _grouped(
        session, period, Post.created_at, func.count(),
        where=[Post.post_number > 1, Post.hidden_at.is_(None), Post.deleted_at.is_(None), in_topics],
    )[0]


def question_outcomes(session: Session, period: Period, category_id: int | None) -> dict[str, Series]:
    """Of the questions asked per chart point: answered, answered within 24 h, solved, first answered
    by staff or by the community, and solved by a staff or community answer."""
    first, accepted = aliased(Post), aliased(Post)

    def count(condition):
        return func.sum(case((condition, 1), else_=0))

    names = ("asked", "answered", "within_day", "solved", "staff_first", "community_first", "staff_accepted", "community_accepted")
    series = _grouped(
        session, period, Topic.created_at,
        func.count(),
        count(Topic.first_response_post_id.is_not(None)),
        count(Topic.first_response_seconds <= DAY),
        count(Topic.accepted_post_id.is_not(None)),
        count(first.by_staff.is_(True)),
        count(first.by_staff.is_(False)),
        count(accepted.by_staff.is_(True)),
        count(accepted.by_staff.is_(False)),
        where=[Topic.kind == "question", *topic_filter(category_id)],
        outer=[(first, first.id == Topic.first_response_post_id), (accepted, accepted.id == Topic.accepted_post_id)],
    )
    return dict(zip(names, series))


def first_response_times(session: Session, period: Period, category_id: int | None) -> Percentiles:
    """Seconds from a question to its first reply by someone else."""
    return _percentiles(session, period, Topic.created_at, Topic.first_response_seconds,
                        [Topic.kind == "question", *topic_filter(category_id)])


def accepted_times(session: Session, period: Period, category_id: int | None) -> Percentiles:
    """Seconds from a question to the reply later accepted."""
    accepted = aliased(Post)
    return _percentiles(session, period, Topic.created_at, seconds_between(session, accepted.created_at, Topic.created_at),
                        [Topic.kind == "question", *topic_filter(category_id)],
                        joins=[(accepted, accepted.id == Topic.accepted_post_id)])


def staff_response_times(session: Session, period: Period, category_id: int | None) -> Percentiles:
    """Seconds from a question to the first reply by staff."""
    # Driven from the questions of the two periods (each looks up its posts by topic), never a
    # join against a grouped subquery of all staff posts.
    first_staff = (
        select(Topic.created_at.label("asked"), func.min(Post.created_at).label("at"))
        .join(Post, Post.topic_id == Topic.id)
        .where(Topic.kind == "question", Topic.created_at >= period.previous.start, Topic.created_at < period.end,
               Post.by_staff.is_(True), Post.post_number > 1, Post.deleted_at.is_(None), *topic_filter(category_id))
        .group_by(Topic.id, Topic.created_at)
        .subquery()
    )
    return _percentiles(session, period, first_staff.c.asked, seconds_between(session, first_staff.c.at, first_staff.c.asked), [])


def _idea_filter(category_id: int | None):
    return [] if category_id is None else [IdeaArea.category_id == category_id]


def ideas(session: Session, period: Period, category_id: int | None) -> dict[str, Series]:
    """Ideas proposed, idea votes cast, status changes and ideas shipped, per chart point."""
    area = [(IdeaArea, IdeaArea.id == Idea.area_id)]
    proposed = _grouped(session, period, Idea.created_at, func.count(), where=_idea_filter(category_id), joins=area)[0]
    votes = _grouped(session, period, IdeaVote.created_at, func.count(), where=_idea_filter(category_id),
                     joins=[(Idea, Idea.id == IdeaVote.idea_id), *area])[0]
    changes, shipped = _grouped(
        session, period, IdeaStatusChange.created_at, func.count(),
        func.sum(case((IdeaStatusChange.new_status == "shipped", 1), else_=0)),
        where=[IdeaStatusChange.old_status.is_not(None), *_idea_filter(category_id)],
        joins=[(Idea, Idea.id == IdeaStatusChange.idea_id), *area],
    )
    return {"proposed": proposed, "votes": votes, "status_changes": changes, "shipped": shipped}


def top_contributors(session: Session, period: Period, category_id: int | None, limit: int = 10) -> list[Contributor]:
    """Members with the most accepted answers, then replies, to other members' topics in the period."""
    accepted = func.sum(case((Topic.accepted_post_id == Post.id, 1), else_=0))
    rows = session.execute(
        select(User.id, User.username, User.display_name, func.count(Post.id), accepted)
        .join(Post, Post.author_id == User.id)
        .join(Topic, Topic.id == Post.topic_id)
        .where(Post.post_number > 1, Post.hidden_at.is_(None), Post.deleted_at.is_(None),
               Post.created_at >= period.start, Post.created_at < period.end,
               Topic.author_id != Post.author_id, *topic_filter(category_id))
        .group_by(User.id, User.username, User.display_name)
        .order_by(accepted.desc(), func.count(Post.id).desc(), User.username)
        .limit(limit)
    )
    return [Contributor(r[0], r[1], r[2], int(r[3]), int(r[4] or 0)) for r in rows]
