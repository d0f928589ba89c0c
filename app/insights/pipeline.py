"""The ambassador pipeline of a period: suggested -> invited -> accepted -> active in the role
30 and 90 days later, per role and month; journey stage counts per month and the moves between
them; returns after re-engagement nudges beside the same-band baseline."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.ambassadors import queries as ambassador_queries
from app.ambassadors.models import PROFILES, MemberScore, MemberSnapshot, ScoringRun
from app.insights.schemas import Period

STEPS = ("suggested", "invited", "accepted", "active_30", "active_90")


@dataclass
class Funnel:
    """Counts of each pipeline step, the members due for the 30/90-day checks, and median days."""

    counts: Counter = field(default_factory=Counter)
    due_30: int = 0
    due_90: int = 0
    days_to_invite: list = field(default_factory=list)
    days_to_accept: list = field(default_factory=list)

    def rate(self, step: str) -> float | None:
        """Share of the step before that reached `step` (30/90 days: of the acceptances already due)."""
        before = {"invited": self.counts["suggested"], "accepted": self.counts["invited"],
                  "active_30": self.due_30, "active_90": self.due_90}[step]
        return self.counts[step] / before if before else None

    @property
    def median_days_to_invite(self) -> float | None:
        """Median days from first suggestion to invitation."""
        return statistics.median(self.days_to_invite) if self.days_to_invite else None

    @property
    def median_days_to_accept(self) -> float | None:
        """Median days from invitation to acceptance."""
        return statistics.median(self.days_to_accept) if self.days_to_accept else None


@dataclass(frozen=True)
class Pipeline:
    """The whole pipeline page's figures."""

    by_role: dict[str, Funnel]
    by_month: dict[str, dict[str, Counter]]  # month -> role -> step counts
    months: list[str]
    stage_months: list[tuple[str, dict[str, int]]]
    stage_moves: list[tuple[str, str, str, int]]  # month, from, to, members
    stages: list[tuple[str, str]]
    returns: tuple


def _month(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


def first_suggestions(session: Session, shown: int, until: datetime) -> dict[tuple[str, int], datetime]:
    """When each member was first listed among a profile's `shown` candidates."""
    rows = session.execute(
        select(MemberScore.profile, MemberScore.user_id, func.min(ScoringRun.as_of))
        .join(ScoringRun, ScoringRun.id == MemberScore.run_id)
        .where(MemberScore.rank <= shown, ScoringRun.as_of < until)
        .group_by(MemberScore.profile, MemberScore.user_id)
    )
    return {(profile, user_id): first for profile, user_id, first in rows}


def _journey(session: Session, period: Period):
    runs = session.execute(
        select(ScoringRun.id, ScoringRun.as_of).where(ScoringRun.as_of >= period.start, ScoringRun.as_of < period.end)
        .order_by(ScoringRun.as_of, ScoringRun.id)
    ).all()
    last_of_month: dict[str, int] = {}
    for run_id, as_of in runs:
        last_of_month[_month(as_of)] = run_id
    months = sorted(last_of_month)
    run_ids = [last_of_month[m] for m in months]
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    if run_ids:
        for run_id, stage, n in session.execute(
            select(MemberSnapshot.run_id, MemberSnapshot.stage, func.count())
            .where(MemberSnapshot.run_id.in_(run_ids)).group_by(MemberSnapshot.run_id, MemberSnapshot.stage)
        ):
            counts[run_id][stage] = n
    moves = []
    pairs = list(zip(run_ids, run_ids[1:]))
    if pairs:
        before, after = aliased(MemberSnapshot), aliased(MemberSnapshot)
        month_of = {run_id: month for month, run_id in last_of_month.items()}
        rows = session.execute(
            select(after.run_id, before.stage, after.stage, func.count())
            .join(after, after.user_id == before.user_id)
            .where(or_(*(and_(before.run_id == a, after.run_id == b) for a, b in pairs)), before.stage != after.stage)
            .group_by(after.run_id, before.stage, after.stage)
        )
        moves = sorted((month_of[run_id], old, new, n) for run_id, old, new, n in rows)
    return [(m, counts[last_of_month[m]]) for m in months], moves


def pipeline(session: Session, settings, period: Period, now: datetime) -> Pipeline:
    """Every figure of the pipeline page, in a fixed number of statements."""
    suggested = first_suggestions(session, settings.ambassador_candidates_shown, period.end)
    by_role = {role: Funnel() for role in PROFILES}
    by_month: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for (role, _), first in suggested.items():
        if period.start <= first < period.end and role in by_role:
            by_role[role].counts["suggested"] += 1
            by_month[_month(first)][role]["suggested"] += 1
    for item in ambassador_queries.invitation_outcomes(session, period.start, period.end):
        funnel = by_role.setdefault(item.role, Funnel())
        month = by_month[_month(item.created_at)][item.role]
        funnel.counts["invited"] += 1
        month["invited"] += 1
        first = suggested.get((item.role, item.user_id))
        if first is not None and first <= item.created_at:
            funnel.days_to_invite.append(round((item.created_at - first) / timedelta(days=1), 1))
        if item.status != "accepted" or item.responded_at is None:
            continue
        funnel.counts["accepted"] += 1
        month["accepted"] += 1
        funnel.days_to_accept.append(round((item.responded_at - item.created_at) / timedelta(days=1), 1))
        for days, step in ((30, "active_30"), (90, "active_90")):
            if item.responded_at + timedelta(days=days) <= now:
                setattr(funnel, f"due_{days}", getattr(funnel, f"due_{days}") + 1)
                if getattr(item, step):
                    funnel.counts[step] += 1
                    month[step] += 1
    stage_months, moves = _journey(session, period)
    return Pipeline(
        by_role, {m: dict(r) for m, r in by_month.items()}, sorted(by_month), stage_months, moves,
        ambassador_queries.journey_stages(), ambassador_queries.reengagement_returns(session, now),
    )


def charts(figures: Pipeline, gettext) -> list:
    """The pipeline steps per month and the journey stage counts per month."""
    from app.insights.charts import Chart

    _ = gettext
    step_names = {"suggested": _("Suggested"), "invited": _("Invited"), "accepted": _("Accepted")}
    months = figures.months
    steps = [
        (step_names[step], [sum(c.get(step, 0) for c in figures.by_month[m].values()) for m in months])
        for step in ("suggested", "invited", "accepted")
    ]
    stage_labels = [m for m, _counts in figures.stage_months]
    stages = [(_(name), [counts.get(stage, 0) for _m, counts in figures.stage_months]) for stage, name in figures.stages]
    return [
        Chart("pipeline", _("Pipeline per month"), _("Members first suggested, invited and accepting, per month, all roles."),
              months, steps),
        Chart("journey", _("Journey stages per month"),
              _("Members on each journey stage at the last scoring run of each month."), stage_labels, stages),
    ]
