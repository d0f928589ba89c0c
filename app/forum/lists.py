"""Topic lists (front page, /latest, /unanswered, /solved, /new, category and tag pages) read by keyset.

Each list is answered from an index whose columns match its ORDER BY (migration 0013_performance):
`ix_topic_latest (last_posted_at, id)` for the site-wide lists, partial copies of it for unanswered
and solved questions, `ix_topic_category_latest (category_id, pinned, last_posted_at, id)` for a
category. The next page continues after the last row shown (`?after=`), the previous one before the
first (`?before=`), so page 500 costs what page 1 costs; `?page=N` alone still works (OFFSET) for old
links. Visibility is filtered by the smaller of the visible and the hidden category sets, and not at
all when the viewer sees every category, so the filter never makes the planner leave the index.
`bench/explain_pages.py` prints each statement's plan on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timezone

from sqlalchemy import and_, func, literal, literal_column, or_, select, tuple_
from sqlalchemy.orm import Session, aliased

from app.accounts.models import User, UserVisit
from app.accounts.queries import avatar_file_subquery, avatar_url
from app.errors import ValidationFailed
from app.forum.models import Category, Tag, Topic, TopicRead, TopicTag
from app.forum.permissions import CategoryAccess, can_moderate, visible_ids
from app.forum.queries import category_access
from app.i18n import N_
from app.web import Viewer

TOPICS_PER_PAGE = 30
LIST_KINDS = ("latest", "unanswered", "solved", "new")
_CURSOR = re.compile(r"^([01])-(\d{1,20})-(\d{1,18})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# Built once: a fresh aliased() per request costs milliseconds of column adaptation and defeats
# SQLAlchemy's statement cache.
_AUTHOR = aliased(User, name="author")
_LAST_POSTER = aliased(User, name="last_poster")
_READ = aliased(TopicRead, name="topic_read_mark")


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
    author_avatar_url: str | None = None

    @property
    def url(self) -> str:
        """The topic's canonical URL."""
        return f"/t/{self.id}-{self.slug}"

    @property
    def cursor(self) -> str:
        """This row's place in its list, for ?after= and ?before= links."""
        return encode_cursor(self.pinned, self.last_posted_at, self.id)


@dataclass(frozen=True)
class Page:
    """A page of results; `after`/`before` are the cursors of the next and previous pages (or None)."""

    items: list
    page: int
    has_next: bool
    total_pages: int | None = None
    after: str | None = None
    before: str | None = None


def encode_cursor(pinned: bool, at: datetime, topic_id: int) -> str:
    """A compact, URL-safe key: pinned flag, microseconds since 1970, topic id."""
    delta = at - _EPOCH
    micros = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{int(bool(pinned))}-{micros}-{topic_id}"


def decode_cursor(value: str) -> tuple[bool, datetime, int]:
    """The key of a cursor, or a 400 that says the link is broken."""
    match = _CURSOR.match(value or "")
    if match is None:
        raise ValidationFailed(N_("This page link is broken; start again from the first page."))
    pinned, micros, topic_id = match.groups()
    seconds, rest = divmod(int(micros), 1_000_000)
    try:
        at = datetime.fromtimestamp(seconds, tz=timezone.utc).replace(microsecond=rest)
    except (OverflowError, OSError, ValueError):
        raise ValidationFailed(N_("This page link is broken; start again from the first page."))
    return pinned == "1", at, int(topic_id)


def category_filter(viewer: Viewer, access: list[CategoryAccess]):
    """The visibility condition that leaves the ordering index usable (None: the viewer sees all)."""
    visible = visible_ids(viewer, access)
    hidden = {category.id for category in access} - visible
    if not hidden:
        return None
    if len(hidden) <= len(visible):
        return Topic.category_id.not_in(sorted(hidden))
    return Topic.category_id.in_(sorted(visible) or [-1])


def list_topics(
    session: Session,
    viewer: Viewer,
    *,
    kind: str = "latest",
    category_id: int | None = None,
    tag: str | None = None,
    page: int = 1,
    after: str | None = None,
    before: str | None = None,
    now: datetime | None = None,
    per_page: int = TOPICS_PER_PAGE,
    access: list[CategoryAccess] | None = None,
    offset: int | None = None,
) -> Page:
    """A page of visible topics: latest activity, unanswered, solved or new (with unread counts).

    The API may pass `offset` (any row) instead of `page` (multiples of per_page)."""
    page = max(1, page)
    if kind == "new" and not viewer.is_authenticated:
        return Page([], page, False)
    access = category_access(session) if access is None else access
    author, last_poster, read = _AUTHOR, _LAST_POSTER, _READ
    statement = (
        select(
            Topic.id, Topic.title, Topic.slug, Topic.kind, Topic.created_at, Topic.last_posted_at,
            Topic.reply_count, Topic.pinned, Topic.locked, Topic.accepted_post_id, Topic.highest_post_number,
            Category.slug.label("category_slug"), Category.name.label("category_name"),
            author.username.label("author_username"), author.display_name.label("author_display_name"),
            avatar_file_subquery(Topic.author_id).label("author_avatar_file"),
            last_poster.username.label("last_poster_username"),
            read.last_read_post_number.label("last_read"),
            TOPIC_TAG_NAMES,
        )
        .join(Category, Category.id == Topic.category_id)
        .outerjoin(author, author.id == Topic.author_id)
        .outerjoin(last_poster, last_poster.id == Topic.last_poster_id)
        .outerjoin(read, and_(read.topic_id == Topic.id, read.user_id == (viewer.id or -1)))
    )
    visibility = category_filter(viewer, access)
    if visibility is not None:
        statement = statement.where(visibility)
    if not can_moderate(viewer):
        statement = statement.where(Topic.hidden_at.is_(None))
    if category_id is not None:
        statement = statement.where(Topic.category_id == category_id)
    if tag is not None:
        tag_id = select(Tag.id).where(Tag.name == tag).scalar_subquery()
        statement = statement.where(Topic.id.in_(select(TopicTag.topic_id).where(TopicTag.tag_id == tag_id)))
    if kind == "unanswered":
        # Literals, not parameters: the partial index ix_topic_unanswered is chosen only for this exact term.
        statement = statement.where(
            Topic.kind == literal_column("'question'"), Topic.first_response_post_id.is_(None)
        )
    elif kind == "solved":
        statement = statement.where(Topic.accepted_post_id.is_not(None))
    elif kind == "new":
        since = previous_visit_start(session, viewer, now)
        statement = statement.where(
            or_(
                and_(read.user_id.is_not(None), Topic.highest_post_number > read.last_read_post_number),
                and_(read.user_id.is_(None), Topic.last_posted_at >= since),
            )
        )
    keys = [Topic.last_posted_at, Topic.id]
    if category_id is not None:
        keys.insert(0, Topic.pinned)
    backwards = before is not None and after is None
    cursor = after if after is not None else before
    if cursor is not None:
        pinned, at, topic_id = decode_cursor(cursor)
        values = [at, topic_id] if category_id is None else [pinned, at, topic_id]
        key = tuple_(*keys)
        bound = tuple_(*(literal(value, column.type) for value, column in zip(values, keys)))
        statement = statement.where(key > bound if backwards else key < bound)
        order = [column.asc() for column in keys] if backwards else [column.desc() for column in keys]
    else:
        order = [column.desc() for column in keys]
    statement = statement.order_by(*order).limit(per_page + 1)
    if cursor is None:
        statement = statement.offset((page - 1) * per_page if offset is None else offset)
    rows = session.execute(statement).all()
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
    items = _summaries(rows)
    has_next = True if backwards else more
    has_previous = more if backwards else page > 1
    return Page(
        items, page, has_next,
        after=items[-1].cursor if items and has_next else None,
        before=items[0].cursor if items and has_previous else None,
    )


def previous_visit_start(session: Session, viewer: Viewer, now: datetime) -> datetime:
    """Start of the member's last visit day before today (their account creation if none)."""
    day = session.scalar(
        select(func.max(UserVisit.day)).where(UserVisit.user_id == viewer.id, UserVisit.day < now.date())
    )
    if day is not None:
        return datetime.combine(day, time.min, tzinfo=timezone.utc)
    created = session.scalar(select(User.created_at).where(User.id == viewer.id))
    return created or now


def _summaries(rows) -> list[TopicSummary]:
    return [
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
            tags=split_tags(row.tag_names),
            unread=(max(0, row.highest_post_number - row.last_read) if row.last_read is not None else None),
            author_avatar_url=avatar_url(row.author_avatar_file),
        )
        for row in rows
    ]


_TAG_SEPARATOR = "\n"  # tag names are single words


def tag_names(topic_id_column):
    """A topic's tag names as one column of its own row (a correlated subquery: no extra statement)."""
    return (
        select(func.aggregate_strings(Tag.name, _TAG_SEPARATOR))
        .select_from(TopicTag)
        .join(Tag, Tag.id == TopicTag.tag_id)
        .where(TopicTag.topic_id == topic_id_column)
        .scalar_subquery()
        .label("tag_names")
    )


TOPIC_TAG_NAMES = tag_names(Topic.id)  # built once: a correlated subquery costs a millisecond to build


def split_tags(value: str | None) -> tuple[str, ...]:
    """The tag names of a `tag_names` column, sorted."""
    return tuple(sorted(value.split(_TAG_SEPARATOR))) if value else ()


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
