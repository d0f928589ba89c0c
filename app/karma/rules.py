"""What earns karma and what the reasons, badges and levels are called (point values are settings)."""

from __future__ import annotations

from dataclasses import dataclass

from app.i18n import N_

REASONS = {
    "upvote": N_("Upvote on your post"),
    "downvote": N_("Downvote on your post"),
    "downvote_cast": N_("You downvoted an answer"),
    "answer_accepted": N_("Your answer was accepted"),
    "accepted_an_answer": N_("You accepted an answer"),
    "flag_agreed": N_("Moderators agreed with your flag"),
    "idea_shipped": N_("Your idea shipped"),
    "manual": N_("Adjusted by staff"),
    "vote_withdrawn": N_("Reversed: the vote was withdrawn"),
    "vote_changed": N_("Reversed: the vote was changed"),
    "post_deleted": N_("Reversed: the post was deleted"),
    "answer_unaccepted": N_("Reversed: the answer is no longer accepted"),
    "serial_voting": N_("Reversed: serial voting between two accounts"),
    "voting_ring": N_("Reversed: votes inside a voting ring"),
}

SOURCES = {
    "vote": N_("vote"),
    "post": N_("post"),
    "idea": N_("idea"),
    "flag": N_("flag"),
    "manual": N_("manual"),
}

# Reasons whose reversal means the vote is no longer cast (fraud reversals keep the vote as evidence).
VOTE_GONE_REASONS = ("vote_withdrawn", "vote_changed", "post_deleted")
ACCEPT_REASONS = ("answer_accepted", "accepted_an_answer")

LEVEL_NAMES = (N_("Newcomer"), N_("Member"), N_("Regular"), N_("Trusted"), N_("Pillar"))

PERIODS = {
    "week": (7, N_("This week")),
    "month": (30, N_("This month")),
    "quarter": (91, N_("This quarter")),
    "year": (365, N_("This year")),
    "all": (None, N_("All time")),
}


@dataclass(frozen=True)
class BadgeRule:
    """A badge: its slug, name and what earns it."""

    slug: str
    name: str
    description: str


def badge_rules(settings) -> list[BadgeRule]:
    """Every badge this install awards, with thresholds taken from the settings."""
    rules = []
    for tier in sorted(set(settings.karma_badge_accepted_tiers)):
        if tier == 1:
            rules.append(BadgeRule("accepted-1", N_("First accepted answer"), N_("An answer of yours was accepted.")))
        else:
            rules.append(
                BadgeRule(
                    f"accepted-{tier}",
                    N_("Accepted answers"),
                    N_("Answers of yours were accepted this many times:"),
                )
            )
    rules.append(
        BadgeRule(
            "visit-streak",
            N_("Faithful visitor"),
            N_("Visited on this many consecutive days:"),
        )
    )
    rules.append(BadgeRule("idea-shipped", N_("Idea shipped"), N_("An idea of yours shipped.")))
    return rules


def badge_threshold(settings, slug: str) -> int | None:
    """The number a badge asks for (shown beside its description), or None for one-off badges."""
    if slug.startswith("accepted-"):
        tier = int(slug.split("-", 1)[1])
        return tier if tier > 1 else None
    if slug == "visit-streak":
        return settings.karma_badge_visit_streak_days
    return None


@dataclass(frozen=True)
class Grant:
    """One ledger row a vote produces: to the post's author or to the voter."""

    to: str  # author | voter
    delta: int
    reason: str
    counts_toward_cap: bool


def vote_grants(settings, post_kind: str, value: int) -> list[Grant]:
    """Ledger rows for a vote of `value` on a post of `post_kind` ('question' or 'answer').

    Downvotes cost the voter only on answers, as on Stack Exchange: questions stay free to judge.
    """
    if value == 1:
        points = settings.karma_upvote_answer if post_kind == "answer" else settings.karma_upvote_question
        return [Grant("author", points, "upvote", True)]
    if value == -1:
        grants = [Grant("author", settings.karma_downvote_received, "downvote", False)]
        if post_kind == "answer" and settings.karma_downvote_cast:
            grants.append(Grant("voter", settings.karma_downvote_cast, "downvote_cast", False))
        return grants
    return []


@dataclass(frozen=True)
class Level:
    """A member's level: its number (1..5), name, and the karma the next one starts at."""

    number: int
    name: str
    next_at: int | None


def level_of(settings, karma: int) -> Level:
    """The level a karma total reaches."""
    thresholds = list(settings.karma_level_thresholds)[: len(LEVEL_NAMES)]
    number = 1
    for index, threshold in enumerate(thresholds):
        if karma >= threshold:
            number = index + 1
    next_at = thresholds[number] if number < len(thresholds) else None
    return Level(number=number, name=LEVEL_NAMES[number - 1], next_at=next_at)
