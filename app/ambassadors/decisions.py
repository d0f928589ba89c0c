"""Learning from decisions: accepted invitations are positive labels, declined invitations and
dismissals negative ones. Each label carries the scoring run that was current when it was made,
so the member's signals are those the manager saw, never later ones. Once a profile has at least
`decisions_min_count` labels, a scoring run fits a decision model, cross-validates it, and uses
the blend of score and decision model only when that ranks past decisions better than the score
alone. Every run records what it found per profile under models[profile]["decisions"]."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ambassadors import scoring
from app.ambassadors.invitations import CandidateDecision, Invitation
from app.ambassadors.models import PROFILES, MemberSnapshot


@dataclass(frozen=True)
class Label:
    """One decision as a training label."""

    user_id: int
    run_id: int
    label: int


def labels(session: Session, profile: str) -> list[Label]:
    """Accepted (1), declined (0) and dismissed (0) decisions of a profile that know their run."""
    found = [
        Label(row.user_id, row.run_id, 1 if row.status == "accepted" else 0)
        for row in session.execute(
            select(Invitation.user_id, Invitation.run_id, Invitation.status)
            .where(Invitation.role == profile, Invitation.status.in_(("accepted", "declined")),
                   Invitation.run_id.is_not(None))
            .order_by(Invitation.id)
        )
    ]
    found += [
        Label(row.user_id, row.run_id, 0)
        for row in session.execute(
            select(CandidateDecision.user_id, CandidateDecision.run_id)
            .where(CandidateDecision.profile == profile, CandidateDecision.kind == "dismiss",
                   CandidateDecision.run_id.is_not(None))
            .order_by(CandidateDecision.id)
        )
    ]
    return found


def _features(session: Session, items: list[Label]) -> tuple[list[dict], list[int]]:
    """Signal rows of the labelled members as their decision's run saw them (one statement)."""
    if not items:
        return [], []
    wanted = {(item.run_id, item.user_id) for item in items}
    snapshots = {
        (row.run_id, row.user_id): json.loads(row.signals)
        for row in session.execute(
            select(MemberSnapshot.run_id, MemberSnapshot.user_id, MemberSnapshot.signals)
            .where(MemberSnapshot.run_id.in_({run for run, _ in wanted}),
                   MemberSnapshot.user_id.in_({user for _, user in wanted}))
        )
        if (row.run_id, row.user_id) in wanted
    }
    rows, targets = [], []
    for item in items:
        if (item.run_id, item.user_id) in snapshots:
            rows.append(snapshots[(item.run_id, item.user_id)])
            targets.append(item.label)
    return rows, targets


def learn(session: Session, settings, scored) -> dict[str, dict]:
    """Per profile: decision counts, and once there are enough, the decision model's cross-validated
    quality against the score alone; improved profiles get blended scores in `scored` (penalties kept)."""
    needed = settings.decisions_min_count
    current_x = scoring.features_of(scored.snapshot.matrix)
    result = {}
    for profile in PROFILES:
        rows, targets = _features(session, labels(session, profile))
        info = {"count": len(targets), "needed": needed, "trained": False}
        if len(targets) < needed:
            result[profile] = info
            continue
        fit = scoring.learn_from_decisions(scoring.feature_array(rows), targets, scored.models[profile], current_x)
        if fit is None:
            result[profile] = dict(info, note="one_outcome")
            continue
        info.update(trained=True, base_auc=fit.base_auc, cv_auc=fit.cv_auc, blended_auc=fit.blended_auc,
                    folds=fit.folds, improved=fit.improved, used=fit.scores is not None)
        if fit.scores is not None:
            for i, member in enumerate(scored.snapshot.member_ids):
                penalty = sum(scored.penalties[member].values())
                scored.scores[profile][member] = round(max(0.0, float(fit.scores[i]) - penalty), 2)
        result[profile] = info
    return result
