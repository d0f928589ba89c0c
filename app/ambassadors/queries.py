"""Read-only views of scoring runs for pages, the API and the journey (frozen dataclasses)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from app.accounts import queries as accounts_queries
from app.accounts.models import Group, GroupMembership, User
from app.ambassadors.models import MemberScore, MemberSnapshot, ScoringRun
from app.forum.models import Suspension


@dataclass(frozen=True)
class RunInfo:
    """A scoring run as pages show it."""

    id: int
    as_of: datetime
    trigger: str
    model_version: str
    member_count: int
    training_rows: int
    timings: dict
    quality: dict
    models: dict
    windows: dict
    parameters: dict


@dataclass(frozen=True)
class Candidate:
    """A member's standing in one profile: score, change since the previous run, reasons, flags."""

    user_id: int
    username: str
    display_name: str
    score: float
    rank: int
    trend: float | None
    explanation: list
    flags: list
    stage: str


def _run_info(run: ScoringRun) -> RunInfo:
    return RunInfo(
        run.id, run.as_of, run.trigger, run.model_version, run.member_count, run.training_rows,
        json.loads(run.timings), json.loads(run.quality), json.loads(run.models), json.loads(run.windows),
        json.loads(run.parameters),
    )


def latest_run(session: Session, before: datetime | None = None) -> RunInfo | None:
    """The run made last, whatever its as-of moment (the button, the CLI, the worker or the demo);
    with `before`, the run with the newest as-of moment before it."""
    if before is None:
        query = select(ScoringRun).order_by(ScoringRun.id.desc()).limit(1)
    else:
        query = select(ScoringRun).where(ScoringRun.as_of < before).order_by(ScoringRun.as_of.desc(), ScoringRun.id.desc()).limit(1)
    run = session.scalars(query).first()
    return _run_info(run) if run else None


def recent_runs(session: Session, limit: int = 20) -> list[RunInfo]:
    """The newest runs, newest first."""
    runs = session.scalars(select(ScoringRun).order_by(ScoringRun.as_of.desc(), ScoringRun.id.desc()).limit(limit))
    return [_run_info(run) for run in runs]


def _actionable(profile: str, now: datetime, exclude: set[int]):
    """Conditions on MemberScore.user_id: members a manager can invite into the profile's role now."""
    holder = (
        select(GroupMembership.id).join(Group, Group.id == GroupMembership.group_id)
        .where(GroupMembership.user_id == MemberScore.user_id, Group.name == profile)
    )
    suspended = select(Suspension.id).where(
        Suspension.user_id == MemberScore.user_id, Suspension.starts_at <= now, Suspension.ends_at > now,
        Suspension.lifted_at.is_(None),
    )
    opted_out = select(User.id).where(User.id == MemberScore.user_id, User.ambassador_opt_out.is_(True))
    return [~exists(holder), ~exists(suspended), ~exists(opted_out), MemberScore.user_id.not_in(exclude or {-1})]


def candidates(session: Session, run: RunInfo, profile: str, limit: int, *, now: datetime,
               exclude: set[int] = frozenset()) -> list[Candidate]:
    """The best-scored members of a profile in a run a manager can act on, with their trend against
    the previous run: never a holder of the role, a suspended or opted-out member, nor anyone in
    `exclude` (the manager looking, dismissed or snoozed members). Ranks count the listed members."""
    previous = session.scalar(
        select(ScoringRun.id).where(ScoringRun.id < run.id).order_by(ScoringRun.id.desc()).limit(1)
    )
    rows = session.execute(
        select(MemberScore.user_id, MemberScore.score, MemberScore.rank, MemberScore.explanation,
               MemberSnapshot.flags, MemberSnapshot.stage)
        .join(MemberSnapshot, (MemberSnapshot.run_id == MemberScore.run_id) & (MemberSnapshot.user_id == MemberScore.user_id))
        .where(MemberScore.run_id == run.id, MemberScore.profile == profile, *_actionable(profile, now, set(exclude)))
        .order_by(MemberScore.rank)
        .limit(limit)
    ).all()
    ids = [row.user_id for row in rows]
    before = {}
    if previous is not None and ids:
        before = dict(session.execute(
            select(MemberScore.user_id, MemberScore.score)
            .where(MemberScore.run_id == previous, MemberScore.profile == profile, MemberScore.user_id.in_(ids))
        ).all())
    people = accounts_queries.members_by_id(session, ids)
    return [
        Candidate(
            row.user_id, people[row.user_id].username, people[row.user_id].display_name, row.score, position,
            round(row.score - before[row.user_id], 1) if row.user_id in before else None,
            json.loads(row.explanation), json.loads(row.flags), row.stage,
        )
        for position, row in enumerate(rows, start=1)
    ]


@dataclass(frozen=True)
class HistoryPoint:
    """One run's view of one member: signals, stage, flags and profile scores."""

    run_id: int
    as_of: datetime
    stage: str
    signals: dict
    flags: list
    scores: dict
    explanations: dict


def member_history(session: Session, user_id: int, limit: int = 12) -> list[HistoryPoint]:
    """A member's snapshots across the newest runs, newest first, in two statements."""
    snapshots = session.execute(
        select(MemberSnapshot.run_id, ScoringRun.as_of, MemberSnapshot.stage, MemberSnapshot.signals, MemberSnapshot.flags)
        .join(ScoringRun, ScoringRun.id == MemberSnapshot.run_id)
        .where(MemberSnapshot.user_id == user_id)
        .order_by(ScoringRun.as_of.desc(), ScoringRun.id.desc())
        .limit(limit)
    ).all()
    run_ids = [row.run_id for row in snapshots]
    scores: dict[int, dict] = {}
    explanations: dict[int, dict] = {}
    if run_ids:
        for run_id, profile, value, explanation in session.execute(
            select(MemberScore.run_id, MemberScore.profile, MemberScore.score, MemberScore.explanation)
            .where(MemberScore.user_id == user_id, MemberScore.run_id.in_(run_ids))
        ):
            scores.setdefault(run_id, {})[profile] = value
            explanations.setdefault(run_id, {})[profile] = json.loads(explanation)
    return [
        HistoryPoint(row.run_id, row.as_of, row.stage, json.loads(row.signals), json.loads(row.flags),
                     scores.get(row.run_id, {}), explanations.get(row.run_id, {}))
        for row in snapshots
    ]


def stage_counts(session: Session, run_id: int) -> dict[str, int]:
    """How many members stand on each stage in a run."""
    return dict(session.execute(
        select(MemberSnapshot.stage, func.count()).where(MemberSnapshot.run_id == run_id).group_by(MemberSnapshot.stage)
    ).all())


def stage_moves(session: Session, before_run_id: int, after_run_id: int) -> dict[tuple[str, str], int]:
    """(stage before, stage after) -> members who moved between two runs (members who stayed are left out)."""
    earlier = select(MemberSnapshot.user_id, MemberSnapshot.stage).where(MemberSnapshot.run_id == before_run_id).subquery()
    rows = session.execute(
        select(earlier.c.stage, MemberSnapshot.stage, func.count())
        .join(earlier, earlier.c.user_id == MemberSnapshot.user_id)
        .where(MemberSnapshot.run_id == after_run_id, MemberSnapshot.stage != earlier.c.stage)
        .group_by(earlier.c.stage, MemberSnapshot.stage)
    )
    return {(before, after): count for before, after, count in rows}


def stage_of_member(session: Session, user_id: int) -> tuple[str, dict, datetime] | None:
    """A member's stage and signals in the newest run that placed them."""
    row = session.execute(
        select(MemberSnapshot.stage, MemberSnapshot.signals, ScoringRun.as_of)
        .join(ScoringRun, ScoringRun.id == MemberSnapshot.run_id)
        .where(MemberSnapshot.user_id == user_id)
        .order_by(ScoringRun.as_of.desc(), ScoringRun.id.desc())
        .limit(1)
    ).first()
    return (row.stage, json.loads(row.signals), row.as_of) if row else None


def sustained_high_scorers(session: Session, now: datetime, days: int, threshold: float) -> set[int]:
    """Members whose best helper or ambassador score stayed >= threshold in every run of the last
    `days` days, counted from the newest run at least `days` old (none when there is no such run)."""
    anchor = session.scalar(
        select(func.max(ScoringRun.as_of)).where(ScoringRun.as_of <= now - timedelta(days=days))
    )
    if anchor is None:
        return set()
    run_ids = set(session.scalars(select(ScoringRun.id).where(ScoringRun.as_of >= anchor, ScoringRun.as_of < now)))
    best = (
        select(MemberScore.run_id, MemberScore.user_id, func.max(MemberScore.score).label("best"))
        .where(MemberScore.run_id.in_(run_ids), MemberScore.profile.in_(("helper", "ambassador")))
        .group_by(MemberScore.run_id, MemberScore.user_id)
        .subquery()
    )
    rows = session.execute(
        select(best.c.user_id).where(best.c.best >= threshold).group_by(best.c.user_id).having(func.count() == len(run_ids))
    )
    return {user_id for (user_id,) in rows}


@dataclass(frozen=True)
class InvitationOutcome:
    """One invitation as the pipeline counts it: when it was sent and answered, and whether the
    member, once in the role, still held it and posted in the 30 days up to day 30 and day 90."""

    role: str
    user_id: int
    created_at: datetime
    status: str
    responded_at: datetime | None
    active_30: bool
    active_90: bool


def invitation_outcomes(session: Session, since: datetime, until: datetime) -> list[InvitationOutcome]:
    """Invitations sent in [since, until), with what followed an acceptance (two statements)."""
    from sqlalchemy import and_, case, exists

    from app.accounts.models import Group, GroupMembership
    from app.ambassadors.invitations import Invitation
    from app.db import seconds_between
    from app.forum.models import Post

    after = seconds_between(session, Post.created_at, Invitation.responded_at)
    posted = dict((row[0], (row[1], row[2])) for row in session.execute(
        select(
            Invitation.id,
            func.sum(case((after <= 30 * 86400, 1), else_=0)),
            func.sum(case((after > 60 * 86400, 1), else_=0)),
        )
        .join(Post, and_(Post.author_id == Invitation.user_id, Post.created_at > Invitation.responded_at,
                         Post.deleted_at.is_(None)))
        .where(Invitation.status == "accepted", Invitation.created_at >= since, Invitation.created_at < until,
               after <= 90 * 86400)
        .group_by(Invitation.id)
    ))
    holds = exists().where(GroupMembership.user_id == Invitation.user_id, GroupMembership.group_id == Group.id,
                           Group.name == Invitation.role)
    rows = session.execute(
        select(Invitation.id, Invitation.role, Invitation.user_id, Invitation.created_at, Invitation.status,
               Invitation.responded_at, holds)
        .where(Invitation.created_at >= since, Invitation.created_at < until)
        .order_by(Invitation.created_at, Invitation.id)
    )
    result = []
    for id_, role, user_id, created_at, status, responded_at, holding in rows:
        in_30, in_90 = posted.get(id_, (0, 0))
        result.append(InvitationOutcome(role, user_id, created_at, status, responded_at,
                                        bool(holding and in_30), bool(holding and in_90)))
    return result


def reengagement_returns(session: Session, now: datetime):
    """Returns after nudges beside the same-band baseline: (per band, overall, still in their window)."""
    from app.ambassadors.reengagement_rates import return_rates

    return return_rates(session, now)


def journey_stages() -> list[tuple[str, str]]:
    """The journey ladder in order: (stage, untranslated name)."""
    from app.ambassadors.journey import STAGE_NAMES, STAGES

    return [(stage, STAGE_NAMES[stage]) for stage in STAGES]
