"""Demo step of invitations: the community manager has invited top candidates from the newest
scoring run; some accepted (and now hold the role), one declined, others are still open."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.ambassadors import invitations, queries
from app.demo_context import DemoContext
from app.errors import AppError

# (profile, how many to invite, how many of them accept, how many decline); the rest stay open.
PLAN = (("helper", 3, 2, 0), ("labs", 3, 1, 1), ("ambassador", 2, 0, 0))
MESSAGE = ("Hello {name},\n\nthank you for all the answers you have given this year; members keep "
           "thanking you in their replies. We would love to have you on board.")


def build(session: Session, settings, ctx: DemoContext) -> None:
    """Invite the best uninvited candidates of a few profiles, a week or two before `now`."""
    run = queries.latest_run(session)
    managers = [m for m in ctx.cast("staff") if "manager" in m.roles]
    if run is None or not managers:
        return
    manager_id = managers[0].id
    sent_at = ctx.now - timedelta(days=12)
    for profile, invite_count, accept_count, decline_count in PLAN:
        chosen = []
        for row in queries.candidates(session, run, profile, 30, now=sent_at, exclude={manager_id}):
            user = session.get(User, row.user_id)
            try:
                invitations.check_can_invite(session, settings, user=user, role=profile, inviter_id=manager_id, now=sent_at)
            except AppError:  # a limit excludes them (holder, opted out, already invited): next candidate
                continue
            chosen.append(user)
            if len(chosen) == invite_count:
                break
        for k, user in enumerate(chosen):
            sent = invitations.invite(session, settings, user=user, role=profile, inviter_id=manager_id,
                                      message=MESSAGE.format(name=user.display_name), now=sent_at + timedelta(hours=k))
            ctx.count("invitations")
            answered = sent_at + timedelta(days=2, hours=k)
            if k < accept_count:
                invitations.accept(session, invitation_id=sent.id, user_id=user.id, now=answered)
                ctx.count("invitations accepted")
            elif k < accept_count + decline_count:
                invitations.decline(session, invitation_id=sent.id, user_id=user.id,
                                    reason="Too busy at work this quarter, ask me again later.", now=answered)
    session.flush()

