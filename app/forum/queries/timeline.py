"""Forum activity per member and time bucket, for many moments at once (ambassador scoring).

Every function takes ascending `edges` (aware datetimes; the last one is `now`) and reads only rows
before `edges[-1]`. A row at time t falls into bucket i when edges[i-1] <= t < edges[i] (bucket 0
is everything before edges[0]); see `app.db.bucket_index`. Any window whose ends are edges is then
a sum over consecutive buckets, so one statement per fact serves today and every training cutoff.
tests/ambassadors/single_window.py states the same facts as one plain query per window, and
tests/ambassadors/test_timeline.py holds the two equal.
"""

from __future__ import annotations

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from app.db import bucket_index, epoch_seconds, integer_rows
from app.forum.models import Flag, Post, PostRevision, PostVote, Suspension, Topic


def _answer():
    return and_(Post.post_number > 1, Post.reply_to_post_id.is_(None), Topic.kind == "question", _asked_by_another())


def _asked_by_another():
    # A topic whose author was deleted (NULL) was asked by another member; `!=` alone is NULL there.
    return or_(Topic.author_id.is_(None), Topic.author_id != Post.author_id)


def post_rows(session: Session, edges) -> list[tuple[int, ...]]:
    """One row per post before the last edge: (post id, author or 0, asker (topic author) or 0,
    bucket, starts a topic, is a reply, is an answer to another member's question, is deleted,
    bucket of its acceptance or -1, seconds since 1970 it was written, is a comment (a reply to a
    particular post)). Deleted posts are kept because votes on them still count."""
    accepted = and_(Topic.accepted_post_id == Post.id, Topic.accepted_at.is_not(None), Topic.accepted_at < edges[-1])

    def flag(condition):
        return case((condition, 1), else_=0)

    return integer_rows(session, (
        select(
            Post.id, func.coalesce(Post.author_id, 0), func.coalesce(Topic.author_id, 0),
            bucket_index(Post.created_at, edges), flag(Post.post_number == 1), flag(Post.post_number > 1),
            flag(_answer()), flag(Post.deleted_at.is_not(None)),
            case((accepted, bucket_index(Topic.accepted_at, edges)), else_=-1),
            epoch_seconds(Post.created_at), flag(and_(Post.post_number > 1, Post.reply_to_post_id.is_not(None))),
        )
        .join(Topic, Topic.id == Post.topic_id)
        .where(Post.created_at < edges[-1])
    ))


def vote_rows(session: Session, edges) -> list[tuple[int, int, int, int]]:
    """(voter, post, value, bucket) of every vote before the last edge: one plain scan of the votes,
    read without per-row objects; who received each vote follows from `post_rows`."""
    return integer_rows(session, (
        select(PostVote.voter_id, PostVote.post_id, PostVote.value, bucket_index(PostVote.created_at, edges))
        .where(PostVote.value != 0, PostVote.created_at < edges[-1])
    ))


def first_responses_by_bucket(session: Session, edges) -> list[tuple[int, int, int]]:
    """(author, bucket, seconds to respond) for each question of another member they answered first."""
    rows = session.execute(
        select(Post.author_id, bucket_index(Post.created_at, edges), Topic.first_response_seconds)
        .join(Topic, Topic.first_response_post_id == Post.id)
        .where(Topic.kind == "question", _asked_by_another(), Post.author_id.is_not(None),
               Post.created_at < edges[-1])
    )
    return [(author, bucket, int(seconds or 0)) for author, bucket, seconds in rows]


def stewardship_by_bucket(session: Session, edges) -> dict[str, list[tuple[int, int, int]]]:
    """(member, bucket, count) of agreed flags raised, flags upheld against their posts, edits of
    others' posts and suspensions started."""
    reviewed = bucket_index(Flag.reviewed_at, edges)
    agreed = [Flag.status == "agreed", Flag.reviewed_at.is_not(None), Flag.reviewed_at < edges[-1]]
    edited = bucket_index(PostRevision.created_at, edges)
    started = bucket_index(Suspension.starts_at, edges)
    statements = {
        "flags_agreed": select(Flag.flagger_id, reviewed, func.count())
        .where(Flag.flagger_id.is_not(None), *agreed).group_by(Flag.flagger_id, reviewed),
        "flags_upheld_against": select(Post.author_id, reviewed, func.count()).select_from(Flag)
        .join(Post, Post.id == Flag.post_id).where(Post.author_id.is_not(None), *agreed).group_by(Post.author_id, reviewed),
        "edits_of_others": select(PostRevision.editor_id, edited, func.count())
        .join(Post, Post.id == PostRevision.post_id)
        .where(PostRevision.editor_id.is_not(None), or_(Post.author_id.is_(None), PostRevision.editor_id != Post.author_id),
               PostRevision.created_at < edges[-1])
        .group_by(PostRevision.editor_id, edited),
        "suspensions": select(Suspension.user_id, started, func.count())
        .where(Suspension.starts_at < edges[-1]).group_by(Suspension.user_id, started),
    }
    return {name: [tuple(int(v) for v in row) for row in session.execute(statement)] for name, statement in statements.items()}


