"""Member signals as of a moment `now`, computed from data strictly before `now`.

`app.ambassadors.timeline` runs a fixed number of statements through the lower domains' queries,
for all members and every window at once; each signal below is one small function that reads its
column from those facts. `snapshot_of` puts every signal of every member
into one table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from app.i18n import N_

if TYPE_CHECKING:  # NumPy and the timeline load only where a run computes signals, not in web workers
    import numpy as np

    from app.ambassadors.timeline import Facts

GOOD, LOWER_IS_BETTER, PENALTY = "good", "lower_is_better", "penalty"
CONCENTRATION_MIN_UPVOTES = 10


@dataclass(frozen=True)
class Signal:
    """One signal: its name, how it counts (good, lower is better, penalty), and its plain words."""

    name: str
    kind: str
    phrase: str  # msgid with %(value)s, %(median)s and, for windowed signals, %(days)s
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


@signal("days_visited", GOOD, N_("visited on %(value)s of the last %(days)s days; median %(median)s"))
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


@signal("topics", GOOD, N_("started %(value)s topics in %(days)s days; median %(median)s"))
def topics(f: Facts) -> dict[int, float]:
    """Topics started in the recent window."""
    return f.recent["topics"]


@signal("replies", GOOD, N_("wrote %(value)s replies in %(days)s days; median %(median)s"))
def replies(f: Facts) -> dict[int, float]:
    """Replies written in the recent window."""
    return f.recent["replies"]


@signal("answers", GOOD, N_("answered %(value)s questions of other members in %(days)s days; median %(median)s"))
def answers(f: Facts) -> dict[int, float]:
    """Answers to other members' questions in the recent window."""
    return f.recent["answers"]


@signal("answers_all", GOOD, N_("answered %(value)s questions of other members in all; median %(median)s"))
def answers_all(f: Facts) -> dict[int, float]:
    """Answers to other members' questions, all time."""
    return f.all_time["answers"]


@signal("accepted", GOOD, N_("had %(value)s answers accepted in %(days)s days; median %(median)s"))
def accepted(f: Facts) -> dict[int, float]:
    """Answers to others' questions accepted in the recent window."""
    return f.accepted_recent


@signal("accepted_all", GOOD, N_("had %(value)s answers accepted in all; median %(median)s"))
def accepted_all(f: Facts) -> dict[int, float]:
    """Answers to others' questions accepted, all time."""
    return f.accepted_all


# --- recency-weighted counts (each event weighs exp(-age / scale); scales 7, 30 and 90 days) ---


def _decayed_signal(key: str, phrase: str):
    signal(key, GOOD, phrase, digits=1)(lambda f: f.decayed[key])


_decayed_signal("answers_7d", N_("answers to others, the last week counting most: %(value)s; a typical active member: %(median)s"))
_decayed_signal("answers_30d", N_("answers to others, the last month counting most: %(value)s; a typical active member: %(median)s"))
_decayed_signal("answers_90d", N_("answers to others, the last three months counting most: %(value)s; a typical active member: %(median)s"))
_decayed_signal("helpful_30d", N_("answers that were accepted or upvoted, the last month counting most: %(value)s; a typical active member: %(median)s"))
_decayed_signal("helpful_90d", N_("answers that were accepted or upvoted, the last three months counting most: %(value)s; a typical active member: %(median)s"))
signal("helpful_all", GOOD, N_("%(value)s answers accepted or upvoted in all; a typical active member: %(median)s"))(lambda f: f.decayed["helpful_all"])
_decayed_signal("topics_30d", N_("topics started, the last month counting most: %(value)s; a typical active member: %(median)s"))
_decayed_signal("comments_30d", N_("comments written, the last month counting most: %(value)s; a typical active member: %(median)s"))
_decayed_signal("active_days_30d", N_("days with a post, the last month counting most: %(value)s; a typical active member: %(median)s"))
_decayed_signal("active_days_90d", N_("days with a post, the last three months counting most: %(value)s; a typical active member: %(median)s"))
signal("first_post_days", GOOD, N_("first posted %(value)s days ago; a typical active member: %(median)s"))(lambda f: f.decayed["first_post_days"])


# --- quality ---


@signal("votes_per_post", GOOD, N_("%(value)s net votes per post in %(days)s days; median %(median)s"), digits=1)
def votes_per_post(f: Facts) -> dict[int, float]:
    """Net votes received in the recent window per post written in it."""
    net, posts = f.received["net"], f.recent["posts"]
    return {member: net.get(member, 0) / count for member, count in posts.items() if count}


@signal("net_score", GOOD, N_("net score of %(value)s from other members' votes; median %(median)s"))
def net_score(f: Facts) -> dict[int, float]:
    """Upvotes minus downvotes received from others, all time."""
    return f.received["net_all"]


# --- helpfulness and reach ---


@signal("members_helped", GOOD, N_("answered questions of %(value)s different members in %(days)s days; median %(median)s"))
def members_helped(f: Facts) -> dict[int, float]:
    """Distinct askers answered in the recent window."""
    return f.recent["members_helped"]


@signal("first_responses", GOOD, N_("was first to answer %(value)s questions in %(days)s days; median %(median)s"))
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


@signal("votes_given", GOOD, N_("voted %(value)s times in %(days)s days; median %(median)s"))
def votes_given(f: Facts) -> dict[int, float]:
    """Votes cast on others' posts in the recent window."""
    return {member: votes for member, (votes, _members) in f.given_recent.items()}


@signal("members_voted", GOOD, N_("voted for %(value)s different members in %(days)s days; median %(median)s"))
def members_voted(f: Facts) -> dict[int, float]:
    """Distinct members voted for in the recent window."""
    return {member: members for member, (_votes, members) in f.given_recent.items()}


# --- ideas ---


@signal("ideas_proposed", GOOD, N_("proposed %(value)s ideas in %(days)s days; median %(median)s"))
def ideas_proposed(f: Facts) -> dict[int, float]:
    """Ideas proposed in the recent window."""
    return f.ideas_recent["proposed"]


@signal("idea_votes_received", GOOD, N_("their ideas received %(value)s votes in %(days)s days; median %(median)s"))
def idea_votes_received(f: Facts) -> dict[int, float]:
    """Votes other members gave this member's ideas in the recent window."""
    return f.ideas_recent["votes_received"]


@signal("ideas_shipped", GOOD, N_("%(value)s of their ideas shipped; median %(median)s"))
def ideas_shipped(f: Facts) -> dict[int, float]:
    """This member's ideas that shipped, all time."""
    return f.ideas_all["shipped"]


@signal("idea_votes_cast", GOOD, N_("voted for %(value)s ideas in %(days)s days; median %(median)s"))
def idea_votes_cast(f: Facts) -> dict[int, float]:
    """Idea votes cast in the recent window."""
    return f.ideas_recent["votes_cast"]


# --- stewardship ---


@signal("flags_agreed", GOOD, N_("raised %(value)s flags moderators agreed with in %(days)s days; median %(median)s"))
def flags_agreed(f: Facts) -> dict[int, float]:
    """Flags raised that moderators agreed with, recent window."""
    return f.stewardship_recent["flags_agreed"]


@signal("edits_of_others", GOOD, N_("improved %(value)s posts of other members in %(days)s days; median %(median)s"))
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


@signal("vote_concentration", PENALTY, N_("%(value)s%% of the upvotes received in %(days)s days came from just 3 accounts; median %(median)s%%"))
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


@dataclass(frozen=True, eq=False)
class Snapshot:
    """Every signal of every member at one moment: matrix rows follow member_ids, columns follow names."""

    now: datetime
    member_ids: tuple[int, ...]
    names: tuple[str, ...]
    matrix: np.ndarray
    facts: Facts
    positions: dict[int, int] = field(default_factory=dict, repr=False)

    @property
    def rows(self) -> tuple[tuple[float, ...], ...]:
        """The matrix as plain tuples (one per member)."""
        return tuple(map(tuple, self.matrix.tolist()))

    def value(self, member_id: int, name: str) -> float:
        """One member's value of one signal."""
        return float(self.matrix[self.positions[member_id], self.names.index(name)])

    def as_dict(self, member_id: int) -> dict[str, float]:
        """One member's signals by name."""
        return dict(zip(self.names, self.matrix[self.positions[member_id]].tolist()))


def snapshot_of(facts: Facts) -> Snapshot:
    """All signals for the members of `facts`, one column per signal (missing values are 0)."""
    import numpy as np

    ids = np.asarray(facts.member_ids, dtype=np.int64)
    matrix = np.zeros((len(ids), len(SIGNALS)))
    for column, signal_ in enumerate(SIGNALS):
        values = signal_.compute(facts)
        if not values or not len(ids):
            continue
        keys = np.fromiter(values.keys(), dtype=np.int64, count=len(values))
        numbers = np.array(list(values.values()), dtype=float)
        numbers[np.isnan(numbers)] = 0.0  # None (no value) reads 0
        where = np.minimum(np.searchsorted(ids, keys), len(ids) - 1)
        known = ids[where] == keys
        matrix[where[known], column] = numbers[known]
    matrix = np.round(matrix, 4)
    positions = {member: i for i, member in enumerate(facts.member_ids)}
    return Snapshot(facts.now, tuple(facts.member_ids), tuple(s.name for s in SIGNALS), matrix, facts, positions)


def feature_matrix(session: Session, now: datetime, window_days: int = 90, short_days: int = 30) -> Snapshot:
    """All signals for all members who joined before `now`."""
    from app.ambassadors.timeline import Timeline

    return snapshot_of(Timeline(session, [now], window_days, short_days).facts_at(now))


def labels(session: Session, start: datetime, end: datetime) -> dict[str, dict[int, float]]:
    """What each member did in [start, end), per profile (see Timeline.labels)."""
    from app.ambassadors.timeline import Timeline

    return Timeline(session, [], label_bounds=(start, end)).labels(start, end)
