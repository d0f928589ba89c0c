"""Everything Hearth holds about one member, as a zip of JSON files and Markdown posts.

The named sections are read table by table; any other table that refers to the member (one a
later feature adds) is still exported under `other/`, found through the foreign keys to
`user_account`, so nothing held about a member is left out of their copy.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime

from sqlalchemy import Table, or_, select
from sqlalchemy.orm import Session

from app.accounts.models import ApiToken, AuditEntry, Group, GroupMembership, LoginAttempt, User, UserSession, UserVisit
from app.ambassadors import views as ambassador_views
from app.ambassadors.invitations import CandidateDecision, Invitation
from app.ambassadors.models import MemberScore, MemberSnapshot, ScoringRun
from app.db import Base
from app.forum.models import Notification, Post, PostRevision, PostVote, Topic
from app.i18n import translate
from app.ideas.models import Idea, IdeaVote
from app.karma.models import KarmaEntry
from app.storage import Storage
from app.uploads import Upload

SECRET_COLUMNS = {"password_hash", "token_hash"}
# Tables the named sections already cover, or that hold no data about a person.
NAMED = {
    "user_account", "post", "post_revision", "post_vote", "karma_entry", "login_attempt", "user_session",
    "user_visit", "notification", "invitation", "candidate_decision", "member_score", "member_snapshot",
    "group_membership", "api_token", "audit_log", "upload", "idea", "idea_vote", "topic",
}


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def _row(table: Table, row) -> dict:
    return {column.name: _plain(row._mapping[column]) for column in table.columns if column.name not in SECRET_COLUMNS}


def _rows(session: Session, model, *where, order=None) -> list[dict]:
    table = model.__table__
    query = select(table).where(*where).order_by(*(order if order is not None else table.primary_key.columns))
    return [_row(table, row) for row in session.execute(query)]


def _json_loads(text: str, default):
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return default


def _profile(session: Session, user: User) -> dict:
    roles = session.scalars(
        select(Group.name).join(GroupMembership, GroupMembership.group_id == Group.id).where(GroupMembership.user_id == user.id)
    ).all()
    row = _row(User.__table__, session.execute(select(User.__table__).where(User.id == user.id)).one())
    return {**row, "roles": ["member", *sorted(roles)]}


def _posts(session: Session, user_id: int) -> tuple[list[dict], dict[str, str]]:
    table = Post.__table__
    rows = session.execute(
        select(table, Topic.title.label("topic_title"), Topic.slug.label("topic_slug"))
        .join(Topic, Topic.id == table.c.topic_id)
        .where(table.c.author_id == user_id).order_by(table.c.created_at, table.c.id)
    ).all()
    revisions: dict[int, list[dict]] = {}
    if rows:
        post_ids = [row.id for row in rows]
        for revision in _rows(session, PostRevision, PostRevision.post_id.in_(post_ids), order=[PostRevision.post_id, PostRevision.number]):
            revisions.setdefault(revision["post_id"], []).append(revision)
    posts, files = [], {}
    for row in rows:
        entry = _row(table, row)
        entry.update(topic_title=row.topic_title, url=f"/t/{row.topic_id}/{row.post_number}", revisions=revisions.get(row.id, []))
        posts.append(entry)
        heading = row.topic_title if row.post_number == 1 else f"Re: {row.topic_title}"
        files[f"posts/{row.created_at:%Y-%m-%d}-post-{row.id}.md"] = (
            f"# {heading}\n\n*{row.created_at.isoformat()} · /t/{row.topic_id}-{row.topic_slug} #{row.post_number}*\n\n{row.body_source}\n"
        )
    return posts, files


def _scores(session: Session, user_id: int, translations) -> list[dict]:
    rows = session.execute(
        select(MemberScore, ScoringRun.as_of, ScoringRun.windows).join(ScoringRun, ScoringRun.id == MemberScore.run_id)
        .where(MemberScore.user_id == user_id).order_by(MemberScore.run_id, MemberScore.profile)
    ).all()
    result = []
    for score, as_of, windows in rows:
        explanation = _json_loads(score.explanation, [])
        imported = bool(_json_loads(windows, {}).get("derived_visits"))
        try:
            shown = [{"effect": effect, "reason": translate(translations, sentence)}
                     for effect, sentence in ambassador_views.sentences(explanation, imported)]
        except (KeyError, TypeError, ValueError):
            shown = []  # an explanation stored by an older scoring version: the raw items stay below
        result.append({
            "run_id": score.run_id, "as_of": as_of.isoformat(), "profile": score.profile, "score": score.score,
            "rank": score.rank, "explanation_shown_to_managers": shown, "explanation_items": explanation,
        })
    return result


def _snapshots(session: Session, user_id: int) -> list[dict]:
    rows = _rows(session, MemberSnapshot, MemberSnapshot.user_id == user_id)
    for row in rows:
        row["signals"] = _json_loads(row["signals"], {})
        row["flags"] = _json_loads(row["flags"], [])
    return rows


def _other_tables(session: Session, user_id: int) -> dict[str, list[dict]]:
    found = {}
    for table in Base.metadata.sorted_tables:
        if table.name in NAMED:
            continue
        columns = [fk.parent for fk in table.foreign_keys if fk.column.table.name == "user_account"]
        if not columns:
            continue
        rows = [_row(table, row) for row in session.execute(select(table).where(or_(*(c == user_id for c in columns))))]
        if rows:
            found[table.name] = rows
    return found


README = """# Your data from {site}

Exported {now} for the account `{username}`.

- `profile.json`: your account, roles and settings (no password: only a hash of it is kept, and not exported)
- `posts.json` and `posts/*.md`: every post you wrote, with its revisions; the Markdown files hold the text
- `votes.json`: votes you cast on posts and ideas
- `karma.json`: your karma ledger (every change and why)
- `logins.json`, `sessions.json`, `visits.json`: log-in attempts on your account, open sessions, days you visited
  (IP addresses are only kept as keyed hashes)
- `notifications.json`, `invitations.json`, `decisions.json`: what you were told, invitations into roles, and
  managers' decisions about you as a candidate
- `scores.json`, `snapshots.json`: the scores ranking members for community roles, with the explanations
  managers were shown, and the signals they were computed from
- `ideas.json`, `api_tokens.json`, `audit.json`, `uploads.json` and `uploads/`: your ideas, API tokens (names only),
  the audit log entries about you, and the images you uploaded
- `other/*.json`: anything else that refers to your account
"""


def build_export(session: Session, storage: Storage, user_id: int, *, site_name: str, now: datetime, translations) -> bytes:
    """The member's data as zip bytes."""
    user = session.get(User, user_id)
    posts, post_files = _posts(session, user_id)
    uploads = _rows(session, Upload, Upload.owner_id == user_id)
    sections = {
        "profile.json": _profile(session, user),
        "posts.json": posts,
        "votes.json": {
            "posts": _rows(session, PostVote, PostVote.voter_id == user_id),
            "ideas": _rows(session, IdeaVote, IdeaVote.user_id == user_id),
        },
        "karma.json": _rows(session, KarmaEntry, KarmaEntry.user_id == user_id),
        "logins.json": _rows(session, LoginAttempt, LoginAttempt.user_id == user_id),
        "sessions.json": _rows(session, UserSession, UserSession.user_id == user_id),
        "visits.json": _rows(session, UserVisit, UserVisit.user_id == user_id, order=[UserVisit.day]),
        "notifications.json": [
            {**row, "data": _json_loads(row["data"], {})}
            for row in _rows(session, Notification, Notification.user_id == user_id)
        ],
        "invitations.json": _rows(session, Invitation, Invitation.user_id == user_id),
        "decisions.json": _rows(session, CandidateDecision, CandidateDecision.user_id == user_id),
        "scores.json": _scores(session, user_id, translations),
        "snapshots.json": _snapshots(session, user_id),
        "ideas.json": _rows(session, Idea, Idea.author_id == user_id),
        "api_tokens.json": _rows(session, ApiToken, ApiToken.user_id == user_id),
        "audit.json": _rows(session, AuditEntry, or_(AuditEntry.target_user_id == user_id, AuditEntry.actor_id == user_id)),
        "uploads.json": uploads,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.md", README.format(site=site_name, now=now.isoformat(), username=user.username))
        for name, content in sections.items():
            archive.writestr(name, json.dumps(content, indent=2, ensure_ascii=False, default=str))
        for name, text in post_files.items():
            archive.writestr(name, text)
        for table, rows in _other_tables(session, user_id).items():
            archive.writestr(f"other/{table}.json", json.dumps(rows, indent=2, ensure_ascii=False, default=str))
        for upload in uploads:
            data = storage.get(f"{upload['sha256']}.{upload['extension']}")
            if data is not None:
                archive.writestr(f"uploads/{upload['sha256']}.{upload['extension']}", data)
    return buffer.getvalue()
