"""The ambassador pipeline on a worked example: suggestions, invitations, acceptances and activity."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from app.accounts import service as accounts
from app.ambassadors.invitations import Invitation
from app.ambassadors.models import MemberScore, MemberSnapshot, ScoringRun
from app.ambassadors.reengagement_models import Baseline, Nudge
from app.accounts.models import UserVisit
from app.insights import pipeline
from app.insights.schemas import parse_period
from tests.conftest import make_settings
from tests.factories import count_statements, log_in, make_user
from tests.forum_factories import make_category, make_topic

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)


def day(month: int, d: int) -> datetime:
    return datetime(2026, month, d, 10, 0, tzinfo=timezone.utc)


def _run(db, when, scores=(), stages=()):
    run = ScoringRun(as_of=when, trigger="cli", model_version="test")
    db.add(run)
    db.flush()
    for user, profile, rank in scores:
        db.add(MemberScore(run_id=run.id, user_id=user.id, profile=profile, score=90 - rank, rank=rank))
    for user, stage in stages:
        db.add(MemberSnapshot(run_id=run.id, user_id=user.id, stage=stage))
    return run


@pytest.fixture
def example(db):
    old = day(1, 5)
    u1, u2, u3 = (make_user(db, username=name, created_at=old) for name in ("uma", "udo", "ulf"))
    _run(db, day(2, 20), stages=[(u1, "contributor"), (u2, "regular")])
    _run(db, day(3, 5), scores=[(u1, "helper", 1), (u2, "helper", 2), (u3, "helper", 60), (u1, "labs", 1)],
         stages=[(u1, "helper"), (u2, "regular")])
    db.add(Invitation(user_id=u1.id, role="helper", status="accepted", created_at=day(3, 8), expires_at=day(4, 8),
                      responded_at=day(3, 10)))
    db.add(Invitation(user_id=u2.id, role="helper", status="declined", created_at=day(3, 9), expires_at=day(4, 9),
                      responded_at=day(3, 12)))
    accounts.grant_role(db, u1, "helper", granted_by_id=None, now=day(3, 10))
    category = make_category(db, now=old)
    make_topic(db, author=u1, category=category, now=day(3, 20))  # within 30 days of accepting
    make_topic(db, author=u1, category=category, now=day(5, 20))  # between day 60 and day 90
    # re-engagement: two nudged members (one came back), one comparable member who did not
    for user, came_back in ((u2, True), (u3, False)):
        db.add(Nudge(user_id=user.id, sent_at=day(4, 1), sent_on=day(4, 1).date(), window_end=day(4, 15).date(),
                     band="30–89", quiet_days=40, mode="manual", subject="s", body="b"))
        if came_back:
            db.add(UserVisit(user_id=user.id, day=day(4, 3).date()))
    db.add(Baseline(day=day(4, 1).date(), user_id=u1.id, band="30–89", window_end=day(4, 15).date()))
    db.flush()
    return u1, u2, u3


def _figures(db):
    period = parse_period(NOW, start="2026-02-01", end="2026-03-31")
    return pipeline.pipeline(db, make_settings("sqlite://"), period, NOW)


def test_conversions_and_median_days_per_role(db, example):
    helper = _figures(db).by_role["helper"]
    assert dict(helper.counts) == {"suggested": 2, "invited": 2, "accepted": 1, "active_30": 1, "active_90": 1}
    assert (helper.rate("invited"), helper.rate("accepted"), helper.rate("active_30"), helper.rate("active_90")) == (1.0, 0.5, 1.0, 1.0)
    assert (helper.due_30, helper.due_90) == (1, 1)
    assert helper.median_days_to_invite == 3.5  # uma 3 days, udo 4 days after the 03-05 run
    assert helper.median_days_to_accept == 2.0
    labs = _figures(db).by_role["labs"]
    assert labs.counts["suggested"] == 1 and labs.counts["invited"] == 0 and labs.rate("accepted") is None


def test_per_month_counts_and_journey_over_time(db, example):
    figures = _figures(db)
    assert figures.months == ["2026-03"]
    assert dict(figures.by_month["2026-03"]["helper"]) == {"suggested": 2, "invited": 2, "accepted": 1, "active_30": 1, "active_90": 1}
    assert figures.stage_months == [("2026-02", {"contributor": 1, "regular": 1}), ("2026-03", {"helper": 1, "regular": 1})]
    assert figures.stage_moves == [("2026-03", "contributor", "helper", 1)]


def test_activity_is_not_counted_before_it_is_due(db, example):
    period = parse_period(NOW, start="2026-02-01", end="2026-03-31")
    early = pipeline.pipeline(db, make_settings("sqlite://"), period, day(4, 20))
    helper = early.by_role["helper"]
    assert (helper.due_30, helper.due_90, helper.counts["active_90"]) == (1, 0, 0)


def test_reengagement_returns_beside_the_baseline(db, example):
    bands, overall, pending = _figures(db).returns
    assert (overall.nudged, overall.nudged_returned, overall.compared, overall.compared_returned) == (2, 1, 1, 0)
    assert pending == 0


def test_page_csv_json_and_constant_statements(client, db, clock, connection, example):
    clock.now = NOW
    log_in(client, make_user(db, roles=("admin",)))
    query = "start=2026-02-01&end=2026-03-31"
    page = client.get(f"/admin/insights/pipeline?{query}")
    assert page.status_code == 200 and "<script" not in page.text
    assert '<title id="chart-journey-title">' in page.text
    assert "2026-03,helper,2,2,1,1,1" in client.get(f"/admin/insights/pipeline.csv?{query}").text
    data = client.get(f"/api/v1/insights/pipeline?{query}").json()
    assert data["roles"]["helper"]["rates"]["accepted"] == 0.5
    assert client.get("/api/v1/insights/pipeline?days=abc").json()["error"]
    with count_statements(connection) as small:
        client.get(f"/admin/insights/pipeline?{query}")
    extra = [make_user(db, created_at=day(1, 5)) for _ in range(5)]
    _run(db, day(3, 25), scores=[(u, "helper", i + 3) for i, u in enumerate(extra)], stages=[(u, "regular") for u in extra])
    for u in extra:
        db.add(Invitation(user_id=u.id, role="helper", status="open", created_at=day(3, 26), expires_at=day(4, 26)))
    db.flush()
    with count_statements(connection) as big:
        client.get(f"/admin/insights/pipeline?{query}")
    assert len(big) == len(small)
