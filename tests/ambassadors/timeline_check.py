"""Holds `Timeline` (many windows from one pass) equal to the single-window queries it replaces."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.accounts import queries as accounts_queries
from app.ambassadors.timeline import Timeline
from app.forum import queries as forum_queries
from tests.ambassadors import single_window

DAY = timedelta(days=1)


def nonzero(values: dict) -> dict:
    """A {member: value} dict without members whose value is zero."""
    return {member: value for member, value in values.items() if value}


def assert_matches_single_windows(session, moments, window_days: int = 90, short_days: int = 30) -> None:
    """Every fact and label of a Timeline over `moments` equals the single-window query's answer."""
    bounds = tuple(sorted(moments))
    timeline = Timeline(session, moments, window_days, short_days, label_bounds=bounds)
    for moment in moments:
        facts, since = timeline.facts_at(moment), moment - window_days * DAY
        for window, got in ((since, facts.recent), (None, facts.all_time)):
            expected = forum_queries.post_activity_by_member(session, window, moment)
            for name in ("posts", "topics", "replies", "answers", "members_helped"):
                assert nonzero(got[name]) == nonzero(expected[name]), (moment, window, name)
        assert nonzero(facts.last30["posts"]) == nonzero(forum_queries.post_activity_by_member(session, moment - 30 * DAY, moment)["posts"])
        assert facts.accepted_recent == forum_queries.accepted_answers_by_member(session, since, moment)
        assert facts.accepted_all == forum_queries.accepted_answers_by_member(session, None, moment)
        assert facts.first_responses == single_window.first_responses_by_member(session, since, moment)
        received = forum_queries.votes_received_by_member(session, since, moment)
        assert {name: facts.received[name] for name in ("up", "net", "net_all")} == {
            name: received[name] for name in ("up", "net", "net_all")}, moment
        assert facts.given_recent == single_window.votes_given_by_member(session, since, moment)
        expected_share = single_window.upvote_concentration_by_member(session, since, moment)
        assert facts.concentration == pytest.approx(expected_share)
        assert set(facts.concentration) == set(expected_share)
        stewardship = single_window.stewardship_by_member(session, since, moment)
        assert facts.stewardship_recent == {name: nonzero(values) for name, values in stewardship.items()}
        ideas = single_window.idea_activity_by_member(session, None, moment)
        assert facts.ideas_all == {name: nonzero(values) for name, values in ideas.items()}
        assert facts.karma_reversed == single_window.karma_reversed_by_member(session, moment)
        visits = accounts_queries.visit_stats(session, since, moment, short_since=moment - short_days * DAY)
        assert {name: nonzero(values) for name, values in facts.visits.items()} == {
            name: nonzero(values) for name, values in visits.items()}, moment
        assert facts.member_ids == [m.id for m in accounts_queries.members_before(session, moment)]
    for start, end in zip(bounds, bounds[1:]):
        labels = timeline.labels(start, end)
        assert labels["helper"] == forum_queries.helpful_answers_by_member(session, start, end), (start, end)
        stewardship = single_window.stewardship_by_member(session, start, end)
        assert nonzero(labels["moderator"]) == nonzero({
            m: stewardship["flags_agreed"].get(m, 0) + stewardship["edits_of_others"].get(m, 0)
            for m in set(stewardship["flags_agreed"]) | set(stewardship["edits_of_others"])})
        ideas = single_window.idea_activity_by_member(session, start, end)
        helped = forum_queries.post_activity_by_member(session, start, end)["members_helped"]
        assert nonzero(labels["ambassador"]) == nonzero({
            m: helped.get(m, 0) + ideas["proposed"].get(m, 0) for m in set(helped) | set(ideas["proposed"])})
        assert nonzero(labels["labs"]) == nonzero({
            m: ideas["proposed"].get(m, 0) + ideas["votes_cast"].get(m, 0) + 3 * ideas["shipped"].get(m, 0)
            for m in set(ideas["proposed"]) | set(ideas["votes_cast"]) | set(ideas["shipped"])})
