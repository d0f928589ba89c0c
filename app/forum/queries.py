"""Read-only forum facts for pages and other domains (frozen dataclasses, never ORM rows)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Group
from app.forum.models import Category, CategoryGroup
from app.forum.permissions import CategoryAccess, visible_ids
from app.web import Viewer


def category_access(session: Session) -> list[CategoryAccess]:
    """Visibility facts of every category, in two statements."""
    groups: dict[int, set[str]] = {}
    for category_id, name in session.execute(
        select(CategoryGroup.category_id, Group.name).join(Group, Group.id == CategoryGroup.group_id)
    ):
        groups.setdefault(category_id, set()).add(name)
    return [
        CategoryAccess(id=row.id, visibility=row.visibility, groups=frozenset(groups.get(row.id, ())))
        for row in session.execute(select(Category.id, Category.visibility))
    ]


def visible_category_ids(session: Session, viewer: Viewer) -> set[int]:
    """Categories the viewer may see; every listing, search and feed filters by this set."""
    return visible_ids(viewer, category_access(session))


def viewer_for(session: Session, user_id: int) -> Viewer:
    """A Viewer snapshot of a member (for jobs, the demo generator and tests acting as them)."""
    from app.accounts.models import GroupMembership, User

    user = session.get(User, user_id)
    roles = session.scalars(
        select(Group.name).join(GroupMembership, GroupMembership.group_id == Group.id).where(GroupMembership.user_id == user_id)
    ).all()
    return Viewer(
        id=user.id, username=user.username, display_name=user.display_name,
        roles=frozenset({"member", *roles}), locale=user.locale,
    )
