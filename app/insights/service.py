"""The health report of a period: figures with their previous values, and the charts behind them.

Read-only; pages, the CSV download and the JSON API all build on `health()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.i18n import N_
from app.insights import queries
from app.insights.charts import Chart
from app.insights.schemas import Period

SECTIONS = {
    "members": N_("Members"),
    "conversation": N_("Conversation"),
    "webcare": N_("Webcare"),
    "ideas": N_("Crowdsourcing"),
}


@dataclass(frozen=True)
class Figure:
    """One number of the dashboard; `previous` is the same figure for the period before (or None)."""

    section: str
    key: str
    label: str
    value: float | int | None
    previous: float | int | None
    unit: str  # count | average | share | ratio | seconds


@dataclass(frozen=True)
class Health:
    """Everything the health dashboard shows for one period and category."""

    period: Period
    category_id: int | None
    figures: list[Figure]
    charts: list[Chart]
    contributors: list[queries.Contributor]
    categories: list[tuple[int, str]]

    def figure(self, key: str) -> Figure:
        """The figure with that key."""
        return next(f for f in self.figures if f.key == key)


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide."""
    return part / whole if whole else None


def _labels(period: Period) -> list[str]:
    fmt = "%m-%d" if period.step.days == 1 else "%Y-%m-%d"
    return [edge.strftime(fmt) for edge in period.edges[:-1]]


def _averages(daily: list[int], period: Period) -> list[float]:
    size = period.step.days
    return [round(sum(daily[i:i + size]) / len(daily[i:i + size]), 1) for i in range(0, len(daily), size)]


def _point_shares(part: list[int], whole: list[int]) -> list[float | None]:
    return [None if not w else round(100 * p / w, 1) for p, w in zip(part, whole)]


def health(session: Session, period: Period, category_id: int | None, gettext, categories=None, source=queries) -> Health:
    """Every figure and chart of the dashboard, in a fixed number of statements; `source` is the
    roll-up reader (`queries`) or the raw-row reference (`raw`, with the same functions)."""
    _ = gettext
    signups = source.signups(session, period)
    daily, daily_before = source.daily_active(session, period)
    active = source.active_members(session, period)
    topics, questions = source.topics(session, period, category_id)
    replies = source.replies(session, period, category_id)
    outcome = source.question_outcomes(session, period, category_id)
    first = source.first_response_times(session, period, category_id)
    solved_time = source.accepted_times(session, period, category_id)
    staff_time = source.staff_response_times(session, period, category_id)
    unanswered = source.unanswered_now(session, category_id)
    ideas = source.ideas(session, period, category_id)
    contributors = source.top_contributors(session, period, category_id)

    dau = sum(daily) / len(daily) if daily else 0
    dau_before = sum(daily_before) / len(daily_before) if daily_before else 0
    asked = outcome["asked"]
    first_total = outcome["staff_first"].total + outcome["community_first"].total
    first_before = outcome["staff_first"].previous + outcome["community_first"].previous
    accepted_total = outcome["staff_accepted"].total + outcome["community_accepted"].total
    accepted_before = outcome["staff_accepted"].previous + outcome["community_accepted"].previous

    def f(section, key, label, value, previous, unit="count"):
        return Figure(section, key, label, value, previous, unit)

    figures = [
        f("members", "signups", N_("New members"), signups.total, signups.previous),
        f("members", "dau", N_("Daily active members (average)"), round(dau, 2), round(dau_before, 2), "average"),
        f("members", "wau", N_("Weekly active members (last 7 days)"), active["wau"], None),
        f("members", "mau", N_("Monthly active members (last 30 days)"), active["mau"], None),
        f("members", "stickiness", N_("Stickiness (DAU/MAU)"), share(round(dau, 2), active["mau"]), None, "ratio"),
        f("members", "active", N_("Active members"), active["active"], active["previous_active"]),
        f("members", "returning", N_("Returning members (active in both periods)"), active["returning"], None),
        f("members", "quiet", N_("Gone quiet (active only in the period before)"), active["quiet"], None),
        f("conversation", "topics", N_("Topics"), topics.total, topics.previous),
        f("conversation", "replies", N_("Replies"), replies.total, replies.previous),
        f("conversation", "questions", N_("Questions"), questions.total, questions.previous),
        f("conversation", "answered", N_("Questions answered"), share(outcome["answered"].total, asked.total),
          share(outcome["answered"].previous, asked.previous), "share"),
        f("conversation", "answered_24h", N_("Answered within 24 hours"), share(outcome["within_day"].total, asked.total),
          share(outcome["within_day"].previous, asked.previous), "share"),
        f("conversation", "solved", N_("Solved (an answer accepted)"), share(outcome["solved"].total, asked.total),
          share(outcome["solved"].previous, asked.previous), "share"),
        f("conversation", "first_response_median", N_("Time to first response, median"), first.median, first.previous_median, "seconds"),
        f("conversation", "first_response_p90", N_("Time to first response, 90th percentile"), first.p90, None, "seconds"),
        f("conversation", "accepted_median", N_("Time to accepted answer, median"), solved_time.median, solved_time.previous_median, "seconds"),
        f("conversation", "accepted_p90", N_("Time to accepted answer, 90th percentile"), solved_time.p90, None, "seconds"),
        f("conversation", "unanswered_now", N_("Unanswered questions now"), unanswered, None),
        f("webcare", "staff_first_share", N_("First responses by staff"), share(outcome["staff_first"].total, first_total),
          share(outcome["staff_first"].previous, first_before), "share"),
        f("webcare", "community_first_share", N_("First responses by the community"),
          share(outcome["community_first"].total, first_total), share(outcome["community_first"].previous, first_before), "share"),
        f("webcare", "staff_accepted_share", N_("Accepted answers by staff"), share(outcome["staff_accepted"].total, accepted_total),
          share(outcome["staff_accepted"].previous, accepted_before), "share"),
        f("webcare", "community_accepted_share", N_("Accepted answers by the community"),
          share(outcome["community_accepted"].total, accepted_total), share(outcome["community_accepted"].previous, accepted_before), "share"),
        f("webcare", "staff_response_median", N_("Time to first staff response, median"), staff_time.median, staff_time.previous_median, "seconds"),
        f("ideas", "ideas_proposed", N_("Ideas proposed"), ideas["proposed"].total, ideas["proposed"].previous),
        f("ideas", "idea_votes", N_("Idea votes"), ideas["votes"].total, ideas["votes"].previous),
        f("ideas", "status_changes", N_("Idea status changes"), ideas["status_changes"].total, ideas["status_changes"].previous),
        f("ideas", "shipped", N_("Ideas shipped"), ideas["shipped"].total, ideas["shipped"].previous),
    ]
    labels = _labels(period)
    per = _("per day") if period.step.days == 1 else _("per week")
    charts = [
        Chart("members", _("Members"), _("New members and average daily active members, %(per)s.") % {"per": per}, labels,
              [(_("New members"), signups.points), (_("Daily active members"), _averages(daily, period))]),
        Chart("conversation", _("Conversation"), _("Topics, replies and questions, %(per)s.") % {"per": per}, labels,
              [(_("Topics"), topics.points), (_("Replies"), replies.points), (_("Questions"), questions.points)]),
        Chart("answers", _("Answers"), _("Share of the questions asked that were answered within 24 hours and that were solved, in percent, %(per)s.") % {"per": per},
              labels, [(_("Answered within 24 hours (%)"), _point_shares(outcome["within_day"].points, asked.points)),
                       (_("Solved (%)"), _point_shares(outcome["solved"].points, asked.points))], "%"),
        Chart("webcare", _("Webcare"), _("First responses to questions by staff and by the community, %(per)s.") % {"per": per}, labels,
              [(_("First responses by staff"), outcome["staff_first"].points),
               (_("First responses by the community"), outcome["community_first"].points)]),
        Chart("ideas", _("Crowdsourcing"), _("Ideas proposed, idea votes and status changes, %(per)s.") % {"per": per}, labels,
              [(_("Ideas proposed"), ideas["proposed"].points), (_("Idea votes"), ideas["votes"].points),
               (_("Idea status changes"), ideas["status_changes"].points)]),
    ]
    return Health(period, category_id, figures, charts, contributors,
                  queries.categories(session) if categories is None else categories)


def as_of_text(now: datetime) -> str:
    """A moment as pages print it."""
    return now.strftime("%Y-%m-%d %H:%M UTC")
