"""Health figures of a period read from the daily roll-ups (app.insights.rollups keeps them true):
a fixed handful of small grouped statements whatever the period's length or the community's size.

Distinct-member counts (active, returning, quiet, WAU, MAU) cannot be added up from days; they read
the narrow per-member-per-day visit table directly. Percentiles are exact (nearest rank) over the
narrow per-question roll-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select, union_all
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import bucket_index
from app.forum.models import Category, Topic
from app.insights.models import InsightCategoryDay, InsightContributorDay, InsightQuestion, InsightSiteDay, InsightVisit
from app.insights.schemas import Period

DAY = 86400


@dataclass(frozen=True)
class Series:
    """Counts per chart point of the period, and the previous period's total."""

    points: list[int]
    previous: int

    @property
    def total(self) -> int:
        """The period's total."""
        return sum(self.points)


@dataclass(frozen=True)
class Percentiles:
    """Median and 90th percentile (nearest rank) in seconds, now and in the previous period."""

    median: int | None
    p90: int | None
    count: int
    previous_median: int | None


@dataclass(frozen=True)
class Contributor:
    """A member who answered others in the period."""

    user_id: int
    username: str
    display_name: str
    replies: int
    accepted: int


def _day_edges(period: Period) -> list[date]:
    # Bucket 1 is the previous period, buckets 2.. are the chart points; 0 is older.
    return [period.previous.start.date(), *[edge.date() for edge in period.edges]]


def split_into_series(rows, period: Period, columns: int) -> list[Series]:
    """(bucket, value, ...) rows summed into each column's chart points and previous-period total."""
    count = len(period.edges) - 1
    points = [[0] * count for _ in range(columns)]
    previous = [0] * columns
    for bucket, *values in rows:
        for i, value in enumerate(values):
            if bucket == 1:
                previous[i] += int(value or 0)
            elif 2 <= bucket <= count + 1:
                points[i][bucket - 2] += int(value or 0)
    return [Series(points[i], previous[i]) for i in range(columns)]


def _category_sums(session: Session, period: Period, category_id: int | None, *names: str) -> list[Series]:
    """Per chart point, the sums of the named roll-up counts (one grouped statement)."""
    day = InsightCategoryDay.day
    bucket = bucket_index(day, _day_edges(period)).label("bucket")
    where = [day >= period.previous.start.date(), day < period.end.date()]
    if category_id is not None:
        where.append(InsightCategoryDay.category_id == category_id)
    rows = session.execute(
        select(bucket, *[func.sum(getattr(InsightCategoryDay, name)) for name in names]).where(*where).group_by(bucket)
    )
    return split_into_series(rows, period, len(names))


def categories(session: Session) -> list[tuple[int, str]]:
    """Every category (id, name) for the filter; managers see all of them."""
    return [tuple(row) for row in session.execute(select(Category.id, Category.name).order_by(Category.position, Category.name))]


def signups(session: Session, period: Period) -> Series:
    """New accounts per chart point."""
    day = InsightSiteDay.day
    bucket = bucket_index(day, _day_edges(period)).label("bucket")
    rows = session.execute(
        select(bucket, func.sum(InsightSiteDay.signups))
        .where(day >= period.previous.start.date(), day < period.end.date()).group_by(bucket)
    )
    return split_into_series(rows, period, 1)[0]


def daily_active(session: Session, period: Period) -> tuple[list[int], list[int]]:
    """Members seen on each day of the period and of the previous one."""
    first = period.previous.start.date()
    counts = dict(session.execute(
        select(InsightSiteDay.day, InsightSiteDay.active)
        .where(InsightSiteDay.day >= first, InsightSiteDay.day < period.end.date())
    ).all())
    days = period.days
    previous = [counts.get(first + timedelta(days=i), 0) for i in range(days)]
    current = [counts.get(period.start.date() + timedelta(days=i), 0) for i in range(days)]
    return current, previous


def topics(session: Session, period: Period, category_id: int | None) -> tuple[Series, Series]:
    """Topics started and, of them, questions, per chart point."""
    topics_, questions = _category_sums(session, period, category_id, "topics", "questions")
    return topics_, questions


def replies(session: Session, period: Period, category_id: int | None) -> Series:
    """Visible replies written per chart point."""
    return _category_sums(session, period, category_id, "replies")[0]


OUTCOMES = ("asked", "answered", "within_day", "solved", "staff_first", "community_first", "staff_accepted", "community_accepted")


def question_outcomes(session: Session, period: Period, category_id: int | None) -> dict[str, Series]:
    """Of the questions asked per chart point: answered, answered within 24 h, solved, first answered
    by staff or by the community, and solved by a staff or community answer."""
    return dict(zip(OUTCOMES, _category_sums(session, period, category_id, "questions", *OUTCOMES[1:])))


def _counts_of(session: Session, period: Period, category_id: int | None, name: str) -> tuple[int, int]:
    """How many questions of the period and of the previous one have a value for `name`."""
    series = _category_sums(session, period, category_id, name)[0]
    return series.total, series.previous


def _rank(n: int, percent: int) -> int:
    return (n * percent + 99) // 100  # nearest rank, 1-based


def _nearest_rank(session: Session, period: Period, category_id: int | None, column, timed: str) -> Percentiles:
    """Median and p90 of `column` now, and the median before: each value is the k-th of an index
    walk in value order ((category,) value, asked_at), which never sorts; counts come from the
    day roll-ups, so two statements whatever the number of questions."""
    n, n_before = _counts_of(session, period, category_id, timed)
    # coalesce(): the period is checked inside the value index instead of driving the search.
    asked = func.coalesce(InsightQuestion.asked_at, InsightQuestion.asked_at)

    def kth(start, end, k):
        where = [column.is_not(None), asked >= start, asked < end]
        if category_id is not None:
            where.append(InsightQuestion.category_id == category_id)
        return select(column).where(*where).order_by(column).offset(max(k - 1, 0)).limit(1).scalar_subquery()

    if not n and not n_before:
        return Percentiles(None, None, 0, None)
    median, p90, before = session.execute(select(
        kth(period.start, period.end, _rank(n, 50)), kth(period.start, period.end, _rank(n, 90)),
        kth(period.previous.start, period.start, _rank(n_before, 50)),
    )).one()
    return Percentiles(median if n else None, p90 if n else None, n, before if n_before else None)


def first_response_times(session: Session, period: Period, category_id: int | None) -> Percentiles:
    """Seconds from a question to its first reply by someone else."""
    return _nearest_rank(session, period, category_id, InsightQuestion.first_response_seconds, "first_timed")


def accepted_times(session: Session, period: Period, category_id: int | None) -> Percentiles:
    """Seconds from a question to the reply later accepted."""
    return _nearest_rank(session, period, category_id, InsightQuestion.accepted_seconds, "accepted_timed")


def staff_response_times(session: Session, period: Period, category_id: int | None) -> Percentiles:
    """Seconds from a question to the first reply by staff."""
    return _nearest_rank(session, period, category_id, InsightQuestion.staff_response_seconds, "staff_timed")


def ideas(session: Session, period: Period, category_id: int | None) -> dict[str, Series]:
    """Ideas proposed, idea votes cast, status changes and ideas shipped, per chart point."""
    names = ("ideas_proposed", "idea_votes", "idea_changes", "ideas_shipped")
    series = _category_sums(session, period, category_id, *names)
    return dict(zip(("proposed", "votes", "status_changes", "shipped"), series))


def top_contributors(session: Session, period: Period, category_id: int | None, limit: int = 10) -> list[Contributor]:
    """Members with the most accepted answers, then replies, to other members' topics in the period.

    Exact, without adding up every member's days: the `limit`-th best accepted count comes from the
    few rows with an accepted answer (their own index); only members at or above it are added up
    in full. With fewer such members than `limit`, everyone is added up.
    """
    c = InsightContributorDay

    def within(day):
        where = [day >= period.start.date(), day < period.end.date()]
        return where if category_id is None else [*where, c.category_id == category_id]

    # coalesce() and "+ 0" keep the planner off the day and member indexes: the few rows with an
    # accepted answer are found through the (category,) accepted index, the day checked inside it.
    member = (c.user_id + 0).label("user_id")
    accepted_per_member = (
        select(member, func.sum(c.accepted).label("accepted"))
        .where(c.accepted > 0, *within(func.coalesce(c.day, c.day))).group_by(member).cte("accepted_per_member")
    )
    cutoff = (
        select(accepted_per_member.c.accepted).order_by(accepted_per_member.c.accepted.desc()).offset(limit - 1).limit(1)
        .scalar_subquery()
    )
    candidates = select(accepted_per_member.c.user_id).where(accepted_per_member.c.accepted >= cutoff)
    columns = (c.user_id, c.replies, c.accepted)
    counted = union_all(
        select(*columns).where(c.user_id.in_(candidates), *within(c.day)),
        select(*columns).where(cutoff.is_(None), *within(c.day)),
    ).subquery()
    per_member = (
        select(counted.c.user_id, func.sum(counted.c.replies).label("replies"), func.sum(counted.c.accepted).label("accepted"))
        .group_by(counted.c.user_id).subquery()
    )
    rows = session.execute(
        select(User.id, User.username, User.display_name, per_member.c.replies, per_member.c.accepted)
        .join(per_member, per_member.c.user_id == User.id)
        .order_by(per_member.c.accepted.desc(), per_member.c.replies.desc(), User.username)
        .limit(limit)
    )
    return [Contributor(r[0], r[1], r[2], int(r[3]), int(r[4] or 0)) for r in rows]


def topic_filter(category_id: int | None):
    """Visible topics, of one category when given."""
    conditions = [Topic.hidden_at.is_(None)]
    if category_id is not None:
        conditions.append(Topic.category_id == category_id)
    return conditions



def active_members(session: Session, period: Period) -> dict[str, int]:
    """Distinct members seen: in the period, before it, in both (returning), only before (quiet),
    and in the period's last 7 (WAU) and 30 (MAU) days.

    A member is counted once in a range by the visit whose previous visit lies before the range
    (or who has none), so each figure is a plain count over an index range scan, no DISTINCT.
    """
    start, end, before = period.start.date(), period.end.date(), period.previous.start.date()
    week, month = end - timedelta(days=7), end - timedelta(days=30)
    day, previous = InsightVisit.day, InsightVisit.previous_day

    def first_in(since, until=end):
        return (
            select(func.count()).select_from(InsightVisit)
            .where(day >= since, day < until, or_(previous.is_(None), previous < since)).scalar_subquery()
        )

    row = session.execute(select(first_in(start), first_in(before, start), first_in(before), first_in(week), first_in(month))).one()
    active, previous_active, both_periods, wau, mau = (int(value or 0) for value in row)
    returning = active + previous_active - both_periods
    return {"active": active, "previous_active": previous_active, "returning": returning,
            "quiet": both_periods - active, "wau": wau, "mau": mau}


def unanswered_now(session: Session, category_id: int | None) -> int:
    """Visible questions nobody has answered yet."""
    return session.scalar(
        select(func.count()).select_from(Topic)
        .where(Topic.kind == "question", Topic.first_response_post_id.is_(None), *topic_filter(category_id))
    ) or 0


