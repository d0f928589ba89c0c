"""Who may see and do what in the forum. `can_see_category` is THE visibility rule (DESIGN §3.7):
every path that shows forum content goes through it, directly or via `visible_category_ids`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.web import Viewer


@dataclass(frozen=True)
class CategoryAccess:
    """The facts visibility depends on."""

    id: int
    visibility: str  # public | members | groups
    groups: frozenset[str]


def can_see_category(viewer: Viewer, category: CategoryAccess) -> bool:
    """The one visibility function: public to all, members to logged-in, groups to members of them.

    Admins and moderators see every category (they moderate restricted areas too).
    """
    if category.visibility == "public":
        return True
    if not viewer.is_authenticated:
        return False
    if category.visibility == "members":
        return True
    if viewer.roles & {"admin", "moderator"}:
        return True
    return bool(viewer.roles & category.groups)


def visible_ids(viewer: Viewer, categories: Iterable[CategoryAccess]) -> set[int]:
    """Ids of the categories the viewer may see (SQL filters use this set)."""
    return {category.id for category in categories if can_see_category(viewer, category)}


def can_moderate(viewer: Viewer) -> bool:
    """Moderators and admins review flags, hide posts, lock, pin, move and suspend."""
    return bool(viewer.roles & {"moderator", "admin"})


def can_edit_post(viewer: Viewer, author_id: int | None, topic_locked: bool) -> bool:
    """Authors edit their own posts (not in locked topics); moderators edit any post."""
    if can_moderate(viewer):
        return True
    return viewer.is_authenticated and viewer.id == author_id and not topic_locked


def can_accept_answer(viewer: Viewer, asker_id: int | None) -> bool:
    """The asker or staff choose the accepted answer."""
    return viewer.is_authenticated and (viewer.id == asker_id or viewer.is_staff)
