"""Admin pages for categories: list, create, edit visibility and groups."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy import select

from app.accounts.auth import require_member
from app.accounts.models import Group
from app.db import SessionDep
from app.errors import Forbidden, NotFound, ValidationFailed
from app.forum import categories as category_service
from app.forum.models import Category, CategoryGroup, CategoryPostingGroup
from app.guard import OptionalId
from app.i18n import N_, Msg
from app.inputs import parse_id
from app.web import flash, get_now, redirect, render

router = APIRouter()
# Positions order a handful of categories; the bound keeps the number inside an integer column.
MAX_POSITION = 1_000_000
FormStr = Annotated[str, Form()]
FormList = Annotated[list[str], Form()]
DEFAULT_VALUES = {
    "visibility": "public", "groups": [], "position": 0, "topic_access": "members", "reply_access": "members",
    "topic_groups": [], "reply_groups": [], "topic_form": "any",
}


def _admin(request: Request):
    viewer = require_member(request)
    if not viewer.is_admin:
        raise Forbidden(N_("Only admins can manage categories."))
    return viewer


def _page(request: Request, db, *, values=None, errors=None, message=None, editing=None, status_code=200):
    rows = db.execute(select(Category).order_by(Category.position, Category.name)).scalars().all()
    group_rows = db.execute(
        select(CategoryGroup.category_id, Group.name).join(Group, Group.id == CategoryGroup.group_id)
    ).all()
    groups_of: dict[int, list[str]] = {}
    for category_id, name in group_rows:
        groups_of.setdefault(category_id, []).append(name)
    posting_of: dict[tuple[int, str], list[str]] = {}
    for category_id, action, name in db.execute(
        select(CategoryPostingGroup.category_id, CategoryPostingGroup.action, Group.name)
        .join(Group, Group.id == CategoryPostingGroup.group_id).order_by(Group.name)
    ):
        posting_of.setdefault((category_id, action), []).append(name)
    return render(
        request,
        "forum/admin_categories.html",
        {
            "categories": rows,
            "groups_of": groups_of,
            "posting_of": posting_of,
            "all_groups": db.scalars(select(Group.name).order_by(Group.name)).all(),
            "values": values or DEFAULT_VALUES,
            "errors": errors or {},
            "message": message,
            "editing": editing,
        },
        status_code=status_code,
    )


@router.get("/admin/categories")
def categories(request: Request, db: SessionDep, edit: OptionalId = None):
    """Every category, and a form to create one (or edit the chosen one)."""
    _admin(request)
    if edit is None:
        return _page(request, db)
    category = db.get(Category, edit)
    if category is None:
        raise NotFound(N_("This category does not exist."))
    groups = db.scalars(
        select(Group.name).join(CategoryGroup, CategoryGroup.group_id == Group.id).where(CategoryGroup.category_id == category.id)
    ).all()
    posting = db.execute(
        select(CategoryPostingGroup.action, Group.name).join(Group, Group.id == CategoryPostingGroup.group_id)
        .where(CategoryPostingGroup.category_id == category.id)
    ).all()
    values = {
        "slug": category.slug, "name": category.name, "description": category.description,
        "position": category.position, "visibility": category.visibility, "groups": list(groups),
        "topic_access": category.topic_access, "reply_access": category.reply_access, "topic_form": category.topic_form,
        "topic_groups": [name for action, name in posting if action == "topic"],
        "reply_groups": [name for action, name in posting if action == "reply"],
    }
    return _page(request, db, values=values, editing=category.id)


@router.post("/admin/categories")
def save(
    request: Request,
    db: SessionDep,
    slug: FormStr = "",
    name: FormStr = "",
    description: FormStr = "",
    position: FormStr = "0",
    visibility: FormStr = "public",
    groups: FormList = [],  # noqa: B006 - FastAPI copies defaults
    topic_access: FormStr = "members",
    reply_access: FormStr = "members",
    topic_groups: FormList = [],  # noqa: B006
    reply_groups: FormList = [],  # noqa: B006
    topic_form: FormStr = "any",
    category_id: FormStr = "",
):
    """Create or update a category (category_id in the form means update)."""
    viewer = _admin(request)
    values = {
        "slug": slug, "name": name, "description": description, "position": position,
        "visibility": visibility, "groups": list(groups), "topic_access": topic_access, "reply_access": reply_access,
        "topic_groups": list(topic_groups), "reply_groups": list(reply_groups), "topic_form": topic_form,
    }
    category_id = parse_id(category_id)
    try:
        position = int(values["position"] or 0)
    except ValueError:
        position = None
    if position is None or abs(position) > MAX_POSITION:
        error = Msg("Use a whole number from %(low)s to %(high)s.", low=-MAX_POSITION, high=MAX_POSITION)
        return _page(request, db, values=values, errors={"position": error},
                     message=N_("Please check the form."), editing=category_id, status_code=422)
    try:
        category_service.save_category(
            db, viewer, category_id=category_id, slug=values["slug"], name=values["name"],
            description=values["description"], position=position, visibility=values["visibility"],
            group_names=values["groups"], topic_access=topic_access, reply_access=reply_access,
            topic_group_names=values["topic_groups"], reply_group_names=values["reply_groups"],
            topic_form=topic_form, now=get_now(request),
        )
    except ValidationFailed as error:
        return _page(request, db, values=values, errors=error.detail or {}, message=error.message,
                     editing=category_id, status_code=422)
    flash(request, N_("The category is saved."), "success")
    return redirect("/admin/categories")
