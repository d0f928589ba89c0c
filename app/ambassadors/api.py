"""JSON API of the ambassadors domain (managers and admins for candidates; members for their journey)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.accounts import queries as accounts_queries
from app.accounts.auth import MemberDep
from app.ambassadors import explain, invitations, queries, views
from app.ambassadors.permissions import can_see_candidates, can_see_journey
from app.ambassadors.schemas import CandidateRead, CandidatesRead, JourneyRead, ReasonRead
from app.db import SessionDep
from app.errors import Forbidden, NotFound
from app.i18n import N_, translate
from app.openapi import PagingDep
from app.web import get_now, request_language, translations_for

router = APIRouter(prefix="/api/v1", tags=["ambassadors"])


def _reason(item: dict, gettext, imported: bool) -> ReasonRead:
    text = translate(gettext, explain.sentence(item, imported))
    if item["effect"] == "penalty":
        text = f"{text} {translate(gettext, explain.penalty_sentence(item))}"
    return ReasonRead(signal=item["signal"], effect=item["effect"], value=item["value"], median=item["median"],
                      points=item.get("points"), text=text)


@router.get("/ambassadors/candidates", response_model=CandidatesRead)
def candidates(
    request: Request, db: SessionDep, viewer: MemberDep, paging: PagingDep, profile: str = "helper"
) -> CandidatesRead:
    """Candidates of a role profile from the newest scoring run, best first, with reasons in plain words."""
    if not can_see_candidates(viewer):
        raise Forbidden(N_("Only community managers and admins can see ambassador candidates."))
    profile = views.check_profile(profile)
    gettext = translations_for(request_language(request))
    run = queries.latest_run(db)
    now = get_now(request)
    hidden = invitations.hidden_candidates(db, profile, now) | {viewer.id}
    rows = queries.candidates(db, run, profile, request.app.state.settings.ambassador_candidates_shown,
                              now=now, exclude=hidden) if run else []
    return CandidatesRead(
        run_id=run.id if run else None, as_of=run.as_of if run else None, profile=profile,
        learned=bool(run and run.models.get(profile, {}).get("trained")),
        quality=run.quality.get(profile, {}) if run else {},
        candidates=paging.slice(rows, lambda row: CandidateRead(
            username=row.username, display_name=row.display_name, rank=row.rank, score=row.score,
            trend=row.trend, stage=row.stage, flags=row.flags,
            reasons=[_reason(item, gettext, views.imported(run)) for item in row.explanation
                     if explain.says_something(item)],
        )),
    )


@router.get("/users/{username}/journey", response_model=JourneyRead)
def journey(request: Request, username: str, db: SessionDep, viewer: MemberDep) -> JourneyRead:
    """A member's own journey stage and next step."""
    member = accounts_queries.profile(db, username)
    if member is None:
        raise NotFound(N_("There is no member with that name."))
    if not can_see_journey(viewer, member.id):
        raise Forbidden(N_("Only the member themselves can see their journey."))
    view = views.member_journey(db, request.app.state.settings, member.id)
    gettext = translations_for(request_language(request)).gettext
    return JourneyRead(username=member.username, stage=view.stage, as_of=view.as_of,
                       next_step=translate(gettext, view.next_step) if view.next_step else None)
