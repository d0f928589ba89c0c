"""Time ambassador scoring on a generated community: 20,000 members and 1,000,000 votes.

Prints the time of one scoring run (feature extraction for today and every training cutoff,
training, scoring, explanations; nothing stored) next to the time of one bare
`SELECT voter_id, count(*) FROM post_vote GROUP BY voter_id` over the same table (the floor),
and their ratio, with the time of reading every vote into the process once (what the run's one
pass over the votes costs at least). All are timed several times after a warm-up read and the
best of each is compared. Usage: python bench/bench_scoring.py [--members N] [--votes N] [--repeat N] [--url URL]
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_timing import best_of, community_arguments, listed, open_community  # noqa: E402
from sqlalchemy import insert, text, update  # noqa: E402

from app.accounts.models import User, UserVisit  # noqa: E402
from app.ambassadors import training  # noqa: E402
from app.forum.models import Category, Post, PostVote, Topic  # noqa: E402
from app.forum.queries import timeline as forum_timeline  # noqa: E402

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
DAYS = 365


def _moment(rng: random.Random, after: datetime | None = None) -> datetime:
    start = NOW - timedelta(days=DAYS)
    low = max(start, after) if after else start
    return low + timedelta(seconds=rng.randrange(max(1, int((NOW - low).total_seconds()))))


def generate(session, members: int, votes: int, seed: int = 7) -> None:
    """A year of activity: members, visits, questions, answers, accepted answers and votes."""
    rng = random.Random(seed)
    start = NOW - timedelta(days=DAYS)
    session.execute(insert(User), [
        {"id": i, "username": f"m{i}", "username_key": f"m{i}", "display_name": f"M{i}", "password_hash": "x",
         "bio": "", "created_at": start - timedelta(days=rng.randrange(400)), "karma": 0}
        for i in range(1, members + 1)
    ])
    # Activity follows a long tail: a few members do most of the answering and voting.
    weights = [1.0 / (rank ** 0.9) for rank in range(1, members + 1)]
    active = rng.choices(range(1, members + 1), weights=weights, k=members * 10)
    visits = {(member, (start + timedelta(days=rng.randrange(DAYS))).date()) for member in active}
    session.execute(insert(UserVisit), [{"user_id": m, "day": d, "posts_read": 1, "derived": False} for m, d in visits])
    session.execute(insert(Category), [{"id": 1, "slug": "bench", "name": "Bench", "description": "", "position": 0,
                                        "visibility": "public", "topic_count": 0, "created_at": start}])
    topics = members // 2
    topic_rows, post_rows, accepted = [], [], []
    post_id = 0
    answers_per_topic = max(1, votes // (topics * 10))
    for topic_id in range(1, topics + 1):
        asker = rng.choice(active)
        asked = _moment(rng)
        topic_rows.append({"id": topic_id, "category_id": 1, "author_id": asker, "title": "q", "slug": "q", "kind": "question",
                           "created_at": asked, "last_posted_at": asked, "reply_count": answers_per_topic,
                           "highest_post_number": answers_per_topic + 1})
        post_id += 1
        post_rows.append({"id": post_id, "topic_id": topic_id, "post_number": 1, "author_id": asker, "body_source": "q",
                          "body_html": "q", "created_at": asked, "score": 0})
        for number in range(2, answers_per_topic + 2):
            post_id += 1
            post_rows.append({"id": post_id, "topic_id": topic_id, "post_number": number, "author_id": rng.choice(active),
                              "body_source": "a", "body_html": "a", "created_at": _moment(rng, asked), "score": 0})
        if rng.random() < 0.4:
            chosen = post_rows[-rng.randrange(1, answers_per_topic + 1)]
            accepted.append({"id": topic_id, "accepted_post_id": chosen["id"], "accepted_at": _moment(rng, chosen["created_at"]),
                             "first_response_post_id": chosen["id"],
                             "first_response_seconds": int((chosen["created_at"] - asked).total_seconds())})
    session.execute(insert(Topic), topic_rows)
    session.execute(insert(Post), post_rows)
    session.execute(update(Topic), accepted)
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < votes:
        pairs.add((rng.choice(active), rng.randrange(1, post_id + 1)))
    created = {row["id"]: row["created_at"] for row in post_rows}
    batch = []
    for voter, post in pairs:
        at = _moment(rng, created[post])
        batch.append({"voter_id": voter, "post_id": post, "value": 1 if rng.random() < 0.95 else -1, "created_at": at, "updated_at": at})
        if len(batch) == 50_000:
            session.execute(insert(PostVote), batch)
            batch = []
    if batch:
        session.execute(insert(PostVote), batch)


def main() -> None:
    """Build (or reuse) the generated database and print the timings."""
    parser = community_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    args = parser.parse_args()
    settings, engine, factory = open_community(args, generate)
    floor_sql = text("SELECT voter_id, count(*) FROM post_vote GROUP BY voter_id")
    with factory() as session:
        session.execute(floor_sql).all()  # warm the cache: both figures are taken with the data in memory
        floor, floors, _rows = best_of(lambda: session.execute(floor_sql).all(), args.repeat * 2)
        read, _reads, _votes = best_of(lambda: forum_timeline.vote_rows(session, [NOW]), args.repeat)
        run, runs, scored = best_of(lambda: training.score(session, settings, NOW), args.repeat)
    engine.dispose()
    print(f"database:            {engine.url.render_as_string(hide_password=True)}")
    print(f"bare GROUP BY:       {floor:8.3f} s  (the floor; best of {len(floors)}: {listed(floors)})")
    print(f"read every vote:     {read:8.3f} s  (voter, post, value: the one pass a run makes; "
          f"{read / floor:.1f}x the floor)")
    print(f"scoring run:         {run:8.3f} s  ({len(scored.snapshot.member_ids):,} members, "
          f"{len(scored.windows['training_cutoffs'])} training cutoffs; best of {len(runs)}: {listed(runs)})")
    print(f"  phases:            {scored.timings}")
    print(f"ratio run / floor:   {run / floor:8.1f}x")


if __name__ == "__main__":
    main()
