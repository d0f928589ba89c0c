"""The hand-built community the ambassador tests share."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.ambassadors import community as c
from tests.factories import make_user

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
D = timedelta(days=1)
H = timedelta(hours=1)


@pytest.fixture
def town(db):
    """alice helps bob and carol; frank is propped up by a two-account ring; eve was suspended;
    carol proposes ideas (one shipped)."""
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
    frank_answers = [c.answer(db, q5, p["frank"], NOW - 50 * D + k * H) for k in (1, 2, 3, 4, 5)]
    for post in frank_answers:
        c.vote(db, p["ring1"], post, NOW - 45 * D)
        c.vote(db, p["ring2"], post, NOW - 45 * D)
    c.vote(db, p["dave"], frank_answers[0], NOW - 44 * D)
    c.vote(db, p["eve"], frank_answers[1], NOW - 44 * D)
    c.reversed_karma(db, p["frank"], 30, NOW - 40 * D)
    shipped = c.idea(db, cat, p["carol"], NOW - 200 * D)
    c.idea_vote(db, p["bob"], shipped, NOW - 190 * D)
    c.idea_vote(db, p["dave"], shipped, NOW - 20 * D)
    c.ship(db, shipped, p["mod"], NOW - 150 * D)
    fresh = c.idea(db, cat, p["carol"], NOW - 10 * D)
    c.idea_vote(db, p["bob"], fresh, NOW - 9 * D)
    c.idea_vote(db, p["carol"], fresh, NOW - 9 * D)  # her own vote: not received from others
    return people


