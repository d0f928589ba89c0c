"""Karma's handlers of forum events: each writes ledger rows in the publisher's transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.config import get_settings
from app.events import subscribe
from app.forum.events import AnswerAccepted, AnswerUnaccepted, FlagResolved, PostDeleted, PostVoted
from app.ideas.events import IdeaShipped
from app.karma import service

_settings_override = None


def _settings():
    # Events carry no settings; the app's settings are the process-wide ones (tests may override).
    return _settings_override or get_settings()


def configure(settings) -> None:
    """Make handlers use these settings (create_app passes the app's own)."""
    global _settings_override
    _settings_override = settings


def on_post_voted(session: Session, event: PostVoted) -> None:
    """A vote changed: reverse the old vote's rows, grant the new vote's rows."""
    service.record_vote(
        session,
        _settings(),
        post_id=event.post_id,
        voter_id=event.voter_id,
        author_id=event.author_id,
        old_value=event.old_value,
        new_value=event.new_value,
        post_kind=event.post_kind,
        now=event.at,
    )


def on_answer_accepted(session: Session, event: AnswerAccepted) -> None:
    """Credit the answerer (and the asker who accepted)."""
    service.record_accepted(
        session,
        _settings(),
        post_id=event.post_id,
        answer_author_id=event.answer_author_id,
        asker_id=event.asker_id,
        accepted_by_id=event.accepted_by_id,
        now=event.at,
    )


def on_answer_unaccepted(session: Session, event: AnswerUnaccepted) -> None:
    """Take back the acceptance karma."""
    service.record_unaccepted(session, post_id=event.post_id, by_id=event.by_id, now=event.at)


def on_post_deleted(session: Session, event: PostDeleted) -> None:
    """Take back whatever the deleted post earned or cost."""
    service.record_post_deleted(session, post_id=event.post_id, by_id=event.by_id, now=event.at)


def on_flag_resolved(session: Session, event: FlagResolved) -> None:
    """Credit a flagger whose flag was agreed with."""
    if event.agreed:
        service.record_flag_agreed(
            session,
            _settings(),
            flag_id=event.flag_id,
            post_id=event.post_id,
            flagger_id=event.flagger_id,
            reviewer_id=event.reviewer_id,
            now=event.at,
        )


def on_idea_shipped(session: Session, event: IdeaShipped) -> None:
    """Credit the author of an idea that shipped (once per idea, however often it ships)."""
    if event.author_id is not None:
        service.credit_idea_shipped(
            session, _settings(), author_id=event.author_id, idea_id=event.idea_id, actor_id=event.by_id, now=event.at
        )


def register(settings=None) -> None:
    """Subscribe karma's handlers to the forum's events."""
    if settings is not None:
        configure(settings)
    subscribe(PostVoted, on_post_voted)
    subscribe(AnswerAccepted, on_answer_accepted)
    subscribe(AnswerUnaccepted, on_answer_unaccepted)
    subscribe(PostDeleted, on_post_deleted)
    subscribe(FlagResolved, on_flag_resolved)
    subscribe(IdeaShipped, on_idea_shipped)
