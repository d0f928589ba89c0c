"""The roll-ups: late changes reach back into older days through stale-day marks, incremental
upkeep ends where a rebuild from the raw rows ends, and both agree with the raw-row figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import UserVisit
from app.forum import answers, moderation, service as forum_service
from app.insights import raw, rollups, service
from app.insights.models import (
    InsightCategoryDay, InsightContributorDay, InsightQuestion, InsightSiteDay, InsightStaleDay, InsightVisit,
)
from app.insights.schemas import parse_period
from app.main import register_event_handlers
from tests.factories import count_statements, make_user
from tests.forum_factories import as_viewer, make_reply, make_topic
from tests.insights import community
from tests.insights.community import NOW, at

PERIODS = (("7", None), ("30", None), ("365", None))


def _tables(db) -> dict:
    """Every roll-up row, comparable across rebuilds."""
    found = {}
    for model in (InsightSiteDay, InsightCategoryDay, InsightContributorDay, InsightQuestion, InsightVisit):
        columns = list(model.__table__.columns)
        found[model.__tablename__] = sorted(tuple(row) for row in db.execute(select(*columns)).all())
    return found


def _figures(db, days: str, category_id, source) -> dict:
    report = service.health(db, parse_period(NOW, days), category_id, lambda s: s, source=source)
    return {
        "figures": [(f.key, f.value, f.previous) for f in report.figures],
        "charts": [(c.key, c.series) for c in report.charts],
        "contributors": [(c.username, c.replies, c.accepted) for c in report.contributors],
    }


@pytest.fixture
def live(db):
    register_event_handlers()
    built = community.build(db)
    rollups.rebuild(db, NOW)
    return built


def _late_changes(db, built) -> None:
    """What a Monday brings: answers to older questions, an acceptance, a hidden reply, a moved
    topic, a new member and a visit."""
    helper, staff, asker = built["helper"], built["staff"], built["asker"]
    unanswered = make_topic(db, author=asker, category=built["category"], now=at(22, 9))
    discussion = make_topic(db, author=helper, category=built["elsewhere"], kind="discussion", now=at(19, 9))
    make_reply(db, topic=discussion, author=asker, now=at(19, 10))
    rollups.rebuild(db, NOW)  # older questions and topics, already rolled up
    late = make_reply(db, topic=unanswered, author=staff, now=NOW - timedelta(hours=2))
    answers.accept_answer(db, as_viewer(db, asker), unanswered.id, late.id, NOW - timedelta(hours=1))
    moderator = as_viewer(db, staff)
    older_reply = make_reply(db, topic=unanswered, author=helper, now=NOW - timedelta(hours=1))
    moderation.hide_post(db, moderator, older_reply.id, "spam", NOW)
    forum_service.move_topic(db, moderator, discussion.id, built["category"].id)
    make_user(db, username="monday", created_at=NOW - timedelta(hours=3))
    db.add(UserVisit(user_id=asker.id, day=NOW.date()))
    db.flush()


def test_late_changes_mark_their_days_stale(db, live):
    _late_changes(db, live)
    stale = set(db.scalars(select(InsightStaleDay.day)))
    assert at(22, 9).date() in stale and at(19, 9).date() in stale  # the answered question's day, the moved topic's day


def test_incremental_upkeep_matches_a_rebuild_and_the_raw_rows(db, live):
    _late_changes(db, live)
    rollups.upkeep(db, NOW)
    assert not db.scalar(select(InsightStaleDay.day))
    upkept = _tables(db)
    for days, category_id in (*PERIODS, ("30", live["category"].id), ("30", live["elsewhere"].id)):
        assert _figures(db, days, category_id, rollups_source()) == _figures(db, days, category_id, raw), (days, category_id)
    rollups.rebuild(db, NOW)
    assert _tables(db) == upkept


def test_the_late_answer_shows_in_the_older_period(db, live):
    _late_changes(db, live)
    before = _figures(db, "30", None, rollups_source())
    rollups.upkeep(db, NOW)
    after = dict((key, value) for key, value, _ in _figures(db, "30", None, rollups_source())["figures"])
    assert after != dict((key, value) for key, value, _ in before["figures"])
    assert after["staff_accepted_share"] == pytest.approx(2 / 4)  # q0, q1 by the community; q2 and the late one by staff


def test_a_rebuild_since_a_day_leaves_earlier_days_alone(db, live):
    rows = _tables(db)
    rollups.rebuild(db, NOW, since=at(25, 0).date())
    assert _tables(db) == rows


def test_a_reply_adds_one_cheap_statement_for_its_older_question(db, live, connection):
    topic = make_topic(db, author=live["asker"], category=live["category"], now=at(10, 9))
    make_reply(db, topic=topic, author=live["helper"], now=NOW - timedelta(hours=3))
    with count_statements(connection) as statements:
        make_reply(db, topic=topic, author=live["staff"], now=NOW)
    marks = [s for s in statements if "insight" in s.lower()]
    assert len(marks) == 1 and marks[0].lower().startswith("insert into insight_stale_day")


def rollups_source():
    """The roll-up reader the pages use."""
    from app.insights import queries

    return queries
