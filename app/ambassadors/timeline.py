"""The facts behind member signals, for many moments at once.

A scoring run needs the same facts today and at every training cutoff, plus what members did in
the horizon after each cutoff. `Timeline` collects every window end it will need as `edges`, runs
each statement once with its rows grouped or tagged by bucket (the span between two edges; the
votes are read once as plain rows), and then answers any window as a sum over buckets in NumPy. Only data before the last edge is read, and a
moment's facts use only buckets before that moment, so no snapshot sees its own future.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from datetime import datetime, timedelta
from statistics import median

import numpy as np
from sqlalchemy.orm import Session

from app.accounts import queries as accounts_queries
from app.forum.queries import timeline as forum_timeline
from app.ideas import queries as ideas_queries
from app.karma import queries as karma_queries

TREND_RECENT_DAYS, TREND_BEFORE_DAYS = 30, 90
# Time scales (days) of the decayed counts: an event of age a weighs exp(-a / scale).
ANSWER_SCALES, HELPFUL_SCALES, ACTIVE_SCALES = (7, 30, 90), (30, 90), (30, 90)
POST_SCALE = 30
DAY = 86400.0


@dataclass
class Facts:
    """The aggregates one snapshot is computed from (every dict keyed by member id)."""

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
    decayed: dict[str, dict[int, float]] = field(default_factory=dict)


def _columns(rows, width: int) -> np.ndarray:
    if isinstance(rows, np.ndarray):
        return rows.astype(np.int64, copy=False).reshape(-1, width)
    # Flattening the driver's tuples through one iterator is twice as fast as np.asarray on them.
    return np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=len(rows) * width).reshape(-1, width)


def _pair_keys(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """One sortable int64 per (member id, member id) pair (ids are below 2**31)."""
    return (first.astype(np.int64) << 32) | second.astype(np.int64)


def _runs(days: np.ndarray) -> np.ndarray:
    """(member, first day, last day) of each run of consecutive visit days, from (member, day)."""
    days = days[np.lexsort((days[:, 1], days[:, 0]))]
    starts = np.flatnonzero(np.r_[True, (days[1:, 0] != days[:-1, 0]) | (days[1:, 1] != days[:-1, 1] + 1)])
    ends = np.r_[starts[1:], len(days)] - 1
    return np.column_stack((days[starts, 0], days[starts, 1], days[ends, 1])) if len(days) else np.zeros((0, 3), np.int64)


def _lookup(table: np.ndarray, keys: np.ndarray, missing: int) -> np.ndarray:
    """table[keys], with `missing` where a key falls outside the table."""
    inside = (keys >= 0) & (keys < len(table))
    found = np.full(len(keys), missing, dtype=table.dtype)
    found[inside] = table[keys[inside]]
    return found


def _as_dict(ids: np.ndarray, values: np.ndarray, keep=None) -> dict[int, float]:
    """{member id: value} for the members where `keep` holds (default: a nonzero value)."""
    mask = values != 0 if keep is None else keep
    return dict(zip(ids[mask].tolist(), values[mask].tolist()))


class Timeline:
    """Aggregates for windows ending at any of `moments` (plus label windows between `label_bounds`)."""

    def __init__(self, session: Session, moments, window_days: int = 90, short_days: int = 30, label_bounds=()):
        self.window_days, self.short_days = window_days, short_days
        self.window = timedelta(days=window_days)
        ends = set(label_bounds)
        for moment in moments:
            ends |= {moment, moment - self.window, moment - timedelta(days=short_days),
                     moment - timedelta(days=TREND_RECENT_DAYS), moment - timedelta(days=TREND_BEFORE_DAYS)}
        self.edges = sorted(ends)
        self.position = {edge: i for i, edge in enumerate(self.edges)}
        self.last = self.edges[-1]
        self.members = accounts_queries.members_before(session, self.last)
        self.ids = np.array([m.id for m in self.members], dtype=np.int64)
        self._load(session, tuple(label_bounds))

    # --- loading: one statement per fact ---

    def _index(self, member_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row positions of member ids, and which of them are known members."""
        where = np.searchsorted(self.ids, member_ids)
        where = np.minimum(where, max(0, len(self.ids) - 1))
        known = (self.ids[where] == member_ids) if len(self.ids) else np.zeros(len(member_ids), bool)
        return where, known

    def _dense(self, rows, width: int) -> np.ndarray:
        """(member, bucket, v1..vn) rows as an array [member, bucket, value] ([member, bucket] for one value)."""
        data = _columns(rows, width)
        dense = np.zeros((len(self.ids), len(self.edges) + 1, width - 2))
        where, known = self._index(data[:, 0])
        np.add.at(dense, (where[known], data[known, 1]), data[known, 2:])
        return dense[:, :, 0] if width == 3 else dense

    def _load(self, session: Session, label_bounds) -> None:
        edges = self.edges
        posts = _columns(forum_timeline.post_rows(session, edges), 11)
        post_id, author, asker, bucket = posts[:, 0], posts[:, 1], posts[:, 2], posts[:, 3]
        alive = (author > 0) & (posts[:, 7] == 0)
        self.posts = self._dense(np.column_stack((author, bucket, np.ones(len(posts), np.int64), posts[:, 4:7]))[alive], 6)
        # Distinct members helped needs the asker; an answer to a deleted member's question still
        # counts as an answer (post_rows flags it) and can be accepted, but names nobody to count.
        is_answer = alive & (posts[:, 6] == 1) & (asker > 0)
        self.askers = self._pairs(author[is_answer], asker[is_answer], bucket[is_answer])
        accepted = alive & (posts[:, 8] >= 0) & (asker != author)
        self.accepted = np.column_stack((author, posts[:, 8], bucket))[accepted]
        self.post_author, self.post_seconds = author, posts[:, 9].astype(float)
        self.answer_other, self.accepted_bucket = alive & (posts[:, 6] == 1), posts[:, 8]
        self.topic_start, self.comment = alive & (posts[:, 4] == 1), alive & (posts[:, 10] == 1)
        author_of = np.zeros(int(post_id.max(initial=0)) + 1, np.int64)
        author_of[post_id] = author
        votes = _columns(forum_timeline.vote_rows(session, edges), 4)
        voter, voted_post, value, vote_bucket = votes.T
        receiver = _lookup(author_of, voted_post, 0)
        counted = (receiver > 0) & (receiver != voter)
        # Votes on other members' posts, by (voter, receiver) pair and, for top voters, by (receiver, voter).
        self.given = self._pairs(voter[counted], receiver[counted], vote_bucket[counted], value[counted])
        self.received = self._pairs(receiver[counted], voter[counted], vote_bucket[counted], value[counted])
        row_of = np.full(int(post_id.max(initial=0)) + 1, -1, np.int64)
        row_of[post_id] = np.arange(len(posts))
        vote_row = _lookup(row_of, voted_post, -1)
        on_post = vote_row >= 0
        self.vote_row, self.vote_value, self.vote_bucket = vote_row[on_post], value[on_post], vote_bucket[on_post]
        self.first = _columns(forum_timeline.first_responses_by_bucket(session, edges), 3)
        self.stewardship = {name: self._dense(rows, 3) for name, rows in forum_timeline.stewardship_by_bucket(session, edges).items()}
        ideas = ideas_queries.idea_activity_by_bucket(session, edges)
        self.shipped = _columns(ideas.pop("shipped"), 3)
        self.ideas = {name: self._dense(rows, 3) for name, rows in ideas.items()}
        self.reversed = self._dense(karma_queries.karma_reversed_by_bucket(session, edges), 3)
        self.today_number, days = accounts_queries.visit_day_numbers(session, self.last.date())
        self.runs = _runs(_columns(days, 2))
        self.label_bounds = label_bounds
        self.helpful = self._helpful(posts, votes, receiver) if len(label_bounds) > 1 else None

    def _pairs(self, member: np.ndarray, other: np.ndarray, bucket: np.ndarray, value=None) -> dict[str, np.ndarray]:
        """Rows about (member, other) pairs as columns sorted by pair, members as row positions."""
        where, known = self._index(member)
        keys = _pair_keys(member, other)[known]
        order = np.argsort(keys, kind="stable")
        columns = {"member": where[known][order], "key": keys[order], "bucket": bucket[known][order]}
        if value is not None:
            columns["value"] = value[known][order]
        return columns

    def _helpful(self, posts: np.ndarray, votes: np.ndarray, receiver: np.ndarray) -> np.ndarray:
        """(author, period, count) of helpful answers: period i is [label_bounds[i-1], label_bounds[i]);
        an answer written in it to another member's question counts when, by the period's end, it
        was accepted or reached net score >= 1 from votes cast inside the same period."""
        # Bucket b starts at edges[b-1], so its period is the number of label bounds at or before that edge.
        bound_positions = [self.position[bound] for bound in self.label_bounds]
        period_of = np.searchsorted(bound_positions, np.arange(len(self.edges) + 1) - 1, side="right")
        post_period = period_of[posts[:, 3]]
        vote_period = period_of[votes[:, 3]]
        row_of = np.full(int(posts[:, 0].max(initial=0)) + 1, -1, np.int64)
        row_of[posts[:, 0]] = np.arange(len(posts))
        vote_row = _lookup(row_of, votes[:, 1], -1)
        same = (vote_row >= 0) & (receiver > 0)
        same[same] = vote_period[same] == post_period[vote_row[same]]
        net = np.bincount(vote_row[same], weights=votes[same, 2], minlength=len(posts))
        accepted_period = np.where(posts[:, 8] >= 0, period_of[np.maximum(posts[:, 8], 0)], len(self.label_bounds) + 1)
        inside = (post_period >= 1) & (post_period < len(self.label_bounds))
        answer = (posts[:, 1] > 0) & (posts[:, 7] == 0) & (posts[:, 6] == 1) & inside
        helpful = answer & ((net >= 1) | (accepted_period <= post_period))
        keys, counts = np.unique(_pair_keys(posts[helpful, 1], post_period[helpful]), return_counts=True)
        return np.column_stack((keys >> 32, keys & 0xFFFFFFFF, counts))

    # --- decayed counts (exact times, so every moment weighs each event by its own age) ---

    def _weighted(self, mask: np.ndarray, weights: np.ndarray) -> dict[int, float]:
        where, known = self._index(self.post_author[mask])
        return _as_dict(self.ids, np.bincount(where[known], weights=weights[mask][known], minlength=len(self.ids)))

    def _decayed(self, moment: datetime) -> dict[str, dict[int, float]]:
        """Answers to others (and those already helpful: accepted or net score >= 1 by `moment`),
        topics, comments and days with a post, each weighted exp(-age / scale)."""
        now, position = moment.timestamp(), self.position[moment]
        before = (self.post_seconds < now) & (self.post_author > 0)
        age = (now - self.post_seconds) / DAY
        known = self.vote_bucket <= position
        net = np.bincount(self.vote_row[known], weights=self.vote_value[known], minlength=len(self.post_seconds))
        accepted = (self.accepted_bucket >= 0) & (self.accepted_bucket <= position)
        helpful = self.answer_other & before & ((net >= 1) | accepted)
        found = {f"answers_{d}d": self._weighted(self.answer_other & before, np.exp(-age / d)) for d in ANSWER_SCALES}
        found |= {f"helpful_{d}d": self._weighted(helpful, np.exp(-age / d)) for d in HELPFUL_SCALES}
        found["helpful_all"] = self._weighted(helpful, np.ones(len(age)))
        found["topics_30d"] = self._weighted(self.topic_start & before, np.exp(-age / POST_SCALE))
        found["comments_30d"] = self._weighted(self.comment & before, np.exp(-age / POST_SCALE))
        keys = np.unique(_pair_keys(self.post_author[before], (self.post_seconds[before] // DAY).astype(np.int64)))
        members, days = keys >> 32, keys & 0xFFFFFFFF
        where, known_member = self._index(members)
        day_age = (now - (days + 0.5) * DAY) / DAY
        for d in ACTIVE_SCALES:
            weights = np.exp(-day_age / d)
            found[f"active_days_{d}d"] = _as_dict(self.ids, np.bincount(where[known_member], weights=weights[known_member], minlength=len(self.ids)))
        first = np.full(len(self.ids), np.inf)
        where, known_member = self._index(self.post_author[before])
        np.minimum.at(first, where[known_member], self.post_seconds[before][known_member])
        posted = np.isfinite(first)
        found["first_post_days"] = _as_dict(self.ids, np.where(posted, (now - first) / DAY, 0.0), keep=posted)
        return found

    # --- windows ---

    def span(self, since: datetime | None, until: datetime) -> tuple[int, int]:
        """The buckets [low, high] holding times in [since, until) (since None: all time)."""
        return (0 if since is None else self.position[since] + 1), self.position[until]

    def _sum(self, dense: np.ndarray, since, until) -> np.ndarray:
        low, high = self.span(since, until)
        return dense[:, low:high + 1].sum(axis=1)

    def _inside(self, pairs: dict[str, np.ndarray], since, until) -> np.ndarray:
        low, high = self.span(since, until)
        return (pairs["bucket"] >= low) & (pairs["bucket"] <= high)

    def _per_member(self, positions: np.ndarray, weights=None) -> np.ndarray:
        return np.bincount(positions, weights=weights, minlength=len(self.ids))

    def _distinct(self, pairs: dict[str, np.ndarray], since, until) -> np.ndarray:
        """How many distinct others each member had in the window (pairs are sorted, so a pair is
        new where its key differs from the previous row's)."""
        inside = self._inside(pairs, since, until)
        keys, members = pairs["key"][inside], pairs["member"][inside]
        first = np.r_[True, keys[1:] != keys[:-1]] if len(keys) else np.zeros(0, bool)
        return self._per_member(members[first])

    def _activity(self, since, until, *, helped: bool = True) -> dict[str, dict[int, float]]:
        sums = self._sum(self.posts, since, until)
        result = {name: _as_dict(self.ids, sums[:, i]) for i, name in enumerate(("posts", "topics", "replies", "answers"))}
        if helped:
            result["members_helped"] = _as_dict(self.ids, self._distinct(self.askers, since, until).astype(float))
        return result

    def _accepted(self, since, until) -> dict[int, int]:
        low, high = self.span(since, until)
        rows = self.accepted[(self.accepted[:, 1] >= low) & (self.accepted[:, 1] <= high) & (self.accepted[:, 2] <= high)]
        where, known = self._index(rows[:, 0])
        return _as_dict(self.ids, self._per_member(where[known]))

    def _first_responses(self, since, until) -> dict[int, tuple[int, float]]:
        low, high = self.span(since, until)
        seconds: dict[int, list[int]] = {}
        for author, bucket, value in self.first.tolist():
            if low <= bucket <= high:
                seconds.setdefault(author, []).append(value)
        return {author: (len(values), median(values) / 3600) for author, values in seconds.items()}

    def _received(self, since, until) -> tuple[dict, dict, dict]:
        """Votes received (up, net in the window; net before `until`), votes given and distinct
        members voted for, and each member's share of upvotes from their 3 most frequent voters."""
        received, given = self.received, self.given
        before = received["bucket"] <= self.span(since, until)[1]
        inside = self._inside(received, since, until)
        value = received["value"]
        up = self._per_member(received["member"][inside & (value > 0)])
        down = self._per_member(received["member"][inside & (value < 0)])
        net_all = self._per_member(received["member"][before], weights=value[before])
        voted = up + down > 0
        result = {
            "up": _as_dict(self.ids, up, keep=voted),
            "net": _as_dict(self.ids, up - down, keep=voted),
            "net_all": _as_dict(self.ids, net_all, keep=self._per_member(received["member"][before]) > 0),
        }
        cast = self._per_member(given["member"][self._inside(given, since, until)])
        distinct = self._distinct(given, since, until)
        given_recent = dict(zip(self.ids[cast > 0].tolist(), zip(cast[cast > 0].tolist(), distinct[cast > 0].tolist())))
        return result, given_recent, self._concentration(inside & (value > 0))

    def _concentration(self, upvotes: np.ndarray, top: int = 3) -> dict[int, float]:
        """Per member: the share of the chosen upvotes that came from their `top` most frequent voters."""
        keys, members = self.received["key"][upvotes], self.received["member"][upvotes]
        if not len(keys):
            return {}
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        counts, pair_member = np.diff(np.r_[starts, len(keys)]), members[starts]
        order = np.lexsort((-counts, pair_member))
        counts, pair_member = counts[order], pair_member[order]
        first = np.flatnonzero(np.r_[True, pair_member[1:] != pair_member[:-1]])
        rank = np.arange(len(counts)) - np.repeat(first, np.diff(np.r_[first, len(counts)]))
        total = np.add.reduceat(counts, first)
        best = np.add.reduceat(np.where(rank < top, counts, 0), first)
        return dict(zip(self.ids[pair_member[first]].tolist(), (best / total).tolist()))

    def _visits(self, moment: datetime) -> dict[str, dict[int, float]]:
        def number(day) -> int:
            return self.today_number - (self.last.date() - day).days

        today = number(moment.date())
        runs = self.runs[self.runs[:, 1] < today]
        users, first, last = runs[:, 0], runs[:, 1], np.minimum(runs[:, 2], today - 1)
        members, where = np.unique(users, return_inverse=True)
        where = where.ravel()

        def days_from(day: int) -> dict[int, float]:
            overlap = np.clip(last - np.maximum(first, day) + 1, 0, None)
            return _as_dict(members, np.bincount(where, weights=overlap, minlength=len(members)))

        length = last - first + 1
        longest, current, latest = (np.zeros(len(members), np.int64) for _ in range(3))
        np.maximum.at(longest, where, length)
        np.maximum.at(current, where, np.where(last == today - 1, length, 0))
        np.maximum.at(latest, where, last)
        return {
            "days": days_from(number((moment - self.window).date())),
            "short_days": days_from(number((moment - timedelta(days=self.short_days)).date())),
            "since_last": dict(zip(members.tolist(), (today - latest).tolist())),
            "longest_streak": dict(zip(members.tolist(), longest.tolist())),
            "current_streak": _as_dict(members, current),
        }

    def _ideas(self, since, until) -> dict[str, dict[int, int]]:
        result = {name: _as_dict(self.ids, self._sum(dense, since, until).astype(int)) for name, dense in self.ideas.items()}
        low, high = self.span(since, until)
        shipped = self.shipped[(self.shipped[:, 1] >= low) & (self.shipped[:, 1] <= high)]
        ideas = np.unique(shipped[:, [0, 2]], axis=0) if len(shipped) else np.zeros((0, 2), np.int64)
        members, counts = np.unique(ideas[:, 0], return_counts=True)
        result["shipped"] = dict(zip(members.tolist(), counts.tolist()))
        return result

    def _stewardship(self, since, until) -> dict[str, dict[int, float]]:
        return {name: _as_dict(self.ids, self._sum(dense, since, until)) for name, dense in self.stewardship.items()}

    # --- what callers use ---

    def facts_at(self, moment: datetime) -> Facts:
        """Everything the signals of `moment` are computed from."""
        since = moment - self.window
        members = [m for m in self.members if m.created_at < moment]
        received, given, concentration = self._received(since, moment)
        return Facts(
            now=moment,
            window_days=self.window_days,
            member_ids=[m.id for m in members],
            created_at={m.id: m.created_at for m in members},
            visits=self._visits(moment),
            recent=self._activity(since, moment),
            all_time=self._activity(None, moment),
            last30=self._activity(moment - timedelta(days=TREND_RECENT_DAYS), moment, helped=False),
            prev60=self._activity(moment - timedelta(days=TREND_BEFORE_DAYS), moment - timedelta(days=TREND_RECENT_DAYS),
                                  helped=False),
            accepted_recent=self._accepted(since, moment),
            accepted_all=self._accepted(None, moment),
            first_responses=self._first_responses(since, moment),
            received=received,
            given_recent=given,
            concentration=concentration,
            stewardship_recent=self._stewardship(since, moment),
            stewardship_all=self._stewardship(None, moment),
            ideas_recent=self._ideas(since, moment),
            ideas_all=self._ideas(None, moment),
            karma_reversed=_as_dict(self.ids, self._sum(self.reversed, None, moment).astype(int)),
            decayed=self._decayed(moment),
        )

    def labels(self, start: datetime, end: datetime) -> dict[str, dict[int, float]]:
        """What each member did in [start, end) (two consecutive label bounds), per profile.

        helper: helpful answers to others (accepted, or net score >= 1 from votes in the window);
        moderator: agreed flags plus edits of others' posts; ambassador: distinct members helped
        plus ideas proposed; labs: ideas proposed, idea votes cast, and 3 per idea shipped.
        """
        period = self.label_bounds.index(end)
        if self.label_bounds[period - 1] != start:
            raise ValueError("labels are only known for consecutive label bounds")
        helpful = self.helpful[self.helpful[:, 1] == period]
        stewardship = self._stewardship(start, end)
        ideas = self._ideas(start, end)
        activity = self._activity(start, end)

        def total(*parts: tuple[dict, float]) -> dict[int, float]:
            summed: dict[int, float] = {}
            for counts, weight in parts:
                for member, count in counts.items():
                    summed[member] = summed.get(member, 0) + weight * count
            return summed

        return {
            "helper": {int(m): float(n) for m, n in zip(helpful[:, 0], helpful[:, 2])},
            "moderator": total((stewardship["flags_agreed"], 1), (stewardship["edits_of_others"], 1)),
            "ambassador": total((activity["members_helped"], 1), (ideas["proposed"], 1)),
            "labs": total((ideas["proposed"], 1), (ideas["votes_cast"], 1), (ideas["shipped"], 3)),
        }
