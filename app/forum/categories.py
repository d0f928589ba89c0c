"""Category commands (admins): create and edit categories, who may see them and who may post."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.accounts.models import Group
from app.errors import Forbidden, NotFound, ValidationFailed
from app.forum.models import POSTING_ACCESS, TOPIC_FORMS, VISIBILITIES, Category, CategoryGroup, CategoryPostingGroup
from app.i18n import N_
from app.inputs import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from app.web import Viewer

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")


def _check(session: Session, category_id: int | None, *, slug, name, visibility, group_names) -> tuple[str, str, list[int]]:
    errors: dict[str, str] = {}
    slug = (slug or "").strip().lower()
    name = " ".join((name or "").split())
    if not SLUG_RE.match(slug):
        errors["slug"] = N_("Use lower-case letters, digits and dashes (at most 60).")
    elif session.scalar(select(Category.id).where(Category.slug == slug, Category.id != (category_id or 0))):
        errors["slug"] = N_("Another category already uses this slug.")
    if not name or len(name) > 80:
        errors["name"] = N_("Give the category a name (at most 80 characters).")
    elif has_control_characters(name):
        errors["name"] = CONTROL_CHARACTERS_MESSAGE
    if visibility not in VISIBILITIES:
        errors["visibility"] = N_("Choose who may see the category.")
    groups = dict(session.execute(select(Group.name, Group.id).where(Group.name.in_(list(group_names or ())))).all())
    if visibility == "groups" and not groups:
        errors["groups"] = N_("Choose at least one group for a restricted category.")
    if errors:
        raise ValidationFailed(N_("Please check the form."), detail=errors)
    return slug, name, sorted(groups.values()) if visibility == "groups" else []


def _check_posting(session: Session, access: dict[str, str], groups: dict[str, list[str]], topic_form: str) -> dict[str, list[int]]:
    errors: dict[str, str] = {}
    chosen: dict[str, list[int]] = {}
    for action in ("topic", "reply"):
        if access[action] not in POSTING_ACCESS:
            errors[f"{action}_access"] = N_("Choose who may post.")
            continue
        names = list(groups.get(action) or ())
        ids = sorted(session.scalars(select(Group.id).where(Group.name.in_(names))).all()) if names else []
        if access[action] == "groups" and not ids:
            errors[f"{action}_groups"] = N_("Choose at least one group that may post.")
        chosen[action] = ids if access[action] == "groups" else []
    if topic_form not in TOPIC_FORMS:
        errors["topic_form"] = N_("Choose where new topics come from.")
    if errors:
        raise ValidationFailed(N_("Please check the form."), detail=errors)
    return chosen


def _require_admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise Forbidden(N_("Only admins can manage categories."))


def save_category(
    session: Session,
    viewer: Viewer,
    *,
    category_id: int | None = None,
    slug: str,
    name: str,
    description: str = "",
    position: int = 0,
    visibility: str = "public",
    group_names=(),
    topic_access: str = "members",
    reply_access: str = "members",
    topic_group_names=(),
    reply_group_names=(),
    topic_form: str = "any",
    now: datetime,
) -> Category:
    """Create (category_id None) or update a category: who may see it, start topics and reply."""
    _require_admin(viewer)
    category = None
    if category_id is not None:
        category = session.get(Category, category_id)
        if category is None:
            raise NotFound(N_("This category does not exist."))
    errors: dict[str, str] = {}
    try:
        slug, name, group_ids = _check(session, category_id, slug=slug, name=name, visibility=visibility, group_names=group_names)
    except ValidationFailed as error:
        errors.update(error.detail)
    try:
        posting_ids = _check_posting(
            session, {"topic": topic_access, "reply": reply_access},
            {"topic": topic_group_names, "reply": reply_group_names}, topic_form,
        )
    except ValidationFailed as error:
        errors.update(error.detail)
    if errors:
        raise ValidationFailed(N_("Please check the form."), detail=errors)
    if category is None:
        category = Category(slug=slug, name=name, created_at=now, topic_count=0)
        session.add(category)
    category.slug = slug
    category.name = name
    category.description = (description or "").strip()
    category.position = int(position or 0)
    category.visibility = visibility
    category.topic_access = topic_access
    category.reply_access = reply_access
    category.topic_form = topic_form
    session.flush()
    session.execute(delete(CategoryGroup).where(CategoryGroup.category_id == category.id))
    session.execute(delete(CategoryPostingGroup).where(CategoryPostingGroup.category_id == category.id))
    for group_id in group_ids:
        session.add(CategoryGroup(category_id=category.id, group_id=group_id))
    for action, ids in posting_ids.items():
        for group_id in ids:
            session.add(CategoryPostingGroup(category_id=category.id, action=action, group_id=group_id))
    session.flush()
    return category
