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

import math
from collections import defaultdict
from datetime import datetime

from sqlalchemy.orm import Session

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


def _groups(values: dict[int, float], pool) -> list[list[int]]:
    """The pool as groups of tied members, best value first."""
    tied: dict[float, list[int]] = defaultdict(list)
    for member in pool:
        tied[float(values.get(member, 0.0))].append(member)
    return [tied[value] for value in sorted(tied, reverse=True)]


def top_chances(values: dict[int, float], pool, n: int) -> dict[int, float]:
    """Each member's chance to be among the first n when ties are broken at random."""
    chances, position = {}, 0
    for group in _groups(values, pool):
        share = max(0, min(len(group), n - position)) / len(group)
        for member in group:
            chances[member] = share
        position += len(group)
    return chances


def expected_ndcg(values: dict[int, float], gains: dict[int, float], pool, k: int = NDCG_K) -> float:
    """NDCG@k expected over random orderings of tied members (exact: a tied member is equally likely
    at each of the group's positions)."""
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(gains.values(), reverse=True)[:k]))
    if ideal <= 0:
        return 0.0
    total, position = 0.0, 0
    for group in _groups(values, pool):
        discounts = sum(1 / math.log2(i + 2) for i in range(position, min(position + len(group), k)))
        total += discounts * sum(gains.get(m, 0.0) for m in group) / len(group)
        position += len(group)
    return total / ideal


def expected_found(values: dict[int, float], gains: dict[int, float], pool, n: int) -> float:
    """How many of the n members with the most gain a ranking puts in its first n, expected over
    random orderings of ties on both sides."""
    mine, truth = top_chances(values, pool, n), top_chances(gains, pool, n)
    return sum(mine[m] * truth[m] for m in pool)


def _figures(values: dict[int, float], gains: dict[int, float], pool, n: int) -> dict:
    return {"found": round(expected_found(values, gains, pool, n), 2), "ndcg": round(expected_ndcg(values, gains, pool), 4)}


def _rules(session: Session, at: datetime, pool: set[int]) -> dict[str, dict[int, float]]:
    from app.ambassadors import backtest  # NumPy and scikit-learn: only when a run computes this

    return {name: values for name, values in backtest.baseline_scores(session, at, pool).items() if name != "random"}


def evaluate(session: Session, settings, evaluation: dict) -> dict[str, dict]:
    """Per profile: its backtest figures beside every simple rule's and random's, the best rule,
    and what the candidates are ranked by ("profile" or the rule's name)."""
    pool = sorted(evaluation.get("pool") or ())
    if not pool:
        return {profile: {"evaluated": False, "ranked_by": PROFILE} for profile in PROFILES}
    rules = _rules(session, evaluation["cutoff"], set(pool))
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
        ideal = sorted(gains.values(), reverse=True)[:NDCG_K]
        discounts = sum(1 / math.log2(i + 2) for i in range(min(NDCG_K, len(pool))))
        ideal_dcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
        random_ndcg = (sum(gains.values()) / len(pool)) * discounts / ideal_dcg if ideal_dcg > 0 else 0.0
        beaten = n > 0 and by_rule[best]["ndcg"] >= mine["ndcg"]
        found[profile] = {
            "evaluated": True, "cutoff": evaluation["cutoff"].isoformat(), "days": settings.ambassador_horizon_days,
            "of": n, "pool": len(pool), **mine, "rule": best, "rule_found": by_rule[best]["found"],
            "rule_ndcg": by_rule[best]["ndcg"], "random_found": round(n * n / len(pool), 2),
            "random_ndcg": round(random_ndcg, 4), "rules": {name: f["ndcg"] for name, f in by_rule.items()},
            "ranked_by": best if beaten else PROFILE,
        }
    return found


def rule_values_now(session: Session, now: datetime, members, honest: dict[str, dict]) -> dict[str, dict[int, float]]:
    """For each profile ranked by a rule: that rule's value per member at `now` (one set of queries)."""
    wanted = {profile: info["ranked_by"] for profile, info in honest.items() if info.get("ranked_by", PROFILE) != PROFILE}
    if not wanted:
        return {}
    values = _rules(session, now, set(members))
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
