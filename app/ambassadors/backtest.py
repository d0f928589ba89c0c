"""The backtest: had we scored at `cutoff`, how well would we have found who helped most afterwards?

Protocol (issue 7): pool = members with at least one question, answer or comment before the
cutoff; ground truth = answers each pool member posted in [cutoff, cutoff + horizon) to other
members' questions that were accepted or reached net score >= 1 counting only votes inside the
horizon; relevant when >= 3. Metrics: precision@k and NDCG@k (graded by that count) for k = 10,
25, 50. Every profile and every baseline ranks the same pool from data before the cutoff only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.accounts import queries as accounts_queries
from app.ambassadors import metrics, training
from app.ambassadors.models import PROFILES
from app.forum import queries as forum_queries
from app.karma import queries as karma_queries

KS = (10, 25, 50)
RELEVANT_AT = 3
BASELINES = ("karma", "posts", "answers", "accepted", "recent_answers", "tl3_like", "random")
HEADER = ("method", "P@10", "P@25", "P@50", "NDCG@10", "NDCG@25", "NDCG@50")
# Discourse's trust level 3 asks, over the last 100 days: visits on half the days, replies to 10
# topics, 20 likes received on at least 7 distinct days. tl3_like ranks by progress toward those.
TL3_DAYS = 100
TL3_REQUIREMENTS = {"visit_days": 50, "topics_replied": 10, "upvotes": 20, "upvote_days": 7}


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


def _order(pool: set[int], values: dict[int, float]) -> list[int]:
    return sorted(pool, key=lambda m: (-values.get(m, 0.0), m))


def tl3_progress(visit_days: float, topics_replied: float, upvotes: float, upvote_days: float) -> float:
    """Progress toward the TL3-like rule: 1 point per requirement met in full, fractions otherwise,
    plus 1 when all are met."""
    values = {"visit_days": visit_days, "topics_replied": topics_replied, "upvotes": upvotes, "upvote_days": upvote_days}
    parts = [min(1.0, values[name] / need) for name, need in TL3_REQUIREMENTS.items()]
    return sum(parts) + (1.0 if all(part >= 1.0 for part in parts) else 0.0)


def baseline_rankings(session: Session, cutoff: datetime, pool: set[int]) -> dict[str, list[int]]:
    """Each baseline's ranking of the pool, from data before the cutoff only."""
    all_time = forum_queries.post_activity_by_member(session, None, cutoff)
    recent = forum_queries.post_activity_by_member(session, cutoff - timedelta(days=90), cutoff)
    tl3_since = cutoff - timedelta(days=TL3_DAYS)
    tl3_posts = forum_queries.post_activity_by_member(session, tl3_since, cutoff)
    tl3_votes = forum_queries.votes_received_by_member(session, tl3_since, cutoff)
    tl3_vote_days = forum_queries.upvote_days_by_member(session, tl3_since, cutoff)
    tl3_visits = accounts_queries.visit_stats(session, tl3_since, cutoff)
    tl3 = {
        m: tl3_progress(tl3_visits["days"].get(m, 0), tl3_posts["topics_replied"].get(m, 0),
                        tl3_votes["up"].get(m, 0), tl3_vote_days.get(m, 0))
        for m in pool
    }
    shuffled = sorted(pool)
    random.Random(cutoff.toordinal()).shuffle(shuffled)
    return {
        "karma": _order(pool, karma_queries.karma_before(session, cutoff)),
        "posts": _order(pool, all_time["posts"]),
        "answers": _order(pool, all_time["answers"]),
        "accepted": _order(pool, forum_queries.accepted_answers_by_member(session, None, cutoff)),
        "recent_answers": _order(pool, recent["answers"]),
        "tl3_like": _order(pool, tl3),
        "random": shuffled,
    }


def _row(method: str, ranking: list[int], gains: dict[int, float]) -> BacktestRow:
    relevant = {m for m, gain in gains.items() if gain >= RELEVANT_AT}
    return BacktestRow(
        method,
        {k: metrics.precision_at_k(ranking, relevant, k) for k in KS},
        {k: metrics.ndcg_at_k(ranking, gains, k) for k in KS},
    )


def run(session: Session, settings, cutoff: datetime, horizon_days: int, progress=None) -> BacktestResult:
    """The full backtest table: every profile, then every baseline."""
    pool = forum_queries.members_who_posted_before(session, cutoff)
    helpful = forum_queries.helpful_answers_by_member(session, cutoff, cutoff + timedelta(days=horizon_days))
    gains = {m: float(helpful.get(m, 0)) for m in pool}
    scored = training.score(session, settings, cutoff, with_quality=False)
    if progress:
        progress("profiles")
    rows = [_row(profile, scored.ranking(profile, members=pool), gains) for profile in PROFILES]
    rankings = baseline_rankings(session, cutoff, pool)
    if progress:
        progress("baselines")
    rows += [_row(name, rankings[name], gains) for name in BASELINES]
    return BacktestResult(cutoff, horizon_days, len(pool), sum(1 for g in gains.values() if g >= RELEVANT_AT), rows)


def as_csv(result: BacktestResult) -> str:
    """One CSV line per method under the header of issue 7."""
    return "\n".join([",".join(HEADER)] + [",".join(row.cells()) for row in result.rows]) + "\n"
