"""JSON shapes of the ambassadors API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from app.openapi import Page


class ReasonRead(BaseModel):
    """One reason behind a score: which signal, whether it lifts, lowers or is a penalty, and the words."""

    signal: str
    effect: str
    value: float
    median: float
    points: int | None = None
    text: str


class CandidateRead(BaseModel):
    """A candidate of one profile."""

    username: str
    display_name: str
    rank: int
    score: float
    trend: float | None
    stage: str
    flags: list[str]
    reasons: list[ReasonRead]


class CandidatesRead(BaseModel):
    """The candidates of a profile in the newest run."""

    run_id: int | None
    as_of: datetime | None
    profile: str
    learned: bool
    quality: dict
    candidates: Page[CandidateRead]


class JourneyRead(BaseModel):
    """A member's own stage and next step."""

    username: str
    stage: str | None
    next_step: str | None
    as_of: datetime | None
