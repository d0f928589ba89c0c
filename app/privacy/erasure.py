"""Deleting a member's account: the posts stay, under an anonymous placeholder; the person goes.

The account row itself becomes the placeholder (`deleted-<random>`, "Deleted member", no
address, no password, no profile), so every post, vote, ledger row and score keeps a valid
reference and topic threads, totals and the append-only ledger stay whole, but none of it leads
to a person any more. Everything that is only about the person is deleted. Copies of their
username, display name and e-mail address elsewhere (mentions and quotes in other members'
posts, notifications, e-mails, audit details) are replaced by the placeholder's name.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from sqlalchemy import String, Text, delete, func, or_, select, update
from sqlalchemy.orm import Session

from app.accounts.models import (
    ApiToken, AuditEntry, GroupMembership, LoginAttempt, LoginLink, SsoIdentity, User, UserAvatar, UserSession,
    UserVisit,
)
from app.ambassadors.invitations import CandidateDecision, Invitation
from app.ambassadors.reengagement_models import Baseline, Nudge
from app.db import Base, CompactText
from app.forum import search
from app.forum.models import Notification, NotificationSetting, PostUpload, Suspension, TopicRead
from app.idempotency import FormSubmission
from app.ideas.models import IdeaFollower
from app.mail import OutboxEmail
from app.security import unusable_password_hash
from app.storage import Storage
from app.uploads import Upload, delete_rows

PLACEHOLDER_NAME = "Deleted member"
# Rows that exist only because of the person (their sessions, visits, messages, invitations ...).
PERSONAL = [
    (UserSession, UserSession.user_id), (LoginAttempt, LoginAttempt.user_id), (LoginLink, LoginLink.user_id),
    (UserVisit, UserVisit.user_id), (ApiToken, ApiToken.user_id), (GroupMembership, GroupMembership.user_id),
    (Notification, Notification.user_id), (NotificationSetting, NotificationSetting.user_id),
    (TopicRead, TopicRead.user_id), (FormSubmission, FormSubmission.user_id), (OutboxEmail, OutboxEmail.user_id),
    (Invitation, Invitation.user_id), (CandidateDecision, CandidateDecision.user_id), (Nudge, Nudge.user_id),
    (Baseline, Baseline.user_id), (IdeaFollower, IdeaFollower.user_id), (Suspension, Suspension.user_id),
    # The link to the single sign-on identity: without it the person cannot log into the placeholder.
    (SsoIdentity, SsoIdentity.user_id),
]
KEEP_TEXT = {("user_account", "username_key"), ("user_account", "email_key")}


def _delete_personal_rows(session: Session, user: User) -> None:
    for model, column in PERSONAL:
        session.execute(delete(model).where(column == user.id))
    if user.email:
        session.execute(delete(OutboxEmail).where(func.lower(OutboxEmail.to_address) == user.email.lower()))


def _uploads(session: Session, storage: Storage, user_id: int) -> None:
    """Images in posts stay (without an owner); every other image of the member is deleted."""
    session.execute(delete(UserAvatar).where(UserAvatar.user_id == user_id))
    in_posts = select(PostUpload.sha256)
    private = list(session.scalars(select(Upload).where(Upload.owner_id == user_id, Upload.sha256.not_in(in_posts))))
    delete_rows(session, storage, private)
    session.execute(update(Upload).where(Upload.owner_id == user_id).values(owner_id=None))


def _patterns(user: User, placeholder: str) -> list[tuple[re.Pattern, str]]:
    found = []
    for value, replacement in ((user.email, placeholder), (user.username, placeholder), (user.display_name, PLACEHOLDER_NAME)):
        if value and value.strip():
            found.append((re.compile(r"(?<!\w)" + re.escape(value.strip()) + r"(?!\w)", re.IGNORECASE), replacement))
    return found


def _is_text(column) -> bool:
    return isinstance(column.type, (String, Text)) or isinstance(getattr(column.type, "impl", None), (String, Text))


def _searchable_in_sql(column, dialect: str) -> bool:
    # CompactText is zlib-compressed on SQLite: SQL cannot look inside it, so those rows are read whole.
    return not (isinstance(column.type, CompactText) and dialect == "sqlite")


def _all_rows_in_batches(session: Session, keys, columns, size: int = 2000):
    """Every row, a batch of primary keys at a time, so a large forum is never held in memory at once."""
    (key,) = keys
    last = None
    while True:
        statement = select(key, *columns).order_by(key).limit(size)
        batch = session.execute(statement if last is None else statement.where(key > last)).all()
        if not batch:
            return
        yield from batch
        last = batch[-1][0]


def _scrub_text(session: Session, user: User, placeholder: str) -> set[int]:
    """Replace copies of the member's names and address in every text column; return changed post ids."""
    patterns = _patterns(user, placeholder)
    needles = [value.strip().lower() for value in (user.email, user.username, user.display_name) if value and value.strip()]
    dialect = session.get_bind().dialect.name
    changed_posts: set[int] = set()
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if _is_text(c) and (table.name, c.name) not in KEEP_TEXT]
        keys = list(table.primary_key.columns)
        if not columns or not keys:
            continue
        if all(_searchable_in_sql(c, dialect) for c in columns):
            rows = session.execute(select(*keys, *columns).where(
                or_(*(func.lower(c).contains(n, autoescape=True) for c in columns for n in needles))
            )).all()
        else:
            rows = _all_rows_in_batches(session, keys, columns)
        for row in rows:
            values = {}
            for column in columns:
                text = row._mapping[column]
                if not text or not any(n in text.lower() for n in needles):
                    continue
                new = text
                for pattern, replacement in patterns:
                    new = pattern.sub(replacement, new)
                if new != text:
                    values[column.name] = new
            if values:
                session.execute(update(table).where(*(k == row._mapping[k] for k in keys)).values(**values))
                if table.name == "post":
                    changed_posts.add(row._mapping[table.c.id])
    return changed_posts


def erase_account(session: Session, storage: Storage, user_id: int, *, actor_id: int | None, reason: str, now: datetime) -> str:
    """Delete the person behind an account and keep their posts under a placeholder; return its name.

    Audited as `account.erase` (the detail names who asked, never the erased names)."""
    user = session.get(User, user_id)
    placeholder = f"deleted-{secrets.token_hex(4)}"
    for pattern, replacement in _patterns(user, placeholder):
        reason = pattern.sub(replacement, reason)  # an admin's note may name the member
    _delete_personal_rows(session, user)
    _uploads(session, storage, user.id)
    changed_posts = _scrub_text(session, user, placeholder)
    session.execute(update(User).where(User.id == user.id).values(
        username=placeholder, username_key=placeholder, display_name=PLACEHOLDER_NAME, email=None, email_key=None,
        email_verified_at=None, password_hash=unusable_password_hash(), bio="", locale=None, last_seen_at=None,
        ambassador_opt_out=True,
    ))
    session.add(AuditEntry(
        actor_id=actor_id if actor_id != user.id else None, action="account.erase", target_user_id=user.id,
        detail=reason, created_at=now,
    ))
    session.flush()
    session.expire_all()
    for post_id in sorted(changed_posts):
        search.index_post(session, post_id)
    search.drop_removed_terms(session)
    return placeholder
