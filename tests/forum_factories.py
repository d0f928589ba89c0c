"""Keyword-only forum factories built on the real services (they flush, never commit)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.forum import categories as category_service
from app.forum import service
from app.forum.models import Category, Post, Topic
from app.forum.queries import viewer_for
from app.web import Viewer
from tests.conftest import START, make_settings
from tests.factories import make_user

_counter = itertools.count(1)
_ADMIN = Viewer(id=0, username="factory", display_name="Factory", roles=frozenset({"member", "admin"}))


def _settings():
    return make_settings("sqlite://")


def make_category(
    db: Session,
    *,
    slug: str | None = None,
    name: str | None = None,
    visibility: str = "public",
    groups: tuple[str, ...] = (),
    description: str = "",
    position: int = 0,
    now: datetime = START,
) -> Category:
    """A category; visibility 'groups' needs group names such as ('labs',)."""
    from app.accounts import service as accounts

    accounts.ensure_groups(db)
    n = next(_counter)
    slug = slug or f"category-{n}"
    return category_service.save_category(
        db,
        _ADMIN,
        slug=slug,
        name=name or slug.replace("-", " ").title(),
        description=description,
        position=position,
        visibility=visibility,
        group_names=groups,
        now=now,
    )


def _group_names(db: Session, category: Category) -> tuple[str, ...]:
    from sqlalchemy import select

    from app.accounts.models import Group
    from app.forum.models import CategoryGroup

    return tuple(
        db.scalars(
            select(Group.name).join(CategoryGroup, CategoryGroup.group_id == Group.id).where(CategoryGroup.category_id == category.id)
        )
    )


def _established_member(db: Session, category: Category, now: datetime) -> User:
    """A default author: past the new-member limits, in the category's groups when it has them."""
    roles = _group_names(db, category) if category.visibility == "groups" else ()
    return make_user(db, roles=roles, created_at=min(now, START) - timedelta(days=30))


def as_viewer(db: Session, user: User) -> Viewer:
    """The Viewer a service sees when this member acts."""
    return viewer_for(db, user.id)


def make_topic(
    db: Session,
    *,
    author: User | None = None,
    category: Category | None = None,
    kind: str = "question",
    title: str | None = None,
    body: str | None = None,
    tags=(),
    now: datetime = START,
) -> Topic:
    """A topic with its first post, written through the service (events included)."""
    n = next(_counter)
    category = category or make_category(db)
    if author is None:
        # A default author may post where the category allows: give them its groups.
        author = _established_member(db, category, now)
    return service.create_topic(
        db,
        _settings(),
        as_viewer(db, author),
        category_id=category.id,
        title=title or f"How do I configure thing number {n}?",
        body=body or f"I tried the manual but step {n} fails. Any idea?",
        kind=kind,
        tags=tags,
        now=now,
    )


def make_reply(
    db: Session,
    *,
    topic: Topic,
    author: User | None = None,
    body: str | None = None,
    now: datetime = START,
) -> Post:
    """A reply in a topic, written through the service (events included)."""
    n = next(_counter)
    if author is None:
        author = _established_member(db, db.get(Category, topic.category_id), now)
    return service.create_reply(
        db,
        _settings(),
        as_viewer(db, author),
        topic_id=topic.id,
        body=body or f"Have you tried restarting it? (answer {n})",
        now=now,
    )
