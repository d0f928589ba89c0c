"""Who may see and do what in the forum. `can_see_category` is THE visibility rule (DESIGN §3.7):
every path that shows forum content goes through it, directly or via `visible_category_ids`.
`can_post_in_category` is its sibling for starting topics and replying."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.i18n import N_
from app.web import Viewer


@dataclass(frozen=True)
class CategoryAccess:
    """The facts visibility depends on."""

    id: int
    visibility: str  # public | members | groups
    groups: frozenset[str]
    topic_access: str = "members"  # members | staff | groups
    reply_access: str = "members"
    topic_groups: frozenset[str] = frozenset()
    reply_groups: frozenset[str] = frozenset()
    topic_form: str = "any"  # any | ideas (new topics only through the idea form)


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


def can_post_in_category(viewer: Viewer, category: CategoryAccess, action: str, *, via: str = "forum") -> bool:
    """The posting rule: may the viewer start a topic (`action` 'topic') or reply ('reply') here?

    Only where they may see; 'members' lets every such member post, 'staff' only moderators,
    managers and admins, 'groups' members of the listed groups and staff. A category whose topics
    come from the idea board takes new topics only `via` 'ideas'.
    """
    if not viewer.is_authenticated or not can_see_category(viewer, category):
        return False
    if action == "topic":
        if category.topic_form == "ideas" and via != "ideas":
            return False
        access, groups = category.topic_access, category.topic_groups
    else:
        access, groups = category.reply_access, category.reply_groups
    if access == "members" or viewer.is_staff:
        return True
    return access == "groups" and bool(viewer.roles & groups)


def posting_refusal(category: CategoryAccess, action: str, *, via: str = "forum") -> str:
    """What to tell a member who may see a category but not post there."""
    if action == "topic" and category.topic_form == "ideas" and via != "ideas":
        return N_("Topics in this category are started from the idea board: use the idea form.")
    access = category.topic_access if action == "topic" else category.reply_access
    if action == "topic":
        return N_("Only staff can start topics in this category.") if access == "staff" else N_(
            "Only some groups can start topics in this category."
        )
    return N_("Only staff can reply in this category.") if access == "staff" else N_(
        "Only some groups can reply in this category."
    )


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
