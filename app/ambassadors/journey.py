"""Journey stages: Registered -> Contributor -> Regular -> Helper -> Advocate -> Ambassador.

Thresholds come from settings (journey_*). A member is placed on the highest stage whose
condition holds; holding a community role (ambassador, helper, moderator, labs) is the top stage.
"""

from __future__ import annotations

from app.i18n import Msg, N_

STAGES = ("registered", "contributor", "regular", "helper", "advocate", "ambassador")
STAGE_NAMES = {
    "registered": N_("Registered"),
    "contributor": N_("Contributor"),
    "regular": N_("Regular"),
    "helper": N_("Helper"),
    "advocate": N_("Advocate"),
    "ambassador": N_("Ambassador"),
}
COMMUNITY_ROLES = frozenset({"ambassador", "helper", "moderator", "labs"})


def stage_of(*, posts: float, recent_visit_days: float, answers: float, accepted: float, roles, sustained: bool, settings) -> str:
    """The member's stage from their all-time posts, recent visits, answers, accepted answers and roles."""
    if COMMUNITY_ROLES & set(roles):
        return "ambassador"
    is_helper = answers >= settings.journey_helper_answers and accepted >= 1
    if is_helper and sustained:
        return "advocate"
    if is_helper:
        return "helper"
    if recent_visit_days >= settings.journey_regular_days:
        return "regular"
    if posts >= 1:
        return "contributor"
    return "registered"


def next_step(stage: str, *, recent_visit_days: float, answers: float, accepted: float, settings) -> Msg:
    """What the next stage asks of this member, with where they stand now."""
    if stage == "registered":
        return Msg(N_("Write your first post: ask a question or answer one."))
    if stage == "contributor":
        return Msg(
            N_("Visit on at least %(days)s of %(window)s days to become a Regular (you: %(yours)s)."),
            days=settings.journey_regular_days, window=settings.journey_regular_window_days, yours=int(recent_visit_days),
        )
    if stage == "regular":
        return Msg(
            N_("Answer %(answers)s questions of other members and get one accepted to become a Helper (you: %(yours)s answers, %(accepted)s accepted)."),
            answers=settings.journey_helper_answers, yours=int(answers), accepted=int(accepted),
        )
    if stage == "helper":
        return Msg(
            N_("Keep helping: members whose help stays among the community's best for %(days)s days become Advocates."),
            days=settings.journey_advocate_days,
        )
    if stage == "advocate":
        return Msg(N_("Community managers invite Advocates into roles such as helper, moderator or labs."))
    return Msg(N_("You hold a community role. Thank you for what you do here!"))


def direction(before: str, after: str) -> str:
    """'up', 'down' or 'same' between two stages."""
    a, b = STAGES.index(before), STAGES.index(after)
    return "up" if b > a else "down" if b < a else "same"
