"""Search page and API: one function (`search.search_posts`) behind both."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel

from app.db import SessionDep
from app.forum import search
from app.guard import Page
from app.web import render, viewer_of

router = APIRouter()
api_router = APIRouter(prefix="/api/v1", tags=["search"])


@router.get("/search")
def search_page(request: Request, db: SessionDep, q: str = "", page: Page = 1):
    """Full-text search over what the viewer may see."""
    results = search.search_posts(db, viewer_of(request), q, page) if q.strip() else None
    return render(request, "forum/search.html", {"q": q, "results": results})


class SearchHitRead(BaseModel):
    """One search result; the snippet is HTML in which only <mark> is markup."""

    post_id: int
    topic_id: int
    post_number: int
    topic_title: str
    title_html: str
    snippet_html: str
    author: str | None
    created_at: datetime
    url: str


class SearchRead(BaseModel):
    """A page of search results."""

    query: str
    total: int
    page: int
    per_page: int
    results: list[SearchHitRead]


@api_router.get("/search", response_model=SearchRead)
def api_search(request: Request, db: SessionDep, q: str = "", page: Page = 1, per_page: int = 20) -> SearchRead:
    """Ranked full-text search with highlighted snippets."""
    results = search.search_posts(db, viewer_of(request), q, page, per_page)
    return SearchRead(
        query=results.query,
        total=results.total,
        page=results.page,
        per_page=results.per_page,
        results=[
            SearchHitRead(
                post_id=hit.post_id, topic_id=hit.topic_id, post_number=hit.post_number,
                topic_title=hit.topic_title, title_html=str(hit.title_html), snippet_html=str(hit.snippet_html),
                author=hit.author_username, created_at=hit.created_at, url=hit.url,
            )
            for hit in results.hits
        ],
    )
