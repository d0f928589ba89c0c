"""Read-only karma facts for pages, the API and other domains (frozen dataclasses, never ORM rows).

Every function issues a fixed number of statements, whatever the number of rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.accounts.models import Group, GroupMembership, User
from app.accounts.queries import members_by_id
from app.forum.models import Post, Topic
from app.forum.queries import visible_category_ids
from app.karma.models import Badge, KarmaEntry, KarmaFlag, KarmaSetting, UserBadge
from app.karma.rules import PERIODS, REASONS, Level, badge_rules, badge_threshold, level_of
from app.web import Viewer

HISTORY_PAGE_SIZE = 50


@dataclass(frozen=True)
class MemberKarma:
    """A member's karma total and level."""

    id: int
    username: str
    display_name: str
    karma: int
    level: Level


@dataclass(frozen=True)
class HistoryItem:
    """One ledger row as the history shows it; the post link is there only if the viewer may see it."""

    id: int
    delta: int
    reason: str
    reason_label: str
    source: str
    created_at: datetime
    note: str
    reverses_id: int | None
    reversed_reason: str | None
    flag_id: int | None
    topic_id: int | None
    post_number: int | None
    topic_title: str | None

    @property
    def link(self) -> str | None:
        """Where the post that earned this row lives, for viewers who may see it."""
        if self.topic_id is None:
            return None
        return f"/t/{self.topic_id}/{self.post_number}"


@dataclass(frozen=True)
class History:
    """A page of a member's karma history, newest first."""

    items: tuple[HistoryItem, ...]
    page: int
    has_more: bool


@dataclass(frozen=True)
class LeaderRow:
    """A place on a leaderboard."""

    rank: int
    user_id: int
    username: str
    display_name: str
    karma: int


@dataclass(frozen=True)
class EarnedBadge:
    """A badge a member holds."""

    slug: str
    name: str
    description: str
    threshold: int | None
    awarded_at: datetime


@dataclass(frozen=True)
class FlagView:
    """Anti-gaming evidence for managers."""

    id: int
    kind: str
    members: tuple
    votes: int
    karma_reversed: int
    evidence: dict
    created_at: datetime
    job_run_id: int | None


@dataclass(frozen=True)
class LeaderboardSettings:
    """The admin's leaderboard choices."""

    enabled: bool
    excluded_groups: tuple[str, ...]


def member_karma(session: Session, settings, username: str) -> MemberKarma | None:
    """A member's karma and level by username (case-insensitive)."""
    row = session.execute(
        select(User.id, User.username, User.display_name, User.karma).where(User.username_key == username.strip().lower())
    ).first()
    if row is None:
        return None
    return MemberKarma(row.id, row.username, row.display_name, row.karma, level_of(settings, row.karma))


def karma_of(session: Session, user_ids) -> dict[int, int]:
    """Cached karma totals of many members at once."""
    ids = set(user_ids)
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.karma).where(User.id.in_(ids))).all())


def history(
    session: Session, viewer: Viewer, user_id: int, page: int = 1, per_page: int = HISTORY_PAGE_SIZE,
    *, offset: int | None = None,
) -> History:
    """A member's ledger rows, newest first.

    Rows about posts in categories the viewer may not see are left out (even a placeholder would tell
    that such a post exists); deleted or hidden posts in visible categories show as "a removed post".
    The API passes `offset` instead of `page`.
    """
    page = max(1, page)
    start = (page - 1) * per_page if offset is None else offset
    visible = visible_category_ids(session, viewer)
    original = aliased(KarmaEntry)
    rows = session.execute(
        select(
            KarmaEntry.id,
            KarmaEntry.delta,
            KarmaEntry.reason,
            KarmaEntry.source,
            KarmaEntry.created_at,
            KarmaEntry.note,
            KarmaEntry.reverses_id,
            KarmaEntry.flag_id,
            original.reason.label("reversed_reason"),
            Post.topic_id,
            Post.post_number,
            Post.deleted_at,
            Post.hidden_at,
            Topic.title,
            Topic.category_id,
            Topic.hidden_at.label("topic_hidden_at"),
        )
        .outerjoin(original, original.id == KarmaEntry.reverses_id)
        .outerjoin(Post, Post.id == KarmaEntry.post_id)
        .outerjoin(Topic, Topic.id == Post.topic_id)
        .where(KarmaEntry.user_id == user_id, or_(KarmaEntry.post_id.is_(None), Topic.category_id.in_(visible)))
        .order_by(KarmaEntry.created_at.desc(), KarmaEntry.id.desc())
        .offset(start)
        .limit(per_page + 1)
    ).all()
    items = []
    for row in rows[:per_page]:
        shown = (
            row.topic_id is not None
            and row.category_id in visible
            and row.deleted_at is None
            and ((row.hidden_at is None and row.topic_hidden_at is None) or viewer.is_staff)
        )
        items.append(
            HistoryItem(
                id=row.id,
                delta=row.delta,
                reason=row.reason,
                reason_label=REASONS.get(row.reason, row.reason),
                source=row.source,
                created_at=row.created_at,
                note=row.note,
                reverses_id=row.reverses_id,
                reversed_reason=REASONS.get(row.reversed_reason) if row.reversed_reason else None,
                flag_id=row.flag_id,
                topic_id=row.topic_id if shown else None,
                post_number=row.post_number if shown else None,
                topic_title=row.title if shown else None,
            )
        )
    return History(items=tuple(items), page=page, has_more=len(rows) > per_page)


def leaderboard_settings(session: Session) -> LeaderboardSettings:
    """Whether leaderboards are on and which groups they leave out."""
    values = dict(session.execute(select(KarmaSetting.key, KarmaSetting.value)).all())
    enabled = json.loads(values.get("leaderboard_enabled", "true"))
    excluded = json.loads(values.get("leaderboard_excluded_groups", "[]"))
    return LeaderboardSettings(enabled=bool(enabled), excluded_groups=tuple(excluded))


def leaderboard(session: Session, settings, period: str, now: datetime, excluded_groups=()) -> list[LeaderRow]:
    """Top members by karma gained in the period ('all' ranks by total karma), ties by username."""
    days = PERIODS[period][0]
    if days is None:
        points = User.karma
        query = select(User.id, User.username, User.display_name, points.label("points")).where(User.karma > 0)
    else:
        points = func.sum(KarmaEntry.delta)
        query = (
            select(User.id, User.username, User.display_name, points.label("points"))
            .join(KarmaEntry, KarmaEntry.user_id == User.id)
            .where(KarmaEntry.created_at > now - timedelta(days=days), KarmaEntry.created_at <= now)
            .group_by(User.id, User.username, User.display_name)
            .having(points > 0)
        )
    if excluded_groups:
        excluded = (
            select(GroupMembership.user_id)
            .join(Group, Group.id == GroupMembership.group_id)
            .where(Group.name.in_(list(excluded_groups)))
        )
        query = query.where(User.id.not_in(excluded))
    rows = session.execute(query.order_by(points.desc(), User.username).limit(settings.leaderboard_size)).all()
    return [
        LeaderRow(rank=index + 1, user_id=row.id, username=row.username, display_name=row.display_name, karma=row.points)
        for index, row in enumerate(rows)
    ]


def badges_of(session: Session, settings, user_id: int) -> list[EarnedBadge]:
    """A member's badges, in the order the rules list them."""
    rules = {rule.slug: rule for rule in badge_rules(settings)}
    rows = session.execute(
        select(Badge.slug, UserBadge.awarded_at).join(Badge, Badge.id == UserBadge.badge_id).where(UserBadge.user_id == user_id)
    ).all()
    order = list(rules)
    earned = []
    for slug, awarded_at in sorted(rows, key=lambda row: order.index(row.slug) if row.slug in rules else len(order)):
        rule = rules.get(slug)
        if rule is None:
            continue
        earned.append(EarnedBadge(slug, rule.name, rule.description, badge_threshold(settings, slug), awarded_at))
    return earned


def flags(session: Session, limit: int = 100) -> list[FlagView]:
    """The newest anti-gaming flags with their members resolved (two statements)."""
    rows = session.scalars(select(KarmaFlag).order_by(KarmaFlag.created_at.desc(), KarmaFlag.id.desc()).limit(limit)).all()
    member_ids = [json.loads(row.member_ids) for row in rows]
    people = members_by_id(session, {user_id for ids in member_ids for user_id in ids})
    return [
        FlagView(
            id=row.id,
            kind=row.kind,
            members=tuple(people[user_id] for user_id in ids if user_id in people),
            votes=row.votes,
            karma_reversed=row.karma_reversed,
            evidence=json.loads(row.evidence),
            created_at=row.created_at,
            job_run_id=row.job_run_id,
        )
        for row, ids in zip(rows, member_ids)
    ]


def flagged_member_ids(session: Session, since: datetime) -> set[int]:
    """Members involved in gamed voting flagged since `since` (for ambassador scoring)."""
    ids: set[int] = set()
    for raw in session.scalars(select(KarmaFlag.member_ids).where(KarmaFlag.created_at >= since)):
        ids.update(json.loads(raw))
    return ids


def karma_gained(session: Session, since: datetime, until: datetime) -> dict[int, int]:
    """Net karma each member gained in [since, until) (for ambassador signals and leaderboards)."""
    rows = session.execute(
        select(KarmaEntry.user_id, func.sum(KarmaEntry.delta))
        .where(and_(KarmaEntry.created_at >= since, KarmaEntry.created_at < until))
        .group_by(KarmaEntry.user_id)
    )
    return {user_id: int(total) for user_id, total in rows}


def karma_before(session: Session, until: datetime) -> dict[int, int]:
    """Each member's karma from ledger rows before `until` (the backtest's karma baseline)."""
    rows = session.execute(
        select(KarmaEntry.user_id, func.sum(KarmaEntry.delta)).where(KarmaEntry.created_at < until).group_by(KarmaEntry.user_id)
    )
    return {user_id: int(total) for user_id, total in rows}


def karma_reversed_by_bucket(session: Session, edges) -> list[tuple[int, int, int]]:
    """Karma the anti-gaming job took back (reversal rows tied to a flag), as (member, bucket,
    positive amount), with buckets as in `app.db.bucket_index`."""
    from app.db import bucket_index

    bucket = bucket_index(KarmaEntry.created_at, edges)
    rows = session.execute(
        select(KarmaEntry.user_id, bucket, func.sum(-KarmaEntry.delta))
        .where(KarmaEntry.reverses_id.is_not(None), KarmaEntry.flag_id.is_not(None), KarmaEntry.delta < 0,
               KarmaEntry.created_at < edges[-1])
        .group_by(KarmaEntry.user_id, bucket)
    )
    return [(user_id, int(b), int(total)) for user_id, b, total in rows]
