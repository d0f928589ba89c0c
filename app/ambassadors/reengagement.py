"""Re-engagement of members who stopped visiting: who is listed (lapsed champions first), the
limits on nudging them, sending a nudge (by a manager, or automatically by the worker), and the
return rate of nudged members beside comparable members who were not nudged.

A member's last visit is their last active day (accounts.queries.last_active_days, the definition
signals, role reviews and profiles share). A lapsed champion is a member whose newest
helper score (profile `helper`) ranked in the top quarter of its run and who has been quiet
reengage_champion_min_days..reengage_champion_max_days. When the first nudge of a day is sent, every
other nudgeable quiet member is written to the baseline for that day with their quiet band; the
return rate compares nudged members with baseline members of the same band over the same window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from app.accounts import queries as accounts_queries
from app.accounts.models import User
from app.ambassadors import reengagement_facts as facts
from app.ambassadors.models import MemberScore, ScoringRun
from app.ambassadors.reengagement_models import Baseline, Nudge, ReengagementConfig
from app.db import insert_ignore
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.forum import queries as forum_queries
from app.forum.models import NotificationSetting
from app.i18n import N_, Msg, nMsg
from app.mail import queue_email
from app.web import render_email, translations_for

# Quiet-period bands (lower bound in days, label): nudged members are compared within their band.
BANDS = ((7, "7–29"), (30, "30–89"), (90, "90–179"), (180, "180+"))
BASELINE_HORIZON_DAYS = 365


def band_of(quiet_days: int) -> str:
    """The band label for a number of quiet days."""
    label = BANDS[0][1]
    for lower, name in BANDS:
        if quiet_days >= lower:
            label = name
    return label


@dataclass(frozen=True)
class LapsedMember:
    """A row of the re-engagement page."""

    user_id: int
    username: str
    display_name: str
    last_visit: date
    quiet_days: int
    champion: bool
    helper_score: float | None
    nudges: int
    unanswered: int
    last_nudge_at: datetime | None
    blocked: str | None  # why no nudge can be sent now (a message), or None


def _last_visits(today: date):
    """Each member's last active day up to `today` (the one definition in accounts.queries)."""
    return accounts_queries.last_active_days(today)


def _latest_helper_scores():
    """Per member: the score and rank of their newest helper score, and that run's member count."""
    newest = (
        select(MemberScore.user_id, func.max(ScoringRun.as_of).label("as_of"))
        .join(ScoringRun, ScoringRun.id == MemberScore.run_id)
        .where(MemberScore.profile == "helper")
        .group_by(MemberScore.user_id)
        .subquery()
    )
    sizes = (
        select(MemberScore.run_id, func.count(MemberScore.id).label("size"))
        .where(MemberScore.profile == "helper")
        .group_by(MemberScore.run_id)
        .subquery()
    )
    return (
        select(MemberScore.user_id, MemberScore.score, MemberScore.rank, sizes.c.size)
        .join(ScoringRun, ScoringRun.id == MemberScore.run_id)
        .join(newest, and_(newest.c.user_id == MemberScore.user_id, newest.c.as_of == ScoringRun.as_of))
        .join(sizes, sizes.c.run_id == MemberScore.run_id)
        .where(MemberScore.profile == "helper")
        .subquery()
    )


def _member_columns(visits):
    return (User.id, User.username, User.display_name, visits.c.last_day)


def lapsed_members(session: Session, settings, now: datetime) -> list[LapsedMember]:
    """Lapsed champions (best helper score first), then members quiet reengage_quiet_days or more
    (most recently lapsed first); four statements however many are listed."""
    today = now.date()
    visits = _last_visits(today)
    scores = _latest_helper_scores()
    champion_rows = session.execute(
        select(*_member_columns(visits), scores.c.score)
        .join(visits, visits.c.user_id == User.id)
        .join(scores, scores.c.user_id == User.id)
        .where(
            visits.c.last_day <= today - timedelta(days=settings.reengage_champion_min_days),
            visits.c.last_day >= today - timedelta(days=settings.reengage_champion_max_days),
            scores.c.rank * 4 <= scores.c.size + 3,  # rank <= ceil(size / 4) without SQL math functions
        )
        .order_by(scores.c.score.desc(), User.id)
        .limit(settings.reengage_listed)
    ).all()
    champion_ids = {row.id for row in champion_rows}
    quiet_rows = session.execute(
        select(*_member_columns(visits), scores.c.score)
        .join(visits, visits.c.user_id == User.id)
        .outerjoin(scores, scores.c.user_id == User.id)
        .where(visits.c.last_day <= today - timedelta(days=settings.reengage_quiet_days),
               User.id.not_in(champion_ids or {-1}))
        .order_by(visits.c.last_day.desc(), User.id)
        .limit(max(0, settings.reengage_listed - len(champion_rows)))
    ).all()
    rows = [(row, True) for row in champion_rows] + [(row, False) for row in quiet_rows]
    ids = {row.id for row, _ in rows}
    nudges = _nudges_of(session, ids)
    blocks = _blocks(session, settings, ids, now, nudges, {row.id: row.last_day for row, _ in rows})
    listed = []
    for row, champion in rows:
        sent = nudges.get(row.id, [])
        listed.append(LapsedMember(
            user_id=row.id, username=row.username, display_name=row.display_name, last_visit=row.last_day,
            quiet_days=(today - row.last_day).days, champion=champion,
            helper_score=round(row.score, 1) if row.score is not None else None,
            nudges=len(sent), unanswered=_unanswered(sent, row.last_day),
            last_nudge_at=max(sent) if sent else None, blocked=blocks.get(row.id),
        ))
    return listed


def _nudges_of(session: Session, ids: set[int]) -> dict[int, list[datetime]]:
    found: dict[int, list[datetime]] = {}
    if ids:
        for user_id, sent_at in session.execute(select(Nudge.user_id, Nudge.sent_at).where(Nudge.user_id.in_(ids))):
            found.setdefault(user_id, []).append(sent_at)
    return found


def _unanswered(sent: list[datetime], last_day: date | None) -> int:
    """Nudges with no visit on or after the day they were sent."""
    return sum(1 for at in sent if last_day is None or last_day < at.date())


def _blocks(session: Session, settings, ids: set[int], now: datetime, nudges: dict, last_days: dict) -> dict[int, str]:
    """Per member, the reason a nudge may not be sent now (members without a reason may be nudged)."""
    if not ids:
        return {}
    people = {row.id: row for row in session.execute(
        select(User.id, User.display_name, User.email, User.email_verified_at, User.ambassador_opt_out).where(User.id.in_(ids))
    )}
    mail_off = set(session.scalars(
        select(NotificationSetting.user_id).where(
            NotificationSetting.user_id.in_(ids), NotificationSetting.kind == "reengage", NotificationSetting.email.is_(False)
        )
    ))
    reasons = {}
    for uid in ids:
        person = people[uid]
        reason = _block_reason(settings, person, uid in mail_off, nudges.get(uid, []), last_days.get(uid), now)
        if reason is not None:
            reasons[uid] = reason[1]
    return reasons


def _block_reason(settings, person, mail_off: bool, sent: list[datetime], last_day: date | None, now: datetime):
    """(status code, message) of the first limit that forbids a nudge, or None."""
    name = person.display_name
    if person.ambassador_opt_out:
        return 403, Msg("%(name)s asked not to be approached about community roles, so Hearth sends them no nudges.", name=name)
    if mail_off:
        return 403, Msg("%(name)s turned these e-mails off.", name=name)
    if not person.email or person.email_verified_at is None:
        return 409, Msg("%(name)s has no confirmed e-mail address.", name=name)
    if last_day is None or (now.date() - last_day).days < settings.reengage_champion_min_days:
        return 409, nMsg("%(name)s visited in the last %(num)s day; nudges are for quiet members.",
                         "%(name)s visited in the last %(num)s days; nudges are for quiet members.",
                         settings.reengage_champion_min_days, name=name)
    if _unanswered(sent, last_day) >= settings.reengage_max_unanswered:
        return 409, nMsg("%(name)s did not come back after %(num)s nudge; Hearth sends no more.",
                         "%(name)s did not come back after %(num)s nudges; Hearth sends no more.",
                         settings.reengage_max_unanswered, name=name)
    if sent and now - max(sent) < timedelta(days=settings.reengage_spacing_days):
        next_day = (max(sent) + timedelta(days=settings.reengage_spacing_days)).date().isoformat()
        return 409, nMsg("%(name)s was nudged less than %(num)s day ago; the next nudge is possible on %(date)s.",
                         "%(name)s was nudged less than %(num)s days ago; the next nudge is possible on %(date)s.",
                         settings.reengage_spacing_days, name=name, date=next_day)
    return None


def _last_day(session: Session, user_id: int, today: date) -> date | None:
    return accounts_queries.last_active(session, [user_id], today).get(user_id)


def check_nudge(session: Session, settings, user_id: int, now: datetime) -> User:
    """The member if a nudge may be sent now; else Forbidden/Conflict naming the limit."""
    person = session.get(User, user_id)
    if person is None:
        raise NotFound(N_("There is no member with that name."))
    mail_off = session.scalar(
        select(NotificationSetting.email).where(NotificationSetting.user_id == user_id, NotificationSetting.kind == "reengage")
    ) is False
    sent = [at for at in session.scalars(select(Nudge.sent_at).where(Nudge.user_id == user_id))]
    reason = _block_reason(settings, person, mail_off, sent, _last_day(session, user_id, now.date()), now)
    if reason is not None:
        status, message = reason
        raise (Forbidden if status == 403 else Conflict)(message)
    return person


# ---------------------------------------------------------------- composing and sending


@dataclass(frozen=True)
class Draft:
    """A nudge ready for a manager to edit: subject, personal text, and what the e-mail links."""

    subject: str
    body: str
    changes: list[facts.CategoryChange]
    questions: list[facts.TopicLink]
    language: str


def draft(session: Session, settings, person: User, now: datetime, sender_name: str) -> Draft:
    """The pre-filled nudge in the member's language: what changed where they were active, open questions."""
    language = person.locale or settings.default_locale
    last_day = _last_day(session, person.id, now.date())
    since = datetime.combine(last_day, datetime.min.time(), tzinfo=now.tzinfo) if last_day else person.created_at
    viewer = forum_queries.viewer_for(session, person.id)
    visible = forum_queries.visible_category_ids(session, viewer)
    changes = facts.active_categories(session, person.id, visible, since)
    questions = facts.open_questions(session, person.id, visible, [c.id for c in changes])
    gettext = translations_for(language if language in ("de", "nl") else "en").gettext
    subject = gettext(N_("%(site)s misses you, %(name)s")) % {"site": settings.site_name, "name": person.display_name}
    body = render_email("emails/reengage_note.txt", {
        "user": person, "site_name": settings.site_name, "changes": changes, "sender": sender_name,
    }, language).strip()
    return Draft(subject, body, changes, questions, language)


def _validate(subject: str, body: str) -> tuple[str, str]:
    subject, body = subject.strip(), body.strip()
    errors = {}
    if not subject:
        errors["subject"] = N_("Write a subject.")
    elif len(subject) > 200:
        errors["subject"] = N_("Keep the subject under 200 characters.")
    if len(body) < 20:
        errors["body"] = N_("Write a message of at least 20 characters.")
    elif len(body) > 5000:
        errors["body"] = N_("Keep the message under 5000 characters.")
    if errors:
        raise ValidationFailed(N_("Please correct the marked fields."), detail=errors)
    return subject, body


def send_nudge(
    session: Session, settings, *, user_id: int, subject: str, body: str, now: datetime, by_id: int | None, mode: str = "manual"
) -> Nudge:
    """Check the limits, queue the e-mail (text + HTML, one-click unsubscribe) and record the nudge."""
    person = check_nudge(session, settings, user_id, now)
    subject, body = _validate(subject, body)
    prepared = draft(session, settings, person, now, "")
    unsubscribe = forum_queries.unsubscribe_url(settings, person.id, "reengage")
    context = {
        "user": person, "site_name": settings.site_name, "note": body, "changes": prepared.changes,
        "questions": [(q, f"{settings.base_url}/t/{q.id}") for q in prepared.questions],
        "site_link": settings.base_url, "unsubscribe_link": unsubscribe,
        "preferences_link": f"{settings.base_url}/notifications/preferences",
    }
    email = queue_email(
        session, kind="reengage", user_id=person.id, to_address=person.email, subject=subject,
        body_text=render_email("emails/reengage.txt", context, prepared.language),
        body_html=render_email("emails/reengage.html", context, prepared.language),
        unsubscribe_url=unsubscribe, now=now,
    )
    last_day = _last_day(session, person.id, now.date())
    quiet = (now.date() - last_day).days
    _record_baseline(session, settings, now)
    nudge = Nudge(
        user_id=person.id, sent_at=now, sent_on=now.date(), window_end=now.date() + timedelta(days=settings.reengage_return_days),
        band=band_of(quiet), quiet_days=quiet, mode=mode, by_id=by_id, subject=subject, body=body, email_id=email.id,
    )
    session.add(nudge)
    session.flush()
    return nudge


def _record_baseline(session: Session, settings, now: datetime) -> None:
    """On a day's first nudge: every nudgeable quiet member, with their band, as the comparison group."""
    today = now.date()
    if session.scalar(select(Baseline.day).where(Baseline.day == today).limit(1)) is not None:
        return
    visits = _last_visits(today)
    recent_nudge = exists().where(Nudge.user_id == User.id, Nudge.sent_at > now - timedelta(days=settings.reengage_spacing_days))
    mail_off = exists().where(
        NotificationSetting.user_id == User.id, NotificationSetting.kind == "reengage", NotificationSetting.email.is_(False)
    )
    rows = session.execute(
        select(User.id, visits.c.last_day)
        .join(visits, visits.c.user_id == User.id)
        .where(
            visits.c.last_day <= today - timedelta(days=BANDS[0][0]),
            visits.c.last_day >= today - timedelta(days=BASELINE_HORIZON_DAYS),
            User.ambassador_opt_out.is_(False), User.email_verified_at.is_not(None), ~recent_nudge, ~mail_off,
        )
    ).all()
    window_end = today + timedelta(days=settings.reengage_return_days)
    for user_id, last_day in rows:
        insert_ignore(session, Baseline.__table__, {
            "day": today, "user_id": user_id, "band": band_of((today - last_day).days), "window_end": window_end,
        }, ["day", "user_id"])


# ---------------------------------------------------------------- automatic nudges


def auto_nudges_on(session: Session) -> bool:
    """Whether the worker sends nudges by itself."""
    return bool(session.scalar(select(ReengagementConfig.auto_nudges).where(ReengagementConfig.id == 1)))


def set_auto_nudges(session: Session, enabled: bool, *, by_id: int, now: datetime) -> None:
    """Turn automatic nudges on or off (stored in the database, shared by every worker)."""
    row = session.get(ReengagementConfig, 1)
    if row is None:
        row = ReengagementConfig(id=1)
        session.add(row)
    row.auto_nudges, row.changed_by_id, row.changed_at = enabled, by_id, now
    session.flush()


def auto_job(session: Session, now: datetime, settings) -> dict:
    """Worker job: when switched on, nudge listed members no limit protects, with the pre-filled text."""
    if not auto_nudges_on(session):
        return {"enabled": False, "sent": 0}
    sent = 0
    for member in lapsed_members(session, settings, now):
        if sent >= settings.reengage_auto_per_run:
            break
        if member.blocked is not None:
            continue
        person = session.get(User, member.user_id)
        prepared = draft(session, settings, person, now, settings.site_name)
        send_nudge(session, settings, user_id=person.id, subject=prepared.subject, body=prepared.body,
                   now=now, by_id=None, mode="auto")
        sent += 1
    return {"enabled": True, "sent": sent}
