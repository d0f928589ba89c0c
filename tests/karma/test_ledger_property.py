"""Property: any sequence of vote/unvote/change/delete/accept/unaccept leaves karma equal to the ledger,
the ledger equal to what the rules say the final state is worth, and scores equal to the votes."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st
from sqlalchemy import select

from app.accounts.models import User
from app.errors import AppError
from app.forum import answers as forum_answers
from app.forum import service as forum_service
from app.forum.models import Post, PostVote, Topic
from app.forum.queries import viewer_for
from app.forum.votes import cast_vote, score_drift
from app.karma import handlers
from app.karma.service import karma_drift
from tests.conftest import START, make_settings
from tests.karma.helpers import answer, member, question

MEMBERS = 5
SEED = (0, 60, 60, 0, 60)  # some members may downvote (50 needed), some may not

actions = st.one_of(
    st.tuples(st.just("vote"), st.integers(0, MEMBERS - 1), st.integers(0, 7), st.sampled_from((1, -1, 0))),
    st.tuples(st.just("delete"), st.integers(0, 7)),
    st.tuples(st.just("accept"), st.integers(0, 7)),
    st.tuples(st.just("unaccept"), st.integers(0, 1)),
)


def _expected_karma(db, settings, members, seed) -> dict[int, int]:
    """What the rules say each member's karma is, from the final votes and accepted answers."""
    expected = dict(zip([user.id for user in members], seed))
    posts = {row.id: row for row in db.execute(select(Post.id, Post.author_id, Post.post_number, Post.deleted_at))}
    for voter_id, post_id, value in db.execute(select(PostVote.voter_id, PostVote.post_id, PostVote.value)):
        post = posts[post_id]
        if value == 0 or post.deleted_at is not None:
            continue
        if value == 1:
            expected[post.author_id] += settings.karma_upvote_answer if post.post_number > 1 else settings.karma_upvote_question
        else:
            expected[post.author_id] += settings.karma_downvote_received
            if post.post_number > 1:
                expected[voter_id] += settings.karma_downvote_cast
    for asker_id, accepted_post_id in db.execute(select(Topic.author_id, Topic.accepted_post_id).where(Topic.accepted_post_id.is_not(None))):
        answerer = posts[accepted_post_id].author_id
        if answerer != asker_id:
            expected[answerer] += settings.karma_accepted_answer
            expected[asker_id] += settings.karma_accepted_asker
    return expected


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(actions, min_size=1, max_size=30))
def test_any_sequence_keeps_karma_ledger_and_scores_exact(db, steps):
    settings = make_settings("sqlite://", karma_daily_vote_cap=100_000)
    handlers.configure(settings)
    outer = db.begin_nested()
    try:
        now = START
        members = [member(db, karma=SEED[index]) for index in range(MEMBERS)]
        topics = [question(db, members[0], now=now), question(db, members[1], now=now)]
        posts = []
        for topic in topics:
            posts.append(db.scalar(select(Post.id).where(Post.topic_id == topic.id, Post.post_number == 1)))
            for author in (members[2], members[3], members[0 if topic is topics[1] else 1]):
                now += timedelta(minutes=2)
                posts.append(answer(db, topic, author, now=now).id)
        post_topic = {post_id: topics[index // 4] for index, post_id in enumerate(posts)}
        for step in steps:
            now += timedelta(minutes=1)
            action = step[0]
            savepoint = db.begin_nested()
            try:
                if action == "vote":
                    _, voter, post, value = step
                    cast_vote(db, settings, voter_id=members[voter].id, post_id=posts[post], value=value, now=now)
                elif action == "delete":
                    post_id = posts[step[1]]
                    author_id = db.scalar(select(Post.author_id).where(Post.id == post_id))
                    forum_service.delete_post(db, viewer_for(db, author_id), post_id, now)
                elif action == "accept":
                    post_id = posts[step[1]]
                    topic = post_topic[post_id]
                    forum_answers.accept_answer(db, viewer_for(db, topic.author_id), topic.id, post_id, now)
                else:
                    topic = topics[step[1]]
                    forum_answers.unaccept_answer(db, viewer_for(db, topic.author_id), topic.id, now)
                savepoint.commit()
            except AppError:
                savepoint.rollback()  # what a request does with a refused action
        db.expire_all()
        assert karma_drift(db) == []
        assert score_drift(db) == []
        actual = dict(db.execute(select(User.id, User.karma).where(User.id.in_([user.id for user in members]))).all())
        assert actual == _expected_karma(db, settings, members, SEED)
    finally:
        outer.rollback()
