"""The demo community's re-engagement page is alive: lapsed champions first and a nudge history."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from app import demo
from app.ambassadors import reengagement, reengagement_rates
from app.main import register_event_handlers

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.slow
def test_demo_shows_lapsed_champions_and_nudges_with_a_return(db, settings):
    register_event_handlers()
    ctx = demo.build(db, settings, seed=7, now=NOW)
    listed = reengagement.lapsed_members(db, settings, NOW)
    champions = [row for row in listed if row.champion]
    assert [row.quiet_days for row in champions] and listed[: len(champions)] == champions
    helpers = {m.id for m in ctx.cast("helper")}
    assert {row.user_id for row in champions} & helpers
    assert any(row.quiet_days >= 30 and not row.champion for row in listed)
    # The newest run's signals say what the page says (one definition of "last active").
    from app.ambassadors import queries

    for row in champions:
        signals = queries.member_history(db, row.user_id, limit=1)[0].signals
        assert signals["days_since_visit"] == row.quiet_days, row.username
    rows, overall, pending = reengagement_rates.return_rates(db, NOW)
    assert (overall.nudged, overall.nudged_returned, pending) == (3, 1, 1)
    assert overall.compared > 0
