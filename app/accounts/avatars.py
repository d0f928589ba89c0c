"""Members' avatars: an uploaded image cleaned like every upload, one per member."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import UserAvatar
from app.storage import Storage
from app.uploads import Upload, delete_rows, store_image


def set_avatar(session: Session, settings, storage: Storage, *, user_id: int, data: bytes, filename: str, now: datetime) -> Upload:
    """Store an image as the member's avatar; the previous avatar's upload is removed."""
    upload = store_image(session, settings, storage, owner_id=user_id, data=data, filename=filename, purpose="avatar", now=now)
    current = session.get(UserAvatar, user_id)
    previous = session.get(Upload, current.upload_id) if current else None
    if current is None:
        session.add(UserAvatar(user_id=user_id, upload_id=upload.id))
    else:
        current.upload_id = upload.id
    session.flush()
    if previous is not None and previous.id != upload.id:
        delete_rows(session, storage, [previous])
    return upload


def remove_avatar(session: Session, storage: Storage, user_id: int) -> bool:
    """Go back to the generated avatar; False when the member had no uploaded one."""
    current = session.get(UserAvatar, user_id)
    if current is None:
        return False
    upload = session.get(Upload, current.upload_id)
    session.delete(current)
    session.flush()
    if upload is not None:
        delete_rows(session, storage, [upload])
    return True


def avatar_upload_ids(session: Session, user_id: int) -> list[int]:
    """Upload ids the member's avatar uses (for erasure and export)."""
    return list(session.scalars(select(UserAvatar.upload_id).where(UserAvatar.user_id == user_id)))
