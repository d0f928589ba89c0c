"""Events the forum publishes; karma, ideas and ambassadors listen to them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.events import Event


@dataclass(frozen=True)
class PostCreated(Event):
    """A topic's first post or a reply was written."""

    post_id: int
    topic_id: int
    author_id: int
    post_number: int
    reply_to_post_id: int | None
    at: datetime
    mentioned_user_ids: tuple[int, ...] = ()
    quoted_post_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class PostEdited(Event):
    """A post's text changed (revision_id is None inside the author's grace period)."""

    post_id: int
    editor_id: int
    revision_id: int | None
    at: datetime


@dataclass(frozen=True)
class PostHidden(Event):
    """A moderator (or an agreed flag) hid a post."""

    post_id: int
    author_id: int | None
    by_id: int | None
    reason: str
    at: datetime


@dataclass(frozen=True)
class PostRestored(Event):
    """A hidden post is visible again."""

    post_id: int
    author_id: int | None
    by_id: int | None
    at: datetime


@dataclass(frozen=True)
class PostDeleted(Event):
    """A post was deleted by its author or staff."""

    post_id: int
    author_id: int | None
    by_id: int | None
    at: datetime


@dataclass(frozen=True)
class PostVoted(Event):
    """A member's vote on a post changed (old_value/new_value are -1, 0 or +1).

    post_kind is 'question' for a topic's first post and 'answer' for a reply.
    """

    post_id: int
    voter_id: int
    author_id: int | None
    old_value: int
    new_value: int
    post_kind: str
    at: datetime


@dataclass(frozen=True)
class AnswerAccepted(Event):
    """A reply was marked as the answer to a question."""

    topic_id: int
    post_id: int
    answer_author_id: int | None
    asker_id: int | None
    accepted_by_id: int
    at: datetime


@dataclass(frozen=True)
class AnswerUnaccepted(Event):
    """An accepted answer was cleared or replaced."""

    topic_id: int
    post_id: int
    answer_author_id: int | None
    asker_id: int | None
    by_id: int
    at: datetime


@dataclass(frozen=True)
class TopicMoved(Event):
    """A moderator moved a topic to another category."""

    topic_id: int
    from_category_id: int
    to_category_id: int
    at: datetime


@dataclass(frozen=True)
class FlagResolved(Event):
    """A moderator agreed (the post is hidden) or disagreed with a flag."""

    flag_id: int
    post_id: int
    flagger_id: int | None
    post_author_id: int | None
    agreed: bool
    reviewer_id: int
    at: datetime


@dataclass(frozen=True)
class MemberSuspended(Event):
    """A member was suspended until `until`."""

    user_id: int
    by_id: int | None
    until: datetime
    reason: str
    at: datetime


# Command events: a higher domain (ideas) asks the forum to act without importing its services.
# The forum's handler (app.forum.threads) appends what it made to `created`.


@dataclass(frozen=True)
class CategoryRequested(Event):
    """Ask the forum for a category (made once per slug); its id is appended to `created`."""

    slug: str
    name: str
    description: str
    visibility: str
    group_names: tuple[str, ...]
    at: datetime
    created: list = field(default_factory=list, compare=False)


@dataclass(frozen=True)
class ThreadRequested(Event):
    """Ask the forum to start a discussion topic as `author_id`; its id is appended to `created`."""

    title: str
    body: str
    author_id: int
    category_id: int
    at: datetime
    created: list = field(default_factory=list, compare=False)
