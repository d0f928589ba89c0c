"""Forum commands: topics, replies, accepted answers, pin/lock/move, deletes, reading and counters.

Services validate, change, flush and publish events; they never commit. Edits and revisions live
in `app.forum.editing`, categories in `app.forum.categories`.
"""

from __future__ import annotations

from datetime import datetime

from slugify import slugify
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import insert_ignore, utcnow
from app.errors import Conflict, Forbidden, ValidationFailed
from app.events import publish
from app.forum import markdown, moderation
from app.forum.answers import unaccept_answer
from app.forum.events import PostCreated, PostDeleted, TopicMoved
from app.forum.lookup import get_visible_post, get_visible_topic
from app.forum.models import TOPIC_KINDS, Category, Post, Tag, Topic, TopicRead, TopicTag
from app.forum.permissions import can_moderate, can_post_in_category, can_see_category, posting_refusal
from app.forum.queries import category_access_by_id, visible_category_ids
from app.i18n import N_
from app.inputs import CONTROL_CHARACTERS_MESSAGE, has_control_characters, parse_id
from app.web import Viewer

MAX_TAGS = 5
TITLE_MIN, TITLE_MAX = 5, 200
BODY_MAX = 50_000


def topic_slug(title: str) -> str:
    """URL slug of a topic title (never empty)."""
    return slugify(title, max_length=80, word_boundary=True) or "topic"


def normalize_tags(raw) -> list[str]:
    """Tags from a comma/space separated string or a list: lower-case slugs, unique, at most 5."""
    if isinstance(raw, str):
        raw = raw.replace(",", " ").split()
    if any(has_control_characters(str(item)) for item in raw or ()):
        raise ValidationFailed(N_("Please check the tags."), detail={"tags": CONTROL_CHARACTERS_MESSAGE})
    tags: list[str] = []
    for item in raw or ():
        tag = slugify(str(item), max_length=40, word_boundary=False, regex_pattern=r"[^a-z0-9+#.-]+")
        tag = tag.strip(".-")
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValidationFailed(
            N_("Please check the tags."), detail={"tags": N_("Use at most 5 tags.")}
        )
    return tags


def _check_title(title: str, errors: dict) -> str:
    title = " ".join((title or "").split())
    if len(title) < TITLE_MIN:
        errors["title"] = N_("Give the topic a title of at least 5 characters.")
    elif len(title) > TITLE_MAX:
        errors["title"] = N_("Keep the title under 200 characters.")
    elif has_control_characters(title):
        errors["title"] = CONTROL_CHARACTERS_MESSAGE
    return title


def _check_body(body: str, errors: dict) -> str:
    body = (body or "").strip()
    if not body:
        errors["body"] = N_("Write something first.")
    elif len(body) > BODY_MAX:
        errors["body"] = N_("This post is too long (at most 50,000 characters).")
    return body


def render_body(session: Session, viewer: Viewer, source: str) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """Render a post source for this writer: (html, mentioned member ids, quoted post ids).

    Only posts in categories the writer may see can be quoted, so a quote never reveals a
    restricted post's author.
    """
    found = markdown.extract(source)
    members: dict[str, str] = {}
    mentioned: list[int] = []
    if found.usernames:
        for user_id, username, key in session.execute(
            select(User.id, User.username, User.username_key).where(User.username_key.in_(found.usernames))
        ):
            members[key] = username
            if user_id != viewer.id:
                mentioned.append(user_id)
    quotes: dict[int, str] = {}
    if found.quoted_post_ids:
        visible = visible_category_ids(session, viewer)
        rows = session.execute(
            select(Post.id, User.username)
            .join(Topic, Topic.id == Post.topic_id)
            .join(User, User.id == Post.author_id)
            .where(
                Post.id.in_(found.quoted_post_ids),
                Topic.category_id.in_(visible),
                Post.deleted_at.is_(None),
                Post.hidden_at.is_(None),
            )
        )
        quotes = {post_id: username for post_id, username in rows}
    html = markdown.render(source, members=members, quotes=quotes)
    quoted = tuple(post_id for post_id in found.quoted_post_ids if post_id in quotes)
    return html, tuple(sorted(mentioned)), quoted


def _set_tags(session: Session, topic: Topic, names: list[str]) -> None:
    """Replace a topic's tags, keeping tag.topic_count in step."""
    current = dict(
        session.execute(
            select(Tag.name, Tag.id).join(TopicTag, TopicTag.tag_id == Tag.id).where(TopicTag.topic_id == topic.id)
        ).all()
    )
    removed = [tag_id for name, tag_id in current.items() if name not in names]
    added = [name for name in names if name not in current]
    if removed:
        session.execute(delete(TopicTag).where(TopicTag.topic_id == topic.id, TopicTag.tag_id.in_(removed)))
        session.execute(update(Tag).where(Tag.id.in_(removed)).values(topic_count=Tag.topic_count - 1))
    for name in added:
        insert_ignore(session, Tag.__table__, {"name": name, "topic_count": 0}, ["name"])
        tag_id = session.scalar(select(Tag.id).where(Tag.name == name))
        session.add(TopicTag(topic_id=topic.id, tag_id=tag_id))
        session.flush()
        session.execute(update(Tag).where(Tag.id == tag_id).values(topic_count=Tag.topic_count + 1))


def _mark_read(session: Session, user_id: int, topic_id: int, post_number: int, now: datetime) -> None:
    """The writer has read their own post (no posts_read credit for it)."""
    insert_ignore(
        session,
        TopicRead.__table__,
        {"user_id": user_id, "topic_id": topic_id, "last_read_post_number": 0, "updated_at": now},
        ["user_id", "topic_id"],
    )
    session.execute(
        update(TopicRead)
        .where(
            TopicRead.user_id == user_id,
            TopicRead.topic_id == topic_id,
            TopicRead.last_read_post_number < post_number,
        )
        .values(last_read_post_number=post_number, updated_at=now)
    )


def _writable_category(session: Session, viewer: Viewer, category_id, via: str) -> Category:
    category_id = parse_id(category_id)
    category = session.get(Category, category_id) if category_id else None
    access = category_access_by_id(session).get(category.id) if category is not None else None
    if access is None or not can_see_category(viewer, access):
        raise ValidationFailed(
            N_("Please check the form."), detail={"category_id": N_("Choose a category.")}
        )
    if not can_post_in_category(viewer, access, "topic", via=via):
        refusal = posting_refusal(access, "topic", via=via)
        raise Forbidden(refusal, detail={"category_id": refusal})
    return category


def create_topic(
    session: Session,
    settings,
    viewer: Viewer,
    *,
    category_id,
    title: str,
    body: str,
    kind: str = "question",
    tags=(),
    now: datetime,
    via: str = "forum",
) -> Topic:
    """Start a topic with its first post; publishes PostCreated for post number 1.

    `via` says which form asks ('ideas' for the idea board's threads): some categories take new
    topics only from there.
    """
    if not viewer.is_authenticated:
        raise Forbidden(N_("Please log in to post."))
    errors: dict[str, str] = {}
    title = _check_title(title, errors)
    body = _check_body(body, errors)
    if kind not in TOPIC_KINDS:
        errors["kind"] = N_("Choose question or discussion.")
    try:
        tag_names = normalize_tags(tags)
    except ValidationFailed as error:
        errors.update(error.detail)
        tag_names = []
    try:
        category = _writable_category(session, viewer, category_id, via)
    except ValidationFailed as error:
        errors.update(error.detail)
        category = None
    if errors:
        raise ValidationFailed(N_("Please check the form."), detail=errors)
    moderation.check_can_post(session, settings, viewer.id, now, "topic")

    html, mentioned, quoted = render_body(session, viewer, body)
    topic = Topic(
        category_id=category.id,
        author_id=viewer.id,
        title=title,
        slug=topic_slug(title),
        kind=kind,
        created_at=now,
        last_posted_at=now,
        last_poster_id=viewer.id,
        reply_count=0,
        highest_post_number=1,
        pinned=False,
        locked=False,
    )
    session.add(topic)
    session.flush()
    post = Post(
        topic_id=topic.id,
        post_number=1,
        author_id=viewer.id,
        body_source=body,
        body_html=html,
        by_staff=viewer.is_staff,
        created_at=now,
        edit_count=0,
        score=0,
    )
    session.add(post)
    session.flush()
    session.execute(update(Category).where(Category.id == category.id).values(topic_count=Category.topic_count + 1))
    _set_tags(session, topic, tag_names)
    _mark_read(session, viewer.id, topic.id, 1, now)
    publish(
        session,
        PostCreated(
            post_id=post.id,
            topic_id=topic.id,
            author_id=viewer.id,
            post_number=1,
            reply_to_post_id=None,
            at=now,
            mentioned_user_ids=mentioned,
            quoted_post_ids=quoted,
        ),
    )
    return topic


def create_reply(
    session: Session,
    settings,
    viewer: Viewer,
    *,
    topic_id: int,
    body: str,
    now: datetime,
    reply_to_post_id: int | None = None,
) -> Post:
    """Reply to a topic; records the first response by someone other than the asker."""
    if not viewer.is_authenticated:
        raise Forbidden(N_("Please log in to post."))
    topic = get_visible_topic(session, viewer, topic_id, for_update=True)
    access = category_access_by_id(session)[topic.category_id]
    if not can_post_in_category(viewer, access, "reply"):
        raise Forbidden(posting_refusal(access, "reply"))
    if topic.locked and not viewer.is_staff:
        raise Forbidden(N_("This topic is locked; it takes no new replies."))
    errors: dict[str, str] = {}
    body = _check_body(body, errors)
    if errors:
        raise ValidationFailed(N_("Please check the form."), detail=errors)
    moderation.check_can_post(session, settings, viewer.id, now, "reply")
    if reply_to_post_id is not None:
        valid = session.scalar(select(Post.id).where(Post.id == reply_to_post_id, Post.topic_id == topic.id))
        reply_to_post_id = valid

    html, mentioned, quoted = render_body(session, viewer, body)
    number = topic.highest_post_number + 1
    post = Post(
        topic_id=topic.id,
        post_number=number,
        author_id=viewer.id,
        reply_to_post_id=reply_to_post_id,
        body_source=body,
        body_html=html,
        by_staff=viewer.is_staff,
        created_at=now,
        edit_count=0,
        score=0,
    )
    session.add(post)
    session.flush()
    topic.highest_post_number = number
    topic.reply_count += 1
    topic.last_posted_at = now
    topic.last_poster_id = viewer.id
    if topic.first_response_post_id is None and viewer.id != topic.author_id:
        topic.first_response_post_id = post.id
        topic.first_response_seconds = max(0, int((now - topic.created_at).total_seconds()))
    session.flush()
    _mark_read(session, viewer.id, topic.id, number, now)
    publish(
        session,
        PostCreated(
            post_id=post.id,
            topic_id=topic.id,
            author_id=viewer.id,
            post_number=number,
            reply_to_post_id=reply_to_post_id,
            at=now,
            mentioned_user_ids=mentioned,
            quoted_post_ids=quoted,
        ),
    )
    return post


def delete_post(session: Session, viewer: Viewer, post_id: int, now: datetime) -> Post:
    """Soft-delete a reply (its author or a moderator); an accepted answer is cleared first."""
    post, topic = get_visible_post(session, viewer, post_id)
    if not (can_moderate(viewer) or (viewer.is_authenticated and viewer.id == post.author_id)):
        raise Forbidden(N_("You may only delete your own posts."))
    if post.post_number == 1:
        raise Conflict(N_("The first post of a topic cannot be deleted; edit it instead."))
    if post.deleted_at is not None:
        return post
    if topic.accepted_post_id == post.id:
        unaccept_answer(session, viewer, topic.id, now, check=False)
    post.deleted_at = now
    topic.reply_count -= 1
    session.flush()
    publish(session, PostDeleted(post_id=post.id, author_id=post.author_id, by_id=viewer.id, at=now))
    return post


def _moderated_topic(session: Session, viewer: Viewer, topic_id: int) -> Topic:
    if not can_moderate(viewer):
        raise Forbidden(N_("Only moderators can do this."))
    return get_visible_topic(session, viewer, topic_id, for_update=True)


def set_pinned(session: Session, viewer: Viewer, topic_id: int, pinned: bool) -> Topic:
    """Pin a topic to the top of its category (moderators)."""
    topic = _moderated_topic(session, viewer, topic_id)
    topic.pinned = bool(pinned)
    session.flush()
    return topic


def set_locked(session: Session, viewer: Viewer, topic_id: int, locked: bool) -> Topic:
    """Lock a topic against replies from non-staff (moderators)."""
    topic = _moderated_topic(session, viewer, topic_id)
    topic.locked = bool(locked)
    session.flush()
    return topic


def move_topic(session: Session, viewer: Viewer, topic_id: int, category_id) -> Topic:
    """Move a topic to another category (moderators), keeping topic counts right."""
    topic = _moderated_topic(session, viewer, topic_id)
    category = _writable_category(session, viewer, category_id, "forum")
    if category.id != topic.category_id:
        session.execute(update(Category).where(Category.id == topic.category_id).values(topic_count=Category.topic_count - 1))
        session.execute(update(Category).where(Category.id == category.id).values(topic_count=Category.topic_count + 1))
        moved_from = topic.category_id
        topic.category_id = category.id
        session.flush()
        publish(session, TopicMoved(topic_id=topic.id, from_category_id=moved_from, to_category_id=category.id, at=utcnow()))
    return topic


def update_tags(session: Session, viewer: Viewer, topic: Topic, tags) -> None:
    """Replace a topic's tags (its author or moderators, through the first post's edit form)."""
    _set_tags(session, topic, normalize_tags(tags))
