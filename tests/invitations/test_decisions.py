"""Learning from decisions: below the minimum the run says how many more are needed; from it on the
run trains on them, reports the cross-validated quality, and uses the blend only when it helps."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.ambassadors import queries
from app.ambassadors.invitations import CandidateDecision, Invitation
from app.ambassadors.models import MemberScore
from app.ambassadors.service import run_scoring
from tests.ambassadors.conftest import NOW
from tests.factories import log_in


def _label(db, run_id, user, accepted: bool, manager, at):
    db.add(Invitation(user_id=user.id, role="helper", invited_by_id=manager.id, run_id=run_id, message="",
                      status="accepted" if accepted else "declined", created_at=at, expires_at=at + timedelta(days=30),
                      responded_at=at, decline_reason=""))


def _decisions(db, scored, manager, count):
    """Managers' taste disagrees with the score: dave and bob accept, alice and frank decline or are dismissed."""
    run_id = queries.latest_run(db).id
    people = [(scored["dave"], True), (scored["bob"], True), (scored["alice"], False), (scored["frank"], False)]
    for k in range(count):
        user, accepted = people[k % len(people)]
        if not accepted and k % 3 == 0:
            db.add(CandidateDecision(user_id=user.id, profile="helper", kind="dismiss", reason="not now",
                                     decided_by_id=manager.id, run_id=run_id, created_at=NOW))
        else:
            _label(db, run_id, user, accepted, manager, NOW)
    db.flush()


def _score(db, run_id, user):
    return db.scalar(select(MemberScore.score).where(MemberScore.run_id == run_id, MemberScore.user_id == user.id,
                                                     MemberScore.profile == "helper"))


def test_below_the_minimum_the_run_says_how_many_more_are_needed(client, db, settings, scored, manager, clock):
    _decisions(db, scored, manager, settings.decisions_min_count - 1)
    clock.advance(days=1)
    run = run_scoring(db, settings, clock.now)
    info = queries.latest_run(db).models["helper"]["decisions"]
    assert info == {"count": settings.decisions_min_count - 1, "needed": settings.decisions_min_count, "trained": False}
    first = db.scalar(select(MemberScore.run_id).where(MemberScore.run_id < run.id).order_by(MemberScore.run_id).limit(1))
    assert _score(db, run.id, scored["alice"]) == _score(db, first, scored["alice"])  # scores untouched
    log_in(client, manager)
    assert "1 more needed" in client.get("/ambassadors?profile=helper").text


def test_with_enough_decisions_the_run_trains_on_them_and_shows_whether_it_helped(client, db, settings, scored, manager, clock):
    first = queries.latest_run(db).id
    _decisions(db, scored, manager, settings.decisions_min_count)
    clock.advance(days=1)
    run = run_scoring(db, settings, clock.now)
    info = queries.latest_run(db).models["helper"]["decisions"]
    assert info["trained"] and info["count"] == settings.decisions_min_count
    assert 0.0 <= info["cv_auc"] <= 1.0 and info["folds"] >= 2
    # The history-trained score ranks alice above dave; the decisions say the opposite, and the blend learns it.
    assert info["base_auc"] < 0.5 < info["blended_auc"] and info["improved"] and info["used"]
    assert _score(db, run.id, scored["dave"]) - _score(db, run.id, scored["alice"]) > \
        _score(db, first, scored["dave"]) - _score(db, first, scored["alice"])
    assert queries.latest_run(db).models["moderator"]["decisions"]["count"] == 0
    log_in(client, manager)
    page = client.get("/ambassadors?profile=helper").text
    assert f"trained on {settings.decisions_min_count} decisions" in page and "so these scores use it" in page
