"""The backtest: had we scored at `cutoff`, how well would we have found who helped most afterwards?

Protocol (issue 13): pool = members with at least one question, answer or comment before the
cutoff; ground truth = answers each pool member posted in [cutoff, cutoff + horizon) to other
members' questions (a question whose author was deleted is another member's) that were accepted or
reached net score >= 1 counting only votes inside the horizon; relevant when >= 3. Metrics:
precision@k and NDCG@k (graded by that count) for k = 10, 25, 50, each the exact expectation over
random orders of tied members (see `metrics`), for every method alike. Every profile and every
baseline ranks the same pool from data before the cutoff only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.accounts import queries as accounts_queries
from app.ambassadors import metrics, training
from app.ambassadors.models import PROFILES
from app.forum import queries as forum_queries
from app.karma import queries as karma_queries

KS = (10, 25, 50)
RELEVANT_AT = 3
BASELINES = ("karma", "posts", "answers", "accepted", "recent_answers", "decayed_answers", "tl3_like", "random")
HEADER = ("method", "P@10", "P@25", "P@50", "NDCG@10", "NDCG@25", "NDCG@50")
RECENT_DAYS = 90
DECAY_DAYS = 30.0
# Discourse's trust level 3 (TrustLevel3Requirements with the default site settings): over the
# last tl3_time_period = 100 days, visits on 50 days, replies in 10 distinct topics, 30 likes
# given, 20 likes received, on ceil(20 / 3) = 7 distinct days, from ceil(20 / 4) = 5 distinct
# members. The reading parts (topics viewed, posts read) and the flag and suspension gates are not
# in imported data; DESIGN.md lists them. tl3_like ranks by progress toward the parts it has.
TL3_DAYS = 100
TL3_REQUIREMENTS = {
    "visit_days": 50, "topics_replied": 10, "likes_given": 30,
    "likes_received": 20, "likes_received_days": 7, "likes_received_users": 5,
}


@dataclass(frozen=True)
class BacktestRow:
    """One method's quality: precision and NDCG at each k."""

    method: str
    precision: dict[int, float]
    ndcg: dict[int, float]

    def cells(self) -> list[str]:
        """The row as formatted cells in HEADER order."""
        return [self.method] + [f"{self.precision[k]:.3f}" for k in KS] + [f"{self.ndcg[k]:.3f}" for k in KS]


@dataclass(frozen=True)
class BacktestResult:
    """The whole table for one cutoff and horizon."""

    cutoff: datetime
    horizon_days: int
    pool_size: int
    relevant: int
    rows: list[BacktestRow]

    def row(self, method: str) -> BacktestRow:
        """The row of one method."""
        return next(row for row in self.rows if row.method == method)

    def best_baseline(self, k: int = 25) -> BacktestRow:
        """The baseline with the highest NDCG@k here (chosen after the fact)."""
        return max((self.row(name) for name in BASELINES if name != "random"), key=lambda row: row.ndcg[k])


def tl3_progress(values: dict[str, float]) -> float:
    """Progress toward the TL3 rule: each requirement's share met (capped at 1), plus 1 when all are met."""
    parts = [min(1.0, values.get(name, 0.0) / need) for name, need in TL3_REQUIREMENTS.items()]
    return sum(parts) + (1.0 if all(part >= 1.0 for part in parts) else 0.0)


def decayed(times: list[datetime], now: datetime, days: float = DECAY_DAYS) -> float:
    """Sum of exp(-age / days) over events at `times` before `now`."""
    return sum(math.exp(-(now - at).total_seconds() / 86400 / days) for at in times)


def baseline_scores(session: Session, cutoff: datetime, pool: set[int], only=BASELINES) -> dict[str, dict[int, float]]:
    """Each baseline's score of the pool members, from data before the cutoff only (higher is better);
    `only`: the baselines wanted (each runs only the statements it needs)."""
    all_time = cache(lambda: forum_queries.post_activity_by_member(session, None, cutoff))
    since = cutoff - timedelta(days=TL3_DAYS)

    def posts() -> dict[int, float]:
        questions, answers = all_time()["questions"], all_time()["all_answers"]
        return {m: questions.get(m, 0) + answers.get(m, 0) for m in pool}

    def tl3_like() -> dict[int, float]:
        received = forum_queries.votes_received_by_member(session, since, cutoff)
        tl3_parts = {
            "visit_days": accounts_queries.visit_stats(session, since, cutoff)["days"],
            "topics_replied": forum_queries.post_activity_by_member(session, since, cutoff)["topics_replied"],
            "likes_given": forum_queries.upvotes_given_by_member(session, since, cutoff),
            "likes_received": received["up"],
            "likes_received_days": forum_queries.upvote_days_by_member(session, since, cutoff),
            "likes_received_users": received["upvoters"],
        }
        return {m: tl3_progress({name: part.get(m, 0) for name, part in tl3_parts.items()}) for m in pool}

    def decayed_answers() -> dict[int, float]:
        return {m: decayed(times, cutoff) for m, times in forum_queries.answer_times_by_member(session, cutoff).items()}

    rules = {
        "karma": lambda: karma_queries.karma_before(session, cutoff),
        "posts": posts,
        "answers": lambda: all_time()["all_answers"],
        "accepted": lambda: forum_queries.accepted_answers_by_member(session, None, cutoff),
        "recent_answers": lambda: forum_queries.post_activity_by_member(session, cutoff - timedelta(days=RECENT_DAYS), cutoff)["all_answers"],
        "decayed_answers": decayed_answers,
        "tl3_like": tl3_like,
        "random": dict,
    }
    return {name: rules[name]() for name in BASELINES if name in only}


def quality_row(method: str, scores: dict[int, float], pool: set[int], gains: dict[int, float]) -> BacktestRow:
    """One method's expected precision@k and NDCG@k over random orders of its tied members."""
    relevant = {m for m, gain in gains.items() if gain >= RELEVANT_AT}
    return BacktestRow(
        method,
        {k: metrics.expected_precision_at_k(scores, pool, relevant, k) for k in KS},
        {k: metrics.expected_ndcg_at_k(scores, pool, gains, k) for k in KS},
    )


def run(session: Session, settings, cutoff: datetime, horizon_days: int, progress=None, prior=None) -> BacktestResult:
    """The full backtest table: every profile, then every baseline (`prior`: other helper weights)."""
    pool = forum_queries.members_who_posted_before(session, cutoff)
    helpful = forum_queries.helpful_answers_by_member(session, cutoff, cutoff + timedelta(days=horizon_days))
    gains = {m: float(helpful.get(m, 0)) for m in pool}
    scored = training.score(session, settings, cutoff, with_quality=False, prior=prior)
    if progress:
        progress("profiles")
    rows = [quality_row(profile, scored.scores[profile], pool, gains) for profile in PROFILES]
    scores = baseline_scores(session, cutoff, pool)
    if progress:
        progress("baselines")
    rows += [quality_row(name, scores[name], pool, gains) for name in BASELINES]
    return BacktestResult(cutoff, horizon_days, len(pool), sum(1 for g in gains.values() if g >= RELEVANT_AT), rows)


def as_csv(result: BacktestResult) -> str:
    """One CSV line per method under the header of issue 7."""
    return "\n".join([",".join(HEADER)] + [",".join(row.cells()) for row in result.rows]) + "\n"
