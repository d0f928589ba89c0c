"""Demo step: lapsed champions on the re-engagement page, and a history of nudges with returns.

Two of the best-scored helpers stopped visiting 12 and 38 days ago (their visit rows after that are
removed; the posts they wrote in those days stay, so the demo's story is approximate there). Fifty
days ago the community manager nudged three long-gone members (one came back within days); three
days ago an automatic nudge went out, still inside its return window.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.accounts.models import User, UserVisit
from app.ambassadors import reengagement
from app.ambassadors.models import MemberScore, ScoringRun
from app.ambassadors.service import run_scoring
from app.config import Settings
from app.demo_context import DemoContext

QUIET_CHAMPIONS_DAYS = (12, 38)


def _go_quiet(session: Session, user_id: int, since: datetime) -> None:
    session.execute(delete(UserVisit).where(UserVisit.user_id == user_id, UserVisit.day > since.date()))
    last = session.scalar(select(func.max(UserVisit.day)).where(UserVisit.user_id == user_id))
    session.get(User, user_id).last_seen_at = datetime.combine(last, time(18, 0), tzinfo=since.tzinfo) if last else None


def _visit(session: Session, user_id: int, when: datetime) -> None:
    session.add(UserVisit(user_id=user_id, day=when.date(), posts_read=4))
    session.flush()


def build(session: Session, settings: Settings, ctx: DemoContext) -> None:
    """Make lapsed champions and a nudge history (manual and automatic, one return)."""
    helpers = {m.id for m in ctx.cast("helper")}
    latest = session.scalar(select(ScoringRun.id).order_by(ScoringRun.id.desc()).limit(1))
    if latest is None:
        return
    best = [uid for uid in session.scalars(
        select(MemberScore.user_id).where(MemberScore.run_id == latest, MemberScore.profile == "helper").order_by(MemberScore.rank)
    ) if uid in helpers][: len(QUIET_CHAMPIONS_DAYS)]
    for user_id, days in zip(best, QUIET_CHAMPIONS_DAYS):
        _go_quiet(session, user_id, ctx.now - timedelta(days=days))
    session.flush()
    _nudges(session, settings, ctx)
    if best:  # score again after every visit above, so signals say what the re-engagement page says
        rescored = run_scoring(session, settings, session.scalar(select(ScoringRun.as_of).where(ScoringRun.id == latest)),
                               trigger="demo")
        ctx.figures["scored members"] = rescored.member_count


def _nudges(session: Session, settings: Settings, ctx: DemoContext) -> None:
    """Nudge four lapsed members (three by hand, one automatically); the first comes back."""
    manager = next((m for m in ctx.cast("staff") if "manager" in m.roles), None)
    gone = [m.id for m in ctx.cast("lapsed")]
    if len(gone) < 4:
        return
    nudged_at = ctx.now - timedelta(days=50)
    for user_id in gone[:3]:
        person = session.get(User, user_id)
        draft = reengagement.draft(session, settings, person, nudged_at, "The community team")
        reengagement.send_nudge(session, settings, user_id=user_id, subject=draft.subject, body=draft.body,
                                now=nudged_at, by_id=manager.id if manager else None)
        ctx.count("re-engagement nudges")
    back = nudged_at + timedelta(days=3)
    _visit(session, gone[0], back)
    session.get(User, gone[0]).last_seen_at = back
    auto_at = ctx.now - timedelta(days=3)
    person = session.get(User, gone[3])
    draft = reengagement.draft(session, settings, person, auto_at, settings.site_name)
    reengagement.send_nudge(session, settings, user_id=gone[3], subject=draft.subject, body=draft.body,
                            now=auto_at, by_id=None, mode="auto")
    ctx.count("re-engagement nudges")
