"""HTML pages of the idea board: lists, one idea, proposing, voting, statuses, merges, roadmap, CSV."""

from __future__ import annotations

import csv
import io
import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from app.accounts.auth import MemberDep
from app.db import SessionDep
from app.errors import AppError, Forbidden, NotFound, RateLimited, ValidationFailed
from app.guard import Id, Page
from app.i18n import N_
from app.inputs import parse_id
from app.ideas import permissions, queries, service
from app.ideas.models import ROADMAP_STATUSES, STATUS_LABELS, STATUSES
from app.web import earlier_submission, flash, get_now, redirect, render, submitted, viewer_of

router = APIRouter()
FormStr = Annotated[str, Form()]
IDEA_REF_RE = re.compile(r"^(\d{1,18})(?:-.*)?$")
SORT_LABELS = {"top": N_("Top"), "new": N_("New"), "trending": N_("Trending")}
AREA_VISIBILITY_LABELS = {
    "public": N_("Everyone"),
    "members": N_("Logged-in members"),
    "labs": N_("Labs members only"),
}
EXPORT_HEADER = (
    "id", "title", "area", "status", "votes", "active_votes", "followers", "comments", "author", "created_at",
    "status_changed_at", "merged_into_id", "url",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _headers(error: AppError) -> dict | None:
    return {"Retry-After": str(error.retry_after)} if isinstance(error, RateLimited) else None


def _common(request: Request, db) -> dict:
    viewer = viewer_of(request)
    return {
        "status_labels": STATUS_LABELS,
        "statuses": STATUSES,
        "budget": queries.budget_of(db, request.app.state.settings, viewer),
        "can_manage": permissions.can_change_status(viewer),
    }


@router.get("/ideas")
def board(request: Request, db: SessionDep, sort: str = "top", status: str = "", area: str = "", page: Page = 1):
    """The idea board: top, new or trending ideas, filtered by status and area."""
    viewer = viewer_of(request)
    settings = request.app.state.settings
    sort = sort if sort in queries.SORTS else "top"
    status = status if status in STATUSES else ""
    areas = queries.visible_areas(db, viewer)
    current_area = next((a for a in areas if a.slug == area), None)
    ideas, has_next = queries.list_ideas(
        db, viewer, now=get_now(request), sort=sort, status=status or None,
        area_slug=current_area.slug if current_area else None, trending_days=settings.idea_trending_days, page=page,
    )
    query = "&".join(f"{k}={v}" for k, v in (("sort", sort), ("status", status), ("area", area if current_area else "")) if v)
    return render(
        request,
        "ideas/board.html",
        {
            **_common(request, db),
            "ideas": ideas, "areas": areas, "area": current_area, "sort": sort, "status": status,
            "sort_labels": SORT_LABELS, "page": max(1, page), "has_next": has_next, "query": query,
            "trending_days": settings.idea_trending_days,
        },
    )


def _new_page(request: Request, db, *, values=None, errors=None, message=None, status_code=200, headers=None):
    return render(
        request,
        "ideas/new.html",
        {
            "areas": queries.visible_areas(db, viewer_of(request)),
            "values": values or {},
            "errors": errors or {},
            "message": message,
        },
        status_code=status_code,
        headers=headers,
    )


@router.get("/ideas/new")
def new_idea_form(request: Request, viewer: MemberDep, db: SessionDep, area: str = ""):
    """The form to propose an idea (an area can be preselected by slug)."""
    chosen = next((a.id for a in queries.visible_areas(db, viewer) if a.slug == area), None)
    return _new_page(request, db, values={"area_id": chosen})


@router.post("/ideas/new")
def new_idea(
    request: Request, viewer: MemberDep, db: SessionDep, title: FormStr = "", description: FormStr = "",
    area_id: FormStr = "", form_key: FormStr = "",
):
    """Propose an idea; a failed form comes back with everything typed still in it."""
    values = {"title": title, "description": description, "area_id": parse_id(area_id)}
    if earlier := earlier_submission(request, db, viewer.id, form_key, "idea"):
        return earlier
    try:
        idea = service.propose(
            db, request.app.state.settings, viewer, area_id=area_id, title=title, description=description,
            now=get_now(request),
        )
    except ValidationFailed as error:
        return _new_page(request, db, values=values, errors=error.detail, message=error.message, status_code=422)
    except (Forbidden, RateLimited) as error:
        return _new_page(
            request, db, values=values, message=error.message, status_code=error.status_code, headers=_headers(error)
        )
    flash(request, N_("Your idea is on the board. Share it so others can vote."), "success")
    return redirect(submitted(db, viewer.id, form_key, f"/ideas/{idea.id}-{idea.slug}"))


@router.get("/ideas/roadmap")
def roadmap(request: Request, db: SessionDep):
    """The roadmap: planned, in progress and recently shipped ideas."""
    columns = queries.roadmap(db, viewer_of(request), now=get_now(request))
    return render(request, "ideas/roadmap.html", {**_common(request, db), "columns": columns, "order": ROADMAP_STATUSES})


def _cell(value) -> str:
    text = "" if value is None else (value.isoformat() if hasattr(value, "isoformat") else str(value))
    # A leading =, +, - or @ makes spreadsheets run the cell as a formula; quote it as text.
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@router.get("/ideas/export.csv")
def export_csv(request: Request, viewer: MemberDep, db: SessionDep):
    """Every idea with its votes and status, as CSV for the product team."""
    if not permissions.can_export(viewer):
        raise Forbidden(N_("Only the product team can export ideas."))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_HEADER)
    for row in queries.export_rows(db, viewer):
        writer.writerow([_cell(getattr(row, name)) for name in EXPORT_HEADER])
    stamp = get_now(request).strftime("%Y-%m-%d")
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="ideas-{stamp}.csv"'},
    )


def _areas_page(request: Request, db, *, values=None, errors=None, message=None, status_code=200):
    return render(
        request,
        "ideas/areas.html",
        {
            "areas": queries.visible_areas(db, viewer_of(request)),
            "visibility_labels": AREA_VISIBILITY_LABELS,
            "values": values or {"visibility": "public"},
            "errors": errors or {},
            "message": message,
        },
        status_code=status_code,
    )


@router.get("/ideas/areas")
def areas(request: Request, viewer: MemberDep, db: SessionDep):
    """Idea areas, and the form to open a new one (product team)."""
    if not permissions.can_manage_areas(viewer):
        raise Forbidden(N_("Only the product team can create idea areas."))
    return _areas_page(request, db)


@router.post("/ideas/areas")
def create_area(
    request: Request, viewer: MemberDep, db: SessionDep, name: FormStr = "", slug: FormStr = "",
    description: FormStr = "", visibility: FormStr = "public",
):
    """Open a new idea area with its forum category."""
    values = {"name": name, "slug": slug, "description": description, "visibility": visibility}
    try:
        area = service.create_area(
            db, viewer, name=name, slug=slug, description=description, visibility=visibility, now=get_now(request)
        )
    except ValidationFailed as error:
        return _areas_page(request, db, values=values, errors=error.detail, message=error.message, status_code=422)
    flash(request, N_("The area is open for ideas."), "success")
    return redirect(f"/ideas?area={area.slug}")


def _idea_id(ref: str) -> int:
    match = IDEA_REF_RE.match(ref)
    idea_id = parse_id(match.group(1)) if match else None
    if idea_id is None:
        raise NotFound(N_("This idea does not exist or you may not see it."))
    return idea_id


def _idea_page(
    request: Request, db, idea_id: int, *, ref=None, values=None, errors=None, message=None, status_code=200, headers=None,
):
    settings = request.app.state.settings
    detail = queries.idea_detail(db, viewer_of(request), idea_id, now=get_now(request), trending_days=settings.idea_trending_days)
    if detail is None:
        raise NotFound(N_("This idea does not exist or you may not see it."))
    if ref is not None and ref != f"{detail.card.id}-{detail.card.slug}":
        return redirect(detail.card.url, status_code=301)
    return render(
        request,
        "ideas/idea.html",
        {
            **_common(request, db),
            "detail": detail, "idea": detail.card, "values": values or {}, "errors": errors or {}, "message": message,
        },
        status_code=status_code,
        headers=headers,
    )


@router.get("/ideas/{ref}")
def idea_page(request: Request, ref: str, db: SessionDep):
    """One idea: description, votes, status history, merges and its discussion thread."""
    idea_id = _idea_id(ref)
    return _idea_page(request, db, idea_id, ref=ref)


def _back(request: Request, idea_id: int, next_path: str) -> str:
    # Only local idea pages: never an open redirect.
    if next_path.startswith("/ideas") and not next_path.startswith("//") and "\\" not in next_path:
        return next_path
    return f"/ideas/{idea_id}"


def _act(request: Request, db, idea_id: int, action, *, values=None):
    try:
        action()
    except ValidationFailed as error:
        return _idea_page(request, db, idea_id, values=values, errors=error.detail, message=error.message, status_code=422)
    except (Forbidden, NotFound):
        raise
    except AppError as error:
        return _idea_page(
            request, db, idea_id, values=values, message=error.message, status_code=error.status_code,
            headers=_headers(error),
        )
    return None


@router.post("/ideas/{idea_id}/vote")
def vote(request: Request, idea_id: Id, viewer: MemberDep, db: SessionDep, next: FormStr = ""):
    """Vote for an idea from its page or the board."""
    failed = _act(request, db, idea_id, lambda: service.vote(db, request.app.state.settings, viewer, idea_id, get_now(request)))
    return failed or redirect(_back(request, idea_id, next))


@router.post("/ideas/{idea_id}/unvote")
def unvote(request: Request, idea_id: Id, viewer: MemberDep, db: SessionDep, next: FormStr = ""):
    """Take a vote back."""
    failed = _act(request, db, idea_id, lambda: service.unvote(db, viewer, idea_id, get_now(request)))
    return failed or redirect(_back(request, idea_id, next))


@router.post("/ideas/{idea_id}/follow")
def follow(request: Request, idea_id: Id, viewer: MemberDep, db: SessionDep):
    """Follow an idea's status changes."""
    failed = _act(request, db, idea_id, lambda: service.follow(db, viewer, idea_id, get_now(request)))
    return failed or redirect(f"/ideas/{idea_id}")


@router.post("/ideas/{idea_id}/unfollow")
def unfollow(request: Request, idea_id: Id, viewer: MemberDep, db: SessionDep):
    """Stop following an idea."""
    failed = _act(request, db, idea_id, lambda: service.unfollow(db, viewer, idea_id))
    return failed or redirect(f"/ideas/{idea_id}")


@router.post("/ideas/{idea_id}/status")
def change_status(request: Request, idea_id: Id, viewer: MemberDep, db: SessionDep, status: FormStr = "", note: FormStr = ""):
    """Set the status with an optional public note (product team); voters are told."""
    failed = _act(
        request, db, idea_id,
        lambda: service.change_status(db, viewer, idea_id, status=status, note=note, now=get_now(request)),
        values={"status": status, "note": note},
    )
    if failed:
        return failed
    flash(request, N_("Status changed; the author, voters and followers were notified."), "success")
    return redirect(f"/ideas/{idea_id}")


@router.post("/ideas/{idea_id}/merge")
def merge(request: Request, idea_id: Id, viewer: MemberDep, db: SessionDep, target_id: FormStr = ""):
    """Merge this idea into another one (product team)."""
    target = target_id.strip().lstrip("#")
    match = IDEA_REF_RE.match(target.rsplit("/", 1)[-1]) if target else None
    resolved = match.group(1) if match else target
    result: dict = {}
    failed = _act(
        request, db, idea_id,
        lambda: result.setdefault("idea", service.merge(db, viewer, idea_id, resolved, get_now(request))),
        values={"target_id": target_id},
    )
    if failed:
        return failed
    flash(request, N_("The ideas were merged: votes and followers moved."), "success")
    return redirect(f"/ideas/{result['idea'].id}-{result['idea'].slug}")
