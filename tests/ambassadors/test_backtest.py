"""The backtest on a small hand-built history: pool, ground truth and metrics match hand computation."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest

from app.ambassadors import backtest, metrics
from tests.ambassadors import community as c
from tests.factories import make_user

C = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)
D = timedelta(days=1)


def test_metrics_by_hand():
    gains = {1: 4.0, 2: 1.0, 3: 3.0}
    ranking = [2, 1, 4, 5, 3]
    assert metrics.precision_at_k(ranking, {1, 3}, 2) == 0.5
    assert metrics.ndcg_at_k([1, 3, 2], gains, 3) == pytest.approx(1.0)
    assert metrics.ndcg_at_k(ranking, {}, 3) == 0.0


@pytest.fixture
def history(db):
    joined = C - 100 * D
    q = make_user(db, username="asker", created_at=joined)
    h1, h2, h3, h4 = (make_user(db, username=f"helper{n}", created_at=joined) for n in (1, 2, 3, 4))
    v = make_user(db, username="voter", created_at=joined)
    cat = c.category(db, joined)
    before = [c.ask(db, cat, q, C - 30 * D)[0] for _ in range(8)]
    for topic in before[:5]:
        c.answer(db, topic, h2, C - 20 * D)
    for topic in before[5:7]:
        c.answer(db, topic, h1, C - 20 * D)
    c.answer(db, before[7], h4, C - 20 * D)
    c.ask(db, cat, h3, C - 10 * D)
    after = [c.ask(db, cat, q, C + D)[0] for _ in range(12)]
    for topic in after[0:4]:
        c.vote(db, v, c.answer(db, topic, h1, C + 2 * D), C + 3 * D)
    c.vote(db, v, c.answer(db, after[4], h2, C + 2 * D), C + 3 * D)
    c.accept(db, after[5], c.answer(db, after[5], h2, C + 2 * D), C + 35 * D)  # accepted after the horizon
    for topic in after[6:9]:
        c.accept(db, topic, c.answer(db, topic, h3, C + 2 * D), C + 4 * D)
    c.vote(db, v, c.answer(db, after[9], h4, C + 2 * D), C + 40 * D)  # vote after the horizon
    mixed = c.answer(db, after[10], h4, C + 2 * D)
    c.vote(db, v, mixed, C + 3 * D)
    c.vote(db, q, mixed, C + 3 * D, value=-1)
    newcomer = make_user(db, username="newcomer", created_at=C + D)
    c.vote(db, v, c.answer(db, after[11], newcomer, C + 2 * D), C + 3 * D)
    return {"q": q, "h1": h1, "h2": h2, "h3": h3, "h4": h4}


def test_backtest_matches_hand_computed_precision_and_ndcg(db, settings, history):
    result = backtest.run(db, settings, C, 30)
    assert result.pool_size == 5  # asker and helper1-4; the voter never posted, the newcomer came later
    assert result.relevant == 2  # helper1 (4 helpful answers) and helper3 (3 accepted)
    # answers before the cutoff: helper2 5, helper1 2, helper4 1, then asker and helper3 (0, by id)
    answers = result.row("answers")
    assert answers.precision == {10: 0.2, 25: 0.08, 50: 0.04}
    dcg = 1 / math.log2(2) + 4 / math.log2(3) + 3 / math.log2(6)
    ideal = 4 / math.log2(2) + 3 / math.log2(3) + 1 / math.log2(4)
    assert answers.ndcg[10] == pytest.approx(dcg / ideal)
    assert [row.method for row in result.rows] == [
        "helper", "moderator", "ambassador", "labs", "karma", "posts", "answers", "accepted", "recent_answers", "tl3_like", "random",
    ]
    csv = backtest.as_csv(result).splitlines()
    assert csv[0] == "method,P@10,P@25,P@50,NDCG@10,NDCG@25,NDCG@50"
    assert csv[7] == f"answers,0.200,0.080,0.040,{dcg / ideal:.3f},{dcg / ideal:.3f},{dcg / ideal:.3f}"


def test_baselines_rank_from_data_before_the_cutoff_only(db, history):
    # helper1 wrote 2 answers before the cutoff and 4 after; read past the cutoff, they would lead
    rankings = backtest.baseline_rankings(db, C, {m.id for m in history.values()})
    assert rankings["answers"] == [history[k].id for k in ("h2", "h1", "h4", "q", "h3")]
    assert rankings["random"] == backtest.baseline_rankings(db, C, {m.id for m in history.values()})["random"]
