"""The forum's handlers of command events: higher domains ask for a category or a thread here.

Ideas sit above the forum and may not call its services; they publish `CategoryRequested` /
`ThreadRequested` and these handlers act through the forum's own services, so every forum rule
(visibility, validation, rate limits, search, notifications) applies unchanged.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.events import subscribe
from app.forum import categories, service
from app.forum.events import CategoryRequested, ThreadRequested
from app.forum.handlers import current_settings
from app.forum.models import Category
from app.forum.queries import viewer_for
from app.web import Viewer

# The requesting domain has already checked that its actor may ask for a category.
_SYSTEM = Viewer(id=None, username="system", display_name="System", roles=frozenset({"admin"}))


def make_category(session: Session, event: CategoryRequested) -> None:
    """Create the requested category unless one with that slug exists; report its id."""
    existing = session.scalar(select(Category.id).where(Category.slug == event.slug))
    if existing is None:
        category = categories.save_category(
            session,
            _SYSTEM,
            slug=event.slug,
            name=event.name,
            description=event.description,
            visibility=event.visibility,
            group_names=event.group_names,
            topic_form="ideas",  # the idea board is the only way new topics start there
            now=event.at,
        )
        existing = category.id
    event.created.append(existing)


def start_thread(session: Session, event: ThreadRequested) -> None:
    """Start a discussion topic as the requesting member; report the topic id."""
    topic = service.create_topic(
        session,
        current_settings(),
        viewer_for(session, event.author_id),
        category_id=event.category_id,
        title=event.title,
        body=event.body,
        kind="discussion",
        now=event.at,
        via="ideas",
    )
    event.created.append(topic.id)


def register() -> None:
    """Subscribe the forum's command-event handlers."""
    subscribe(CategoryRequested, make_category)
    subscribe(ThreadRequested, start_thread)
