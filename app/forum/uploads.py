"""Uploads as the forum sees them: which posts show which image, who may see an image, and the
job that removes uploads nothing uses."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, exists, insert, select
from sqlalchemy.orm import Session

from app.accounts.models import UserAvatar
from app.forum.models import Post, PostUpload, Topic
from app.forum.queries import visible_category_ids
from app.uploads import Upload, delete_rows, shas_in
from app.web import Viewer


def link_post(session: Session, post_id: int) -> None:
    """Record which uploaded images the post's current text shows (replacing the old links)."""
    source = session.scalar(select(Post.body_source).where(Post.id == post_id)) or ""
    wanted = shas_in(source)
    if wanted:
        wanted &= set(session.scalars(select(Upload.sha256).where(Upload.sha256.in_(wanted)).distinct()))
    session.execute(delete(PostUpload).where(PostUpload.post_id == post_id))
    if wanted:
        session.execute(insert(PostUpload), [{"post_id": post_id, "sha256": sha} for sha in sorted(wanted)])


def can_see_upload(session: Session, viewer: Viewer, sha: str) -> bool:
    """An image is seen by its uploader, by everyone when it is an avatar, and otherwise only by
    those who may see a post showing it (the category's visibility: labs stays in labs)."""
    rows = session.execute(select(Upload.owner_id, Upload.purpose).where(Upload.sha256 == sha)).all()
    if not rows:
        return False
    if any(purpose == "avatar" for _, purpose in rows):
        return True
    if viewer.is_authenticated and any(owner == viewer.id for owner, _ in rows):
        return True
    visible = visible_category_ids(session, viewer)
    if not visible:
        return False
    return bool(session.scalar(
        select(exists().where(
            PostUpload.sha256 == sha, Post.id == PostUpload.post_id, Post.deleted_at.is_(None),
            Topic.id == Post.topic_id, Topic.category_id.in_(visible),
        ))
    ))


def orphans(session: Session, now: datetime, settings) -> list[Upload]:
    """Uploads older than upload_orphan_hours that no post shows and no profile uses."""
    cutoff = now - timedelta(hours=settings.upload_orphan_hours)
    in_posts = select(PostUpload.sha256).where(PostUpload.sha256 == Upload.sha256)
    as_avatar = select(UserAvatar.user_id).where(UserAvatar.upload_id == Upload.id)
    return list(session.scalars(
        select(Upload).where(Upload.created_at < cutoff, ~exists(in_posts), ~exists(as_avatar)).order_by(Upload.id)
    ))


def unclaimed_files(session: Session, storage, before: datetime) -> list[str]:
    """Stored files older than `before` that no upload row claims (left by a refused form whose
    rows rolled back after the images were stored)."""
    names = list(storage.names_older_than(before))
    shas = {name.split(".", 1)[0] for name in names}
    claimed = set(session.scalars(select(Upload.sha256).where(Upload.sha256.in_(shas)))) if shas else set()
    return [name for name in names if name.split(".", 1)[0] not in claimed]


def cleanup_job(session: Session, now: datetime, settings, storage) -> dict:
    """Remove orphaned uploads, the files no other upload shares, and files no upload claims."""
    removed = delete_rows(session, storage, orphans(session, now, settings))
    unclaimed = unclaimed_files(session, storage, now - timedelta(hours=settings.upload_orphan_hours))
    for name in unclaimed:
        storage.delete(name)
    return {"removed": removed, "unclaimed_files": len(unclaimed)}
