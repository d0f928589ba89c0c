"""Read models for forum pages and the API: topic lists, a topic's page of posts, member activity.

Every query filters by the viewer's visible categories and issues a fixed number of statements,
however many rows a page shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timezone

from markupsafe import Markup
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.accounts.models import User, UserVisit
from app.errors import NotFound
from app.forum import markdown
from app.forum.models import Category, Post, Tag, Topic, TopicRead, TopicTag
from app.forum.permissions import can_accept_answer, can_edit_post, can_moderate
from app.forum.queries import visible_category_ids
from app.i18n import N_
from app.web import Viewer

TOPICS_PER_PAGE = 30
POSTS_PER_PAGE = 20
LIST_KINDS = ("latest", "unanswered", "solved", "new")


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


@dataclass(frozen=True)
class TopicSummary:
    """One row of a topic list."""

    id: int
    title: str
    slug: str
    kind: str
    category_slug: str
    category_name: str
    author_username: str | None
    author_display_name: str | None
    last_poster_username: str | None
    created_at: datetime
    last_posted_at: datetime
    reply_count: int
    pinned: bool
    locked: bool
    solved: bool
    tags: tuple[str, ...]
    unread: int | None  # None: never opened (or anonymous)

    @property
    def url(self) -> str:
        """The topic's canonical URL."""
        return f"/t/{self.id}-{self.slug}"


@dataclass(frozen=True)
class Page:
    """A page of results."""

    items: list
    page: int
    has_next: bool
    total_pages: int | None = None


def visible_categories(session: Session, viewer: Viewer) -> list[CategoryInfo]:
    """Categories the viewer may see, in display order."""
    visible = visible_category_ids(session, viewer)
    rows = session.scalars(
        select(Category).where(Category.id.in_(visible)).order_by(Category.position, Category.name)
    )
    return [
        CategoryInfo(c.id, c.slug, c.name, c.description, c.visibility, c.topic_count, c.position) for c in rows
    ]


def category_by_slug(session: Session, viewer: Viewer, slug: str) -> CategoryInfo:
    """A visible category, or NotFound (restricted ones do not leak)."""
    category = session.scalar(select(Category).where(Category.slug == slug))
    if category is None or category.id not in visible_category_ids(session, viewer):
        raise NotFound(N_("This category does not exist or you may not see it."))
    c = category
    return CategoryInfo(c.id, c.slug, c.name, c.description, c.visibility, c.topic_count, c.position)


def previous_visit_start(session: Session, viewer: Viewer, now: datetime) -> datetime:
    """Start of the member's last visit day before today (their account creation if none)."""
    day = session.scalar(
        select(func.max(UserVisit.day)).where(UserVisit.user_id == viewer.id, UserVisit.day < now.date())
    )
    if day is not None:
        return datetime.combine(day, time.min, tzinfo=timezone.utc)
    created = session.scalar(select(User.created_at).where(User.id == viewer.id))
    return created or now


def list_topics(
    session: Session,
    viewer: Viewer,
    *,
    kind: str = "latest",
    category_id: int | None = None,
    tag: str | None = None,
    page: int = 1,
    now: datetime | None = None,
    per_page: int = TOPICS_PER_PAGE,
    offset: int | None = None,
) -> Page:
    """A page of visible topics: latest activity, unanswered, solved or new (with unread counts).

    The API passes `offset` (any row) instead of `page` (multiples of per_page)."""
    page = max(1, page)
    start = (page - 1) * per_page if offset is None else offset
    visible = visible_category_ids(session, viewer)
    author = aliased(User)
    last_poster = aliased(User)
    read = aliased(TopicRead)
    statement = (
        select(
            Topic.id, Topic.title, Topic.slug, Topic.kind, Topic.created_at, Topic.last_posted_at,
            Topic.reply_count, Topic.pinned, Topic.locked, Topic.accepted_post_id, Topic.highest_post_number,
            Category.slug.label("category_slug"), Category.name.label("category_name"),
            author.username.label("author_username"), author.display_name.label("author_display_name"),
            last_poster.username.label("last_poster_username"),
            read.last_read_post_number.label("last_read"),
        )
        .join(Category, Category.id == Topic.category_id)
        .outerjoin(author, author.id == Topic.author_id)
        .outerjoin(last_poster, last_poster.id == Topic.last_poster_id)
        .outerjoin(read, and_(read.topic_id == Topic.id, read.user_id == (viewer.id or -1)))
        .where(Topic.category_id.in_(visible))
    )
    if not can_moderate(viewer):
        statement = statement.where(Topic.hidden_at.is_(None))
    if category_id is not None:
        statement = statement.where(Topic.category_id == category_id)
    if tag is not None:
        statement = statement.where(
            Topic.id.in_(select(TopicTag.topic_id).join(Tag, Tag.id == TopicTag.tag_id).where(Tag.name == tag))
        )
    if kind == "unanswered":
        statement = statement.where(Topic.kind == "question", Topic.first_response_post_id.is_(None))
    elif kind == "solved":
        statement = statement.where(Topic.accepted_post_id.is_not(None))
    elif kind == "new":
        if not viewer.is_authenticated:
            return Page([], page, False)
        since = previous_visit_start(session, viewer, now)
        statement = statement.where(
            or_(
                and_(read.user_id.is_not(None), Topic.highest_post_number > read.last_read_post_number),
                and_(read.user_id.is_(None), Topic.last_posted_at >= since),
            )
        )
    order = [Topic.last_posted_at.desc(), Topic.id.desc()]
    if category_id is not None:
        order.insert(0, Topic.pinned.desc())
    rows = session.execute(statement.order_by(*order).offset(start).limit(per_page + 1)).all()
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    tags = topic_tags(session, [row.id for row in rows])
    items = [
        TopicSummary(
            id=row.id,
            title=row.title,
            slug=row.slug,
            kind=row.kind,
            category_slug=row.category_slug,
            category_name=row.category_name,
            author_username=row.author_username,
            author_display_name=row.author_display_name,
            last_poster_username=row.last_poster_username,
            created_at=row.created_at,
            last_posted_at=row.last_posted_at,
            reply_count=row.reply_count,
            pinned=row.pinned,
            locked=row.locked,
            solved=row.accepted_post_id is not None,
            tags=tags.get(row.id, ()),
            unread=(max(0, row.highest_post_number - row.last_read) if row.last_read is not None else None),
        )
        for row in rows
    ]
    return Page(items, page, has_next)


def topic_tags(session: Session, topic_ids) -> dict[int, tuple[str, ...]]:
    """Tag names of many topics in one statement."""
    if not topic_ids:
        return {}
    tags: dict[int, list[str]] = {}
    for topic_id, name in session.execute(
        select(TopicTag.topic_id, Tag.name)
        .join(Tag, Tag.id == TopicTag.tag_id)
        .where(TopicTag.topic_id.in_(list(topic_ids)))
        .order_by(Tag.name)
    ):
        tags.setdefault(topic_id, []).append(name)
    return {key: tuple(value) for key, value in tags.items()}


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
    )


def _posts_query():
    return select(Post, User.username, User.display_name).outerjoin(User, User.id == Post.author_id)


def topic_page(
    session: Session, viewer: Viewer, topic_id: int, page: int = 1, *, offset: int | None = None, limit: int = POSTS_PER_PAGE
) -> TopicView:
    """One page of a visible topic (20 posts, or `limit` from `offset`), in a fixed number of statements."""
    row = session.execute(
        select(Topic, Category, User.username)
        .join(Category, Category.id == Topic.category_id)
        .outerjoin(User, User.id == Topic.author_id)
        .where(Topic.id == topic_id)
    ).first()
    moderator = can_moderate(viewer)
    if row is None or row.Topic.category_id not in visible_category_ids(session, viewer):
        raise NotFound(N_("This topic does not exist or you may not see it."))
    topic, category, author_username = row
    if topic.hidden_at is not None and not moderator and viewer.id != topic.author_id:
        raise NotFound(N_("This topic does not exist or you may not see it."))
    total = session.scalar(select(func.count(Post.id)).where(Post.topic_id == topic.id)) or 1
    total_pages = max(1, -(-total // POSTS_PER_PAGE))
    page = min(max(1, page), total_pages)
    start, size = ((page - 1) * POSTS_PER_PAGE, POSTS_PER_PAGE) if offset is None else (offset, limit)
    rows = session.execute(
        _posts_query().where(Post.topic_id == topic.id).order_by(Post.post_number).offset(start).limit(size)
    ).all()
    posts = [_post_view(viewer, r, topic, moderator) for r in rows]
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
        tags=topic_tags(session, [topic.id]).get(topic.id, ()),
        reply_count=topic.reply_count,
        accepted=accepted,
        posts=posts,
        page=page,
        total_pages=total_pages,
        can_reply=viewer.is_authenticated and (not topic.locked or viewer.is_staff),
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
    before = session.scalar(
        select(func.count(Post.id)).where(Post.topic_id == topic.id, Post.post_number <= post_number)
    )
    return f"/t/{topic.id}-{topic.slug}", max(1, -(-before // POSTS_PER_PAGE)), post_number
