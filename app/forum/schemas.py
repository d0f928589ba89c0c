"""Pydantic shapes of the forum's JSON API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.inputs import IdField
from app.openapi import Page


class CategoryRead(BaseModel):
    """A category the caller may see."""

    id: int
    slug: str
    name: str
    description: str
    visibility: str
    topic_count: int
    can_start_topics: bool = Field(description="Whether the caller may start topics here (POST /api/v1/topics).")


class TopicSummaryRead(BaseModel):
    """A topic in a list."""

    id: int
    title: str
    slug: str
    kind: str
    category_slug: str
    author: str | None
    created_at: datetime
    last_posted_at: datetime
    reply_count: int
    pinned: bool
    locked: bool
    solved: bool
    tags: list[str]
    unread: int | None
    url: str


class TopicList(Page[TopicSummaryRead]):
    """A page of topics, with cursors for paging by key."""

    after: str | None = Field(None, description="Cursor of the next page: pass it as ?after=")
    before: str | None = Field(None, description="Cursor of the previous page: pass it as ?before=")


class PostRead(BaseModel):
    """A post; the body is the sanitized HTML and the Markdown source."""

    id: int
    post_number: int
    author: str | None
    created_at: datetime
    body_html: str
    body_source: str
    by_staff: bool
    edited: bool
    hidden: bool
    deleted: bool
    accepted: bool
    score: int


class TopicRead(BaseModel):
    """A topic with one page of its posts."""

    id: int
    title: str
    slug: str
    kind: str
    category_slug: str
    author: str | None
    created_at: datetime
    pinned: bool
    locked: bool
    tags: list[str]
    reply_count: int
    accepted_post_id: int | None
    posts: Page[PostRead]


class TopicCreate(BaseModel):
    """A new question or discussion."""

    category_id: IdField
    title: str = Field(max_length=300)
    body: str = Field(max_length=60_000)
    kind: str = "question"
    tags: list[str] = Field(default_factory=list)


class ReplyCreate(BaseModel):
    """A reply to a topic."""

    body: str = Field(max_length=60_000)
    reply_to_post_id: IdField | None = None


class PostEdit(BaseModel):
    """New text for a post (title and tags only for a topic's first post)."""

    body: str = Field(max_length=60_000)
    title: str | None = None
    tags: list[str] | None = None


class AcceptAnswer(BaseModel):
    """The reply to mark as the accepted answer."""

    post_id: IdField


class RevisionRead(BaseModel):
    """One revision of a post."""

    number: int
    editor: str | None
    created_at: datetime
    old_source: str
    new_source: str
    old_title: str | None
    new_title: str | None
    reverted_to: int | None


class Created(BaseModel):
    """Where a new topic or post lives."""

    id: int
    topic_id: int
    post_number: int
    url: str
