"""From history to scores: snapshots at past cutoffs, per-profile models, scores with penalties and
explanations. Training for a moment `now` only ever reads data before `now`; the quality check
trains on cutoffs before the first one and evaluates there, so it never sees its own answers."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session
from threadpoolctl import threadpool_limits

from app.ambassadors import explain, metrics, scoring
from app.ambassadors.models import PROFILES
from app.ambassadors.prior import HELPER_PRIOR
from app.ambassadors.signals import PENALTIES, SIGNALS, Snapshot, snapshot_of
from app.ambassadors.timeline import Timeline
from app.forum import queries as forum_queries


@dataclass
class History:
    """One past cutoff: the snapshot then and what members did in the horizon after it."""

    cutoff: datetime
    snapshot: Snapshot
    labels: dict[str, dict[int, float] | None]


@dataclass
class Scored:
    """Scores of every member of a snapshot, per profile, with models, explanations and timings."""

    snapshot: Snapshot
    models: dict[str, scoring.ProfileModel]
    scores: dict[str, dict[int, float]]
    explanations: dict[str, dict[int, list[dict]]]
    penalties: dict[int, dict[str, int]]
    medians: dict[str, float]
    quality: dict[str, dict] = field(default_factory=dict)
    windows: dict = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    # In memory only: the quality check's pool, truth and raw outputs per profile (see quality()).
    evaluation: dict = field(default_factory=dict)

    def ranking(self, profile: str, members=None) -> list[int]:
        """Member ids from the best score down (ties by id), optionally only those in `members`."""
        scores = self.scores[profile]
        ids = [m for m in scores if members is None or m in members]
        return sorted(ids, key=lambda m: (-scores[m], m))


def _aligned(member_ids, values: dict[int, float]) -> list[float]:
    return [values.get(member, 0.0) for member in member_ids]


def _penalties(snapshot: Snapshot, concentration_share: float) -> dict[int, dict[str, int]]:
    """Each member's penalty points (explain.penalty_points), read only for members with a penalty signal."""
    columns = [snapshot.names.index(name) for name in PENALTIES]
    found: dict[int, dict[str, int]] = {member: {} for member in snapshot.member_ids}
    for row in np.flatnonzero(np.any(snapshot.matrix[:, columns] != 0, axis=1)).tolist():
        member = snapshot.member_ids[row]
        found[member] = explain.penalty_points(snapshot.as_dict(member), concentration_share)
    return found


def timeline_for(session: Session, settings, now: datetime) -> tuple[Timeline, list[datetime]]:
    """One Timeline serving `now` and every training cutoff now - k*horizon (k = 1..cutoffs)."""
    horizon = timedelta(days=settings.ambassador_horizon_days)
    cutoffs = [now - k * horizon for k in range(1, settings.ambassador_training_cutoffs + 1)]
    timeline = Timeline(session, [now, *cutoffs], settings.ambassador_window_days,
                        settings.journey_regular_window_days, label_bounds=tuple(sorted([*cutoffs, now])))
    return timeline, cutoffs


def history(timeline: Timeline, cutoffs: list[datetime]) -> list[History]:
    """Snapshots at each cutoff (newest first) with labels from the horizon after each."""
    found, bounds = [], timeline.label_bounds
    for cutoff in cutoffs:
        snapshot = snapshot_of(timeline.facts_at(cutoff))
        if not snapshot.member_ids:
            break
        found.append(History(cutoff, snapshot, timeline.labels(cutoff, bounds[bounds.index(cutoff) + 1])))
    return found


def fit(profile: str, past: list[History], current_x, min_positive: int, prior: dict[str, float] | None = None) -> scoring.ProfileModel:
    """Fit one profile on the pooled labelled snapshots (default weights when labels are missing);
    the helper profile uses the weights fitted across communities (prior.HELPER_PRIOR, or `prior`)."""
    weights = prior if prior is not None else HELPER_PRIOR
    if profile == "helper" and weights:
        return scoring.prior_model(profile, weights)
    if not past or any(item.labels[profile] is None for item in past):
        return scoring.fit_profile(profile, scoring.features_of(np.zeros((0, len(SIGNALS)))), None, current_x, min_positive)
    features = np.vstack([scoring.features_of(item.snapshot.matrix) for item in past])
    targets = [value for item in past for value in _aligned(item.snapshot.member_ids, item.labels[profile])]
    return scoring.fit_profile(profile, features, scoring.as_targets(targets), current_x, min_positive)


def quality(session: Session, settings, past: list[History], k: int = 25, keep: dict | None = None, prior=None) -> dict[str, dict]:
    """Backtest each profile at the newest past cutoff, trained only on the cutoffs before it.

    `keep` receives the pool, the cutoff and, per profile, (raw output by member, truth by member),
    so the run can compare the profile with the simple rules on the same ground (ambassadors.honesty)."""
    if len(past) < 2:
        return {profile: {"evaluated": False} for profile in PROFILES}
    newest, older = past[0], past[1:]
    pool = forum_queries.members_who_posted_before(session, newest.cutoff)
    features = scoring.features_of(newest.snapshot.matrix)
    result = {}
    for profile in PROFILES:
        truth = newest.labels[profile]
        if truth is None:
            result[profile] = {"evaluated": False}
            continue
        model = fit(profile, older, features, settings.ambassador_min_positive, prior)
        raw = model.predict(features).tolist()
        by = {m: r for m, r in zip(newest.snapshot.member_ids, raw)}
        order = sorted((m for m in newest.snapshot.member_ids if m in pool), key=lambda m: (-by[m], m))
        gains = {m: truth.get(m, 0.0) for m in pool}
        if keep is not None:
            keep.update(pool=pool, cutoff=newest.cutoff)
            keep[profile] = ({m: by[m] for m in order}, gains)
        result[profile] = {
            "evaluated": True,
            "cutoff": newest.cutoff.isoformat(),
            "trained": model.trained,
            "source": model.source,
            f"ndcg@{k}": round(metrics.ndcg_at_k(order, gains, k), 4),
            f"p@{k}": round(metrics.precision_at_k(order, {m for m, g in gains.items() if g >= 3}, k), 4),
        }
    return result


# One BLAS thread: the matrices are a few dozen columns wide, so threads buy little, and on a
# server whose cores are busy serving pages OpenBLAS's spinning threads made a run several times slower.
@threadpool_limits.wrap(limits=1, user_api="blas")
def score(session: Session, settings, now: datetime, *, with_quality: bool = True, prior=None) -> Scored:
    """Everything a scoring run computes for the moment `now`."""
    started = time.perf_counter()
    timeline, cutoffs = timeline_for(session, settings, now)
    timings = {"queries": time.perf_counter() - started}
    mark = time.perf_counter()
    snapshot = snapshot_of(timeline.facts_at(now))
    timings["signals"] = time.perf_counter() - mark
    mark = time.perf_counter()
    past = history(timeline, cutoffs)
    timings["history"] = time.perf_counter() - mark
    mark = time.perf_counter()
    current_x = scoring.features_of(snapshot.matrix)
    models = {profile: fit(profile, past, current_x, settings.ambassador_min_positive, prior) for profile in PROFILES}
    timings["training"] = time.perf_counter() - mark
    mark = time.perf_counter()
    medians = explain.active_medians(snapshot)
    penalties = _penalties(snapshot, settings.ambassador_concentration_share)
    scores: dict[str, dict[int, float]] = {}
    explanations: dict[str, dict[int, list[dict]]] = {}
    charged = [penalties[member] for member in snapshot.member_ids]
    lost = np.array([sum(points.values()) for points in charged], dtype=float)
    for profile, model in models.items():
        base = scoring.to_0_100(model.predict(current_x))
        pushes = np.zeros(snapshot.matrix.shape)
        pushes[:, scoring.FEATURE_COLUMNS] = model.contributions(current_x)
        said = explain.reasons_of_all(list(snapshot.names), snapshot.matrix, medians, pushes, charged, settings.ambassador_window_days)
        scores[profile] = dict(zip(snapshot.member_ids, (round(value, 2) for value in np.maximum(0.0, base - lost).tolist())))
        explanations[profile] = dict(zip(snapshot.member_ids, said))
    timings["scoring"] = time.perf_counter() - mark
    mark = time.perf_counter()
    evaluation: dict = {}
    checked = quality(session, settings, past, keep=evaluation, prior=prior) if with_quality else {}
    if evaluation:  # the facts at the backtest cutoff already hold some simple rules' values (ambassadors.honesty)
        evaluation["facts"] = past[0].snapshot.facts
    timings["quality"] = time.perf_counter() - mark
    windows = {
        "as_of": now.isoformat(),
        "window_days": settings.ambassador_window_days,
        "horizon_days": settings.ambassador_horizon_days,
        "training_cutoffs": [item.cutoff.isoformat() for item in past],
        "signals": [s.name for s in SIGNALS],
    }
    return Scored(snapshot, models, scores, explanations, penalties, medians, checked, windows,
                  {name: round(value, 4) for name, value in timings.items()}, evaluation)
