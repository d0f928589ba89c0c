"""HTML pages of the ambassadors domain: candidates per profile, a member's signal history, the
journey funnel, the backtest, and each member's own journey."""

from __future__ import annotations

from datetime import datetime, timezone

from fastapi import APIRouter, Request

from app.accounts import queries as accounts_queries
from app.accounts.auth import MemberDep
from app.ambassadors import invitations, journey, queries, views
from app.ambassadors.models import PROFILES
from app.ambassadors.permissions import can_see_candidates, can_see_journey
from app.ambassadors.signals import SIGNALS
from app.db import SessionDep
from app.errors import Forbidden, NotFound
from app.i18n import N_, Msg
from app.inputs import parse_id
from app.web import Viewer, flash, get_now, redirect, render

router = APIRouter()
# A backtest looks years back from its cutoff (training cutoffs, windows) and a horizon ahead;
# these bounds keep every date it computes inside what datetime and the databases hold.
MAX_BACKTEST_HORIZON_DAYS = 3650
EARLIEST_BACKTEST_CUTOFF = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _manager(viewer: Viewer) -> Viewer:
    if not can_see_candidates(viewer):
        raise Forbidden(N_("Only community managers and admins can see ambassador candidates."))
    return viewer


def _member(db, username: str) -> accounts_queries.MemberProfile:
    member = accounts_queries.profile(db, username)
    if member is None:
        raise NotFound(N_("There is no member with that name."))
    return member


@router.get("/ambassadors")
def candidates(request: Request, db: SessionDep, viewer: MemberDep, profile: str = "helper"):
    """Candidates of one role profile from the newest scoring run, with scores, trends and reasons."""
    _manager(viewer)
    profile = views.check_profile(profile)
    settings = request.app.state.settings
    run = queries.latest_run(db)
    now = get_now(request)
    hidden = invitations.hidden_candidates(db, profile, now) | {viewer.id}
    rows = queries.candidates(db, run, profile, settings.ambassador_candidates_shown, now=now, exclude=hidden) if run else []
    return render(request, "ambassadors/candidates.html", {
        "run": run, "profile": profile, "profiles": PROFILES, "profile_names": views.PROFILE_NAMES,
        "rows": [(row, views.sentences(row.explanation, views.imported(run))) for row in rows], "flag_names": views.FLAG_NAMES,
        "stage_names": journey.STAGE_NAMES, "note": views.model_note(run, profile) if run else None,
        "honesty": views.honesty_of(run, profile), "honesty_lines": views.honesty_lines(run, profile),
        "invited": invitations.open_invitations(db, profile, get_now(request)),
    })


@router.post("/ambassadors/runs")
def start_run(request: Request, db: SessionDep, viewer: MemberDep):
    """Run scoring now (a new run; earlier runs stay as they are)."""
    _manager(viewer)
    from app.ambassadors import service  # NumPy and scikit-learn load only in a worker that runs scoring

    service.run_scoring(db, request.app.state.settings, get_now(request), trigger="web")
    flash(request, N_("A new scoring run is ready."), "success")
    return redirect("/ambassadors")


@router.get("/ambassadors/members/{username}")
def member_detail(request: Request, username: str, db: SessionDep, viewer: MemberDep):
    """One member's scores, reasons and signal history across runs."""
    _manager(viewer)
    member = _member(db, username)
    history = queries.member_history(db, member.id)
    latest = history[0] if history else None
    return render(request, "ambassadors/member.html", {
        "member": member, "history": history, "signals": SIGNALS, "profiles": PROFILES,
        "profile_names": views.PROFILE_NAMES, "stage_names": journey.STAGE_NAMES, "flag_names": views.FLAG_NAMES,
        "reasons": {p: views.sentences(latest.explanations.get(p, []), views.imported(queries.latest_run(db)))
                    for p in PROFILES} if latest else {},
    })


@router.get("/ambassadors/journey")
def funnel(request: Request, db: SessionDep, viewer: MemberDep):
    """How many members stand on each journey stage, and how they moved this month."""
    _manager(viewer)
    return render(request, "ambassadors/funnel.html", {
        "funnel": views.funnel(db, get_now(request)), "stage_names": journey.STAGE_NAMES,
    })


def _date(value: str, field: str, errors: dict) -> datetime | None:
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        errors[field] = N_("Use a date like 2025-01-31.")
        return None


@router.get("/ambassadors/backtest")
def backtest_page(request: Request, db: SessionDep, viewer: MemberDep, cutoff: str = "", horizon: str = "90"):
    """Had we scored at a past date, how well would each profile and baseline have found the real helpers?"""
    _manager(viewer)
    from app.ambassadors import backtest  # loads NumPy and scikit-learn; only this manager page needs them

    result, errors = None, {}
    if cutoff:
        moment = _date(cutoff, "cutoff", errors)
        days = parse_id(horizon)
        if days is None or days > MAX_BACKTEST_HORIZON_DAYS:
            errors["horizon"] = Msg(
                "Give the horizon as a whole number of days from 1 to %(max)s.", max=MAX_BACKTEST_HORIZON_DAYS
            )
        elif moment is not None and moment >= get_now(request):
            errors["cutoff"] = N_("Choose a date in the past.")
        elif moment is not None and moment < EARLIEST_BACKTEST_CUTOFF:
            errors["cutoff"] = Msg("Choose a date from %(date)s on.", date=EARLIEST_BACKTEST_CUTOFF.date().isoformat())
        if not errors:
            result = backtest.run(db, request.app.state.settings, moment, days)
    status = 422 if errors else 200
    return render(request, "ambassadors/backtest.html", {
        "result": result, "errors": errors, "cutoff": cutoff, "horizon": horizon, "header": backtest.HEADER,
        "message": N_("Please correct the marked fields.") if errors else None,
    }, status_code=status)


@router.get("/u/{username}/journey")
def own_journey(request: Request, username: str, db: SessionDep, viewer: MemberDep):
    """A member's own stage on the journey ladder and what the next step asks (never scores)."""
    member = _member(db, username)
    if not can_see_journey(viewer, member.id):
        raise Forbidden(N_("Only the member themselves can see their journey."))
    view = views.member_journey(db, request.app.state.settings, member.id)
    return render(request, "ambassadors/journey.html", {
        "member": member, "view": view, "stages": journey.STAGES, "stage_names": journey.STAGE_NAMES,
    })
