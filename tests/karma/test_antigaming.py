"""The daily karma job: serial voting and voting rings are reversed and flagged, honest voters are not."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from app.forum.votes import cast_vote
from app.karma import jobs
from app.karma.models import KarmaEntry, KarmaFlag
from app.karma.service import karma_drift
from tests.karma.helpers import answer, karma_of, member, question


class Board:
    """A question with answers by many authors, spaced so posting limits never bite."""

    def __init__(self, db, clock):
        self.db = db
        self.clock = clock
        self.topic = question(db, member(db), now=clock.now)
        self.minute = 0

    def posts_by(self, author, count: int) -> list[int]:
        ids = []
        for _ in range(count):
            self.minute += 2
            ids.append(answer(self.db, self.topic, author, now=self.clock.now + timedelta(minutes=self.minute)).id)
        return ids


def _up(db, settings, voter, post_id, at):
    cast_vote(db, settings, voter_id=voter.id, post_id=post_id, value=1, now=at)


def test_serial_voting_is_reversed_and_flagged_once(db, settings, clock):
    board = Board(db, clock)
    fan, target, bystander = member(db, "fan"), member(db, "target"), member(db, "bystander")
    posts = board.posts_by(target, 12)
    start = clock.now + timedelta(days=1)
    for index, post_id in enumerate(posts[:10]):
        _up(db, settings, fan, post_id, start + timedelta(minutes=10 * index))
    for index, post_id in enumerate(posts[:9]):  # nine votes in a day stays under the threshold
        _up(db, settings, bystander, post_id, start + timedelta(minutes=10 * index))
    assert karma_of(db, target) == 190
    now = start + timedelta(days=1)
    summary = jobs.job(db, now, settings)
    assert summary["serial_pairs"] == 1 and summary["karma_reversed"] == 100
    assert karma_of(db, target) == 90
    flag = db.scalar(select(KarmaFlag))
    evidence = json.loads(flag.evidence)
    assert (flag.kind, json.loads(flag.member_ids), flag.votes) == ("serial", sorted([fan.id, target.id]), 10)
    assert evidence["voter_id"] == fan.id and evidence["author_id"] == target.id and evidence["upvotes"] == 10
    assert evidence["first_at"].startswith(start.date().isoformat())
    reversal = db.scalar(select(KarmaEntry).where(KarmaEntry.reason == "serial_voting").limit(1))
    assert reversal.flag_id == flag.id and reversal.reverses_id is not None
    # Idempotent: a second run reverses nothing and flags nothing new.
    again = jobs.job(db, now + timedelta(hours=1), settings)
    assert again["karma_reversed"] == 0 and again["flags"] == 0
    assert db.scalar(select(func.count()).select_from(KarmaFlag)) == 1
    assert karma_of(db, target) == 90
    assert karma_drift(db) == []


def test_withdrawing_a_reversed_vote_does_not_take_karma_twice(db, settings, clock):
    board = Board(db, clock)
    fan, target = member(db, "fan2"), member(db, "target2")
    posts = board.posts_by(target, 10)
    for index, post_id in enumerate(posts):
        _up(db, settings, fan, post_id, clock.now + timedelta(hours=1, minutes=index))
    jobs.job(db, clock.now + timedelta(days=1), settings)
    assert karma_of(db, target) == 0
    cast_vote(db, settings, voter_id=fan.id, post_id=posts[0], value=0, now=clock.now + timedelta(days=1, hours=1))
    assert karma_of(db, target) == 0
    assert karma_drift(db) == []


def plant_ring_and_honest_crowd(db, settings, clock):
    """Three accounts that upvote each other 4 times each over two weeks, among honest heavy voters.

    Returns (ring members, honest heavy voters, the time to run the job).
    """
    board = Board(db, clock)
    ring = [member(db, f"ring{n}") for n in range(3)]
    authors = [member(db, f"author{n}") for n in range(20)]
    heavy = [member(db, f"heavy{n}") for n in range(2)]
    ring_posts = {user.id: board.posts_by(user, 8) for user in ring}
    author_posts = {user.id: board.posts_by(user, 4) for user in authors}
    heavy_posts = {user.id: board.posts_by(user, 4) for user in heavy}
    start = clock.now + timedelta(days=1)
    step = 0
    # The ring: every member upvotes 4 posts of each other member, a few a day (never serial).
    for voter in ring:
        for author in ring:
            if author is voter:
                continue
            for index in range(4):
                step += 1
                _up(db, settings, voter, ring_posts[author.id][index], start + timedelta(hours=5 * step))
    # A little outside attention for the ring, as real rings get.
    _up(db, settings, authors[0], ring_posts[ring[0].id][5], start + timedelta(days=3))
    # Honest heavy voters: many votes over many authors, including 3+ for each other.
    for voter in heavy:
        for author in authors:
            for post_id in author_posts[author.id][:2]:
                step += 1
                _up(db, settings, voter, post_id, start + timedelta(hours=step % 300))
        other = heavy[1] if voter is heavy[0] else heavy[0]
        for post_id in heavy_posts[other.id][:3]:
            _up(db, settings, voter, post_id, start + timedelta(days=2))
    # Authors upvote a few others (an ordinary, spread-out community).
    for index, voter in enumerate(authors):
        for offset in (1, 2, 3):
            target = authors[(index + offset) % len(authors)]
            _up(db, settings, voter, author_posts[target.id][3], start + timedelta(days=4, minutes=index))
    return ring, heavy, start + timedelta(days=14)


def test_a_planted_ring_is_found_and_reversed_and_honest_heavy_voters_are_not(db, settings, clock):
    ring, heavy, now = plant_ring_and_honest_crowd(db, settings, clock)
    ring_karma = [karma_of(db, user) for user in ring]
    heavy_karma = [karma_of(db, user) for user in heavy]
    assert ring_karma == [90, 80, 80]  # 8 ring upvotes each (+1 outside vote for ring0)

    summary = jobs.job(db, now, settings)

    assert summary["rings"] == [sorted(user.id for user in ring)]
    assert summary["serial_pairs"] == 0
    assert [karma_of(db, user) for user in ring] == [10, 0, 0]  # only the outside vote stands
    assert [karma_of(db, user) for user in heavy] == heavy_karma
    flags = db.scalars(select(KarmaFlag)).all()
    assert len(flags) == 1
    flagged = set(json.loads(flags[0].member_ids))
    assert flagged == {user.id for user in ring}
    assert not flagged & {user.id for user in heavy}
    evidence = json.loads(flags[0].evidence)
    assert evidence["votes"] == 24 and len(evidence["edges"]) == 6
    assert all(edge["upvotes"] == 4 for edge in evidence["edges"])
    assert flags[0].karma_reversed == 240

    again = jobs.job(db, now + timedelta(days=1), settings)
    assert again["rings"] == summary["rings"] and again["karma_reversed"] == 0 and again["flags"] == 0
    assert db.scalar(select(func.count()).select_from(KarmaFlag)) == 1
    assert karma_drift(db) == []


def test_find_rings_peels_off_members_who_vote_mostly_elsewhere():
    from datetime import datetime, timezone

    at = datetime(2026, 3, 1, tzinfo=timezone.utc)
    votes = []
    # 1 <-> 2 vote for each other 5 times; 3 votes 5 times for 1 and 1 for 3, but 3 also votes
    # 40 times for 20 other authors, so 3 is no ring member.
    for _ in range(5):
        votes += [jobs.VoteFact(1, 2, 0, 1, at), jobs.VoteFact(2, 1, 0, 1, at), jobs.VoteFact(3, 1, 0, 1, at), jobs.VoteFact(1, 3, 0, 1, at)]
    for author in range(100, 120):
        votes += [jobs.VoteFact(3, author, 0, 1, at)] * 2
    rings = jobs.find_rings(votes, min_edge_votes=3, min_share=0.6, max_size=5)
    assert [ring.members for ring in rings] == []  # 1 gives half its votes to 3: not "mostly" inside 1-2
    rings = jobs.find_rings(votes, min_edge_votes=3, min_share=0.5, max_size=5)
    assert [ring.members for ring in rings] == [(1, 2)]


def test_a_ring_that_also_gets_honest_votes_is_found_but_a_popular_pair_of_helpers_is_not(settings):
    from datetime import datetime, timezone

    at = datetime(2026, 3, 1, tzinfo=timezone.utc)
    votes = []
    ring = (1, 2, 3)
    for voter in ring:
        for author in ring:
            if author != voter:
                votes += [jobs.VoteFact(voter, author, 0, 1, at)] * 4
    for honest in range(100, 110):  # honest members upvote each ring member once, and others more
        votes += [jobs.VoteFact(honest, member, 0, 1, at) for member in ring]
        votes += [jobs.VoteFact(honest, author, 0, 1, at) for author in range(200, 206)]
    for helper, other in ((10, 11), (11, 10)):  # two popular helpers who like each other's answers
        votes += [jobs.VoteFact(helper, other, 0, 1, at)] * 6
        votes += [jobs.VoteFact(helper, author, 0, 1, at) for author in range(300, 304)]
        votes += [jobs.VoteFact(fan, helper, 0, 1, at) for fan in range(400, 440)]
    rings = jobs.find_rings(
        votes,
        settings.karma_ring_min_edge_votes,
        settings.karma_ring_min_share,
        settings.karma_ring_max_size,
        settings.karma_ring_min_received_share,
    )
    assert [found.members for found in rings] == [ring]
    assert rings[0].shares[1] == {"given_in_ring": 8, "given_total": 8, "received_in_ring": 8, "received_total": 18}
