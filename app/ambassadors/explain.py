"""Plain-words explanations: the signals that lift or lower a member's score, with the member's
value beside the community median, and penalties stated openly with the points they cost."""

from __future__ import annotations

from app.ambassadors.signals import PENALTIES, SIGNAL_BY_NAME
from app.i18n import Msg, N_

MAX_REASONS = 4

PENALTY_RULES = {
    "vote_concentration": N_("Lowered by %(points)s points: most upvotes come from a few accounts."),
    "karma_reversed": N_("Lowered by %(points)s points: the anti-gaming check reversed karma."),
    "flags_against": N_("Lowered by %(points)s points: moderators upheld flags against their posts."),
    "suspensions": N_("Lowered by %(points)s points: they were suspended."),
}


def penalty_points(values: dict[str, float], concentration_share: float) -> dict[str, int]:
    """Points taken off a 0-100 score for each negative signal (documented, never learned).

    vote concentration at or above the threshold: 10-40 points, growing with the share;
    reversed karma: 10 points plus 1 per 5 karma, at most 40; upheld flags: 10 each, at most 30;
    suspensions: 20 each, at most 40.
    """
    points: dict[str, int] = {}
    threshold = concentration_share * 100
    share = values.get("vote_concentration", 0)
    if share and share >= threshold:
        points["vote_concentration"] = round(10 + 30 * (share - threshold) / max(1.0, 100 - threshold))
    if values.get("karma_reversed", 0) > 0:
        points["karma_reversed"] = min(40, 10 + int(values["karma_reversed"]) // 5)
    if values.get("flags_against", 0) > 0:
        points["flags_against"] = min(30, 10 * int(values["flags_against"]))
    if values.get("suspensions", 0) > 0:
        points["suspensions"] = min(40, 20 * int(values["suspensions"]))
    return points


def _shown(name: str, value: float) -> float | int:
    digits = SIGNAL_BY_NAME[name].digits
    return round(value, digits) if digits else int(round(value))


def reasons(
    values: dict[str, float], medians: dict[str, float], pushes: dict[str, float], points: dict[str, int],
    window_days: int = 90,
) -> list[dict]:
    """The 3-5 reasons behind one score: strongest pushes first, then every penalty (JSON-ready);
    each names the signals' recent window in days."""
    ranked = sorted(((abs(push), name, push) for name, push in pushes.items() if abs(push) > 1e-9), reverse=True)
    items = [
        {
            "signal": name,
            "effect": "lifts" if push > 0 else "lowers",
            "value": _shown(name, values.get(name, 0)),
            "median": _shown(name, medians.get(name, 0)),
            "days": window_days,
        }
        for _size, name, push in ranked[:MAX_REASONS]
    ]
    for name in PENALTIES:
        if name in points:
            items.append({
                "signal": name, "effect": "penalty", "points": points[name],
                "value": _shown(name, values.get(name, 0)), "median": _shown(name, medians.get(name, 0)),
                "days": window_days,
            })
    return items


def sentence(item: dict) -> Msg:
    """One reason as a translatable sentence ("answered 14 questions ...; median 0")."""
    phrase = SIGNAL_BY_NAME[item["signal"]].phrase
    # Runs stored before the window was recorded used the 90-day default.
    return Msg(phrase, value=item["value"], median=item["median"], days=item.get("days", 90))


def penalty_sentence(item: dict) -> Msg:
    """The cost of a penalty in points, as a translatable sentence."""
    rule = PENALTY_RULES[item["signal"]]
    return Msg(rule, points=item["points"])
