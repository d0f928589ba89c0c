"""Keeping the daily roll-ups true: recompute whole days from the raw rows, mark days stale when a
late change reaches back (a reply to an older question, an acceptance, a hidden reply, a moved
topic), and the upkeep job that recomputes stale days plus yesterday and today.

A day is always recomputed whole, from the raw rows, so incremental upkeep and a full rebuild run
the same code and cannot drift apart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.orm import Session, aliased

from app.accounts.models import User, UserVisit
from app.db import bucket_index, insert_ignore
from app.forum.models import Post, Topic
from app.ideas.models import Idea, IdeaArea, IdeaStatusChange, IdeaVote
from app.insights.models import (
    NO_CATEGORY, InsightCategoryDay, InsightContributorDay, InsightQuestion, InsightSiteDay, InsightStaleDay, InsightVisit,
)

DAY_SECONDS = 86400
CHUNK_DAYS = 7  # days recomputed per step of a rebuild (one transaction-friendly slice)
COUNTS = ("topics", "questions", "replies", "answered", "within_day", "solved", "staff_first", "community_first",
          "staff_accepted", "community_accepted", "ideas_proposed", "idea_votes", "idea_changes", "ideas_shipped",
          "first_timed", "accepted_timed", "staff_timed")


def midnight(day: date) -> datetime:
    """The UTC start of a day."""
    return datetime.combine(day, time(), tzinfo=timezone.utc)


def _day_bucket(column, first: date, end: date):
    return bucket_index(column, [midnight(first + timedelta(days=i)) for i in range((end - first).days + 1)])


def _seconds(later: datetime | None, earlier: datetime) -> int | None:
    return None if later is None else max(0, round((later - earlier).total_seconds()))


def _questions(session: Session, start: datetime, stop: datetime) -> list[dict]:
    """Every visible question asked in [start, stop) with its response times and who answered."""
    first, accepted = aliased(Post), aliased(Post)
    staff_at = (
        select(func.min(Post.created_at))
        .where(Post.topic_id == Topic.id, Post.by_staff.is_(True), Post.post_number > 1, Post.deleted_at.is_(None))
        .scalar_subquery()
    )
    rows = session.execute(
        select(Topic.id, Topic.category_id, Topic.created_at, Topic.first_response_post_id, Topic.first_response_seconds,
               first.by_staff, Topic.accepted_post_id, accepted.created_at, accepted.by_staff, staff_at)
        .outerjoin(first, first.id == Topic.first_response_post_id)
        .outerjoin(accepted, accepted.id == Topic.accepted_post_id)
        .where(Topic.kind == "question", Topic.hidden_at.is_(None), Topic.created_at >= start, Topic.created_at < stop)
    )
    found = []
    for topic_id, category_id, asked, first_id, first_seconds, first_staff, accepted_id, accepted_at, accepted_staff, staff in rows:
        found.append({
            "topic_id": topic_id, "category_id": category_id, "asked_at": asked,
            "first_response_seconds": first_seconds, "accepted_seconds": _seconds(accepted_at, asked),
            "staff_response_seconds": _seconds(staff, asked),
            "answered": first_id is not None, "first_staff": first_staff, "solved": accepted_id is not None,
            "accepted_staff": accepted_staff,
        })
    return found


def _add_question_outcomes(totals, questions: list[dict]) -> None:
    for q in questions:
        row = totals[(q["asked_at"].date(), q["category_id"])]
        row["answered"] += q["answered"]
        row["within_day"] += q["first_response_seconds"] is not None and q["first_response_seconds"] <= DAY_SECONDS
        row["solved"] += q["solved"]
        row["staff_first"] += q["first_staff"] is True
        row["community_first"] += q["first_staff"] is False
        row["staff_accepted"] += q["accepted_staff"] is True
        row["community_accepted"] += q["accepted_staff"] is False
        row["first_timed"] += q["first_response_seconds"] is not None
        row["accepted_timed"] += q["accepted_seconds"] is not None
        row["staff_timed"] += q["staff_response_seconds"] is not None


def _grouped_into(totals, rows, first: date, *names: str) -> None:
    """Add rows (bucket, category, value...) of a day-bucketed query into the per-day totals."""
    for bucket, category_id, *values in rows:
        row = totals[(first + timedelta(days=bucket - 1), NO_CATEGORY if category_id is None else category_id)]
        for name, value in zip(names, values):
            row[name] += int(value or 0)


def _category_days(session: Session, first: date, end: date, questions: list[dict]) -> dict:
    start, stop = midnight(first), midnight(end)
    totals: dict = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    bucket = _day_bucket(Topic.created_at, first, end).label("bucket")
    _grouped_into(totals, session.execute(
        select(bucket, Topic.category_id, func.count(), func.sum(case((Topic.kind == "question", 1), else_=0)))
        .where(Topic.hidden_at.is_(None), Topic.created_at >= start, Topic.created_at < stop)
        .group_by(bucket, Topic.category_id)
    ), first, "topics", "questions")
    bucket = _day_bucket(Post.created_at, first, end).label("bucket")
    _grouped_into(totals, session.execute(
        select(bucket, Topic.category_id, func.count())
        .join(Topic, Topic.id == Post.topic_id)
        .where(Post.post_number > 1, Post.hidden_at.is_(None), Post.deleted_at.is_(None), Topic.hidden_at.is_(None),
               Post.created_at >= start, Post.created_at < stop)
        .group_by(bucket, Topic.category_id)
    ), first, "replies")
    _add_question_outcomes(totals, questions)
    area_category = IdeaArea.category_id
    bucket = _day_bucket(Idea.created_at, first, end).label("bucket")
    _grouped_into(totals, session.execute(
        select(bucket, area_category, func.count()).join(IdeaArea, IdeaArea.id == Idea.area_id)
        .where(Idea.created_at >= start, Idea.created_at < stop).group_by(bucket, area_category)
    ), first, "ideas_proposed")
    bucket = _day_bucket(IdeaVote.created_at, first, end).label("bucket")
    _grouped_into(totals, session.execute(
        select(bucket, area_category, func.count()).join(Idea, Idea.id == IdeaVote.idea_id).join(IdeaArea, IdeaArea.id == Idea.area_id)
        .where(IdeaVote.created_at >= start, IdeaVote.created_at < stop).group_by(bucket, area_category)
    ), first, "idea_votes")
    bucket = _day_bucket(IdeaStatusChange.created_at, first, end).label("bucket")
    _grouped_into(totals, session.execute(
        select(bucket, area_category, func.count(), func.sum(case((IdeaStatusChange.new_status == "shipped", 1), else_=0)))
        .join(Idea, Idea.id == IdeaStatusChange.idea_id).join(IdeaArea, IdeaArea.id == Idea.area_id)
        .where(IdeaStatusChange.old_status.is_not(None), IdeaStatusChange.created_at >= start, IdeaStatusChange.created_at < stop)
        .group_by(bucket, area_category)
    ), first, "idea_changes", "ideas_shipped")
    return totals


def _site_days(session: Session, first: date, end: date) -> list[dict]:
    start, stop = midnight(first), midnight(end)
    bucket = _day_bucket(User.created_at, first, end).label("bucket")
    signups = dict(session.execute(
        select(bucket, func.count()).where(User.created_at >= start, User.created_at < stop).group_by(bucket)
    ).all())
    active = dict(session.execute(
        select(UserVisit.day, func.count()).where(UserVisit.day >= first, UserVisit.day < end).group_by(UserVisit.day)
    ).all())
    days = [first + timedelta(days=i) for i in range((end - first).days)]
    return [{"day": day, "signups": int(signups.get(i + 1, 0)), "active": int(active.get(day, 0))} for i, day in enumerate(days)]


def _contributor_days(session: Session, first: date, end: date) -> list[dict]:
    start, stop = midnight(first), midnight(end)
    bucket = _day_bucket(Post.created_at, first, end).label("bucket")
    rows = session.execute(
        select(bucket, Topic.category_id, Post.author_id, func.count(), func.sum(case((Topic.accepted_post_id == Post.id, 1), else_=0)))
        .join(Topic, Topic.id == Post.topic_id)
        .where(Post.post_number > 1, Post.hidden_at.is_(None), Post.deleted_at.is_(None), Topic.hidden_at.is_(None),
               Topic.author_id != Post.author_id, Post.created_at >= start, Post.created_at < stop)
        .group_by(bucket, Topic.category_id, Post.author_id)
    )
    return [{"day": first + timedelta(days=b - 1), "category_id": c, "user_id": u, "replies": int(n), "accepted": int(a or 0)}
            for b, c, u, n, a in rows]


def _insert_visits(session: Session, first: date, end: date) -> None:
    earlier = aliased(UserVisit)
    previous = (
        select(func.max(earlier.day)).where(earlier.user_id == UserVisit.user_id, earlier.day < UserVisit.day).scalar_subquery()
    )
    session.execute(insert(InsightVisit).from_select(
        ["day", "user_id", "previous_day"],
        select(UserVisit.day, UserVisit.user_id, previous).where(UserVisit.day >= first, UserVisit.day < end),
    ))


def refresh(session: Session, first: date, end: date) -> None:
    """Recompute every roll-up of the days [first, end) from the raw rows."""
    if end <= first:
        return
    start, stop = midnight(first), midnight(end)
    questions = _questions(session, start, stop)
    categories = _category_days(session, first, end, questions)
    sites = _site_days(session, first, end)
    contributors = _contributor_days(session, first, end)
    for model in (InsightSiteDay, InsightCategoryDay, InsightContributorDay, InsightVisit):
        session.execute(delete(model).where(model.day >= first, model.day < end))
    _insert_visits(session, first, end)
    session.execute(delete(InsightQuestion).where(InsightQuestion.asked_at >= start, InsightQuestion.asked_at < stop))
    session.execute(insert(InsightSiteDay), sites)
    if categories:
        session.execute(insert(InsightCategoryDay), [{"day": d, "category_id": c, **v} for (d, c), v in categories.items()])
    if contributors:
        session.execute(insert(InsightContributorDay), contributors)
    if questions:
        keep = ("topic_id", "category_id", "asked_at", "first_response_seconds", "accepted_seconds", "staff_response_seconds")
        session.execute(insert(InsightQuestion), [{k: q[k] for k in keep} for q in questions])
    session.execute(delete(InsightStaleDay).where(InsightStaleDay.day >= first, InsightStaleDay.day < end))


def earliest_day(session: Session) -> date | None:
    """The first day any counted raw row falls on (None for an empty community)."""
    moments = [session.scalar(select(func.min(column))) for column in
               (User.created_at, Topic.created_at, Idea.created_at, IdeaVote.created_at, IdeaStatusChange.created_at)]
    days = [m.date() for m in moments if m is not None]
    visit = session.scalar(select(func.min(UserVisit.day)))
    if visit is not None:
        days.append(visit)
    return min(days) if days else None


def rebuild(session: Session, now: datetime, since: date | None = None,
            progress: Callable[[int, int], None] | None = None, commit: Callable[[], None] | None = None) -> int:
    """Recompute the roll-ups of every day from `since` (default: the first day with data) through
    today, a week at a time; `progress(done, total)` after each week, `commit()` to keep memory
    and locks small on long rebuilds. Returns the number of days recomputed."""
    today = now.astimezone(timezone.utc).date()
    first = since or earliest_day(session) or today
    end = today + timedelta(days=1)
    if since is None:
        for model in (InsightSiteDay, InsightCategoryDay, InsightContributorDay, InsightVisit):
            session.execute(delete(model).where(model.day < first))
        session.execute(delete(InsightQuestion).where(InsightQuestion.asked_at < midnight(first)))
    total = (end - first).days
    day = first
    while day < end:
        stop = min(end, day + timedelta(days=CHUNK_DAYS))
        refresh(session, day, stop)
        if commit:
            commit()
        day = stop
        if progress:
            progress((day - first).days, total)
    return total


def mark_stale(session: Session, moment: datetime, now: datetime) -> None:
    """Note that the day of `moment` needs recomputing; days from yesterday on are recomputed on
    every upkeep run anyway, so they need no mark."""
    day = moment.astimezone(timezone.utc).date()
    if day < now.astimezone(timezone.utc).date() - timedelta(days=1):
        insert_ignore(session, InsightStaleDay.__table__, {"day": day}, ["day"])


def _spans(days: list[date]) -> list[tuple[date, date]]:
    """Sorted days as [first, end) runs of consecutive days."""
    spans: list[list[date]] = []
    for day in sorted(days):
        if spans and spans[-1][1] == day:
            spans[-1][1] = day + timedelta(days=1)
        else:
            spans.append([day, day + timedelta(days=1)])
    return [(a, b) for a, b in spans]


def upkeep(session: Session, now: datetime) -> dict:
    """Recompute the stale days and every day since the last upkeep through today (all of
    history on first use); returns what was done."""
    today = now.astimezone(timezone.utc).date()
    last = session.scalar(select(func.max(InsightSiteDay.day)))
    if last is None:
        days = rebuild(session, now)
        return {"rebuilt_days": days, "stale_days": 0}
    stale = list(session.scalars(select(InsightStaleDay.day)))
    recent_from = min(last, today - timedelta(days=1))
    for first, end in _spans([d for d in stale if d < recent_from]):
        refresh(session, first, end)
    refresh(session, recent_from, today + timedelta(days=1))
    return {"recent_days": (today - recent_from).days + 1, "stale_days": len([d for d in stale if d < recent_from])}
