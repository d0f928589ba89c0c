"""Signals on a hand-built community at a fixed `now`: every value asserted, and nothing read from
`now` onwards."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app.ambassadors.signals import feature_matrix
from tests.ambassadors import community as c
from tests.factories import make_user

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
D = timedelta(days=1)
H = timedelta(hours=1)


@pytest.fixture
def town(db):
    """alice helps bob and carol; frank is propped up by a two-account ring; eve was suspended."""
    joined = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    people = {name: make_user(db, username=name, created_at=joined) for name in
              ("alice", "bob", "carol", "dave", "eve", "frank", "ring1", "ring2", "mod")}
    p = people
    cat = c.category(db, joined)
    q1, q1_post = c.ask(db, cat, p["bob"], NOW - 10 * D)
    q2, q2_post = c.ask(db, cat, p["carol"], NOW - 20 * D)
    q3, _ = c.ask(db, cat, p["bob"], NOW - 200 * D)
    q4, _ = c.ask(db, cat, p["alice"], NOW - 5 * D)
    a1 = c.answer(db, q1, p["alice"], NOW - 10 * D + 2 * H)
    a2 = c.answer(db, q2, p["alice"], NOW - 20 * D + 4 * H)
    a3 = c.answer(db, q3, p["alice"], NOW - 199 * D)
    c.answer(db, q4, p["alice"], NOW - 5 * D + H)  # her own question: not an answer to others
    c.accept(db, q1, a1, NOW - 9 * D)
    c.accept(db, q3, a3, NOW - 198 * D)
    c.vote(db, p["dave"], a1, NOW - 8 * D)
    c.vote(db, p["eve"], a1, NOW - 8 * D)
    c.vote(db, p["bob"], a2, NOW - 7 * D, value=-1)
    c.vote(db, p["dave"], a3, NOW - 190 * D)
    c.visit(db, p["alice"], *[(NOW - k * D).date() for k in (1, 2, 3, 4, 5, 40, 41, 100)])
    c.flag(db, p["dave"], q1_post, p["mod"], NOW - 3 * D)
    c.edit(db, p["alice"], q2_post, NOW - 2 * D)
    c.suspend(db, p["eve"], p["mod"], NOW - 30 * D)
    q5, _ = c.ask(db, cat, p["carol"], NOW - 50 * D)
    frank_answers = [c.answer(db, q5, p["frank"], NOW - 50 * D + k * H) for k in (1, 2, 3)]
    for post in frank_answers:
        c.vote(db, p["ring1"], post, NOW - 45 * D)
        c.vote(db, p["ring2"], post, NOW - 45 * D)
    c.vote(db, p["dave"], frank_answers[0], NOW - 44 * D)
    c.vote(db, p["eve"], frank_answers[1], NOW - 44 * D)
    c.reversed_karma(db, p["frank"], 30, NOW - 40 * D)
    return people


def test_every_signal_of_the_helper(db, town):
    snapshot = feature_matrix(db, NOW)
    alice = snapshot.as_dict(town["alice"].id)
    assert alice == {
        "days_visited": 7,
        "longest_streak": 5,
        "current_streak": 5,
        "days_since_visit": 1,
        "tenure_days": 151,
        "topics": 1,
        "replies": 3,
        "answers": 2,
        "answers_all": 3,
        "accepted": 1,
        "accepted_all": 2,
        "votes_per_post": 0.25,
        "net_score": 2,
        "members_helped": 2,
        "first_responses": 2,
        "response_hours": 3.0,
        "votes_given": 0,
        "members_voted": 0,
        "flags_agreed": 0,
        "edits_of_others": 1,
        "trend": 4.0,
        "flags_against": 0,
        "suspensions": 0,
        "vote_concentration": 0,
        "karma_reversed": 0,
    }


def test_negatives_generosity_and_stewardship(db, town):
    snapshot = feature_matrix(db, NOW)
    frank = snapshot.as_dict(town["frank"].id)
    assert frank["vote_concentration"] == 88  # 7 of 8 upvotes from the top 3 voters
    assert frank["karma_reversed"] == 30
    assert frank["answers"] == 3 and frank["members_helped"] == 1
    assert frank["trend"] == pytest.approx((0 - 3 / 2) / (3 / 2 + 1))
    dave = snapshot.as_dict(town["dave"].id)
    assert (dave["votes_given"], dave["members_voted"], dave["flags_agreed"]) == (2, 2, 1)  # the vote 190 days ago is outside the window
    assert dave["days_since_visit"] == 151  # never seen: the whole tenure
    assert dave["response_hours"] == 90 * 24
    bob = snapshot.as_dict(town["bob"].id)
    assert bob["flags_against"] == 1 and bob["topics"] == 1
    assert snapshot.value(town["eve"].id, "suspensions") == 1


def test_rows_at_or_after_now_change_nothing(db, town):
    before = feature_matrix(db, NOW)
    p = town
    cat = c.category(db, NOW)
    late, late_post = c.ask(db, cat, p["bob"], NOW)
    reply = c.answer(db, late, p["alice"], NOW + H)
    c.accept(db, late, reply, NOW + 2 * H)
    c.vote(db, p["dave"], reply, NOW)
    c.vote(db, p["ring1"], late_post, NOW + D)
    c.visit(db, p["alice"], NOW.date(), (NOW + D).date())
    c.flag(db, p["dave"], late_post, p["mod"], NOW)
    c.edit(db, p["alice"], late_post, NOW)
    c.suspend(db, p["frank"], p["mod"], NOW)
    c.reversed_karma(db, p["alice"], 10, NOW)
    make_user(db, username="newcomer", created_at=NOW)
    after = feature_matrix(db, NOW)
    assert after.member_ids == before.member_ids
    assert after.rows == before.rows
