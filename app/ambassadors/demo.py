"""Demo step of the ambassadors domain: scoring runs as of a month ago and just after the demo's
`now`, so the candidates show trends and the journey funnel shows this month's moves."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from app.ambassadors.service import run_scoring
from app.demo_context import DemoContext


def build(session: Session, settings, ctx: DemoContext) -> None:
    """Score the demo community twice: 31 days before `now` (last month) and an hour after `now`.

    The karma job ran at `now`; scoring reads only data strictly before its moment, so the final
    run is placed after it, as the nightly scoring follows the nightly karma job in production.
    """
    run_scoring(session, settings, ctx.now - timedelta(days=31), trigger="demo")
    run = run_scoring(session, settings, ctx.now + timedelta(hours=1), trigger="demo")
    ctx.figures["scored members"] = run.member_count
