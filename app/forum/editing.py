"""Editing posts: revisions (outside the author's grace period), moderator reverts, readable diffs."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.errors import Forbidden, NotFound, ValidationFailed
from app.events import publish
from app.forum import lookup, service
from app.forum.events import PostEdited
from app.forum.models import Post, PostRevision, Topic
from app.forum.permissions import can_edit_post, can_moderate
from app.i18n import N_
from app.web import Viewer

WORD_RE = re.compile(r"\s+|[^\s]+")


def edit_post(
    session: Session,
    settings,
    viewer: Viewer,
    post_id: int,
    *,
    body: str,
    title: str | None = None,
    tags=None,
    now: datetime,
    reverted_to: int | None = None,
) -> Post:
    """Change a post's text (and, for a first post, the topic's title and tags).

    Each edit stores a PostRevision, except the author's own edits within edit_grace_seconds
    of posting.
    """
    post, topic = lookup.get_visible_post(session, viewer, post_id)
    if post.deleted_at is not None or not can_edit_post(viewer, post.author_id, topic.locked):
        raise Forbidden(N_("You may not edit this post."))
    errors: dict[str, str] = {}
    body = service._check_body(body, errors)
    new_title = topic.title
    if post.post_number == 1 and title is not None:
        new_title = service._check_title(title, errors)
    tag_names = None
    if post.post_number == 1 and tags is not None:
        try:
            tag_names = service.normalize_tags(tags)
        except ValidationFailed as error:
            errors.update(error.detail)
    if errors:
        raise ValidationFailed(N_("Please check the form."), detail=errors)

    title_changed = new_title != topic.title
    if body == post.body_source and not title_changed:
        if tag_names is not None:
            service.update_tags(session, viewer, topic, tag_names)
        return post
    in_grace = (
        viewer.id == post.author_id
        and reverted_to is None
        and now - post.created_at <= timedelta(seconds=settings.edit_grace_seconds)
    )
    revision = None
    if not in_grace:
        number = (session.scalar(select(func.max(PostRevision.number)).where(PostRevision.post_id == post.id)) or 0) + 1
        revision = PostRevision(
            post_id=post.id,
            number=number,
            editor_id=viewer.id,
            created_at=now,
            old_source=post.body_source,
            new_source=body,
            old_title=topic.title if post.post_number == 1 else None,
            new_title=new_title if post.post_number == 1 else None,
            reverted_to=reverted_to,
        )
        session.add(revision)
        post.edit_count += 1
    html, _mentioned, _quoted = service.render_body(session, viewer, body)
    post.body_source = body
    post.body_html = html
    post.edited_at = now
    if title_changed:
        topic.title = new_title
        topic.slug = service.topic_slug(new_title)
    if tag_names is not None:
        service.update_tags(session, viewer, topic, tag_names)
    session.flush()
    publish(
        session,
        PostEdited(post_id=post.id, editor_id=viewer.id, revision_id=revision.id if revision else None, at=now),
    )
    return post


@dataclass(frozen=True)
class RevisionView:
    """One revision as the history page shows it."""

    number: int
    editor_username: str | None
    created_at: datetime
    old_source: str
    new_source: str
    old_title: str | None
    new_title: str | None
    reverted_to: int | None
    body_diff: Markup
    title_diff: Markup | None


def word_diff(old: str, new: str) -> Markup:
    """An HTML word-level diff: removed words in <del>, added words in <ins>, everything escaped."""
    before = WORD_RE.findall(old or "")
    after = WORD_RE.findall(new or "")
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(before[a1:a2])))
            continue
        if op in ("delete", "replace"):
            parts.append(f"<del>{escape(''.join(before[a1:a2]))}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{escape(''.join(after[b1:b2]))}</ins>")
    return Markup("".join(parts))


def revisions(session: Session, viewer: Viewer, post_id: int) -> tuple[Post, Topic, list[RevisionView]]:
    """A visible post's revisions, newest first, each with its diff against the one before."""
    post, topic = lookup.get_visible_post(session, viewer, post_id)
    if post.hidden_at is not None and not can_moderate(viewer) and viewer.id != post.author_id:
        raise NotFound(N_("This post does not exist or you may not see it."))
    rows = session.execute(
        select(PostRevision, User.username)
        .outerjoin(User, User.id == PostRevision.editor_id)
        .where(PostRevision.post_id == post.id)
        .order_by(PostRevision.number.desc())
    ).all()
    views = [
        RevisionView(
            number=rev.number,
            editor_username=username,
            created_at=rev.created_at,
            old_source=rev.old_source,
            new_source=rev.new_source,
            old_title=rev.old_title,
            new_title=rev.new_title,
            reverted_to=rev.reverted_to,
            body_diff=word_diff(rev.old_source, rev.new_source),
            title_diff=word_diff(rev.old_title or "", rev.new_title or "") if rev.old_title != rev.new_title else None,
        )
        for rev, username in rows
    ]
    return post, topic, views


def revert_post(session: Session, settings, viewer: Viewer, post_id: int, version: int, now: datetime) -> Post:
    """Moderators restore a post to an earlier version (0 = as first posted, N = after revision N).

    The revert is itself recorded as a new revision with reverted_to = version.
    """
    if not can_moderate(viewer):
        raise Forbidden(N_("Only moderators can revert posts."))
    post, topic = lookup.get_visible_post(session, viewer, post_id)
    rows = {
        rev.number: rev
        for rev in session.scalars(select(PostRevision).where(PostRevision.post_id == post.id))
    }
    if version == 0 and 1 in rows:
        source, title = rows[1].old_source, rows[1].old_title
    elif version in rows:
        source, title = rows[version].new_source, rows[version].new_title
    else:
        raise NotFound(N_("This revision does not exist."))
    return edit_post(
        session,
        settings,
        viewer,
        post.id,
        body=source,
        title=title if post.post_number == 1 else None,
        now=now,
        reverted_to=version,
    )
