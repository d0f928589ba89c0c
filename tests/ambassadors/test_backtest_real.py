"""Issue 13's targets on the six public Stack Exchange communities (17 splits), with the honest
protocol: each site imported through Hearth's importer into its own database (once per test
session), every method scored by its exact expected NDCG@25 over random orders of ties.

What is asserted is what the model reaches (DESIGN.md, "Helper model", gives the table): the
issue's targets (mean helper >= mean per-split best baseline + 0.03, 12 wins of 17, never more
than 0.05 below decayed_answers) are NOT met, and the asserts below say by how much."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from app.ambassadors import backtest, prior
from app.db import make_engine, make_session_factory
from app.importers import stackexchange_backtest as runner
from tests.conftest import START, make_settings

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "stackexchange").is_dir()
        and os.environ.get("CI") != "true",
        reason="the shared datasets folder is not beside the repository",
    ),
]

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "stackexchange"
K = 25
# Baselines defined as in REFERENCE.md (Hearth name -> reference column); tl3_like is defined differently.
SAME_DEFINITION = {"karma": "rep_so_far", "posts": "post_count", "answers": "answer_count",
                   "accepted": "accepted_count", "recent_answers": "recent_answers", "random": "random"}
# Hearth imports Stack Exchange's "Community" account (id -1) as a member; it posted on cardano
# between 2021-08-01 and 2021-09-15, so that pool holds one member more than the reference's.
COMMUNITY_ACCOUNT = {("cardano", "2021-09-15"): 1}


def _reference() -> dict[tuple[str, str], dict[str, float]]:
    lines = (DATASETS / "REFERENCE.md").read_text().splitlines()
    header = next(line for line in lines if line.startswith("| site"))
    names = [cell.strip() for cell in header.strip("|").split("|")]
    found = {}
    for line in lines:
        if re.match(r"\| [a-z]+ \| \d{4}-", line):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            found[(cells[0], cells[1])] = {name: float(value) for name, value in zip(names[2:], cells[2:])}
    return found


@pytest.fixture(scope="module")
def runs(make_database):
    """Each site imported once; its splits backtested with the shipped helper weights and with
    weights fitted on the other five sites only (leave one site out)."""
    from app.importers.stackexchange import import_stackexchange

    splits = runner.read_splits(DATASETS / "splits.json")
    sessions, engines = {}, []
    for site in splits:
        url = make_database()
        engine = make_engine(url)
        engines.append(engine)
        session = make_session_factory(engine)()
        import_stackexchange(session, make_settings(url), DATASETS / site, now=START)
        session.commit()
        sessions[site] = (session, make_settings(url))
    try:
        rows = {site: prior.training_rows(session, settings) for site, (session, settings) in sessions.items()}
        shipped, held_out = [], []
        for site, items in splits.items():
            session, settings = sessions[site]
            weights = runner.fit_prior(rows, leave_out=site)
            for cutoff, horizon in items:
                shipped.append(runner.SplitOutcome(site, backtest.run(session, settings, cutoff, horizon)))
                held_out.append(runner.SplitOutcome(site, backtest.run(session, settings, cutoff, horizon, prior=weights)))
        yield {"shipped": shipped, "held_out": held_out}
    finally:
        for session, _settings in sessions.values():
            session.close()
        for engine in engines:
            engine.dispose()


def _ndcg(outcome, method: str) -> float:
    return outcome.result.row(method).ndcg[K]


def test_pools_relevant_counts_and_baselines_match_the_independent_reference(runs):
    reference = _reference()
    outcomes = runs["shipped"]
    assert len(outcomes) == 17
    for outcome in outcomes:
        key = (outcome.site, f"{outcome.result.cutoff:%Y-%m-%d}")
        expected = reference[key]
        assert outcome.result.pool_size == expected["pool"] + COMMUNITY_ACCOUNT.get(key, 0), key
        assert outcome.result.relevant == expected["relevant"], key
        for ours, theirs in SAME_DEFINITION.items():
            assert abs(_ndcg(outcome, ours) - expected[theirs]) <= 0.02, (key, ours)


def _summary(outcomes) -> dict[str, float]:
    count = len(outcomes)
    return {
        "helper": sum(_ndcg(o, "helper") for o in outcomes) / count,
        "best": sum(o.best.ndcg[K] for o in outcomes) / count,
        "decayed": sum(_ndcg(o, "decayed_answers") for o in outcomes) / count,
        "wins": sum(1 for o in outcomes if o.margin > 0),
        "worst_against_decayed": min(_ndcg(o, "helper") - _ndcg(o, "decayed_answers") for o in outcomes),
    }


def test_helper_profile_on_the_public_splits(runs):
    # Measured: helper 0.625, best baseline of each split 0.631, 10 of 17 won, decayed_answers
    # 0.589; worst split cardano 2021-08-01, 0.100 below decayed_answers. Target missed by
    # 0.036 (mean), 2 wins and 0.050 (worst split).
    found = _summary(runs["shipped"])
    assert found["helper"] >= found["best"] - 0.01, found
    assert found["helper"] >= found["decayed"] + 0.03, found
    assert found["wins"] >= 10, found
    assert found["worst_against_decayed"] >= -0.11, found


def test_every_profile_ranks_above_random_on_every_split(runs):
    # Measured smallest margins over random: moderator +0.138 (ai 2016-12-15), ambassador +0.336
    # (beer 2015-01-01), labs +0.088 (coffee 2016-01-01; with the posting trend in its default
    # weights instead of replies it was 0.047 against random's 0.057 on ai 2016-11-01).
    for outcome in runs["shipped"]:
        for profile in ("helper", "moderator", "ambassador", "labs"):
            assert _ndcg(outcome, profile) >= _ndcg(outcome, "random") + 0.05, (outcome.site, outcome.result.cutoff, profile)


def test_helper_weights_fitted_without_the_site_still_rank_it_well(runs):
    # Leave one site out, measured: 0.624 against 0.631 over 17 splits, 11 won; per site the
    # helper is within 0.05 of the best baseline's average (beer -0.006, cardano -0.006, coffee
    # -0.016, ai -0.047, italian -0.005) and on sustainability above it (+0.038).
    found = _summary(runs["held_out"])
    assert found["helper"] >= found["best"] - 0.01, found
    assert found["helper"] >= found["decayed"] + 0.03, found
    assert found["wins"] >= 10, found
    for site in {o.site for o in runs["held_out"]}:
        mine = [o for o in runs["held_out"] if o.site == site]
        helper, best = _summary(mine)["helper"], _summary(mine)["best"]
        assert helper >= best - 0.05, (site, helper, best)
        if site == "sustainability":
            assert helper >= best, (site, helper, best)
