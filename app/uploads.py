"""Uploaded images: the `upload` table, the limits, and storing a cleaned image.

An upload row says who uploaded which stored file (`sha256` of the re-encoded bytes) and for
what (`post` or `avatar`). Several rows may share a file; the file goes when its last row goes.
Who may see a file is decided where it is served (`forum/upload_pages.py`), through the forum's
one visibility function.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db import Base, lock_keys
from app.errors import AppError
from app.i18n import Msg
from app.images import clean_image
from app.storage import Storage

UPLOAD_URL_RE = re.compile(r"/uploads/([0-9a-f]{64})\.(?:png|jpg|webp|gif|thumb\.webp)\b")
PURPOSES = ("post", "avatar")


class Upload(Base):
    """One member's upload of one stored image."""

    __tablename__ = "upload"
    __table_args__ = (Index("ix_upload_owner_created", "owner_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    extension: Mapped[str] = mapped_column(String(8))
    content_type: Mapped[str] = mapped_column(String(40))
    byte_size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    has_thumbnail: Mapped[bool] = mapped_column(default=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    purpose: Mapped[str] = mapped_column(String(10), default="post")
    original_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]

    @property
    def file_name(self) -> str:
        """The stored file's name."""
        return f"{self.sha256}.{self.extension}"

    @property
    def url(self) -> str:
        """Where the full image is served."""
        return f"/uploads/{self.file_name}"

    @property
    def thumbnail_url(self) -> str:
        """Where the image shown in posts is served (the thumbnail for large images)."""
        return f"/uploads/{self.sha256}.thumb.webp" if self.has_thumbnail else self.url


class UploadLimitReached(AppError):
    """A member or the site has used up an upload allowance."""

    status_code = 429
    code = "upload_limit"


@dataclass(frozen=True)
class StoredUpload:
    """What the editor needs after an upload: the URLs and the Markdown to insert."""

    id: int
    url: str
    thumbnail_url: str
    markdown: str
    width: int
    height: int


def _alt_text(name: str) -> str:
    stem = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0]
    cleaned = re.sub(r"[^\w .,-]+", " ", stem).strip()
    return cleaned[:80] or "image"


def markdown_for(upload: Upload) -> str:
    """The Markdown that shows the image in a post (the thumbnail links to the full image)."""
    alt = _alt_text(upload.original_name)
    if upload.has_thumbnail:
        return f"[![{alt}]({upload.thumbnail_url})]({upload.url})"
    return f"![{alt}]({upload.url})"


def _check_limits(session: Session, settings, owner_id: int, size: int, now: datetime) -> None:
    since = now - timedelta(hours=24)
    day_count, day_bytes = session.execute(
        select(func.count(), func.coalesce(func.sum(Upload.byte_size), 0)).where(
            Upload.owner_id == owner_id, Upload.created_at > since
        )
    ).one()
    if day_count + 1 > settings.upload_member_daily_count or day_bytes + size > settings.upload_member_daily_bytes:
        raise UploadLimitReached(Msg(
            "You have reached today's upload allowance (%(count)s images, %(mib)s MiB per 24 hours); try again tomorrow.",
            count=settings.upload_member_daily_count, mib=settings.upload_member_daily_bytes // (1024 * 1024),
        ))
    member_total = session.scalar(
        select(func.coalesce(func.sum(Upload.byte_size), 0)).where(Upload.owner_id == owner_id)
    )
    if member_total + size > settings.upload_member_total_bytes:
        raise UploadLimitReached(Msg(
            "Your uploads have reached their total allowance of %(mib)s MiB.",
            mib=settings.upload_member_total_bytes // (1024 * 1024),
        ))
    site_total = session.scalar(select(func.coalesce(func.sum(Upload.byte_size), 0)))
    if site_total + size > settings.upload_site_total_bytes:
        raise UploadLimitReached(Msg("This site has no room for more uploads; please tell an administrator."), status_code=507)


def store_image(
    session: Session, settings, storage: Storage, *, owner_id: int, data: bytes, filename: str, purpose: str, now: datetime
) -> Upload:
    """Clean an image, check the member's and the site's allowances, store it, and record the row."""
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    image = clean_image(
        data, max_bytes=settings.upload_max_file_bytes, max_pixels=settings.upload_max_pixels,
        thumbnail_edge=settings.upload_thumbnail_edge,
    )
    size = len(image.data) + len(image.thumbnail or b"")
    lock_keys(session, f"upload-limit:{owner_id}")
    _check_limits(session, settings, owner_id, size, now)
    sha = hashlib.sha256(image.data).hexdigest()
    storage.put(f"{sha}.{image.extension}", image.data)
    if image.thumbnail is not None:
        storage.put(f"{sha}.thumb.webp", image.thumbnail)
    upload = Upload(
        sha256=sha, extension=image.extension, content_type=image.content_type, byte_size=size,
        width=image.width, height=image.height, has_thumbnail=image.thumbnail is not None,
        owner_id=owner_id, purpose=purpose, original_name=(filename or "")[:200], created_at=now,
    )
    session.add(upload)
    session.flush()
    return upload


def stored(upload: Upload) -> StoredUpload:
    """The editor's view of an upload."""
    return StoredUpload(upload.id, upload.url, upload.thumbnail_url, markdown_for(upload), upload.width, upload.height)


def shas_in(text: str) -> set[str]:
    """Content addresses of this site's uploads that a Markdown or HTML text refers to."""
    return set(UPLOAD_URL_RE.findall(text or ""))


def delete_rows(session: Session, storage: Storage, uploads: list[Upload]) -> int:
    """Delete upload rows, and each stored file no remaining row uses; return the rows deleted."""
    shas = {upload.sha256 for upload in uploads}
    for upload in uploads:
        session.delete(upload)
    session.flush()
    if shas:
        still_used = set(session.scalars(select(Upload.sha256).where(Upload.sha256.in_(shas))))
        for gone in shas - still_used:
            for row in uploads:
                if row.sha256 == gone:
                    storage.delete(row.file_name)
                    storage.delete(f"{gone}.thumb.webp")
                    break
    return len(uploads)
