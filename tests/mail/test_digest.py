"""The weekly digest: who gets it (absent long enough, preference on, once a week) and which
topics it lists (the week's most replied, only where the member may look)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.accounts.models import Group, UserVisit
from app.ambassadors import digest
from app.forum.models import CategoryGroup, NotificationSetting
from app.mail import OutboxEmail
from tests.ambassadors import community as c
from tests.factories import make_user

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
D = timedelta(days=1)
JOINED = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)


def _away(db, name, days, **kwargs):
    user = make_user(db, username=name, created_at=JOINED, **kwargs)
    db.add(UserVisit(user_id=user.id, day=(NOW - days * D).date()))
    db.flush()
    return user


def _digests(db):
    return {row.to_address: row for row in db.scalars(select(OutboxEmail).where(OutboxEmail.kind == "digest"))}


def test_digest_goes_to_absent_members_who_want_it_once_a_week(db, settings):
    writer = make_user(db, username="writer", created_at=JOINED)
    cat = c.category(db, JOINED)
    topic, _ = c.ask(db, cat, writer, NOW - 3 * D)
    c.answer(db, topic, writer, NOW - 2 * D)
    _away(db, "away", 10)
    _away(db, "here", 2)
    _away(db, "gone", 400)
    _away(db, "noway", 10)
    _away(db, "unverified", 10, verified=False)
    db.add(NotificationSetting(user_id=_away(db, "off", 10).id, kind="digest", email=False))
    db.flush()
    assert digest.job(db, NOW, settings) == {"queued": 2, "nothing_new": 0}
    assert set(_digests(db)) == {"away@example.org", "noway@example.org"}
    assert digest.job(db, NOW + 6 * D, settings)["queued"] == 0
    c.answer(db, topic, writer, NOW + 6 * D)  # something new for next week's digest
    # A week on: the same two again, and "here", whose last visit is now nine days back.
    assert digest.job(db, NOW + 7 * D + timedelta(minutes=1), settings)["queued"] == 3


def test_digest_lists_only_topics_the_member_may_see(db, settings):
    writer = make_user(db, username="writer2", created_at=JOINED)
    public, staff = c.category(db, JOINED), c.category(db, JOINED)
    staff.visibility = "groups"
    db.add(CategoryGroup(category_id=staff.id, group_id=db.scalar(select(Group.id).where(Group.name == "moderator"))))
    busy, _ = c.ask(db, public, writer, NOW - 3 * D)
    for hours in (1, 2, 3):
        c.answer(db, busy, writer, NOW - 2 * D + hours * timedelta(hours=1))
    secret, _ = c.ask(db, staff, writer, NOW - 3 * D)
    secret.title = "Staff only plans"
    for hours in (1, 2, 3, 4):
        c.answer(db, secret, writer, NOW - 2 * D + hours * timedelta(hours=1))
    old, _ = c.ask(db, public, writer, NOW - 30 * D)
    old.title = "Last month's news"
    member = _away(db, "reader", 9)
    moderator = _away(db, "modreader", 9, roles=("moderator",))
    digest.job(db, NOW, settings)
    sent = _digests(db)
    mine = sent[member.email]
    assert busy.title in mine.body_text and busy.title in mine.body_html
    assert "Staff only plans" not in mine.body_text and "Staff only plans" not in mine.body_html
    assert "Last month's news" not in mine.body_text
    assert "Staff only plans" in sent[moderator.email].body_text
    assert mine.unsubscribe_url.startswith(f"{settings.base_url}/notifications/unsubscribe/")


def test_no_digest_when_nothing_happened(db, settings):
    _away(db, "lonely", 10)
    assert digest.job(db, NOW, settings) == {"queued": 0, "nothing_new": 1}
    assert _digests(db) == {}
