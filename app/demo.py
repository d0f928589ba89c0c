"""The demo community: one deterministic generator to which each domain adds its step."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from rich.progress import Progress
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.accounts import demo as accounts_demo
from app.ambassadors import demo as ambassadors_demo
from app.ambassadors import demo_invitations as ambassadors_demo_invitations
from app.ambassadors import demo_reengagement as ambassadors_demo_reengagement
from app.accounts.demo import DEMO_EMAIL_DOMAIN
from app.accounts.models import User
from app.config import Settings
from app.db import make_engine, make_session_factory, utcnow
from app.mail import OutboxEmail
from app.demo_context import DemoContext
from app.forum import demo as forum_demo
from app.forum import demo_activity as forum_demo_activity
from app.ideas import demo as ideas_demo
from app.insights import rollups
from app.karma import demo as karma_demo

Step = Callable[[Session, Settings, DemoContext], None]


def steps() -> list[tuple[str, Step]]:
    """The demo's steps in order; later domains append theirs here."""
    return [
        ("members", accounts_demo.create_cast),
        ("log-ins and visits", accounts_demo.record_presence),
        ("forum", forum_demo.build),
        ("votes and moderation", forum_demo_activity.build),
        ("ideas", ideas_demo.build),
        ("karma", karma_demo.build),
        ("ambassador scoring", ambassadors_demo.build),
        ("invitations", ambassadors_demo_invitations.build),
        ("re-engagement", ambassadors_demo_reengagement.build),
        ("insights roll-ups", _insights_rollups),
    ]


def _insights_rollups(session: Session, settings: Settings, ctx: DemoContext) -> None:
    # The demo writes a year of history at once; the dashboard's roll-ups are built from it here.
    rollups.rebuild(session, ctx.now)


def database_is_empty(session: Session) -> bool:
    """True when no account exists yet (a fresh install)."""
    return not session.scalar(select(func.count()).select_from(User))


def demo_anchor(real_now: datetime) -> datetime:
    """The demo's `now`: one hour before the last full hour, so the scoring run an hour after it
    is never later than the real clock (a future run would hide every newer one)."""
    return real_now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


def build(session: Session, settings: Settings, *, seed: int = 7, now: datetime | None = None, progress: bool = False) -> DemoContext:
    """Run every step in the caller's transaction; the same seed and `now` give the same community."""
    anchor = now or demo_anchor(utcnow())
    ctx = DemoContext(seed=seed, now=anchor.astimezone(timezone.utc))
    started = time.perf_counter()
    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("Building the demo community", total=len(steps()))
        for label, step in steps():
            bar.update(task, description=f"Demo: {label}")
            step(session, settings, ctx)
            session.flush()
            bar.advance(task)
    # Demo members have undeliverable addresses; the e-mails their activity queued go nowhere.
    session.execute(delete(OutboxEmail).where(OutboxEmail.to_address.like(f"%@{DEMO_EMAIL_DOMAIN}")))
    ctx.figures["seconds"] = round(time.perf_counter() - started)
    return ctx


def build_into(settings: Settings, *, seed: int = 7, now: datetime | None = None, only_if_empty: bool = False, progress: bool = True) -> DemoContext | None:
    """Open the configured database, build the demo there and commit once."""
    from app.main import register_event_handlers

    register_event_handlers()  # search, notifications and karma follow the demo's events too
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            if only_if_empty and not database_is_empty(session):
                return None
            return build(session, settings, seed=seed, now=now, progress=progress)
    finally:
        engine.dispose()
