"""Votes, the active-vote budget, statuses and merges through the services."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.errors import Conflict, Forbidden
from app.ideas import service
from app.ideas.models import Idea, IdeaFollower, IdeaStatusChange, IdeaVote
from app.ideas.queries import budget_of
from tests.conftest import START, make_settings
from tests.ideas.helpers import as_viewer, make_area, make_idea, member, wire


@pytest.fixture
def small_budget(database_url):
    settings = make_settings(database_url, idea_vote_budget=2)
    wire(settings)
    return settings


def test_budget_caps_active_votes_and_unvote_returns_it(db, small_budget):
    area = make_area(db)
    author, voter = member(db), member(db)
    ideas = [make_idea(db, small_budget, author=author, area=area) for _ in range(3)]
    me = as_viewer(db, voter)
    assert service.vote(db, small_budget, me, ideas[0].id, START)
    assert service.vote(db, small_budget, me, ideas[1].id, START)
    assert not service.vote(db, small_budget, me, ideas[1].id, START)  # a second vote on the same idea is a no-op
    with pytest.raises(Conflict) as refused:
        service.vote(db, small_budget, me, ideas[2].id, START)
    assert "2 of your votes" in refused.value.message
    assert budget_of(db, small_budget, me).remaining == 0

    assert service.unvote(db, me, ideas[0].id, START)
    assert budget_of(db, small_budget, me).remaining == 1
    assert service.vote(db, small_budget, me, ideas[2].id, START)
    assert [i.vote_count for i in ideas] == [0, 1, 1]


def test_shipping_or_declining_returns_the_budget_but_keeps_the_count(db, small_budget):
    area = make_area(db)
    author, voter, product = member(db), member(db), member(db, roles=("product",))
    shipped, declined, third = (make_idea(db, small_budget, author=author, area=area) for _ in range(3))
    me = as_viewer(db, voter)
    service.vote(db, small_budget, me, shipped.id, START)
    service.vote(db, small_budget, me, declined.id, START)

    service.change_status(db, as_viewer(db, product), shipped.id, status="shipped", note="In 5.2", now=START)
    service.change_status(db, as_viewer(db, product), declined.id, status="declined", now=START)

    assert budget_of(db, small_budget, me).remaining == 2
    assert (shipped.vote_count, declined.vote_count) == (1, 1)
    with pytest.raises(Conflict):
        service.vote(db, small_budget, as_viewer(db, author), shipped.id, START)
    with pytest.raises(Conflict):
        service.unvote(db, me, declined.id, START)
    assert service.vote(db, small_budget, me, third.id, START)


def test_reopening_a_declined_idea_makes_its_votes_count_against_the_budget_again(db, small_budget):
    area = make_area(db)
    author, voter, product = member(db), member(db), member(db, roles=("product",))
    idea = make_idea(db, small_budget, author=author, area=area)
    me = as_viewer(db, voter)
    service.vote(db, small_budget, me, idea.id, START)
    service.change_status(db, as_viewer(db, product), idea.id, status="declined", now=START)
    assert budget_of(db, small_budget, me).used == 0
    service.change_status(db, as_viewer(db, product), idea.id, status="under_review", note="Reconsidering", now=START)
    assert budget_of(db, small_budget, me).used == 1


def test_only_the_product_team_changes_status_and_a_refusal_changes_nothing(db, settings):
    wire(settings)
    area = make_area(db)
    author, moderator = member(db), member(db, roles=("moderator",))
    idea = make_idea(db, settings, author=author, area=area)
    for outsider in (author, moderator):
        with pytest.raises(Forbidden):
            service.change_status(db, as_viewer(db, outsider), idea.id, status="planned", now=START)
    db.expire_all()
    assert db.get(Idea, idea.id).status == "open"
    assert db.scalar(select(func.count()).select_from(IdeaStatusChange).where(IdeaStatusChange.idea_id == idea.id)) == 1
    admin = member(db, roles=("admin",))
    service.change_status(db, as_viewer(db, admin), idea.id, status="planned", now=START)
    assert db.get(Idea, idea.id).status == "planned"


def test_merge_counts_every_voter_once_and_moves_followers(db, settings):
    wire(settings)
    area = make_area(db)
    author_a, author_b, product = member(db), member(db), member(db, roles=("product",))
    both, only_b, only_a, follower = member(db), member(db), member(db), member(db)
    a = make_idea(db, settings, author=author_a, area=area, title="Dark mode for the app")
    b = make_idea(db, settings, author=author_b, area=area, title="Night theme please")
    for voter, ideas in ((both, (a, b)), (only_b, (b,)), (only_a, (a,))):
        for idea in ideas:
            service.vote(db, settings, as_viewer(db, voter), idea.id, START)
    service.follow(db, as_viewer(db, follower), b.id, START)

    target = service.merge(db, as_viewer(db, product), b.id, a.id, START)

    assert target.id == a.id
    voters = db.scalars(select(IdeaVote.user_id).where(IdeaVote.idea_id == a.id)).all()
    assert sorted(voters) == sorted([both.id, only_a.id, only_b.id])
    assert (a.vote_count, b.vote_count) == (3, 0)
    assert b.merged_into_id == a.id
    assert budget_of(db, settings, as_viewer(db, both)).used == 1  # their second vote came back
    followers = set(db.scalars(select(IdeaFollower.user_id).where(IdeaFollower.idea_id == a.id)))
    assert {author_a.id, author_b.id, follower.id} <= followers
    assert not db.scalars(select(IdeaFollower.user_id).where(IdeaFollower.idea_id == b.id)).all()
    with pytest.raises(Conflict):
        service.vote(db, settings, as_viewer(db, only_a), b.id, START)


def test_members_cannot_merge(db, settings):
    wire(settings)
    area = make_area(db)
    author = member(db)
    a, b = make_idea(db, settings, author=author, area=area), make_idea(db, settings, author=author, area=area)
    with pytest.raises(Forbidden):
        service.merge(db, as_viewer(db, author), b.id, a.id, START)
    assert db.get(Idea, b.id).merged_into_id is None


def test_recompute_repairs_a_drifted_vote_count(db, settings):
    wire(settings)
    area = make_area(db)
    author, voter = member(db), member(db)
    idea = make_idea(db, settings, author=author, area=area)
    service.vote(db, settings, as_viewer(db, voter), idea.id, START)
    idea.vote_count = 7
    db.flush()
    assert service.vote_count_drift(db) == [(idea.id, 7, 1)]
    assert service.recompute_vote_counts(db) == 1
    assert db.get(Idea, idea.id).vote_count == 1
    assert service.vote_count_drift(db) == []


def test_merging_into_a_shipped_idea_returns_the_moved_votes_to_the_budget(db, small_budget):
    area = make_area(db)
    author, voter, product = member(db), member(db), member(db, roles=("product",))
    shipped = make_idea(db, small_budget, author=author, area=area, title="Weekly schedule copy")
    duplicate = make_idea(db, small_budget, author=author, area=area, title="Copy a day to the whole week")
    me = as_viewer(db, voter)
    service.vote(db, small_budget, me, duplicate.id, START)
    service.change_status(db, as_viewer(db, product), shipped.id, status="shipped", now=START)

    service.merge(db, as_viewer(db, product), duplicate.id, shipped.id, START)

    assert shipped.vote_count == 1
    assert budget_of(db, small_budget, me).used == 0
