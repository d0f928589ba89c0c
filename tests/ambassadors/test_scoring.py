"""Scoring runs: deterministic, bounded 0-100, monotone in good signals, penalties stated openly,
opted-out members left out, and runs never overwritten."""

from __future__ import annotations

import json
import random

import numpy as np
from sqlalchemy import select

from app.ambassadors import scoring
from app.ambassadors.models import PROFILES, MemberScore, ScoringRun
from app.ambassadors.service import run_scoring
from app.ambassadors.signals import FEATURES
from tests.ambassadors.conftest import NOW


def _scores(db, run_id):
    rows = db.execute(
        select(MemberScore.user_id, MemberScore.profile, MemberScore.score, MemberScore.rank, MemberScore.explanation)
        .where(MemberScore.run_id == run_id)
    )
    return {(row.user_id, row.profile): (row.score, row.rank, row.explanation) for row in rows}


def test_same_inputs_give_the_same_scores_and_runs_are_kept(db, settings, town):
    first = run_scoring(db, settings, NOW)
    second = run_scoring(db, settings, NOW)
    assert first.id != second.id
    assert _scores(db, first.id) == _scores(db, second.id)
    assert db.scalar(select(ScoringRun).where(ScoringRun.id == first.id)).member_count == len(town)
    assert all(0 <= score <= 100 for score, _rank, _why in _scores(db, first.id).values())
    assert set(json.loads(first.models)) == set(PROFILES)
    assert json.loads(first.parameters)["ambassador_window_days"] == 90


def test_the_helper_leads_and_the_propped_up_member_is_penalised_openly(db, settings, town):
    run = run_scoring(db, settings, NOW)
    scores = _scores(db, run.id)
    alice_score, alice_rank, alice_why = scores[(town["alice"].id, "helper")]
    assert alice_rank == 1 and alice_score == 100
    reasons = json.loads(alice_why)
    assert 1 <= len(reasons) <= 5 and all(item["effect"] in ("lifts", "lowers") for item in reasons)
    frank_score, _rank, frank_why = scores[(town["frank"].id, "helper")]
    penalties = {item["signal"]: item for item in json.loads(frank_why) if item["effect"] == "penalty"}
    assert set(penalties) == {"vote_concentration", "karma_reversed"}
    assert penalties["vote_concentration"]["value"] == 92
    assert penalties["karma_reversed"]["points"] == 16  # 10 + 30 // 5
    assert frank_score < alice_score


def test_opted_out_members_are_never_scored(db, settings, town):
    town["alice"].ambassador_opt_out = True
    db.flush()
    run = run_scoring(db, settings, NOW)
    assert all(user_id != town["alice"].id for user_id, _profile in _scores(db, run.id))
    ranks = sorted(rank for (user_id, profile), (_s, rank, _w) in _scores(db, run.id).items() if profile == "helper")
    assert ranks == list(range(1, len(town)))  # ranks close the gap she leaves


def _random_history(seed: int, rows: int = 400):
    rng = np.random.default_rng(seed)
    features = rng.poisson(2.0, size=(rows, len(FEATURES))).astype(float)
    accepted = FEATURES.index("accepted")
    target = rng.poisson(0.5 + features[:, accepted])
    return features, target.astype(float)


def test_a_trained_model_is_monotone_in_accepted_answers():
    features, target = _random_history(1)
    model = scoring.fit_profile("helper", features, target, features, min_positive=10)
    assert model.trained and np.all(model.coef >= 0) and model.weights()["accepted"] > 0
    column = FEATURES.index("accepted")
    rng = random.Random(3)
    for _ in range(200):
        row = features[rng.randrange(len(features))].copy()
        more = row.copy()
        more[column] += rng.randint(1, 5)
        assert model.predict(more[None, :])[0] >= model.predict(row[None, :])[0]


def test_short_history_uses_the_documented_default_weights():
    features, target = _random_history(2, rows=30)
    model = scoring.fit_profile("helper", features, np.zeros_like(target), features, min_positive=10)
    assert not model.trained
    assert model.weights()["accepted"] == round(3 / sum(scoring.DEFAULT_WEIGHTS["helper"].values()), 4)
    again = scoring.fit_profile("helper", features, np.zeros_like(target), features, min_positive=10)
    assert np.array_equal(model.predict(features), again.predict(features))


def test_an_empty_community_gives_an_empty_run(db, settings):
    run = run_scoring(db, settings, NOW)
    assert run.member_count == 0 and _scores(db, run.id) == {}
    assert not any(info["trained"] for info in json.loads(run.models).values())


def test_the_reduced_fit_finds_the_full_non_negative_least_squares_solution():
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(7)
    features = np.abs(rng.normal(size=(4000, len(FEATURES))))
    features[:, 3] = 0  # a signal nobody has
    features[:, 5] = 2 * features[:, 4]  # two signals that always move together
    labels = features @ rng.uniform(-1, 1, len(FEATURES)) + rng.normal(size=4000)
    model = scoring.fit_profile("helper", features, np.abs(labels), features, min_positive=1)
    reference = LinearRegression(positive=True).fit(scoring.signed_log(features), np.log1p(np.abs(labels)))
    assert np.allclose(model.coef, reference.coef_, atol=1e-8)
    assert np.isclose(model.intercept, reference.intercept_, atol=1e-8)
    assert np.all(model.coef >= 0)
