"""The demo community's idea board: made through the ideas services, with every rule kept."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from app import demo
from app.ideas import service
from app.ideas.models import CLOSED_STATUSES, Idea, IdeaStatusChange, IdeaVote
from app.karma.models import KarmaEntry
from app.main import register_event_handlers

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.slow
def test_demo_has_ideas_votes_statuses_a_shipped_idea_and_a_merge(db, settings):
    register_event_handlers()
    demo.build(db, settings, seed=7, now=NOW)

    ideas = db.scalars(select(Idea)).all()
    assert len(ideas) >= 10
    assert {idea.status for idea in ideas} >= {"open", "planned", "shipped"}
    assert any(idea.merged_into_id for idea in ideas)
    notes = db.scalars(select(IdeaStatusChange.note).where(IdeaStatusChange.note != "")).all()
    assert notes
    shipped = [idea for idea in ideas if idea.status == "shipped"]
    credited = db.scalar(select(func.count()).select_from(KarmaEntry).where(KarmaEntry.reason == "idea_shipped"))
    assert credited == len(shipped)
    assert service.vote_count_drift(db) == []
    active = db.execute(
        select(IdeaVote.user_id, func.count()).where(IdeaVote.active.is_(True)).group_by(IdeaVote.user_id)
    ).all()
    assert max(count for _, count in active) <= settings.idea_vote_budget
    votes = db.execute(select(IdeaVote.active, Idea.status).join(Idea, Idea.id == IdeaVote.idea_id)).all()
    assert all(is_active == (status not in CLOSED_STATUSES) for is_active, status in votes)
    assert all(idea.created_at <= NOW for idea in ideas)
