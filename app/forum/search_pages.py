"""Search page and API: one function (`search.search_posts`) behind both."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel

from app.db import SessionDep
from app.forum import search
from app.guard import Page
from app.openapi import PagingDep
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
    """A page of search results, best first; `total` counts every match."""

    query: str
    total: int
    items: list[SearchHitRead]
    limit: int
    offset: int
    next_offset: int | None


@api_router.get("/search", response_model=SearchRead)
def api_search(request: Request, db: SessionDep, paging: PagingDep, q: str = "") -> SearchRead:
    """Ranked full-text search with highlighted snippets."""
    results = search.search_posts(db, viewer_of(request), q, per_page=paging.limit, offset=paging.offset)
    following = paging.offset + paging.limit
    return SearchRead(
        query=results.query,
        total=results.total,
        limit=paging.limit,
        offset=paging.offset,
        next_offset=following if following < results.total else None,
        items=[
            SearchHitRead(
                post_id=hit.post_id, topic_id=hit.topic_id, post_number=hit.post_number,
                topic_title=hit.topic_title, title_html=str(hit.title_html), snippet_html=str(hit.snippet_html),
                author=hit.author_username, created_at=hit.created_at, url=hit.url,
            )
            for hit in results.hits
        ],
    )
