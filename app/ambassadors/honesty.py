"""Honesty on the candidates pages: how each profile did in its run's own backtest beside the best
simple rule and random, in words a manager understands, and which of them the list is ranked by.

The run's quality check (training.quality) scores the members who had posted before the newest
past cutoff, trained only on earlier cutoffs, and keeps what each did in the horizon after it. Here
every simple rule of the backtest ranks the same pool from data before that cutoff. Figures are
expectations over random orderings of tied members (computed exactly): a rule that ties half the
community at 0 gets no hidden credit from the order of account ids. A profile that does not beat
the best rule's NDCG@25 there ranks its candidates by that rule instead, and the page says so.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.ambassadors import metrics
from app.ambassadors.models import PROFILES
from app.i18n import N_, Msg, nMsg

FOUND_OF = 10
NDCG_K = 25
PROFILE = "profile"

RULE_NAMES = {
    "karma": N_("karma"),
    "posts": N_("the number of posts"),
    "answers": N_("the number of answers"),
    "accepted": N_("the number of accepted answers"),
    "recent_answers": N_("answers in the last 90 days"),
    "decayed_answers": N_("recent answers, the newest counting most"),
    "tl3_like": N_("progress toward Discourse's trust level 3"),
}


def _figures(values: dict[int, float], gains: dict[int, float], pool, n: int) -> dict:
    return {"found": round(metrics.expected_found(values, pool, gains, n), 2),
            "ndcg": round(metrics.expected_ndcg_at_k(values, pool, gains, NDCG_K), 4)}


def _rules(session: Session, at: datetime, pool: set[int], only=tuple(RULE_NAMES), facts=None) -> dict[str, dict[int, float]]:
    """The simple rules' values at `at`; with the run's `facts` at that moment, the rules they
    already hold (the same definitions as backtest.baseline_scores) are read from them instead of
    queried again."""
    from app.ambassadors import backtest  # NumPy and scikit-learn: only when a run computes this

    known = {}
    if facts is not None and facts.now == at:
        known = {"decayed_answers": facts.decayed[f"answers_{int(backtest.DECAY_DAYS)}d"], "accepted": facts.accepted_all}
    wanted = [name for name in RULE_NAMES if name in only]
    queried = backtest.baseline_scores(session, at, pool, only=[name for name in wanted if name not in known])
    return {name: known[name] if name in known else queried[name] for name in wanted}


def evaluate(session: Session, settings, evaluation: dict) -> dict[str, dict]:
    """Per profile: its backtest figures beside every simple rule's and random's, the best rule,
    and what the candidates are ranked by ("profile" or the rule's name)."""
    pool = sorted(evaluation.get("pool") or ())
    if not pool:
        return {profile: {"evaluated": False, "ranked_by": PROFILE} for profile in PROFILES}
    rules = _rules(session, evaluation["cutoff"], set(pool), facts=evaluation.get("facts"))
    found = {}
    for profile in PROFILES:
        if profile not in evaluation:
            found[profile] = {"evaluated": False, "ranked_by": PROFILE}
            continue
        raw, gains = evaluation[profile]
        n = min(FOUND_OF, sum(1 for m in pool if gains.get(m, 0) > 0))
        mine = _figures(raw, gains, pool, n)
        by_rule = {name: _figures(values, gains, pool, n) for name, values in rules.items()}
        best = max(sorted(by_rule), key=lambda name: by_rule[name]["ndcg"])
        random_ndcg = metrics.expected_ndcg_at_k({}, pool, gains, NDCG_K)  # everyone tied: a random order
        beaten = n > 0 and by_rule[best]["ndcg"] >= mine["ndcg"]
        found[profile] = {
            "evaluated": True, "cutoff": evaluation["cutoff"].isoformat(), "days": settings.ambassador_horizon_days,
            "of": n, "pool": len(pool), **mine, "rule": best, "rule_found": by_rule[best]["found"],
            "rule_ndcg": by_rule[best]["ndcg"], "random_found": round(n * n / len(pool), 2),
            "random_ndcg": round(random_ndcg, 4), "rules": {name: f["ndcg"] for name, f in by_rule.items()},
            "ranked_by": best if beaten else PROFILE,
        }
    return found


def rule_values_now(session: Session, now: datetime, members, honest: dict[str, dict], facts=None) -> dict[str, dict[int, float]]:
    """For each profile ranked by a rule: that rule's value per member at `now` (only the statements
    those rules need; `facts`: the run's facts at `now`, which hold some rules already)."""
    wanted = {profile: info["ranked_by"] for profile, info in honest.items() if info.get("ranked_by", PROFILE) != PROFILE}
    if not wanted:
        return {}
    values = _rules(session, now, set(members), only=set(wanted.values()), facts=facts)
    return {profile: values[rule] for profile, rule in wanted.items()}


def ranking(scores: dict[int, float], members, rule_values: dict[int, float] | None, penalised=frozenset()) -> list[int]:
    """Members from first to last: by the profile's score, or by the rule (ties by the profile's
    score); a rule never lifts a penalised member above an unpenalised one."""
    if rule_values is None:
        return sorted(members, key=lambda m: (-scores[m], m))
    return sorted(members, key=lambda m: (m in penalised, -rule_values.get(m, 0.0), -scores[m], m))


def _count(value: float) -> str:
    return str(int(round(value))) if abs(value - round(value)) < 0.05 else f"{value:.1f}"


def _who(profile: str, n: int, days: int) -> Msg:
    """What the profile's backtest looks for, counted."""
    if profile == "moderator":
        return nMsg("the %(num)s member who did the most moderation work (agreed flags, edits) in the %(days)s days that followed",
                    "the %(num)s members who did the most moderation work (agreed flags, edits) in the %(days)s days that followed",
                    n, days=days)
    if profile == "ambassador":
        return nMsg("the %(num)s member who reached the most other members (answers, ideas) in the %(days)s days that followed",
                    "the %(num)s members who reached the most other members (answers, ideas) in the %(days)s days that followed",
                    n, days=days)
    if profile == "labs":
        return nMsg("the %(num)s member most engaged with ideas in the %(days)s days that followed",
                    "the %(num)s members most engaged with ideas in the %(days)s days that followed", n, days=days)
    return nMsg("the %(num)s member who helped most in the %(days)s days that followed",
                "the %(num)s members who helped most in the %(days)s days that followed", n, days=days)


def lines(info: dict, profile: str) -> list[Msg]:
    """The page's words about a profile's backtest and what the list is ranked by (translatable)."""
    if not info.get("evaluated"):
        return [Msg(N_("Not enough history yet to backtest this profile; candidates are ranked by the profile."))]
    rule = Msg(RULE_NAMES.get(info["rule"], info["rule"]))
    if not info["of"]:
        return [Msg(N_("Backtest from %(cutoff)s: nobody did what this profile looks for in the %(days)s days that followed, "
                       "so the backtest cannot tell; candidates are ranked by the profile."),
                    cutoff=info["cutoff"][:10], days=info["days"])]
    who = _who(profile, info["of"], info["days"])
    said = [
        Msg(N_("Backtest from %(cutoff)s, trained only on what came before: this profile finds %(found)s of %(who)s."),
            cutoff=info["cutoff"][:10], found=_count(info["found"]), who=who),
        Msg(N_("The best simple rule, %(rule)s, finds %(found)s; picking members at random finds %(random)s."),
            rule=rule, found=_count(info["rule_found"]), random=_count(info["random_found"])),
    ]
    if info["ranked_by"] == PROFILE:
        said.append(Msg(N_("The profile beats every simple rule on this community, so candidates are ranked by the profile.")))
    else:
        said.append(Msg(N_("This profile does not beat the simple rule \u201c%(rule)s\u201d on this community, so candidates are ranked by that rule."),
                        rule=rule))
    return said
