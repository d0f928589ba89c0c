"""16 threads casting, changing and withdrawing 2,000 votes against one database with real commits.

Each operation runs like a request: its own session, a read first (who is logged in), the vote,
one commit. The end state must be exact: no duplicate votes, no lost votes, scores equal to the
votes, karma equal to the ledger and to what the rules say the final votes are worth, the daily
cap never exceeded, and no error other than a clear 409/429.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from app.accounts.models import User
from app.db import make_engine, make_session_factory
from app.errors import AppError
from app.forum.models import Post, PostVote
from app.forum.vote_pages import vote_with_retry
from app.forum.votes import score_drift
from app.karma import handlers
from app.karma.models import KarmaCapDay
from app.karma.service import karma_drift
from tests.conftest import START, make_settings
from tests.karma.helpers import answer, member, question

THREADS = 16
OPERATIONS = 2000
OWNED_PER_THREAD = 2
SHARED_VOTERS = 2
SEED = 1000


def _community(session_factory, *, authors: int, posts_per_author: int, voters: int):
    """Commit a question with answers by `authors` members and `voters` voters with seed karma."""
    with session_factory() as db:
        asker = member(db)
        topic = question(db, asker, now=START)
        author_rows = [member(db) for _ in range(authors)]
        posts = []
        minute = 0
        for author in author_rows:
            for _ in range(posts_per_author):
                minute += 2
                posts.append(answer(db, topic, author, now=START + timedelta(minutes=minute)).id)
        voter_rows = [member(db, karma=SEED) for _ in range(voters)]
        db.commit()
        return [user.id for user in author_rows], posts, [user.id for user in voter_rows]


def _run_threads(worker):
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def run(index):
        barrier.wait()
        try:
            worker(index)
        except BaseException as error:  # surfaced below: any crash fails the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def _request(session_factory, settings, voter_id, post_id, value, now):
    """One vote the way a request does it: read first, vote, commit once; returns the HTTP status."""
    with session_factory() as db:
        db.scalar(select(User.id).where(User.id == voter_id))
        try:
            vote_with_retry(db, settings, voter_id=voter_id, post_id=post_id, value=value, now=now)
        except AppError as error:
            db.rollback()
            return error.status_code
        db.commit()
        return 200


def test_concurrent_votes_end_with_exact_totals(make_database):
    url = make_database()
    settings = make_settings(url, vote_daily_limit=100_000, karma_daily_vote_cap=1_000_000)
    handlers.configure(settings)
    engine = make_engine(url)
    session_factory = make_session_factory(engine)
    try:
        author_ids, post_ids, voter_ids = _community(
            session_factory, authors=8, posts_per_author=5, voters=THREADS * OWNED_PER_THREAD + SHARED_VOTERS
        )
        shared = voter_ids[-SHARED_VOTERS:]
        intended: dict[tuple[int, int], int] = {}
        statuses: Counter = Counter()
        lock = threading.Lock()

        def worker(index):
            rng = random.Random(index)
            owned = voter_ids[index * OWNED_PER_THREAD:(index + 1) * OWNED_PER_THREAD]
            mine: dict[tuple[int, int], int] = {}
            counts: Counter = Counter()
            for step in range(OPERATIONS // THREADS):
                voter = rng.choice(owned + shared) if step % 4 == 0 else rng.choice(owned)
                post = rng.choice(post_ids)
                value = rng.choice((1, 1, -1, 0))
                status = _request(session_factory, settings, voter, post, value, START + timedelta(hours=1, seconds=step))
                counts[status] += 1
                if status == 200 and voter not in shared:
                    mine[(voter, post)] = value
            with lock:
                intended.update(mine)
                statuses.update(counts)

        _run_threads(worker)

        assert set(statuses) <= {200, 409, 429}, statuses
        assert sum(statuses.values()) == OPERATIONS
        with session_factory() as db:
            rows = db.execute(select(PostVote.voter_id, PostVote.post_id, PostVote.value)).all()
            pairs = Counter((voter, post) for voter, post, _ in rows)
            assert max(pairs.values()) == 1  # no duplicate votes
            final = {(voter, post): value for voter, post, value in rows}
            for key, value in intended.items():  # no lost votes: each owned vote ends as its last success
                assert final.get(key, 0) == value, key
            assert score_drift(db) == []
            assert karma_drift(db) == []
            score_total = db.scalar(select(func.sum(Post.score)))
            assert score_total == sum(value for _, _, value in rows)
            karma = dict(db.execute(select(User.id, User.karma)).all())
            expected = {author_id: 0 for author_id in author_ids}
            expected.update({voter_id: SEED for voter_id in voter_ids})
            post_author = dict(db.execute(select(Post.id, Post.author_id)).all())
            for (voter, post), value in final.items():
                if value == 1:
                    expected[post_author[post]] += settings.karma_upvote_answer
                elif value == -1:
                    expected[post_author[post]] += settings.karma_downvote_received
                    expected[voter] += settings.karma_downvote_cast
            assert {user_id: karma[user_id] for user_id in expected} == expected
    finally:
        engine.dispose()


def test_concurrent_upvotes_never_pass_the_daily_cap(make_database):
    url = make_database()
    settings = make_settings(url, vote_daily_limit=100_000, karma_daily_vote_cap=200)
    handlers.configure(settings)
    engine = make_engine(url)
    session_factory = make_session_factory(engine)
    try:
        (author_id,), post_ids, voter_ids = _community(session_factory, authors=1, posts_per_author=10, voters=THREADS)
        statuses: Counter = Counter()
        lock = threading.Lock()

        def worker(index):
            counts = Counter(
                _request(session_factory, settings, voter_ids[index], post_id, 1, START + timedelta(hours=2))
                for post_id in post_ids
            )
            with lock:
                statuses.update(counts)

        _run_threads(worker)

        assert set(statuses) <= {200, 409, 429}, statuses
        with session_factory() as db:
            votes = db.scalar(select(func.count()).select_from(PostVote).where(PostVote.value == 1))
            assert votes == statuses[200]
            assert db.scalar(select(User.karma).where(User.id == author_id)) == 200
            assert db.scalar(select(KarmaCapDay.granted).where(KarmaCapDay.user_id == author_id)) == 200
            assert karma_drift(db) == [] and score_drift(db) == []
    finally:
        engine.dispose()
