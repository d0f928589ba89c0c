"""Votes and the karma they move: rules, self-votes, downvote threshold, suspension, cap, reversals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.errors import Forbidden, NotFound, RateLimited
from app.forum import answers as forum_answers
from app.forum import service as forum_service
from app.forum.models import Post, PostVote, Suspension
from app.forum.votes import cast_vote, recompute_scores, score_drift
from app.karma.models import KarmaEntry
from app.karma.service import karma_drift, recompute_totals
from app.forum.queries import viewer_for
from tests.conftest import make_settings
from tests.karma.helpers import answer, first_post_id, karma_of, ledger_sum, member, question, reasons


def _vote(db, settings, voter, post_id, value, now):
    return cast_vote(db, settings, voter_id=voter.id, post_id=post_id, value=value, now=now)


def test_upvotes_on_answers_and_questions_earn_different_karma(db, settings, clock):
    asker, helper, voter = member(db), member(db), member(db)
    topic = question(db, asker, now=clock.now)
    reply = answer(db, topic, helper, now=clock.advance(minutes=5))
    _vote(db, settings, voter, reply.id, 1, clock.now)
    _vote(db, settings, voter, first_post_id(db, topic), 1, clock.now)
    assert karma_of(db, helper) == 10
    assert karma_of(db, asker) == 5
    assert db.get(Post, reply.id).score == 1


def test_withdrawing_and_changing_a_vote_writes_compensating_rows(db, settings, clock):
    helper = member(db)
    voter = member(db, karma=100)
    topic = question(db, member(db), now=clock.now)
    reply = answer(db, topic, helper, now=clock.advance(minutes=5))
    _vote(db, settings, voter, reply.id, 1, clock.now)
    _vote(db, settings, voter, reply.id, -1, clock.advance(minutes=1))
    _vote(db, settings, voter, reply.id, 0, clock.advance(minutes=1))
    assert reasons(db, helper) == [("upvote", 10), ("vote_changed", -10), ("downvote", -2), ("vote_withdrawn", 2)]
    assert karma_of(db, helper) == 0
    assert karma_of(db, voter) == 100  # the -1 for downvoting an answer came back on withdrawal
    assert [delta for _, delta in reasons(db, voter)] == [100, -1, 1]
    assert db.get(Post, reply.id).score == 0
    assert db.scalar(select(func.count()).select_from(PostVote)) == 1


def test_downvoting_a_question_costs_the_voter_nothing(db, settings, clock):
    asker = member(db)
    voter = member(db, karma=60)
    topic = question(db, asker, now=clock.now)
    _vote(db, settings, voter, first_post_id(db, topic), -1, clock.now)
    assert karma_of(db, asker) == -2
    assert karma_of(db, voter) == 60


def test_the_same_vote_twice_changes_nothing(db, settings, clock):
    helper, voter = member(db), member(db)
    reply = answer(db, question(db, member(db), now=clock.now), helper, now=clock.advance(minutes=5))
    first = _vote(db, settings, voter, reply.id, 1, clock.now)
    second = _vote(db, settings, voter, reply.id, 1, clock.now)
    assert first.changed and not second.changed
    assert second.score == 1
    assert karma_of(db, helper) == 10


def test_members_cannot_vote_on_their_own_posts(db, settings, clock):
    helper = member(db)
    reply = answer(db, question(db, member(db), now=clock.now), helper, now=clock.advance(minutes=5))
    with pytest.raises(Forbidden) as raised:
        _vote(db, settings, helper, reply.id, 1, clock.now)
    assert "your own posts" in raised.value.message
    assert karma_of(db, helper) == 0


def test_downvoting_needs_the_minimum_karma(db, settings, clock):
    helper = member(db)
    newcomer = member(db, karma=49)
    reply = answer(db, question(db, member(db), now=clock.now), helper, now=clock.advance(minutes=5))
    with pytest.raises(Forbidden) as raised:
        _vote(db, settings, newcomer, reply.id, -1, clock.now)
    assert raised.value.message == (
        "You need 50 karma to downvote; you have 49. Upvote what helps instead, or flag what breaks the rules."
    )
    _vote(db, settings, member(db, karma=50), reply.id, -1, clock.now)
    assert karma_of(db, helper) == -2


def test_suspended_members_cannot_vote(db, settings, clock):
    helper, voter = member(db), member(db)
    reply = answer(db, question(db, member(db), now=clock.now), helper, now=clock.advance(minutes=5))
    db.add(Suspension(user_id=voter.id, reason="Spamming links", starts_at=clock.now, ends_at=clock.now + timedelta(days=3)))
    db.flush()
    with pytest.raises(Forbidden) as raised:
        _vote(db, settings, voter, reply.id, 1, clock.now)
    assert "suspended" in raised.value.message and "Spamming links" in raised.value.message


def test_votes_on_posts_the_voter_may_not_see_look_like_missing_posts(db, settings, clock):
    from tests.forum_factories import make_category

    labs = make_category(db, visibility="groups", groups=("labs",))
    insider = member(db, roles=("labs",))
    topic = question(db, insider, now=clock.now, category=labs)
    with pytest.raises(NotFound):
        _vote(db, settings, member(db), first_post_id(db, topic), 1, clock.now)
    with pytest.raises(NotFound):
        _vote(db, settings, member(db), 999_999, 1, clock.now)


def test_daily_vote_cap_limits_vote_karma_and_reversal_takes_back_exactly_what_was_granted(db, clock):
    settings = make_settings("sqlite://", karma_daily_vote_cap=25)
    from app.karma import handlers

    handlers.configure(settings)
    helper = member(db)
    asker = member(db)
    topic = question(db, asker, now=clock.now)
    replies = [answer(db, topic, helper, now=clock.advance(minutes=2)) for _ in range(3)]
    voter = member(db)
    for reply in replies:
        _vote(db, settings, voter, reply.id, 1, clock.now)
    assert karma_of(db, helper) == 25  # 10 + 10 + 5 of the third vote's 10
    assert reasons(db, helper)[-1] == ("upvote", 5)
    _vote(db, settings, voter, replies[2].id, 0, clock.advance(minutes=1))
    assert karma_of(db, helper) == 20  # exactly the 5 granted came back off
    _vote(db, settings, voter, replies[2].id, 1, clock.advance(minutes=1))
    assert karma_of(db, helper) == 25  # the freed room is used again, never more than the cap
    # Accepted answers are exempt from the cap.
    forum_answers.accept_answer(db, viewer_for(db, asker.id), topic.id, replies[0].id, clock.advance(minutes=1))
    assert karma_of(db, helper) == 40
    # A new UTC day has a fresh cap.
    clock.advance(days=1)
    other = member(db)
    _vote(db, settings, other, replies[0].id, 1, clock.now)
    assert karma_of(db, helper) == 50
    assert karma_drift(db) == [] and score_drift(db) == []


def test_accepting_answers_credits_answerer_and_asker_and_unaccepting_reverses(db, settings, clock):
    asker, helper = member(db), member(db)
    topic = question(db, asker, now=clock.now)
    reply = answer(db, topic, helper, now=clock.advance(minutes=5))
    forum_answers.accept_answer(db, viewer_for(db, asker.id), topic.id, reply.id, clock.advance(minutes=1))
    assert (karma_of(db, helper), karma_of(db, asker)) == (15, 2)
    forum_answers.unaccept_answer(db, viewer_for(db, asker.id), topic.id, clock.advance(minutes=1))
    assert (karma_of(db, helper), karma_of(db, asker)) == (0, 0)
    assert reasons(db, helper) == [("answer_accepted", 15), ("answer_unaccepted", -15)]


def test_accepting_your_own_answer_earns_nothing(db, settings, clock):
    asker = member(db)
    topic = question(db, asker, now=clock.now)
    reply = answer(db, topic, asker, now=clock.advance(minutes=5))
    forum_answers.accept_answer(db, viewer_for(db, asker.id), topic.id, reply.id, clock.advance(minutes=1))
    assert karma_of(db, asker) == 0


def test_deleting_a_post_reverses_its_karma(db, settings, clock):
    asker, helper = member(db), member(db)
    voter = member(db, karma=80)
    topic = question(db, asker, now=clock.now)
    reply = answer(db, topic, helper, now=clock.advance(minutes=5))
    _vote(db, settings, member(db), reply.id, 1, clock.now)
    _vote(db, settings, voter, reply.id, -1, clock.now)
    forum_answers.accept_answer(db, viewer_for(db, asker.id), topic.id, reply.id, clock.advance(minutes=1))
    assert karma_of(db, helper) == 10 - 2 + 15
    forum_service.delete_post(db, viewer_for(db, helper.id), reply.id, clock.advance(minutes=1))
    assert karma_of(db, helper) == 0
    assert karma_of(db, voter) == 80
    assert karma_of(db, asker) == 0
    with pytest.raises(NotFound):
        _vote(db, settings, voter, reply.id, 0, clock.now)


def test_daily_vote_limit_answers_429(db, clock):
    settings = make_settings("sqlite://", vote_daily_limit=2)
    voter = member(db)
    topic = question(db, member(db), now=clock.now)
    replies = [answer(db, topic, member(db), now=clock.advance(minutes=1)) for _ in range(3)]
    _vote(db, settings, voter, replies[0].id, 1, clock.now)
    _vote(db, settings, voter, replies[1].id, 1, clock.now)
    with pytest.raises(RateLimited) as raised:
        _vote(db, settings, voter, replies[2].id, 1, clock.now)
    assert raised.value.retry_after == 24 * 3600
    _vote(db, settings, voter, replies[0].id, 0, clock.now)  # withdrawing is always allowed


def test_recompute_repairs_cached_karma_and_scores(db, settings, clock):
    helper, voter = member(db), member(db)
    reply = answer(db, question(db, member(db), now=clock.now), helper, now=clock.advance(minutes=5))
    _vote(db, settings, voter, reply.id, 1, clock.now)
    from sqlalchemy import update

    from app.accounts.models import User

    db.execute(update(User).where(User.id == helper.id).values(karma=999))
    db.execute(update(Post).where(Post.id == reply.id).values(score=7))
    assert karma_drift(db) == [(helper.id, 999, 10)]
    assert recompute_totals(db) == 1 and recompute_scores(db) == 1
    assert karma_of(db, helper) == 10 == ledger_sum(db, helper)
    assert db.scalar(select(Post.score).where(Post.id == reply.id)) == 1
    assert db.scalar(select(func.count()).select_from(KarmaEntry).where(KarmaEntry.user_id == helper.id)) == 1


def test_an_agreed_flag_earns_the_flagger_karma_once(db, settings, clock):
    from app.forum.moderation_flags import flag_post, resolve_flag

    flagger, spammer = member(db), member(db)
    moderator = member(db, roles=("moderator",))
    reply = answer(db, question(db, member(db), now=clock.now), spammer, now=clock.advance(minutes=5))
    flag = flag_post(db, viewer_for(db, flagger.id), reply.id, "spam", "", clock.advance(minutes=1))
    resolve_flag(db, viewer_for(db, moderator.id), flag.id, True, clock.advance(minutes=1))
    assert reasons(db, flagger) == [("flag_agreed", 2)]
    other = member(db)
    reply2 = answer(db, question(db, member(db), now=clock.now), spammer, now=clock.advance(minutes=5))
    flag2 = flag_post(db, viewer_for(db, other.id), reply2.id, "spam", "", clock.advance(minutes=1))
    resolve_flag(db, viewer_for(db, moderator.id), flag2.id, False, clock.advance(minutes=1))
    assert reasons(db, other) == []


def test_a_shipped_idea_credits_its_author_once(db, settings, clock):
    from app.karma.service import credit_idea_shipped

    author = member(db)
    assert credit_idea_shipped(db, settings, author_id=author.id, idea_id=41, actor_id=None, now=clock.now)
    assert not credit_idea_shipped(db, settings, author_id=author.id, idea_id=41, actor_id=None, now=clock.now)
    assert reasons(db, author) == [("idea_shipped", 20)]


def test_withdrawing_a_vote_never_cast_on_a_hidden_category_post_is_still_not_found(db, settings, clock):
    from tests.forum_factories import make_category

    labs = make_category(db, visibility="groups", groups=("labs",))
    topic = question(db, member(db, roles=("labs",)), now=clock.now, category=labs)
    with pytest.raises(NotFound):
        _vote(db, settings, member(db), first_post_id(db, topic), 0, clock.now)
