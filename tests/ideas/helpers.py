"""Factories for idea tests, built on the real services (they flush, never commit)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.forum import handlers as forum_handlers
from app.forum.queries import viewer_for
from app.ideas import handlers as ideas_handlers
from app.ideas import service
from app.ideas.models import Idea, IdeaArea
from app.karma import handlers as karma_handlers
from app.main import register_event_handlers
from app.web import Viewer
from tests.conftest import START
from tests.factories import make_user

_counter = itertools.count(1)
ADMIN = Viewer(id=None, username="factory", display_name="Factory", roles=frozenset({"member", "admin"}))
# Members older than the new-member window, so posting limits for newcomers do not apply.
SETTLED = START - timedelta(days=60)


def wire(settings) -> None:
    """Subscribe every domain's handlers and give them the test's settings."""
    register_event_handlers()
    for module in (forum_handlers, ideas_handlers, karma_handlers):
        module.configure(settings)


def member(db: Session, *, roles: tuple[str, ...] = (), verified: bool = True, username: str | None = None) -> User:
    """A settled member (past the new-member limits)."""
    return make_user(db, roles=roles, verified=verified, username=username, created_at=SETTLED)


def make_area(db: Session, *, visibility: str = "public", name: str | None = None, now: datetime = START) -> IdeaArea:
    """An idea area with its forum category."""
    n = next(_counter)
    return service.create_area(db, ADMIN, name=name or f"Area {n}", slug=f"area-{n}", visibility=visibility, now=now)


def make_idea(
    db: Session, settings, *, author: User, area: IdeaArea, title: str | None = None, description: str = "It would help.",
    now: datetime = START,
) -> Idea:
    """An idea proposed by `author`."""
    n = next(_counter)
    return service.propose(
        db, settings, viewer_for(db, author.id), area_id=area.id, title=title or f"Idea number {n}",
        description=description, now=now,
    )


def as_viewer(db: Session, user: User) -> Viewer:
    """The Viewer the services see when this member acts."""
    return viewer_for(db, user.id)
