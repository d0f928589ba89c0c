"""JSON API of the forum under /api/v1: the same services and permissions as the pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select

from app.accounts.auth import MemberDep
from app.db import SessionDep, write_or_busy
from app.errors import NotFound
from app.forum import answers, browse, editing, lookup, service
from app.forum.models import Post
from app.forum.schemas import (
    AcceptAnswer,
    CategoryRead,
    Created,
    PostEdit,
    PostRead,
    ReplyCreate,
    RevisionRead,
    TopicCreate,
    TopicList,
    TopicRead,
    TopicSummaryRead,
)
from app.guard import Id
from app.i18n import N_
from app.openapi import Page, PagingDep
from app.web import get_now, viewer_of

router = APIRouter(prefix="/api/v1", tags=["forum"])


def _post_read(post: browse.PostView) -> PostRead:
    return PostRead(
        id=post.id, post_number=post.number, author=post.author_username, created_at=post.created_at,
        body_html=str(post.body_html), body_source=post.body_source, by_staff=post.by_staff,
        edited=post.edited, hidden=post.hidden, deleted=post.deleted, accepted=post.accepted, score=post.score,
    )


@router.get("/categories", response_model=Page[CategoryRead])
def categories(request: Request, db: SessionDep, paging: PagingDep):
    """Categories the caller may see, in the forum's order."""
    return paging.slice(
        browse.visible_categories(db, viewer_of(request)),
        lambda c: CategoryRead(
            id=c.id, slug=c.slug, name=c.name, description=c.description, visibility=c.visibility,
            topic_count=c.topic_count, can_start_topics=c.can_start,
        ),
    )


@router.get("/topics", response_model=TopicList)
def topics(
    request: Request,
    db: SessionDep,
    paging: PagingDep,
    filter: str = "latest",
    category: str | None = None,
    tag: str | None = None,
    after: str | None = None,
    before: str | None = None,
):
    """Topics by latest activity; filter = latest | unanswered | solved | new; category slug; tag.

    Page with `limit` and `offset`, or by key with the `after` / `before` cursors of a previous
    answer (stable while topics move; `offset` is then ignored and `next_offset` is null)."""
    viewer = viewer_of(request)
    if filter not in browse.LIST_KINDS:
        from app.errors import ValidationFailed

        raise ValidationFailed(N_("Unknown list."), detail={"filter": "latest, unanswered, solved or new"})
    category_id = browse.category_by_slug(db, viewer, category).id if category else None
    result = browse.list_topics(
        db, viewer, kind=filter, category_id=category_id, tag=tag.lower() if tag else None, now=get_now(request),
        offset=paging.offset, per_page=paging.limit, after=after, before=before,
    )
    rows = list(result.items) + ([None] if result.has_next else [])
    page = paging.page(rows, lambda t: TopicSummaryRead(
        id=t.id, title=t.title, slug=t.slug, kind=t.kind, category_slug=t.category_slug,
        author=t.author_username, created_at=t.created_at, last_posted_at=t.last_posted_at,
        reply_count=t.reply_count, pinned=t.pinned, locked=t.locked, solved=t.solved,
        tags=list(t.tags), unread=t.unread, url=t.url,
    ))
    if after is not None or before is not None:  # keyset paging: the cursors lead on, not the offset
        page["next_offset"] = None
    return TopicList(**page, after=result.after, before=result.before)


@router.post("/topics", response_model=Created, status_code=201)
def create_topic(request: Request, db: SessionDep, viewer: MemberDep, data: TopicCreate):
    """Ask a question or start a discussion."""
    topic = write_or_busy(db, lambda: service.create_topic(
        db, request.app.state.settings, viewer, category_id=data.category_id, title=data.title,
        body=data.body, kind=data.kind, tags=data.tags, now=get_now(request),
    ))
    first = db.scalar(select(Post.id).where(Post.topic_id == topic.id, Post.post_number == 1))
    return Created(id=first, topic_id=topic.id, post_number=1, url=f"/t/{topic.id}-{topic.slug}")


@router.get("/topics/{topic_id}", response_model=TopicRead)
def read_topic(request: Request, topic_id: Id, db: SessionDep, paging: PagingDep):
    """A topic with one page of its posts in order (`limit` and `offset` page the posts)."""
    view = browse.topic_page(db, viewer_of(request), topic_id, offset=paging.offset, limit=paging.limit + 1)
    return TopicRead(
        id=view.id, title=view.title, slug=view.slug, kind=view.kind, category_slug=view.category.slug,
        author=view.author_username, created_at=view.created_at, pinned=view.pinned, locked=view.locked,
        tags=list(view.tags), reply_count=view.reply_count,
        accepted_post_id=view.accepted.id if view.accepted else None,
        posts=paging.page(list(view.posts), _post_read),
    )


@router.post("/topics/{topic_id}/posts", response_model=Created, status_code=201)
def reply(request: Request, topic_id: Id, db: SessionDep, viewer: MemberDep, data: ReplyCreate):
    """Reply to a topic."""
    post = write_or_busy(db, lambda: service.create_reply(
        db, request.app.state.settings, viewer, topic_id=topic_id, body=data.body,
        reply_to_post_id=data.reply_to_post_id, now=get_now(request),
    ))
    return Created(id=post.id, topic_id=topic_id, post_number=post.post_number, url=f"/t/{topic_id}/{post.post_number}")


@router.patch("/posts/{post_id}", response_model=PostRead)
def edit_post(request: Request, post_id: Id, db: SessionDep, viewer: MemberDep, data: PostEdit):
    """Edit a post (authors and moderators); outside the grace period this stores a revision."""
    post = editing.edit_post(
        db, request.app.state.settings, viewer, post_id, body=data.body, title=data.title, tags=data.tags,
        now=get_now(request),
    )
    return _read_post(db, viewer, post.id)


@router.get("/posts/{post_id}/revisions", response_model=Page[RevisionRead])
def revisions(request: Request, post_id: Id, db: SessionDep, paging: PagingDep):
    """A post's revisions, newest first."""
    _post, _topic, views = editing.revisions(db, viewer_of(request), post_id)
    return paging.slice(list(views), lambda v: RevisionRead(
        number=v.number, editor=v.editor_username, created_at=v.created_at, old_source=v.old_source,
        new_source=v.new_source, old_title=v.old_title, new_title=v.new_title, reverted_to=v.reverted_to,
    ))


@router.post("/topics/{topic_id}/accept", status_code=204)
def accept(request: Request, topic_id: Id, db: SessionDep, viewer: MemberDep, data: AcceptAnswer):
    """Mark a reply as the accepted answer (asker or staff)."""
    answers.accept_answer(db, viewer, topic_id, data.post_id, get_now(request))


@router.delete("/topics/{topic_id}/accept", status_code=204)
def unaccept(request: Request, topic_id: Id, db: SessionDep, viewer: MemberDep):
    """Clear the accepted answer (asker or staff)."""
    answers.unaccept_answer(db, viewer, topic_id, get_now(request))


@router.get("/posts/{post_id}", response_model=PostRead)
def read_post(request: Request, post_id: Id, db: SessionDep):
    """One visible post."""
    return _read_post(db, viewer_of(request), post_id)


def _read_post(db, viewer, post_id: int) -> PostRead:
    post, topic = lookup.get_visible_post(db, viewer, post_id)
    _url, page, _n = browse.page_of_post(db, viewer, topic.id, post.post_number)
    for item in browse.topic_page(db, viewer, topic.id, page).posts:
        if item.id == post.id:
            return _post_read(item)
    raise NotFound(N_("This post does not exist or you may not see it."))
