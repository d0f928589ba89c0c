"""Events the ideas domain publishes; karma and ambassadors listen to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.events import Event


@dataclass(frozen=True)
class IdeaCreated(Event):
    """A member proposed an idea (its forum thread is topic_id)."""

    idea_id: int
    author_id: int
    area_id: int
    topic_id: int
    at: datetime


@dataclass(frozen=True)
class IdeaVoted(Event):
    """A member voted (voted=True) or took their vote back (voted=False)."""

    idea_id: int
    voter_id: int
    author_id: int | None
    voted: bool
    at: datetime


@dataclass(frozen=True)
class IdeaStatusChanged(Event):
    """The product team moved an idea to a new status, with an optional public note."""

    idea_id: int
    by_id: int
    old_status: str
    new_status: str
    note: str
    at: datetime


@dataclass(frozen=True)
class IdeaShipped(Event):
    """An idea reached 'shipped' (published once per idea): karma credits its author."""

    idea_id: int
    author_id: int | None
    by_id: int
    at: datetime


@dataclass(frozen=True)
class IdeasMerged(Event):
    """Idea source_id was merged into target_id; its votes and followers moved there."""

    source_id: int
    target_id: int
    by_id: int
    moved_votes: int
    at: datetime
