"""Ranking quality: precision@k and NDCG@k (graded by a count per member), in plain Python."""

from __future__ import annotations

import math


def precision_at_k(ranking: list[int], relevant: set[int], k: int) -> float:
    """Share of the top k of `ranking` that are relevant (divided by k, as is usual)."""
    if k <= 0:
        return 0.0
    return sum(1 for member in ranking[:k] if member in relevant) / k


def dcg(gains: list[float]) -> float:
    """Discounted cumulative gain of gains in rank order (rank 1 is undiscounted)."""
    return sum(gain / math.log2(position + 2) for position, gain in enumerate(gains))


def ndcg_at_k(ranking: list[int], gains: dict[int, float], k: int) -> float:
    """DCG of the top k of `ranking` over the best possible DCG of k members (0 when nobody has gain)."""
    ideal = dcg(sorted(gains.values(), reverse=True)[:k])
    if ideal <= 0:
        return 0.0
    return dcg([gains.get(member, 0.0) for member in ranking[:k]]) / ideal
