"""Property test: any sequence of votes, unvotes, status changes and merges keeps the books straight.

A plain Python model replays the same steps; after every step the database must agree with it on
who votes for what, every vote's `active` flag must say whether its idea is still open, each
member's used budget must equal their active votes, and every cached vote count must equal a recount.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st
from sqlalchemy import select

from app.errors import AppError
from app.ideas import service
from app.ideas.models import CLOSED_STATUSES, Idea, IdeaVote
from app.ideas.queries import budget_of
from tests.conftest import START, make_settings
from tests.ideas.helpers import as_viewer, make_area, make_idea, member, wire

BUDGET = 3
MEMBERS = 3
IDEAS = 4

step = st.one_of(
    st.tuples(st.just("vote"), st.integers(0, MEMBERS - 1), st.integers(0, IDEAS - 1)),
    st.tuples(st.just("unvote"), st.integers(0, MEMBERS - 1), st.integers(0, IDEAS - 1)),
    st.tuples(st.sampled_from(["shipped", "declined", "planned"]), st.just(0), st.integers(0, IDEAS - 1)),
    st.tuples(st.just("merge"), st.integers(0, IDEAS - 1), st.integers(0, IDEAS - 1)),
)


class Model:
    """What the rules say should happen, without a database."""

    def __init__(self):
        self.votes = {i: set() for i in range(IDEAS)}
        self.status = {i: "open" for i in range(IDEAS)}
        self.merged: set[int] = set()

    def used(self, m: int) -> int:
        return sum(1 for i, voters in self.votes.items() if m in voters and self.status[i] not in CLOSED_STATUSES)

    def apply(self, action: str, a: int, b: int) -> None:
        if action == "vote":
            m, i = a, b
            if i in self.merged or self.status[i] in CLOSED_STATUSES or m in self.votes[i] or self.used(m) >= BUDGET:
                return
            self.votes[i].add(m)
        elif action == "unvote":
            m, i = a, b
            if i not in self.merged and self.status[i] not in CLOSED_STATUSES:
                self.votes[i].discard(m)
        elif action == "merge":
            source, target = a, b
            if source == target or source in self.merged or target in self.merged or self.status[source] in CLOSED_STATUSES:
                return
            self.votes[target] |= self.votes[source]
            self.votes[source] = set()
            self.merged.add(source)
        else:
            i = b
            if i in self.merged or self.status[i] == action:
                return
            self.status[i] = action


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_budget_and_counts_stay_consistent(db, database_url, steps):
    config = make_settings(database_url, idea_vote_budget=BUDGET)
    wire(config)
    outer = db.begin_nested()
    try:
        voters = [member(db) for _ in range(MEMBERS)]
        product = as_viewer(db, member(db, roles=("product",)))
        area = make_area(db)
        ideas = [make_idea(db, config, author=member(db), area=area) for _ in range(IDEAS)]
        ids = [idea.id for idea in ideas]
        model = Model()
        for number, (action, a, b) in enumerate(steps):
            now = START + timedelta(minutes=number)
            savepoint = db.begin_nested()
            try:
                if action == "vote":
                    service.vote(db, config, as_viewer(db, voters[a]), ids[b], now)
                elif action == "unvote":
                    service.unvote(db, as_viewer(db, voters[a]), ids[b], now)
                elif action == "merge":
                    service.merge(db, product, ids[a], ids[b], now)
                else:
                    service.change_status(db, product, ids[b], status=action, now=now)
                savepoint.commit()
            except AppError:
                savepoint.rollback()  # a refused request changes nothing, as the request rollback ensures
            model.apply(action, a, b)
            _check(db, config, model, voters, ids)
    finally:
        outer.rollback()


def _check(db, config, model: Model, voters, ids) -> None:
    db.expire_all()
    member_index = {user.id: n for n, user in enumerate(voters)}
    rows = db.execute(select(IdeaVote.idea_id, IdeaVote.user_id, IdeaVote.active, Idea.status).join(Idea, Idea.id == IdeaVote.idea_id)).all()
    rows = [row for row in rows if row.idea_id in ids]
    stored = {i: {member_index[r.user_id] for r in rows if r.idea_id == ids[i]} for i in range(IDEAS)}
    assert stored == model.votes
    assert all(row.active == (row.status not in CLOSED_STATUSES) for row in rows)
    active = Counter(row.user_id for row in rows if row.active)
    for n, user in enumerate(voters):
        used = budget_of(db, config, as_viewer(db, user)).used
        assert used == active[user.id] == model.used(n)
    assert [drift for drift in service.vote_count_drift(db) if drift[0] in ids] == []
    assert {i for i in range(IDEAS) if db.get(Idea, ids[i]).merged_into_id is not None} == model.merged
