"""The demo community's planted voting ring is penalised in the final scoring run, and the
penalties are stated in its explanations."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from app import demo
from app.ambassadors.models import MemberScore, ScoringRun
from app.main import register_event_handlers

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.slow
def test_the_planted_ring_is_penalised_and_explained(db, settings):
    register_event_handlers()
    ctx = demo.build(db, settings, seed=7, now=NOW)
    runs = db.scalars(select(ScoringRun).order_by(ScoringRun.id)).all()
    # a month back, after the karma job, and again once two champions went quiet (re-engagement)
    assert len(runs) == 3 and runs[-1].as_of > NOW
    ring = {member.id for member in ctx.cast("ring")}
    rows = db.execute(
        select(MemberScore.user_id, MemberScore.rank, MemberScore.explanation)
        .where(MemberScore.run_id == runs[-1].id, MemberScore.profile == "helper")
    ).all()
    for user_id, rank, explanation in rows:
        if user_id not in ring:
            continue
        penalties = {item["signal"]: item for item in json.loads(explanation) if item["effect"] == "penalty"}
        assert "karma_reversed" in penalties and penalties["karma_reversed"]["points"] >= 10
        assert rank > 10, "a ring member must not be among the top helpers"
    assert ring <= {user_id for user_id, _rank, _why in rows}
