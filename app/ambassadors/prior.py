"""The helper profile's shipped weights: one model fitted across several public communities.

Per-community learning was measured against this on the six public Stack Exchange communities
(DESIGN.md, "Helper model"): fitted with each community held out, these weights ranked that
community's future helpers better than a model learned on its own short history, so the helper
profile always uses them. They are refitted with `hearth backtest --splits FILE --fit-prior`,
which prints the dict below from `training_rows` of every listed site.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.ambassadors.signals import FEATURES, snapshot_of
from app.ambassadors.timeline import Timeline
from app.forum import queries as forum_queries

PRIOR_STEP_DAYS, PRIOR_HORIZON_DAYS = 30, 60
# Only signals that mean the same on every forum: counts of posts and of what became of them.
# Visits (imported ones are days with activity, live ones real visits), votes given (Stack
# Exchange publishes no voters), ideas, flags and edits differ between imported and live data.
PRIOR_SIGNALS = (
    "answers_7d", "answers_30d", "answers_90d", "helpful_30d", "helpful_90d", "helpful_all", "answers",
    "answers_all", "accepted_all", "topics_30d", "comments_30d", "active_days_30d", "active_days_90d",
    "first_post_days",
)

# Non-negative weights on sign(x)·log(1 + |x|) of each signal; signals not named weigh 0.
# Fitted on beer, cardano, coffee, ai, sustainability and italian (Stack Exchange, 2026-12-03).
HELPER_PRIOR: dict[str, float] = {
    "answers_7d": 0.391611, "answers_90d": 0.014726, "helpful_30d": 0.216384, "accepted_all": 0.024361,
    "comments_30d": 0.066439, "active_days_30d": 0.068456, "active_days_90d": 0.042584, "first_post_days": 0.02757,
}


def _span(session: Session) -> tuple[datetime | None, datetime | None]:
    from app.forum.models import Post

    return session.execute(select(func.min(Post.created_at), func.max(Post.created_at))).one()


def training_rows(session: Session, settings) -> tuple[np.ndarray, np.ndarray]:
    """Features (model orientation, FEATURES order) and helpful-answer labels of every member who
    had posted, at cutoffs every PRIOR_STEP_DAYS days, each labelled by the PRIOR_HORIZON_DAYS after it."""
    from app.ambassadors import scoring

    first, last = _span(session)
    if first is None:
        return np.zeros((0, len(FEATURES))), np.zeros(0)
    step, horizon = timedelta(days=PRIOR_STEP_DAYS), timedelta(days=PRIOR_HORIZON_DAYS)
    features, labels = [], []
    for offset in range(horizon // step):
        cutoffs = []
        moment = first + step * (offset + 1)
        while moment + horizon <= last:
            cutoffs.append(moment)
            moment += horizon
        if not cutoffs:
            continue
        bounds = (*cutoffs, cutoffs[-1] + horizon)
        timeline = Timeline(session, cutoffs, settings.ambassador_window_days, settings.journey_regular_window_days,
                            label_bounds=bounds)
        for start, end in zip(bounds, bounds[1:]):
            snapshot = snapshot_of(timeline.facts_at(start))
            pool = forum_queries.members_who_posted_before(session, start)
            keep = [i for i, member in enumerate(snapshot.member_ids) if member in pool]
            if len(keep) < 5:
                continue
            helpful = timeline.labels(start, end)["helper"]
            features.append(scoring.features_of(snapshot.matrix[keep]))
            labels.append(np.array([helpful.get(snapshot.member_ids[i], 0.0) for i in keep]))
    if not features:
        return np.zeros((0, len(FEATURES))), np.zeros(0)
    return np.vstack(features), np.concatenate(labels)
