"""Signals on a hand-built community at a fixed `now`: every value asserted, and nothing read from
`now` onwards."""

from __future__ import annotations


import math

from app.ambassadors.signals import feature_matrix
from tests.ambassadors import community as c
from tests.ambassadors.conftest import D, H, NOW
from tests.factories import make_user


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
        "ideas_proposed": 0,
        "idea_votes_received": 0,
        "ideas_shipped": 0,
        "idea_votes_cast": 0,
        "edits_of_others": 1,
        "trend": 4.0,
        "flags_against": 0,
        "suspensions": 0,
        "vote_concentration": 0,
        "karma_reversed": 0,
        **_alices_decayed_counts(),
    }


def _alices_decayed_counts() -> dict[str, float]:
    """Her answers to others are 9 d 22 h (accepted, upvoted), 19 d 20 h (net -1) and 199 d
    (accepted) old; each weighs exp(-age / scale). She started a topic 5 days ago and posted on
    four distinct days (the 5-day-old question and her reply to it share one)."""
    def decayed(ages, scale):
        return round(sum(math.exp(-age / scale) for age in ages), 4)

    answers, helpful = [10 - 2 / 24, 20 - 4 / 24, 199], [10 - 2 / 24, 199]
    day_of = [(NOW - D * age).timestamp() // 86400 for age in (10 - 2 / 24, 20 - 4 / 24, 199, 5, 5 - 1 / 24)]
    day_ages = [(NOW.timestamp() - (day + 0.5) * 86400) / 86400 for day in set(day_of)]
    assert len(day_ages) == 4
    return {
        "answers_7d": decayed(answers, 7), "answers_30d": decayed(answers, 30), "answers_90d": decayed(answers, 90),
        "helpful_30d": decayed(helpful, 30), "helpful_90d": decayed(helpful, 90), "helpful_all": 2,
        "topics_30d": decayed([5], 30), "comments_30d": 0,
        "active_days_30d": decayed(day_ages, 30), "active_days_90d": decayed(day_ages, 90), "first_post_days": 199,
    }


def test_negatives_generosity_and_stewardship(db, town):
    snapshot = feature_matrix(db, NOW)
    frank = snapshot.as_dict(town["frank"].id)
    assert frank["vote_concentration"] == 92  # 11 of 12 upvotes from the top 3 voters
    assert frank["karma_reversed"] == 30
    assert frank["answers"] == 5 and frank["members_helped"] == 1
    assert frank["trend"] == round((0 - 5 / 2) / (5 / 2 + 1), 4)  # silent for 30 days after 5 posts
    dave = snapshot.as_dict(town["dave"].id)
    assert (dave["votes_given"], dave["members_voted"], dave["flags_agreed"]) == (2, 2, 1)  # the vote 190 days ago is outside the window
    assert dave["days_since_visit"] == 151  # never seen: the whole tenure
    assert dave["response_hours"] == 90 * 24
    bob = snapshot.as_dict(town["bob"].id)
    assert bob["flags_against"] == 1 and bob["topics"] == 1
    assert snapshot.value(town["eve"].id, "suspensions") == 1
    carol = snapshot.as_dict(town["carol"].id)
    assert (carol["ideas_proposed"], carol["idea_votes_received"], carol["ideas_shipped"], carol["idea_votes_cast"]) == (1, 2, 1, 1)
    assert snapshot.value(town["bob"].id, "idea_votes_cast") == 1  # his vote 190 days ago is outside the window


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
    late_idea = c.idea(db, cat, p["carol"], NOW)
    c.idea_vote(db, p["bob"], late_idea, NOW)
    c.ship(db, late_idea, p["mod"], NOW + D)
    make_user(db, username="newcomer", created_at=NOW)
    after = feature_matrix(db, NOW)
    assert after.member_ids == before.member_ids
    assert after.rows == before.rows
