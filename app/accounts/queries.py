"""Read-only account facts for pages and for other domains (frozen dataclasses, never ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Group, GroupMembership, User, UserAvatar, UserVisit
from app.uploads import Upload


@dataclass(frozen=True)
class MemberProfile:
    """What a public profile shows."""

    id: int
    username: str
    display_name: str
    bio: str
    created_at: datetime
    last_seen_at: datetime | None
    roles: tuple[str, ...]
    visit_days: int
    last_active: date | None = None
    avatar_url: str | None = None


@dataclass(frozen=True)
class MemberRef:
    """A member as other domains refer to them."""

    id: int
    username: str
    display_name: str


def profile(session: Session, username: str) -> MemberProfile | None:
    """A member's public profile by username (case-insensitive), in a fixed number of queries."""
    row = session.execute(
        select(
            User.id, User.username, User.display_name, User.bio, User.created_at, User.last_seen_at,
            select(func.count()).where(UserVisit.user_id == User.id).scalar_subquery().label("visit_days"),
            avatar_file_subquery(User.id).label("avatar_file"),
        ).where(User.username_key == username.strip().lower())
    ).first()
    if row is None:
        return None
    roles = session.scalars(
        select(Group.name).join(GroupMembership).where(GroupMembership.user_id == row.id).order_by(Group.name)
    ).all()
    return MemberProfile(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        bio=row.bio,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        roles=tuple(roles),
        visit_days=row.visit_days,
        last_active=last_active(session, [row.id]).get(row.id),
        avatar_url=avatar_url(row.avatar_file),
    )


def avatar_file_subquery(user_id_column):
    """Scalar subquery: the stored file name of a member's avatar (NULL without one), for joins."""
    return (
        select(Upload.sha256 + "." + Upload.extension)
        .join(UserAvatar, UserAvatar.upload_id == Upload.id)
        .where(UserAvatar.user_id == user_id_column)
        .scalar_subquery()
    )


def avatar_url(file_name: str | None) -> str | None:
    """The avatar's URL from the stored file name the subquery gives."""
    return f"/uploads/{file_name}" if file_name else None


# --- "last active": the one definition every page and signal uses ---


def last_active_days(until_day: date | None = None):
    """Subquery (user_id, last_day): each member's newest active day on or before `until_day`.

    A member is active on a day with a `user_visit` row: a real visit, or on imported data a day
    with dated activity (the importer derives those rows). Signals, re-engagement, role reviews
    and profiles all read this; signals at a moment use the day before it (data strictly before).
    """
    query = select(UserVisit.user_id, func.max(UserVisit.day).label("last_day")).group_by(UserVisit.user_id)
    if until_day is not None:
        query = query.where(UserVisit.day <= until_day)
    return query.subquery()


def last_active(session: Session, user_ids, until_day: date | None = None) -> dict[int, date]:
    """Each listed member's newest active day on or before `until_day` (none: ever); members never active are left out."""
    ids = set(user_ids)
    if not ids:
        return {}
    days = last_active_days(until_day)
    return dict(session.execute(select(days.c.user_id, days.c.last_day).where(days.c.user_id.in_(ids))).all())


def derived_visits_before(session: Session, until_day: date) -> bool:
    """Whether any visit day before `until_day` was derived from imported activity (not a real visit)."""
    return session.scalar(
        select(UserVisit.user_id).where(UserVisit.derived.is_(True), UserVisit.day < until_day).limit(1)
    ) is not None


def members_by_id(session: Session, ids) -> dict[int, MemberRef]:
    """Look up many members at once."""
    ids = set(ids)
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.username, User.display_name).where(User.id.in_(ids)))
    return {row.id: MemberRef(row.id, row.username, row.display_name) for row in rows}


def role_members(session: Session, role: str) -> set[int]:
    """Ids of every member of a role group."""
    return set(
        session.scalars(select(GroupMembership.user_id).join(Group).where(Group.name == role)).all()
    )


# --- aggregates for ambassador signals (all members at once, bounded by `until`) ---


@dataclass(frozen=True)
class MemberBasics:
    """What scoring needs to know about every account that existed before a moment."""

    id: int
    username: str
    created_at: datetime
    opted_out: bool
    roles: tuple[str, ...]


def members_before(session: Session, until: datetime) -> list[MemberBasics]:
    """Every account created before `until`, with its roles, in two statements."""
    roles: dict[int, list[str]] = {}
    for user_id, name in session.execute(
        select(GroupMembership.user_id, Group.name).join(Group, Group.id == GroupMembership.group_id).order_by(Group.name)
    ):
        roles.setdefault(user_id, []).append(name)
    rows = session.execute(
        select(User.id, User.username, User.created_at, User.ambassador_opt_out)
        .where(User.created_at < until)
        .order_by(User.id)
    )
    return [
        MemberBasics(row.id, row.username, row.created_at, bool(row.ambassador_opt_out), tuple(roles.get(row.id, ())))
        for row in rows
    ]


def _day_number(session: Session, column):
    """Days since an epoch as an integer, in the bound database's dialect (for streak islands)."""
    from sqlalchemy import Integer, cast, literal_column

    from app.db import is_sqlite

    if is_sqlite(session):
        return cast(func.julianday(column), Integer)
    return column - literal_column("DATE '1970-01-01'")


def visit_stats(session: Session, since: datetime, until: datetime, short_since: datetime | None = None) -> dict[str, dict[int, float]]:
    """Per member: days visited in [since, until) and in [short_since, until), days since the last
    visit, and the longest and current run of consecutive visit days (all before `until`'s day)."""
    from datetime import timedelta

    from sqlalchemy import case

    today = until.date()
    short_day = (short_since or since).date()
    window_rows = session.execute(
        select(UserVisit.user_id, func.count(), func.sum(case((UserVisit.day >= short_day, 1), else_=0)))
        .where(UserVisit.day < today)
        .where(UserVisit.day >= since.date())
        .group_by(UserVisit.user_id)
    )
    result: dict[str, dict[int, float]] = {
        "days": {}, "short_days": {}, "since_last": {}, "longest_streak": {}, "current_streak": {}
    }
    for user_id, days, short_days in window_rows:
        result["days"][user_id] = days
        result["short_days"][user_id] = int(short_days or 0)
    # Gaps and islands: consecutive days share (day number - row number).
    numbered = select(
        UserVisit.user_id.label("user_id"),
        UserVisit.day.label("day"),
        (_day_number(session, UserVisit.day)
         - func.row_number().over(partition_by=UserVisit.user_id, order_by=UserVisit.day)).label("island"),
    ).where(UserVisit.day < today).subquery()
    islands = (
        select(numbered.c.user_id, func.count().label("length"), func.max(numbered.c.day).label("last_day"))
        .group_by(numbered.c.user_id, numbered.c.island)
        .subquery()
    )
    yesterday = today - timedelta(days=1)
    rows = session.execute(
        select(
            islands.c.user_id,
            func.max(islands.c.length),
            func.max(case((islands.c.last_day >= yesterday, islands.c.length), else_=0)),
            func.max(islands.c.last_day),
        ).group_by(islands.c.user_id)
    )
    for user_id, longest, current, last_day in rows:
        result["longest_streak"][user_id] = longest
        result["current_streak"][user_id] = current
        result["since_last"][user_id] = (today - last_day).days if last_day else None
    return result


def visit_day_numbers(session: Session, until_day) -> tuple[int, list[tuple[int, int]]]:
    """(member, day number) of every visit before `until_day`, plus `until_day`'s own number: day
    numbers count days on one scale, so runs, streaks and windows are integer arithmetic."""
    from sqlalchemy import literal

    from app.db import integer_rows

    today = session.scalar(select(_day_number(session, literal(until_day, UserVisit.day.type))))
    rows = integer_rows(session, (
        select(UserVisit.user_id, _day_number(session, UserVisit.day)).where(UserVisit.day < until_day)
    ))
    return int(today), rows
