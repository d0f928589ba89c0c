"""Member signals as of a moment `now`, computed from data strictly before `now`.

`gather` runs a fixed number of aggregate statements (GROUP BY over all members at once) through
the lower domains' queries; each signal below is one small function that reads its column from
those facts. `feature_matrix` puts every signal of every member into one table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.accounts import queries as accounts_queries
from app.forum import queries as forum_queries
from app.i18n import N_
from app.ideas import queries as ideas_queries
from app.karma import queries as karma_queries

GOOD, LOWER_IS_BETTER, PENALTY = "good", "lower_is_better", "penalty"
CONCENTRATION_MIN_UPVOTES = 10


@dataclass
class Facts:
    """The aggregate query results one snapshot is computed from (every dict keyed by member id)."""

    now: datetime
    window_days: int
    member_ids: list[int]
    created_at: dict[int, datetime]
    visits: dict[str, dict[int, float]]
    recent: dict[str, dict[int, float]]
    all_time: dict[str, dict[int, float]]
    last30: dict[str, dict[int, float]]
    prev60: dict[str, dict[int, float]]
    accepted_recent: dict[int, int]
    accepted_all: dict[int, int]
    first_responses: dict[int, tuple[int, float]]
    received: dict[str, dict[int, float]]
    given_recent: dict[int, tuple[int, int]]
    concentration: dict[int, float]
    stewardship_recent: dict[str, dict[int, float]]
    stewardship_all: dict[str, dict[int, float]]
    ideas_recent: dict[str, dict[int, int]]
    ideas_all: dict[str, dict[int, int]]
    karma_reversed: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Signal:
    """One signal: its name, how it counts (good, lower is better, penalty), and its plain words."""

    name: str
    kind: str
    phrase: str  # msgid with %(value)s and %(median)s
    compute: Callable[[Facts], dict[int, float]]
    digits: int = 0


SIGNALS: list[Signal] = []


def signal(name: str, kind: str, phrase: str, digits: int = 0):
    """Register a signal function under a name with its plain-words phrase."""

    def register(function: Callable[[Facts], dict[int, float]]):
        SIGNALS.append(Signal(name, kind, phrase, function, digits))
        return function

    return register


def _days_between(later: datetime, earlier: datetime) -> float:
    return max(0.0, (later - earlier).total_seconds() / 86400)


# --- presence ---


@signal("days_visited", GOOD, N_("visited on %(value)s of the last 90 days; median %(median)s"))
def days_visited(f: Facts) -> dict[int, float]:
    """Days with a visit in the recent window."""
    return f.visits["days"]


@signal("longest_streak", GOOD, N_("longest run of daily visits: %(value)s days; median %(median)s"))
def longest_streak(f: Facts) -> dict[int, float]:
    """Longest run of consecutive visit days, all time."""
    return f.visits["longest_streak"]


@signal("current_streak", GOOD, N_("visiting %(value)s days in a row right now; median %(median)s"))
def current_streak(f: Facts) -> dict[int, float]:
    """Consecutive visit days ending yesterday (0 when yesterday had no visit)."""
    return f.visits["current_streak"]


@signal("days_since_visit", LOWER_IS_BETTER, N_("last visit %(value)s days ago; median %(median)s"))
def days_since_visit(f: Facts) -> dict[int, float]:
    """Days since the last visit; members never seen count their whole tenure."""
    since_last = f.visits["since_last"]
    return {
        member: since_last[member] if since_last.get(member) is not None else round(_days_between(f.now, f.created_at[member]))
        for member in f.member_ids
    }


@signal("tenure_days", GOOD, N_("member for %(value)s days; median %(median)s"))
def tenure_days(f: Facts) -> dict[int, float]:
    """Days since the account was created."""
    return {member: int(_days_between(f.now, f.created_at[member])) for member in f.member_ids}


# --- contribution ---


@signal("topics", GOOD, N_("started %(value)s topics in 90 days; median %(median)s"))
def topics(f: Facts) -> dict[int, float]:
    """Topics started in the recent window."""
    return f.recent["topics"]


@signal("replies", GOOD, N_("wrote %(value)s replies in 90 days; median %(median)s"))
def replies(f: Facts) -> dict[int, float]:
    """Replies written in the recent window."""
    return f.recent["replies"]


@signal("answers", GOOD, N_("answered %(value)s questions of other members in 90 days; median %(median)s"))
def answers(f: Facts) -> dict[int, float]:
    """Answers to other members' questions in the recent window."""
    return f.recent["answers"]


@signal("answers_all", GOOD, N_("answered %(value)s questions of other members in all; median %(median)s"))
def answers_all(f: Facts) -> dict[int, float]:
    """Answers to other members' questions, all time."""
    return f.all_time["answers"]


@signal("accepted", GOOD, N_("had %(value)s answers accepted in 90 days; median %(median)s"))
def accepted(f: Facts) -> dict[int, float]:
    """Answers to others' questions accepted in the recent window."""
    return f.accepted_recent


@signal("accepted_all", GOOD, N_("had %(value)s answers accepted in all; median %(median)s"))
def accepted_all(f: Facts) -> dict[int, float]:
    """Answers to others' questions accepted, all time."""
    return f.accepted_all


# --- quality ---


@signal("votes_per_post", GOOD, N_("%(value)s net votes per post in 90 days; median %(median)s"), digits=1)
def votes_per_post(f: Facts) -> dict[int, float]:
    """Net votes received in the recent window per post written in it."""
    net, posts = f.received["net"], f.recent["posts"]
    return {member: net.get(member, 0) / count for member, count in posts.items() if count}


@signal("net_score", GOOD, N_("net score of %(value)s from other members' votes; median %(median)s"))
def net_score(f: Facts) -> dict[int, float]:
    """Upvotes minus downvotes received from others, all time."""
    return f.received["net_all"]


# --- helpfulness and reach ---


@signal("members_helped", GOOD, N_("answered questions of %(value)s different members in 90 days; median %(median)s"))
def members_helped(f: Facts) -> dict[int, float]:
    """Distinct askers answered in the recent window."""
    return f.recent["members_helped"]


@signal("first_responses", GOOD, N_("was first to answer %(value)s questions in 90 days; median %(median)s"))
def first_responses(f: Facts) -> dict[int, float]:
    """Questions of others this member answered first, recent window."""
    return {member: count for member, (count, _hours) in f.first_responses.items()}


@signal("response_hours", LOWER_IS_BETTER, N_("answers first within %(value)s hours (median of their first answers); community median %(median)s"), digits=1)
def response_hours(f: Facts) -> dict[int, float]:
    """Median hours from question to this member's first answer; members who never answered first
    count the whole window."""
    worst = f.window_days * 24.0
    return {member: min(worst, f.first_responses[member][1]) if member in f.first_responses else worst for member in f.member_ids}


# --- generosity ---


@signal("votes_given", GOOD, N_("voted %(value)s times in 90 days; median %(median)s"))
def votes_given(f: Facts) -> dict[int, float]:
    """Votes cast on others' posts in the recent window."""
    return {member: votes for member, (votes, _members) in f.given_recent.items()}


@signal("members_voted", GOOD, N_("voted for %(value)s different members in 90 days; median %(median)s"))
def members_voted(f: Facts) -> dict[int, float]:
    """Distinct members voted for in the recent window."""
    return {member: members for member, (_votes, members) in f.given_recent.items()}


# --- ideas ---


@signal("ideas_proposed", GOOD, N_("proposed %(value)s ideas in 90 days; median %(median)s"))
def ideas_proposed(f: Facts) -> dict[int, float]:
    """Ideas proposed in the recent window."""
    return f.ideas_recent["proposed"]


@signal("idea_votes_received", GOOD, N_("their ideas received %(value)s votes in 90 days; median %(median)s"))
def idea_votes_received(f: Facts) -> dict[int, float]:
    """Votes other members gave this member's ideas in the recent window."""
    return f.ideas_recent["votes_received"]


@signal("ideas_shipped", GOOD, N_("%(value)s of their ideas shipped; median %(median)s"))
def ideas_shipped(f: Facts) -> dict[int, float]:
    """This member's ideas that shipped, all time."""
    return f.ideas_all["shipped"]


@signal("idea_votes_cast", GOOD, N_("voted for %(value)s ideas in 90 days; median %(median)s"))
def idea_votes_cast(f: Facts) -> dict[int, float]:
    """Idea votes cast in the recent window."""
    return f.ideas_recent["votes_cast"]


# --- stewardship ---


@signal("flags_agreed", GOOD, N_("raised %(value)s flags moderators agreed with in 90 days; median %(median)s"))
def flags_agreed(f: Facts) -> dict[int, float]:
    """Flags raised that moderators agreed with, recent window."""
    return f.stewardship_recent["flags_agreed"]


@signal("edits_of_others", GOOD, N_("improved %(value)s posts of other members in 90 days; median %(median)s"))
def edits_of_others(f: Facts) -> dict[int, float]:
    """Edits of other members' posts, recent window."""
    return f.stewardship_recent["edits_of_others"]


# --- trend ---


@signal("trend", GOOD, N_("posting trend %(value)s (last 30 days against the 60 before; 0 is steady); median %(median)s"), digits=1)
def trend(f: Facts) -> dict[int, float]:
    """Posts in the last 30 days against the monthly rate of the 60 days before: (a - b) / (b + 1)."""
    last, before = f.last30["posts"], f.prev60["posts"]
    members = set(last) | set(before)
    return {m: (last.get(m, 0) - before.get(m, 0) / 2) / (before.get(m, 0) / 2 + 1) for m in members}


# --- negatives (never learned away: they lower the score by stated points) ---


@signal("flags_against", PENALTY, N_("%(value)s flags against their posts were upheld; median %(median)s"))
def flags_against(f: Facts) -> dict[int, float]:
    """Flags against this member's posts that moderators upheld, all time."""
    return f.stewardship_all["flags_upheld_against"]


@signal("suspensions", PENALTY, N_("suspended %(value)s times; median %(median)s"))
def suspensions(f: Facts) -> dict[int, float]:
    """Suspensions that started, all time."""
    return f.stewardship_all["suspensions"]


@signal("vote_concentration", PENALTY, N_("%(value)s%% of the upvotes received in 90 days came from just 3 accounts; median %(median)s%%"))
def vote_concentration(f: Facts) -> dict[int, float]:
    """Percent of recent upvotes received that came from the member's 3 most frequent voters
    (only for members with at least CONCENTRATION_MIN_UPVOTES upvotes: a few honest votes from
    the same regulars are not suspicious)."""
    up = f.received["up"]
    return {m: round(100 * share) for m, share in f.concentration.items() if up.get(m, 0) >= CONCENTRATION_MIN_UPVOTES}


@signal("karma_reversed", PENALTY, N_("%(value)s karma was reversed by the anti-gaming check; median %(median)s"))
def karma_reversed(f: Facts) -> dict[int, float]:
    """Karma the anti-gaming job took back from this member, all time."""
    return f.karma_reversed


SIGNAL_BY_NAME = {s.name: s for s in SIGNALS}
FEATURES = [s.name for s in SIGNALS if s.kind != PENALTY]
PENALTIES = [s.name for s in SIGNALS if s.kind == PENALTY]


def gather(session: Session, now: datetime, window_days: int = 90, short_days: int = 30) -> Facts:
    """Run the aggregate statements for a snapshot at `now` (every one bounded by `< now`)."""
    since = now - timedelta(days=window_days)
    members = accounts_queries.members_before(session, now)
    return Facts(
        now=now,
        window_days=window_days,
        member_ids=[m.id for m in members],
        created_at={m.id: m.created_at for m in members},
        visits=accounts_queries.visit_stats(session, since, now, short_since=now - timedelta(days=short_days)),
        recent=forum_queries.post_activity_by_member(session, since, now),
        all_time=forum_queries.post_activity_by_member(session, None, now),
        last30=forum_queries.post_activity_by_member(session, now - timedelta(days=30), now),
        prev60=forum_queries.post_activity_by_member(session, now - timedelta(days=90), now - timedelta(days=30)),
        accepted_recent=forum_queries.accepted_answers_by_member(session, since, now),
        accepted_all=forum_queries.accepted_answers_by_member(session, None, now),
        first_responses=forum_queries.first_responses_by_member(session, since, now),
        received=forum_queries.votes_received_by_member(session, since, now),
        given_recent=forum_queries.votes_given_by_member(session, since, now),
        concentration=forum_queries.upvote_concentration_by_member(session, since, now),
        stewardship_recent=forum_queries.stewardship_by_member(session, since, now),
        stewardship_all=forum_queries.stewardship_by_member(session, None, now),
        ideas_recent=ideas_queries.idea_activity_by_member(session, since, now),
        ideas_all=ideas_queries.idea_activity_by_member(session, None, now),
        karma_reversed=karma_queries.karma_reversed_by_member(session, now),
    )


@dataclass(frozen=True)
class Snapshot:
    """Every signal of every member at one moment: rows follow member_ids, columns follow names."""

    now: datetime
    member_ids: tuple[int, ...]
    names: tuple[str, ...]
    rows: tuple[tuple[float, ...], ...]
    facts: Facts
    positions: dict[int, int] = field(default_factory=dict, compare=False, repr=False)

    def value(self, member_id: int, name: str) -> float:
        """One member's value of one signal."""
        return self.rows[self.positions[member_id]][self.names.index(name)]

    def as_dict(self, member_id: int) -> dict[str, float]:
        """One member's signals by name."""
        return dict(zip(self.names, self.rows[self.positions[member_id]]))


def feature_matrix(session: Session, now: datetime, window_days: int = 90, short_days: int = 30) -> Snapshot:
    """All signals for all members who joined before `now`, from one `gather`."""
    facts = gather(session, now, window_days, short_days)
    columns = [s.compute(facts) for s in SIGNALS]
    rows = tuple(
        tuple(round(float(column.get(member, 0) or 0), 4) for column in columns) for member in facts.member_ids
    )
    positions = {member: i for i, member in enumerate(facts.member_ids)}
    return Snapshot(now, tuple(facts.member_ids), tuple(s.name for s in SIGNALS), rows, facts, positions)


def labels(session: Session, start: datetime, end: datetime) -> dict[str, dict[int, float]]:
    """What each member did in [start, end), per profile: the targets the models learn to foresee.

    helper: helpful answers to others (accepted, or net score >= 1 from votes in the window);
    moderator: agreed flags plus edits of others' posts; ambassador: distinct members helped plus
    ideas proposed; labs: ideas proposed, idea votes cast, and 3 per idea shipped.
    """
    stewardship = forum_queries.stewardship_by_member(session, start, end)
    ideas = ideas_queries.idea_activity_by_member(session, start, end)
    labs: dict[int, float] = {}
    for name, weight in (("proposed", 1), ("votes_cast", 1), ("shipped", 3)):
        for member, count in ideas[name].items():
            labs[member] = labs.get(member, 0) + weight * count
    ambassador = dict(forum_queries.post_activity_by_member(session, start, end)["members_helped"])
    for member, count in ideas["proposed"].items():
        ambassador[member] = ambassador.get(member, 0) + count
    moderator: dict[int, float] = {}
    for name in ("flags_agreed", "edits_of_others"):
        for member, count in stewardship[name].items():
            moderator[member] = moderator.get(member, 0) + count
    return {
        "helper": {m: float(v) for m, v in forum_queries.helpful_answers_by_member(session, start, end).items()},
        "moderator": moderator,
        "ambassador": ambassador,
        "labs": labs,
    }
