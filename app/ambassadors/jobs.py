"""Periodic work of the ambassadors domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.ambassadors.service import run_scoring


def job(session: Session, now: datetime, settings=None) -> dict:
    """The periodic scoring run (daily or weekly): a new run as of `now`; returns a summary."""
    if settings is None:
        from app.config import get_settings

        settings = get_settings()
    run = run_scoring(session, settings, now, trigger="job")
    return {"run_id": run.id, "members": run.member_count}
