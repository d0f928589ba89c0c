"""Forum handlers: keep the search index and upload links current and fan posts out as notifications."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.events import subscribe
from app.forum import notifications, search, uploads
from app.forum.events import AnswerAccepted, PostCreated, PostDeleted, PostEdited, PostHidden, PostRestored

_settings = None


def configure(settings) -> None:
    """Give handlers the settings e-mails need (base URL, signing key); create_app calls this."""
    global _settings
    _settings = settings


def current_settings():
    """The configured settings, else the process settings."""
    if _settings is None:
        from app.config import get_settings

        return get_settings()
    return _settings


def index_created(session: Session, event: PostCreated) -> None:
    """Index a new post."""
    search.index_post(session, event.post_id)


def index_edited(session: Session, event: PostEdited) -> None:
    """Reindex an edited post; a first post's edit may also have changed the topic title."""
    search.index_post(session, event.post_id)


def unindex(session: Session, event) -> None:
    """Take a hidden or deleted post out of the index."""
    search.remove_post(session, event.post_id)


def reindex(session: Session, event: PostRestored) -> None:
    """Put a restored post back into the index."""
    search.index_post(session, event.post_id)


def link_uploads(session: Session, event) -> None:
    """Keep post_upload in step with the images a new or edited post shows."""
    uploads.link_post(session, event.post_id)


def notify_created(session: Session, event: PostCreated) -> None:
    """Notify the topic author, quoted authors and mentioned members."""
    notifications.on_post_created(session, current_settings(), event)


def notify_accepted(session: Session, event: AnswerAccepted) -> None:
    """Notify the author of an accepted answer."""
    notifications.on_answer_accepted(session, current_settings(), event)


def register() -> None:
    """Subscribe the forum's own handlers (search index, notifications)."""
    subscribe(PostCreated, index_created)
    subscribe(PostCreated, notify_created)
    subscribe(PostEdited, index_edited)
    subscribe(PostCreated, link_uploads)
    subscribe(PostEdited, link_uploads)
    subscribe(PostHidden, unindex)
    subscribe(PostDeleted, unindex)
    subscribe(PostRestored, reindex)
    subscribe(AnswerAccepted, notify_accepted)
