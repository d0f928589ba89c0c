"""Pydantic shapes of the ideas API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.inputs import IdField





class IdeaCreate(BaseModel):
    """A new idea: the area it belongs to, a title and a Markdown description."""

    area_id: IdField
    title: str = Field(max_length=300)
    description: str = Field(max_length=60_000)


class StatusChange(BaseModel):
    """A new status with an optional public note."""

    status: str
    note: str = Field("", max_length=6_000)


class MergeRequest(BaseModel):
    """Merge the idea in the path into `into_id`."""

    into_id: IdField


class BudgetRead(BaseModel):
    """A member's active-vote budget."""

    total: int
    used: int
    remaining: int


class AreaRead(BaseModel):
    """An idea area."""

    id: int
    slug: str
    name: str
    description: str
    open_ideas: int


class StatusEntryRead(BaseModel):
    """One step of the status history."""

    old_status: str | None
    new_status: str
    note: str
    by: str | None
    at: datetime


class IdeaRead(BaseModel):
    """An idea as the API shows it."""

    id: int
    title: str
    url: str
    status: str
    vote_count: int
    recent_votes: int
    area: AreaRef
    author: str | None
    topic_id: int
    comments: int
    created_at: datetime
    status_changed_at: datetime
    merged_into_id: int | None
    voted: bool


class AreaRef(BaseModel):
    """The area an idea belongs to."""

    id: int
    slug: str
    name: str


class IdeaDetailRead(IdeaRead):
    """One idea with its description and history."""

    description_html: str
    history: list[StatusEntryRead]
    merged_from: list[int]
    following: bool
    followers: int


class IdeaList(BaseModel):
    """A page of ideas, and the viewer's budget when logged in."""

    items: list[IdeaRead]
    limit: int
    offset: int
    next_offset: int | None
    budget: BudgetRead | None


class IdeaVoteRead(BaseModel):
    """The idea's count and the member's budget after a vote or unvote."""

    idea_id: int
    voted: bool
    changed: bool
    vote_count: int
    budget: BudgetRead


IdeaRead.model_rebuild()
IdeaDetailRead.model_rebuild()
