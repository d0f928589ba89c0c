"""Read models for forum pages and the API: categories, a topic's page of posts (topic lists: lists.py).

Every query filters by the viewer's visible categories and issues a fixed number of statements,
however many rows a page shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.queries import avatar_file_subquery, avatar_url
from app.errors import NotFound
from app.forum import markdown
from app.forum.lists import (  # noqa: F401  (pages, the API and activity read the lists through browse)
    LIST_KINDS, TOPICS_PER_PAGE, Page, TopicSummary, list_topics, previous_visit_start, split_tags,
    TOPIC_TAG_NAMES, topic_tags,
)
from app.forum.models import Category, Post, Topic
from app.forum.permissions import (
    can_accept_answer,
    can_edit_post,
    can_moderate,
    can_post_in_category,
    can_see_category,
    posting_refusal,
    visible_ids,
)
from app.forum.queries import CategoryEntry, category_access_by_id, category_catalog, visible_category_ids
from app.i18n import N_
from app.web import Viewer

POSTS_PER_PAGE = 20


@dataclass(frozen=True)
class CategoryInfo:
    """A category as lists and forms show it."""

    id: int
    slug: str
    name: str
    description: str
    visibility: str
    topic_count: int
    position: int
    can_start: bool = False  # may the viewer start topics here from the forum's form


def visible_categories(
    session: Session, viewer: Viewer, catalog: list[CategoryEntry] | None = None
) -> list[CategoryInfo]:
    """Categories the viewer may see, in display order (`catalog`: category_catalog() already read)."""
    entries = category_catalog(session) if catalog is None else catalog
    visible = visible_ids(viewer, [entry.access for entry in entries])
    return [_info(viewer, entry) for entry in entries if entry.access.id in visible]


def category_by_slug(
    session: Session, viewer: Viewer, slug: str, catalog: list[CategoryEntry] | None = None
) -> CategoryInfo:
    """A visible category, or NotFound (restricted ones do not leak)."""
    entries = category_catalog(session) if catalog is None else catalog
    entry = next((entry for entry in entries if entry.slug == slug), None)
    if entry is None or not can_see_category(viewer, entry.access):
        raise NotFound(N_("This category does not exist or you may not see it."))
    return _info(viewer, entry)


def _info(viewer: Viewer, entry: CategoryEntry) -> CategoryInfo:
    access = entry.access
    return CategoryInfo(access.id, entry.slug, entry.name, entry.description, access.visibility, entry.topic_count,
                        entry.position, can_post_in_category(viewer, access, "topic"))


@dataclass(frozen=True)
class PostView:
    """A post as the topic page shows it."""

    id: int
    number: int
    author_id: int | None
    author_username: str | None
    author_display_name: str | None
    created_at: datetime
    body_html: Markup
    body_source: str
    by_staff: bool
    edited: bool
    edited_at: datetime | None
    hidden: bool
    deleted: bool
    accepted: bool
    can_edit: bool
    can_accept: bool
    score: int
    author_avatar_url: str | None = None

    @property
    def excerpt(self) -> str:
        """The post as a short plain-text excerpt (empty when it is concealed from the viewer)."""
        return markdown.excerpt(str(self.body_html))


@dataclass(frozen=True)
class TopicView:
    """A topic page: the topic, its category, tags, one page of posts, and the accepted answer."""

    id: int
    title: str
    slug: str
    kind: str
    category: CategoryInfo
    author_id: int | None
    author_username: str | None
    created_at: datetime
    pinned: bool
    locked: bool
    hidden: bool
    tags: tuple[str, ...]
    reply_count: int
    accepted: PostView | None
    posts: list[PostView]
    page: int
    total_pages: int
    can_reply: bool
    reply_refusal: str | None
    can_moderate: bool
    can_accept: bool

    @property
    def url(self) -> str:
        """The topic's canonical URL."""
        return f"/t/{self.id}-{self.slug}"


def _post_view(viewer: Viewer, row, topic: Topic, moderator: bool) -> PostView:
    post = row.Post
    hidden = post.hidden_at is not None
    deleted = post.deleted_at is not None
    conceal = (deleted or hidden) and not moderator and not (hidden and viewer.id == post.author_id and not deleted)
    return PostView(
        id=post.id,
        number=post.post_number,
        author_id=post.author_id,
        author_username=row.username,
        author_display_name=row.display_name,
        created_at=post.created_at,
        body_html=Markup("") if conceal else Markup(post.body_html),
        body_source="" if conceal else post.body_source,
        by_staff=post.by_staff,
        edited=post.edit_count > 0,
        edited_at=post.edited_at,
        hidden=hidden,
        deleted=deleted,
        accepted=topic.accepted_post_id == post.id,
        can_edit=not deleted and can_edit_post(viewer, post.author_id, topic.locked),
        can_accept=(
            topic.kind == "question" and post.post_number > 1 and not deleted and not hidden
            and can_accept_answer(viewer, topic.author_id)
        ),
        score=post.score,
        author_avatar_url=avatar_url(row.avatar_file),
    )


def _posts_query():
    return select(
        Post, User.username, User.display_name, avatar_file_subquery(Post.author_id).label("avatar_file")
    ).outerjoin(User, User.id == Post.author_id)


def topic_page(
    session: Session, viewer: Viewer, topic_id: int, page: int = 1, *, offset: int | None = None, limit: int = POSTS_PER_PAGE
) -> TopicView:
    """One page of a visible topic (20 posts, or `limit` from `offset`), in a fixed number of statements."""
    row = session.execute(
        select(Topic, Category, User.username, TOPIC_TAG_NAMES)
        .join(Category, Category.id == Topic.category_id)
        .outerjoin(User, User.id == Topic.author_id)
        .where(Topic.id == topic_id)
    ).first()
    moderator = can_moderate(viewer)
    access = category_access_by_id(session).get(row.Topic.category_id) if row is not None else None
    if access is None or not can_see_category(viewer, access):
        raise NotFound(N_("This topic does not exist or you may not see it."))
    topic, category, author_username, tags = row
    if topic.hidden_at is not None and not moderator and viewer.id != topic.author_id:
        raise NotFound(N_("This topic does not exist or you may not see it."))
    # Posts are never removed (deletion is a mark), so numbers run 1..highest_post_number: the page
    # count comes from that counter and a page is a post_number range on the (topic_id, post_number) key.
    total = max(1, topic.highest_post_number)
    total_pages = max(1, -(-total // POSTS_PER_PAGE))
    page = min(max(1, page), total_pages)
    first, size = ((page - 1) * POSTS_PER_PAGE, POSTS_PER_PAGE) if offset is None else (offset, limit)
    rows = session.execute(
        _posts_query()
        .where(Post.topic_id == topic.id, Post.post_number > first, Post.post_number <= first + size)
        .order_by(Post.post_number)
    ).all()
    posts = [_post_view(viewer, r, topic, moderator) for r in rows]
    may_reply = can_post_in_category(viewer, access, "reply")
    accepted = None
    if topic.accepted_post_id is not None:
        accepted_row = session.execute(_posts_query().where(Post.id == topic.accepted_post_id)).first()
        if accepted_row is not None:
            accepted = _post_view(viewer, accepted_row, topic, moderator)
    return TopicView(
        id=topic.id,
        title=topic.title,
        slug=topic.slug,
        kind=topic.kind,
        category=CategoryInfo(
            category.id, category.slug, category.name, category.description, category.visibility,
            category.topic_count, category.position,
        ),
        author_id=topic.author_id,
        author_username=author_username,
        created_at=topic.created_at,
        pinned=topic.pinned,
        locked=topic.locked,
        hidden=topic.hidden_at is not None,
        tags=split_tags(tags),
        reply_count=topic.reply_count,
        accepted=accepted,
        posts=posts,
        page=page,
        total_pages=total_pages,
        can_reply=may_reply and (not topic.locked or viewer.is_staff),
        reply_refusal=None if may_reply or not viewer.is_authenticated else posting_refusal(access, "reply"),
        can_moderate=moderator,
        can_accept=topic.kind == "question" and can_accept_answer(viewer, topic.author_id),
    )


def page_of_post(session: Session, viewer: Viewer, topic_id: int, post_number: int) -> tuple[str, int, int]:
    """Where post N of a visible topic lives: (topic URL, page, post number)."""
    topic = session.scalar(select(Topic).where(Topic.id == topic_id))
    if topic is None or topic.category_id not in visible_category_ids(session, viewer):
        raise NotFound(N_("This topic does not exist or you may not see it."))
    if topic.hidden_at is not None and not can_moderate(viewer) and viewer.id != topic.author_id:
        raise NotFound(N_("This topic does not exist or you may not see it."))
    exists = session.scalar(select(Post.id).where(Post.topic_id == topic.id, Post.post_number == post_number))
    if exists is None:
        raise NotFound(N_("This post does not exist or you may not see it."))
    return f"/t/{topic.id}-{topic.slug}", max(1, -(-post_number // POSTS_PER_PAGE)), post_number
