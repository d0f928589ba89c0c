"""Voting over HTTP: the vote buttons' form endpoint and the JSON endpoint, over `votes.cast_vote`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.accounts.auth import MemberDep
from app.db import SessionDep, is_transient, retrying
from app.errors import Conflict, ValidationFailed
from app.forum import votes
from app.guard import Id
from app.i18n import N_
from app.web import get_now, redirect

router = APIRouter()
api_router = APIRouter(prefix="/api/v1", tags=["forum"])

RETRIES = 5
FORM_VALUES = {"up": 1, "down": -1, "none": 0, "1": 1, "-1": -1, "0": 0}


def vote_with_retry(session: Session, settings, *, voter_id: int, post_id: int, value: int, now: datetime) -> votes.VoteResult:
    """Cast a vote for a caller that owns the transaction, retrying transient lock errors.

    On SQLite the transaction is a write transaction from its first statement (BEGIN IMMEDIATE),
    so votes queue for the lock instead of failing. On PostgreSQL two votes may deadlock on each
    other's members; the transaction is rolled back and the vote runs again. When the database
    stays busy the voter gets a clear 409 instead of a 500.
    """
    try:
        return retrying(
            session,
            lambda: votes.cast_vote(session, settings, voter_id=voter_id, post_id=post_id, value=value, now=now),
            attempts=RETRIES,
        )
    except DBAPIError as error:
        if not is_transient(error):
            raise
        session.rollback()
    raise Conflict(N_("Many votes are being cast right now. Please try again in a moment."))


def _parse_value(raw: str) -> int:
    if raw not in FORM_VALUES:
        raise ValidationFailed(N_("Please choose up, down or no vote."), detail={"value": N_("A vote is up, down or none.")})
    return FORM_VALUES[raw]


@router.post("/p/{post_id}/vote")
def vote_form(request: Request, post_id: Id, viewer: MemberDep, db: SessionDep, value: Annotated[str, Form()] = ""):
    """The vote buttons: cast, change or withdraw a vote, then go back to the post.

    Pressing the button of the vote you already cast withdraws it, as on Stack Exchange, so the
    buttons work even on pages that do not know the viewer's votes.
    """
    wanted = _parse_value(value)
    if value in ("up", "down") and votes.current_vote(db, viewer.id, post_id) == wanted:
        wanted = 0
    result = vote_with_retry(
        db,
        request.app.state.settings,
        voter_id=viewer.id,
        post_id=post_id,
        value=wanted,
        now=get_now(request),
    )
    return redirect(f"/t/{result.topic_id}/{result.post_number}#p{result.post_number}")


class VoteWrite(BaseModel):
    """A vote: +1 up, -1 down, 0 to withdraw."""

    value: int


class PostVoteRead(BaseModel):
    """The voter's vote and the post's score after the request."""

    post_id: int
    value: int
    score: int
    changed: bool


@api_router.post("/posts/{post_id}/vote", response_model=PostVoteRead)
def vote_api(request: Request, post_id: Id, body: VoteWrite, viewer: MemberDep, db: SessionDep) -> PostVoteRead:
    """Cast, change (value +1/-1) or withdraw (value 0) the caller's vote on a post."""
    result = vote_with_retry(
        db,
        request.app.state.settings,
        voter_id=viewer.id,
        post_id=post_id,
        value=body.value,
        now=get_now(request),
    )
    return PostVoteRead(post_id=result.post_id, value=result.value, score=result.score, changed=result.changed)
