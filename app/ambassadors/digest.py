"""The weekly digest: members away longer than digest_absent_days get, at most once a week, the
most discussed topics of the past week among those they may see, with one-click unsubscribe."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from app.accounts.models import User, UserVisit
from app.ambassadors import reengagement_facts as facts
from app.forum import queries as forum_queries
from app.forum.models import NotificationSetting
from app.i18n import N_
from app.mail import OutboxEmail, queue_email
from app.web import render_email, translations_for

KIND = "digest"
EVERY = timedelta(days=7)


def recipients(session: Session, settings, now: datetime) -> list[int]:
    """Members due a digest: away long enough (but not too long), confirmed address, e-mail kind on, none in a week."""
    today = now.date()
    last_day = select(UserVisit.user_id, func.max(UserVisit.day).label("last_day")).group_by(UserVisit.user_id).subquery()
    off = exists().where(NotificationSetting.user_id == User.id, NotificationSetting.kind == KIND, NotificationSetting.email.is_(False))
    recent = exists().where(OutboxEmail.user_id == User.id, OutboxEmail.kind == KIND, OutboxEmail.created_at > now - EVERY)
    return list(session.scalars(
        select(User.id)
        .join(last_day, last_day.c.user_id == User.id)
        .where(
            last_day.c.last_day < today - timedelta(days=settings.digest_absent_days),
            last_day.c.last_day >= today - timedelta(days=settings.digest_max_absent_days),
            User.email.is_not(None), User.email_verified_at.is_not(None), ~off, ~recent,
        )
        .order_by(User.id)
    ))


def job(session: Session, now: datetime, settings) -> dict:
    """Queue this week's digests; returns how many were queued and how many had nothing to show."""
    queued = empty = 0
    since = now - EVERY
    for user_id in recipients(session, settings, now):
        viewer = forum_queries.viewer_for(session, user_id)
        topics = facts.popular_topics(session, forum_queries.visible_category_ids(session, viewer), since, settings.digest_topics)
        if not topics:
            empty += 1
            continue
        user = session.get(User, user_id)
        language = user.locale or settings.default_locale
        unsubscribe = forum_queries.unsubscribe_url(settings, user.id, KIND)
        context = {
            "user": user, "site_name": settings.site_name, "site_link": settings.base_url,
            "topics": [(topic, f"{settings.base_url}/t/{topic.id}") for topic in topics],
            "unsubscribe_link": unsubscribe, "preferences_link": f"{settings.base_url}/notifications/preferences",
        }
        gettext = translations_for(language if language in ("de", "nl") else "en").gettext
        queue_email(
            session, kind=KIND, user_id=user.id, to_address=user.email,
            subject=f"[{settings.site_name}] " + gettext(N_("This week's popular topics")),
            body_text=render_email("emails/digest.txt", context, language),
            body_html=render_email("emails/digest.html", context, language),
            unsubscribe_url=unsubscribe, now=now,
        )
        queued += 1
    return {"queued": queued, "nothing_new": empty}
