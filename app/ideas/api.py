"""JSON API of the ideas domain under /api/v1/ideas: the same services as the pages."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.accounts.auth import MemberDep
from app.db import SessionDep
from app.errors import NotFound
from app.guard import Id
from app.i18n import N_
from app.ideas import queries, service
from app.ideas.schemas import (
    AreaRead, AreaRef, BudgetRead, IdeaCreate, IdeaDetailRead, IdeaList, IdeaRead, MergeRequest, StatusChange,
    StatusEntryRead, IdeaVoteRead,
)
from app.openapi import Page, PagingDep
from app.web import get_now, viewer_of

router = APIRouter(prefix="/api/v1/ideas", tags=["ideas"])


def _budget(budget: queries.Budget | None) -> BudgetRead | None:
    return BudgetRead(total=budget.total, used=budget.used, remaining=budget.remaining) if budget else None


def idea_read(card: queries.IdeaCard) -> IdeaRead:
    """The API shape of an idea card."""
    return IdeaRead(
        id=card.id, title=card.title, url=card.url, status=card.status, vote_count=card.vote_count,
        recent_votes=card.recent_votes, area=AreaRef(id=card.area_id, slug=card.area_slug, name=card.area_name),
        author=card.author_username, topic_id=card.topic_id, comments=card.reply_count, created_at=card.created_at,
        status_changed_at=card.status_changed_at, merged_into_id=card.merged_into_id, voted=card.voted,
    )


def _detail(request: Request, db, idea_id: int) -> IdeaDetailRead:
    settings = request.app.state.settings
    detail = queries.idea_detail(db, viewer_of(request), idea_id, now=get_now(request), trending_days=settings.idea_trending_days)
    if detail is None:
        raise NotFound(N_("This idea does not exist or you may not see it."))
    return IdeaDetailRead(
        **idea_read(detail.card).model_dump(),
        description_html=detail.description_html,
        history=[
            StatusEntryRead(old_status=h.old_status, new_status=h.new_status, note=h.note, by=h.by_username, at=h.created_at)
            for h in detail.history
        ],
        merged_from=[ref.id for ref in detail.merged_from],
        following=detail.following,
        followers=detail.follower_count,
    )


@router.get("", response_model=IdeaList)
def list_ideas(
    request: Request, db: SessionDep, paging: PagingDep, sort: str = "top", status: str | None = None, area: str | None = None,
) -> IdeaList:
    """Ideas the caller may see: sort=top|new|trending, optional status and area slug filters."""
    viewer = viewer_of(request)
    settings = request.app.state.settings
    items, has_next = queries.list_ideas(
        db, viewer, now=get_now(request), sort=sort, status=status, area_slug=area,
        trending_days=settings.idea_trending_days, per_page=paging.limit, offset=paging.offset,
    )
    return IdeaList(
        **paging.page(items + ([None] if has_next else []), idea_read),
        budget=_budget(queries.budget_of(db, settings, viewer)),
    )


@router.get("/areas", response_model=Page[AreaRead])
def list_areas(request: Request, db: SessionDep, paging: PagingDep):
    """Idea areas the caller may see."""
    return paging.slice(list(queries.visible_areas(db, viewer_of(request))), lambda area: AreaRead(**vars(area)))


@router.post("", response_model=IdeaDetailRead, status_code=201)
def create_idea(request: Request, body: IdeaCreate, viewer: MemberDep, db: SessionDep) -> IdeaDetailRead:
    """Propose an idea; its description opens the idea's forum thread."""
    idea = service.propose(
        db, request.app.state.settings, viewer, area_id=body.area_id, title=body.title, description=body.description,
        now=get_now(request),
    )
    return _detail(request, db, idea.id)


@router.get("/{idea_id}", response_model=IdeaDetailRead)
def read_idea(request: Request, idea_id: Id, db: SessionDep) -> IdeaDetailRead:
    """One idea with its description, status history and merges."""
    return _detail(request, db, idea_id)


def _vote_read(request: Request, db, viewer, idea_id: int, changed: bool) -> IdeaVoteRead:
    settings = request.app.state.settings
    card = queries.idea_card(db, viewer, idea_id, now=get_now(request))
    return IdeaVoteRead(
        idea_id=idea_id, voted=card.voted, changed=changed, vote_count=card.vote_count,
        budget=_budget(queries.budget_of(db, settings, viewer)),
    )


@router.post("/{idea_id}/vote", response_model=IdeaVoteRead)
def vote(request: Request, idea_id: Id, viewer: MemberDep, db: SessionDep) -> IdeaVoteRead:
    """Vote for an idea (idempotent); 409 when the budget is used up or voting has closed."""
    changed = service.vote(db, request.app.state.settings, viewer, idea_id, get_now(request))
    return _vote_read(request, db, viewer, idea_id, changed)


@router.delete("/{idea_id}/vote", response_model=IdeaVoteRead)
def unvote(request: Request, idea_id: Id, viewer: MemberDep, db: SessionDep) -> IdeaVoteRead:
    """Take a vote back (idempotent); its budget returns."""
    changed = service.unvote(db, viewer, idea_id, get_now(request))
    return _vote_read(request, db, viewer, idea_id, changed)


@router.post("/{idea_id}/status", response_model=IdeaDetailRead)
def change_status(request: Request, idea_id: Id, body: StatusChange, viewer: MemberDep, db: SessionDep) -> IdeaDetailRead:
    """Set the status (product team only), with an optional public note."""
    service.change_status(db, viewer, idea_id, status=body.status, note=body.note, now=get_now(request))
    return _detail(request, db, idea_id)


@router.post("/{idea_id}/merge", response_model=IdeaDetailRead)
def merge(request: Request, idea_id: Id, body: MergeRequest, viewer: MemberDep, db: SessionDep) -> IdeaDetailRead:
    """Merge this idea into `into_id` (product team only); answers with the target idea."""
    target = service.merge(db, viewer, idea_id, body.into_id, get_now(request))
    return _detail(request, db, target.id)
