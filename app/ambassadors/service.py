"""Commands of the ambassadors domain: a scoring run computes and stores scores, explanations,
signal snapshots and journey stages; runs are only ever added, never overwritten."""

from __future__ import annotations

import json
import time
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.accounts import queries as accounts_queries
from app.ambassadors import decisions, honesty, journey, training
from app.ambassadors.models import MemberScore, MemberSnapshot, ScoringRun
from app.ambassadors.queries import sustained_high_scorers
from app.ambassadors.scoring import MODEL_VERSION
from app.ambassadors.signals import PENALTIES

PARAMETERS = (
    "ambassador_window_days", "ambassador_horizon_days", "ambassador_training_cutoffs", "ambassador_min_positive",
    "ambassador_concentration_share", "journey_regular_days", "journey_regular_window_days",
    "journey_helper_answers", "journey_advocate_score", "journey_advocate_days",
)


def _stages(session: Session, settings, now: datetime, scored: training.Scored, roles: dict[int, tuple]) -> dict[int, str]:
    facts = scored.snapshot.facts
    sustained = sustained_high_scorers(session, now, settings.journey_advocate_days, settings.journey_advocate_score)
    threshold = settings.journey_advocate_score
    stages = {}
    for member in scored.snapshot.member_ids:
        best_now = max(scored.scores["helper"].get(member, 0), scored.scores["ambassador"].get(member, 0))
        stages[member] = journey.stage_of(
            posts=facts.all_time["posts"].get(member, 0),
            recent_visit_days=facts.visits["short_days"].get(member, 0),
            answers=facts.all_time["answers"].get(member, 0),
            accepted=facts.accepted_all.get(member, 0),
            roles=roles.get(member, ()),
            sustained=member in sustained and best_now >= threshold,
            settings=settings,
        )
    return stages


def run_scoring(session: Session, settings, now: datetime, *, trigger: str = "cli", progress=None) -> ScoringRun:
    """Score every member as of `now` for every profile and store it as a new run."""
    started = time.perf_counter()
    scored = training.score(session, settings, now)
    learned = decisions.learn(session, settings, scored)
    if progress:
        progress("scored")
    members = accounts_queries.members_before(session, now)
    roles = {m.id: m.roles for m in members}
    opted_out = {m.id for m in members if m.opted_out}
    stages = _stages(session, settings, now, scored, roles)
    honest = honesty.evaluate(session, settings, scored.evaluation)
    quality = {profile: dict(scored.quality.get(profile, {}), honesty=honest[profile]) for profile in honest}
    rule_values = honesty.rule_values_now(session, now, scored.snapshot.member_ids, honest, scored.snapshot.facts)
    penalised = {member for member, points in scored.penalties.items() if points}
    run = ScoringRun(
        as_of=now,
        trigger=trigger,
        model_version=MODEL_VERSION,
        parameters=json.dumps({name: getattr(settings, name) for name in PARAMETERS}, sort_keys=True),
        # Imported communities have visit days derived from activity: reasons then say "active".
        windows=json.dumps(dict(scored.windows, derived_visits=accounts_queries.derived_visits_before(session, now.date())),
                           sort_keys=True),
        member_count=len(scored.snapshot.member_ids),
        training_rows=max((model.training_rows for model in scored.models.values()), default=0),
        quality=json.dumps(quality, sort_keys=True),
        models=json.dumps({
            profile: {"trained": model.trained, "source": model.source, "positives": model.positives, "training_rows": model.training_rows,
                      "weights": model.weights(), "decisions": learned[profile]}
            for profile, model in scored.models.items()
        }, sort_keys=True),
        timings="{}",
    )
    session.add(run)
    session.flush()
    mark = time.perf_counter()
    score_rows = []
    for profile, scores in scored.scores.items():
        ranked = honesty.ranking(scores, set(scores) - opted_out, rule_values.get(profile), penalised)
        for rank, member in enumerate(ranked, start=1):
            score_rows.append({
                "run_id": run.id, "user_id": member, "profile": profile, "score": scores[member], "rank": rank,
                "explanation": json.dumps(scored.explanations[profile][member]),
            })
    facts = scored.snapshot.facts
    snapshot_rows = [
        {
            "run_id": run.id, "user_id": member, "stage": stages[member],
            "signals": json.dumps(
                dict(scored.snapshot.as_dict(member), journey_visit_days=facts.visits["short_days"].get(member, 0)),
                sort_keys=True,
            ),
            "flags": json.dumps([name for name in PENALTIES if name in scored.penalties[member]]),
        }
        for member in scored.snapshot.member_ids
    ]
    if score_rows:
        session.execute(insert(MemberScore), score_rows)
    if snapshot_rows:
        session.execute(insert(MemberSnapshot), snapshot_rows)
    timings = dict(scored.timings, storing=round(time.perf_counter() - mark, 4), total=round(time.perf_counter() - started, 4))
    run.timings = json.dumps(timings, sort_keys=True)
    session.flush()
    return run
