"""Ranking quality: precision@k and NDCG@k (graded by a count per member), in plain Python.

Rankings come from scores, and scores tie (most members of a pool have no answers at all). The
`expected_*` functions give the exact expectation over every random order of tied members: a
position inside a block of tied members holds each of them with equal probability, so its
expected gain is the block's mean gain. Nothing depends on member ids or on one shuffle.
"""

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


def expected_position_gains(scores: dict[int, float], pool, gains: dict[int, float], k: int) -> list[float]:
    """The expected gain at each of the first k positions when `pool` is ranked by score (higher
    first; a member without a score counts 0) and tied members are ordered at random."""
    ordered = sorted(pool, key=lambda m: -scores.get(m, 0.0))
    expected: list[float] = []
    start = 0
    while start < len(ordered) and start < k:
        value = scores.get(ordered[start], 0.0)
        end = start
        while end < len(ordered) and scores.get(ordered[end], 0.0) == value:
            end += 1
        mean = sum(gains.get(m, 0.0) for m in ordered[start:end]) / (end - start)
        expected.extend([mean] * (min(end, k) - start))
        start = end
    return expected


def expected_ndcg_at_k(scores: dict[int, float], pool, gains: dict[int, float], k: int) -> float:
    """NDCG@k of the score order, averaged exactly over random orders of tied members."""
    ideal = dcg(sorted((gains.get(m, 0.0) for m in pool), reverse=True)[:k])
    if ideal <= 0:
        return 0.0
    return dcg(expected_position_gains(scores, pool, gains, k)) / ideal


def expected_precision_at_k(scores: dict[int, float], pool, relevant: set[int], k: int) -> float:
    """Precision@k of the score order, averaged exactly over random orders of tied members."""
    if k <= 0:
        return 0.0
    hits = {m: 1.0 for m in relevant}
    return sum(expected_position_gains(scores, pool, hits, k)) / k


def top_chances(scores: dict[int, float], pool, n: int) -> dict[int, float]:
    """Each member's chance to be among the first n of the score order when tied members are
    ordered at random (members left out have no chance)."""
    ordered = sorted(pool, key=lambda m: -scores.get(m, 0.0))
    chances: dict[int, float] = {}
    start = 0
    while start < len(ordered) and start < n:
        value = scores.get(ordered[start], 0.0)
        end = start
        while end < len(ordered) and scores.get(ordered[end], 0.0) == value:
            end += 1
        share = (min(end, n) - start) / (end - start)
        for member in ordered[start:end]:
            chances[member] = share
        start = end
    return chances


def expected_found(scores: dict[int, float], pool, gains: dict[int, float], n: int) -> float:
    """How many of the n members with the most gain the score order puts in its first n, expected
    over random orders of tied members on both sides."""
    mine, truth = top_chances(scores, pool, n), top_chances(gains, pool, n)
    return sum(chance * truth.get(member, 0.0) for member, chance in mine.items())
