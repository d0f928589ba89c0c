"""The Labs area: categories restricted to the labs group, their latest topics and idea areas.

Who may see a labs category is decided by the forum's `can_see_category` alone; a viewer who may
see none of them gets 404 here, so the area's existence is not revealed either."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import SessionDep
from app.errors import NotFound
from app.forum.models import Category, Topic
from app.forum.permissions import can_see_category
from app.forum.queries import category_access
from app.i18n import N_
from app.ideas.models import IdeaArea
from app.web import Viewer, render, viewer_of

LABS_GROUP = "labs"
TOPICS_SHOWN = 20

router = APIRouter()
api_router = APIRouter(prefix="/api/v1", tags=["labs"])


@dataclass(frozen=True)
class LabsCategory:
    """A labs category the viewer may see."""

    id: int
    slug: str
    name: str
    description: str
    topic_count: int


@dataclass(frozen=True)
class LabsTopic:
    """A recent topic in a labs category."""

    id: int
    slug: str
    title: str
    category_name: str
    last_posted_at: datetime

    @property
    def url(self) -> str:
        """The topic's canonical URL."""
        return f"/t/{self.id}-{self.slug}"


@dataclass(frozen=True)
class LabsArea:
    """An idea area whose threads live in a labs category."""

    slug: str
    name: str
    description: str


@dataclass(frozen=True)
class Labs:
    """What the Labs page shows."""

    categories: list[LabsCategory]
    topics: list[LabsTopic]
    areas: list[LabsArea]


def labs_category_ids(session: Session, viewer: Viewer) -> set[int]:
    """Labs categories (restricted to the labs group) that this viewer may see."""
    return {
        access.id for access in category_access(session)
        if access.visibility == "groups" and LABS_GROUP in access.groups and can_see_category(viewer, access)
    }


def labs_for(session: Session, viewer: Viewer) -> Labs:
    """The viewer's Labs area, or 404 when they may see no labs category."""
    ids = labs_category_ids(session, viewer)
    if not ids:
        raise NotFound(N_("Page not found."))
    categories = [
        LabsCategory(row.id, row.slug, row.name, row.description, row.topic_count)
        for row in session.execute(
            select(Category.id, Category.slug, Category.name, Category.description, Category.topic_count)
            .where(Category.id.in_(ids)).order_by(Category.position, Category.name)
        )
    ]
    topics = [
        LabsTopic(row.id, row.slug, row.title, row.name, row.last_posted_at)
        for row in session.execute(
            select(Topic.id, Topic.slug, Topic.title, Category.name, Topic.last_posted_at)
            .join(Category, Category.id == Topic.category_id)
            .where(Topic.category_id.in_(ids))
            .order_by(Topic.last_posted_at.desc(), Topic.id.desc()).limit(TOPICS_SHOWN)
        )
    ]
    areas = [
        LabsArea(row.slug, row.name, row.description)
        for row in session.execute(
            select(IdeaArea.slug, IdeaArea.name, IdeaArea.description)
            .where(IdeaArea.category_id.in_(ids)).order_by(IdeaArea.position, IdeaArea.name)
        )
    ]
    return Labs(categories, topics, areas)


@router.get("/labs")
def labs_page(request: Request, db: SessionDep):
    """The Labs area: its categories, latest topics and idea areas (404 for everyone else)."""
    return render(request, "ambassadors/roles_labs.html", {"labs": labs_for(db, viewer_of(request))})


class LabsCategoryRead(BaseModel):
    """A labs category."""

    slug: str
    name: str
    description: str
    topic_count: int


class LabsTopicRead(BaseModel):
    """A recent labs topic."""

    id: int
    title: str
    category: str
    url: str
    last_posted_at: datetime


class LabsAreaRead(BaseModel):
    """An idea area inside labs."""

    slug: str
    name: str
    description: str


class LabsRead(BaseModel):
    """An overview of the Labs area: its categories, the 20 latest topics (page through them with
    /api/v1/topics?category=SLUG) and its idea areas."""

    categories: list[LabsCategoryRead]
    topics: list[LabsTopicRead]
    idea_areas: list[LabsAreaRead]


@api_router.get("/labs", response_model=LabsRead)
def labs_api(request: Request, db: SessionDep) -> dict:
    """The Labs area as JSON (404 for everyone who may see no labs category)."""
    labs = labs_for(db, viewer_of(request))
    return {
        "categories": [{"slug": c.slug, "name": c.name, "description": c.description, "topic_count": c.topic_count}
                       for c in labs.categories],
        "topics": [{"id": t.id, "title": t.title, "category": t.category_name, "url": t.url,
                    "last_posted_at": t.last_posted_at} for t in labs.topics],
        "idea_areas": [{"slug": a.slug, "name": a.name, "description": a.description} for a in labs.areas],
    }
