"""What the ambassador pages and API show, assembled from queries (shared by pages.py and api.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.ambassadors import explain, honesty, journey, queries
from app.ambassadors.models import PROFILES
from app.errors import NotFound
from app.i18n import N_, Msg

PROFILE_NAMES = {
    "helper": N_("Helper"), "moderator": N_("Moderator"), "ambassador": N_("Ambassador"), "labs": N_("Labs"),
}
FLAG_NAMES = {
    "vote_concentration": N_("Votes from few accounts"),
    "karma_reversed": N_("Karma reversed"),
    "flags_against": N_("Upheld flags"),
    "suspensions": N_("Suspended"),
}


def check_profile(profile: str) -> str:
    """The profile name, or 404 for an unknown one."""
    if profile not in PROFILES:
        raise NotFound(N_("There is no such role profile."))
    return profile


def imported(run: queries.RunInfo | None) -> bool:
    """Whether the run's days of presence were derived from imported activity ("active", not "visited")."""
    return bool(run and run.windows.get("derived_visits"))


def sentences(explanation: list[dict], imported: bool = False) -> list[tuple[str, Msg]]:
    """(effect, sentence) pairs of an explanation: lifts, lowers, then penalties with their cost."""
    shown = []
    for item in explanation:
        if not explain.says_something(item):
            continue
        shown.append((item["effect"], explain.sentence(item, imported)))
        if item["effect"] == "penalty":
            shown.append(("penalty", explain.penalty_sentence(item)))
    return shown


def model_note(run: queries.RunInfo, profile: str) -> Msg:
    """How this profile was scored in the run, in words."""
    info = run.models.get(profile, {})
    if info.get("trained"):
        return Msg(N_("Learned from this community's history: %(rows)s member snapshots, %(positives)s with a positive outcome."),
                   rows=info.get("training_rows", 0), positives=info.get("positives", 0))
    return Msg(N_("Default weights: the history is still too short to learn from (%(positives)s members with a positive outcome)."),
               positives=info.get("positives", 0))


def honesty_of(run: queries.RunInfo | None, profile: str) -> dict:
    """The run's backtest comparison for a profile (empty for runs stored before it was kept)."""
    return run.quality.get(profile, {}).get("honesty", {}) if run else {}


def honesty_lines(run: queries.RunInfo | None, profile: str) -> list[Msg]:
    """The candidates page's words on how the profile did against the simple rules and random."""
    return honesty.lines(honesty_of(run, profile), profile)


@dataclass(frozen=True)
class Funnel:
    """Members per stage in the newest run, and moves since the last run before this month."""

    run: queries.RunInfo | None
    baseline: queries.RunInfo | None
    counts: list[tuple[str, int]]
    moves: list[tuple[str, str, int, str]]
    up: int
    down: int


def funnel(session: Session, now: datetime) -> Funnel:
    """The journey funnel as of the newest run."""
    run = queries.latest_run(session)
    if run is None:
        return Funnel(None, None, [], [], 0, 0)
    counts = queries.stage_counts(session, run.id)
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    baseline = queries.latest_run(session, before=min(month_start, run.as_of))
    moves = []
    if baseline is not None and baseline.id != run.id:
        for (before, after), count in sorted(queries.stage_moves(session, baseline.id, run.id).items(),
                                             key=lambda item: (journey.STAGES.index(item[0][0]), journey.STAGES.index(item[0][1]))):
            moves.append((before, after, count, journey.direction(before, after)))
    return Funnel(
        run, baseline, [(stage, counts.get(stage, 0)) for stage in journey.STAGES], moves,
        sum(count for _b, _a, count, way in moves if way == "up"), sum(count for _b, _a, count, way in moves if way == "down"),
    )


@dataclass(frozen=True)
class JourneyView:
    """A member's own place on the ladder and what the next step asks."""

    stage: str | None
    as_of: datetime | None
    next_step: Msg | None


def member_journey(session: Session, settings, user_id: int) -> JourneyView:
    """A member's stage in the newest run that placed them, with the next step."""
    found = queries.stage_of_member(session, user_id)
    if found is None:
        return JourneyView(None, None, None)
    stage, signals, as_of = found
    step = journey.next_step(
        stage, recent_visit_days=signals.get("journey_visit_days", 0), answers=signals.get("answers_all", 0),
        accepted=signals.get("accepted_all", 0), settings=settings,
    )
    return JourneyView(stage, as_of, step)
