"""The backtest on a small hand-built history: pool, ground truth and metrics match hand computation."""

from __future__ import annotations

import itertools
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


def test_expected_metrics_equal_the_mean_over_every_order_of_tied_members():
    scores = {1: 2.0, 2: 1.0, 3: 1.0, 4: 1.0, 5: 0.0}  # member 6 has no score: tied with member 5 at 0
    pool = {1, 2, 3, 4, 5, 6}
    gains = {1: 0.0, 2: 5.0, 3: 0.0, 4: 1.0, 5: 0.0, 6: 3.0}
    orders = [[1, *middle, *tail] for middle in itertools.permutations([2, 3, 4]) for tail in itertools.permutations([5, 6])]
    for k in (1, 2, 3, 5):
        mean_ndcg = sum(metrics.ndcg_at_k(order, gains, k) for order in orders) / len(orders)
        mean_precision = sum(metrics.precision_at_k(order, {2, 6}, k) for order in orders) / len(orders)
        assert metrics.expected_ndcg_at_k(scores, pool, gains, k) == pytest.approx(mean_ndcg)
        assert metrics.expected_precision_at_k(scores, pool, {2, 6}, k) == pytest.approx(mean_precision)
    # No scores at all is the random ranking: every position holds the mean gain.
    assert metrics.expected_position_gains({}, pool, gains, 3) == [1.5, 1.5, 1.5]
    # "Finds x of the n who helped most" (the candidates pages): ties broken at random on both sides.
    truth_orders = [[2, 6, 4, *rest] for rest in itertools.permutations([1, 3, 5])]
    for n in (1, 2, 3, 4):
        found = [len(set(order[:n]) & set(truth[:n])) for order in orders for truth in truth_orders]
        assert metrics.expected_found(scores, pool, gains, n) == pytest.approx(sum(found) / len(found))


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
    # answers before the cutoff: helper2 5, helper1 2, helper4 1, then asker and helper3 tied at 0,
    # so each of positions 4 and 5 holds helper3's gain (3) half the time
    answers = result.row("answers")
    assert answers.precision == pytest.approx({10: 0.2, 25: 0.08, 50: 0.04})
    dcg = 1 / math.log2(2) + 4 / math.log2(3) + 1.5 / math.log2(5) + 1.5 / math.log2(6)
    ideal = 4 / math.log2(2) + 3 / math.log2(3) + 1 / math.log2(4)
    assert answers.ndcg[10] == pytest.approx(dcg / ideal)
    assert [row.method for row in result.rows] == [
        "helper", "moderator", "ambassador", "labs", "karma", "posts", "answers", "accepted", "recent_answers", "decayed_answers",
        "tl3_like", "random",
    ]
    csv = backtest.as_csv(result).splitlines()
    assert csv[0] == "method,P@10,P@25,P@50,NDCG@10,NDCG@25,NDCG@50"
    assert csv[7] == f"answers,0.200,0.080,0.040,{dcg / ideal:.3f},{dcg / ideal:.3f},{dcg / ideal:.3f}"


def test_baselines_rank_from_data_before_the_cutoff_only(db, settings, history):
    # helper1 wrote 2 answers before the cutoff and 4 after; read past the cutoff, they would lead
    pool = {m.id for m in history.values()}
    scores = backtest.baseline_scores(db, C, pool)
    assert {m: scores["answers"].get(history[m].id, 0) for m in ("h2", "h1", "h4", "q", "h3")} == {
        "h2": 5, "h1": 2, "h4": 1, "q": 0, "h3": 0}
    # posts are questions plus answers: the asker's 8 questions before the cutoff, helper3's 1
    assert scores["posts"][history["q"].id] == 8 and scores["posts"][history["h3"].id] == 1
    # all answers 20 days old: weight exp(-20/30) each
    assert scores["decayed_answers"][history["h2"].id] == pytest.approx(5 * math.exp(-20 / 30))
    assert scores["random"] == {}
    random_row = backtest.run(db, settings, C, 30).row("random")
    mean_gain = (4 + 1 + 3 + 0 + 0) / 5
    ideal = 4 / math.log2(2) + 3 / math.log2(3) + 1 / math.log2(4)
    assert random_row.ndcg[10] == pytest.approx(sum(mean_gain / math.log2(p + 2) for p in range(5)) / ideal)


def test_an_answer_to_a_deleted_members_question_is_an_answer_to_another_member(db, settings, history):
    cat = c.category(db, C - 50 * D)
    gone = make_user(db, username="gone", created_at=C - 50 * D)
    before, _ = c.ask(db, cat, gone, C - 5 * D)
    c.answer(db, before, history["h3"], C - 4 * D)
    after = [c.ask(db, cat, gone, C + D)[0] for _ in range(3)]
    for topic in after:
        c.accept(db, topic, c.answer(db, topic, history["h4"], C + 2 * D), C + 3 * D)
    for topic in [before, *after]:
        topic.author_id = None  # the asker's account was deleted (the foreign key sets NULL)
    db.flush()
    result = backtest.run(db, settings, C, 30)
    assert result.relevant == 3  # helper4's three accepted answers now count in the ground truth
    scores = backtest.baseline_scores(db, C, {m.id for m in history.values()})
    assert scores["answers"][history["h3"].id] == 1 and scores["decayed_answers"][history["h3"].id] > 0


def test_the_rules_a_scoring_run_already_holds_equal_the_backtests(db, history):
    from app.ambassadors import honesty
    from app.ambassadors.signals import feature_matrix

    pool = {m.id for m in history.values()}
    topic, _question = c.ask(db, c.category(db, C - 60 * D), history["q"], C - 50 * D)
    c.accept(db, topic, c.answer(db, topic, history["h1"], C - 40 * D), C - 30 * D)  # accepted before the cutoff
    facts = feature_matrix(db, C).facts
    queried = backtest.baseline_scores(db, C, pool)
    from_facts = honesty._rules(db, C, pool, facts=facts)
    assert from_facts["accepted"] == {history["h1"].id: 1}
    for rule in ("decayed_answers", "accepted"):
        assert set(from_facts[rule]) == {m for m, value in queried[rule].items() if value}, rule
        for member, value in queried[rule].items():
            assert from_facts[rule].get(member, 0.0) == pytest.approx(value, rel=1e-6), (rule, member)
    assert {rule: values for rule, values in from_facts.items() if rule not in ("decayed_answers", "accepted")} == {
        rule: values for rule, values in queried.items() if rule in honesty.RULE_NAMES and rule not in ("decayed_answers", "accepted")}
