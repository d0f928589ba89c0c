"""The daily karma job: find serial voting and voting rings, reverse their karma with compensating
rows, store the evidence for managers, and award badges. Running it twice changes nothing twice.

Votes are read from karma's own ledger: every vote grant row records the voter (actor), the
author (member), the post and the time. A vote counts as cast unless it was withdrawn, changed or
its post deleted; fraud reversals keep it counted, so a second run sees the same evidence, finds
nothing left to reverse and writes no new flag.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from app.accounts.models import UserVisit
from app.db import insert_ignore
from app.karma import service
from app.karma.models import Badge, KarmaEntry, KarmaFlag, KarmaJobRun, UserBadge
from app.karma.rules import VOTE_GONE_REASONS, badge_rules


@dataclass(frozen=True)
class VoteFact:
    """One cast vote, as the ledger remembers it."""

    voter_id: int
    author_id: int
    post_id: int
    value: int
    at: datetime


def cast_votes(session: Session, since: datetime, until: datetime) -> list[VoteFact]:
    """Votes cast in (since, until] that still stand (not withdrawn, changed or on a deleted post)."""
    gone = aliased(KarmaEntry)
    rows = session.execute(
        select(KarmaEntry.actor_id, KarmaEntry.user_id, KarmaEntry.post_id, KarmaEntry.reason, KarmaEntry.created_at)
        .where(
            KarmaEntry.source == "vote",
            KarmaEntry.reason.in_(("upvote", "downvote")),
            KarmaEntry.reverses_id.is_(None),
            KarmaEntry.actor_id.is_not(None),
            KarmaEntry.post_id.is_not(None),
            KarmaEntry.created_at > since,
            KarmaEntry.created_at <= until,
            ~exists().where(gone.reverses_id == KarmaEntry.id, gone.reason.in_(VOTE_GONE_REASONS)),
        )
        .order_by(KarmaEntry.created_at, KarmaEntry.id)
    )
    return [
        VoteFact(voter_id=row.actor_id, author_id=row.user_id, post_id=row.post_id, value=1 if row.reason == "upvote" else -1, at=row.created_at)
        for row in rows
    ]


def find_serial(votes: list[VoteFact], threshold: int, hours: int) -> dict[tuple[int, int], list[VoteFact]]:
    """(voter, author) pairs with at least `threshold` votes inside some `hours` window, with those votes."""
    by_pair: dict[tuple[int, int], list[VoteFact]] = defaultdict(list)
    for vote in votes:
        by_pair[(vote.voter_id, vote.author_id)].append(vote)
    window = timedelta(hours=hours)
    found = {}
    for pair, pair_votes in by_pair.items():
        if len(pair_votes) < threshold:
            continue
        pair_votes.sort(key=lambda vote: vote.at)
        marked: set[int] = set()
        start = 0
        for end in range(len(pair_votes)):
            while pair_votes[end].at - pair_votes[start].at > window:
                start += 1
            if end - start + 1 >= threshold:
                marked.update(range(start, end + 1))
        if marked:
            found[pair] = [pair_votes[index] for index in sorted(marked)]
    return found


def _strongly_connected(nodes: set[int], edges: dict[int, set[int]]) -> list[set[int]]:
    """Strongly connected components (iterative Kosaraju) of the graph restricted to `nodes`."""
    order: list[int] = []
    seen: set[int] = set()
    for root in sorted(nodes):
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(sorted(edges.get(root, set()) & nodes)))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                order.append(node)
            elif child not in seen:
                seen.add(child)
                stack.append((child, iter(sorted(edges.get(child, set()) & nodes))))
    reverse_edges: dict[int, set[int]] = defaultdict(set)
    for source, targets in edges.items():
        for target in targets:
            reverse_edges[target].add(source)
    components = []
    assigned: set[int] = set()
    for root in reversed(order):
        if root in assigned:
            continue
        component = {root}
        assigned.add(root)
        stack = [root]
        while stack:
            node = stack.pop()
            for parent in reverse_edges.get(node, set()) & nodes:
                if parent not in assigned:
                    assigned.add(parent)
                    component.add(parent)
                    stack.append(parent)
        components.append(component)
    return components


@dataclass(frozen=True)
class Ring:
    """A group of accounts that vote mostly for each other, with the numbers that show it."""

    members: tuple[int, ...]
    edges: tuple[tuple[int, int, int], ...]  # (voter, author, upvotes)
    shares: dict


def find_rings(
    votes: list[VoteFact], min_edge_votes: int, min_share: float, max_size: int, min_received_share: float | None = None
) -> list[Ring]:
    """Small groups whose members give at least `min_share` of their upvotes inside the group and
    receive at least `min_received_share` (default: `min_share`) of theirs from it.

    Build the voter→author graph of upvotes, keep edges with at least `min_edge_votes`, and take its
    strongly connected groups. A member whose votes given into the group, or received from it, fall
    below the share is peeled off and the groups are recomputed, until every remaining member of
    every group passes. An honest heavy voter spreads votes over many authors, so their share into
    any group stays small and they are peeled off instead of flagged; a popular helper gets most
    votes from outside any group. The received share may be set lower than the given share: ring
    accounts that also answer well collect honest votes too, and stay a ring.
    """
    if min_received_share is None:
        min_received_share = min_share
    counts: dict[tuple[int, int], int] = defaultdict(int)
    given: dict[int, int] = defaultdict(int)
    received: dict[int, int] = defaultdict(int)
    for vote in votes:
        if vote.value != 1:
            continue
        counts[(vote.voter_id, vote.author_id)] += 1
        given[vote.voter_id] += 1
        received[vote.author_id] += 1
    strong: dict[int, set[int]] = defaultdict(set)
    for (voter, author), count in counts.items():
        if count >= min_edge_votes:
            strong[voter].add(author)
    candidates = set(strong) | {author for targets in strong.values() for author in targets}
    while True:
        removed = False
        groups = [group for group in _strongly_connected(candidates, strong) if len(group) >= 2]
        for group in groups:
            for member in sorted(group):
                given_in = sum(counts.get((member, other), 0) for other in group if other != member)
                received_in = sum(counts.get((other, member), 0) for other in group if other != member)
                if given_in < min_share * given[member] or received_in < min_received_share * received[member]:
                    candidates.discard(member)
                    removed = True
        if not removed:
            break
    rings = []
    for group in groups:
        if not 2 <= len(group) <= max_size:
            continue
        members = tuple(sorted(group))
        edges = tuple(
            (voter, author, counts[(voter, author)])
            for voter in members
            for author in members
            if voter != author and counts.get((voter, author))
        )
        shares = {
            member: {
                "given_in_ring": sum(counts.get((member, other), 0) for other in members if other != member),
                "given_total": given[member],
                "received_in_ring": sum(counts.get((other, member), 0) for other in members if other != member),
                "received_total": received[member],
            }
            for member in members
        }
        rings.append(Ring(members=members, edges=edges, shares=shares))
    return rings


def _vote_entries(session: Session, pairs: set[tuple[int, int]]) -> list[KarmaEntry]:
    """Live ledger rows of the given (post, voter) votes."""
    entries = []
    by_voter: dict[int, set[int]] = defaultdict(set)
    for post_id, voter_id in pairs:
        by_voter[voter_id].add(post_id)
    for voter_id, post_ids in sorted(by_voter.items()):
        entries.extend(
            service.live_entries(
                session, KarmaEntry.source == "vote", KarmaEntry.actor_id == voter_id, KarmaEntry.post_id.in_(sorted(post_ids))
            )
        )
    return entries


def _flag_and_reverse(session: Session, run: KarmaJobRun, *, kind: str, fingerprint: str, members, votes: list[VoteFact],
                      evidence: dict, reason: str, now: datetime) -> tuple[int, int] | None:
    """Reverse what is still live of these votes under a new flag; None when there was nothing new."""
    entries = _vote_entries(session, {(vote.post_id, vote.voter_id) for vote in votes})
    already = session.scalar(select(KarmaFlag.id).where(KarmaFlag.fingerprint == fingerprint).limit(1))
    if not entries and already is not None:
        return None
    flag = KarmaFlag(
        kind=kind,
        fingerprint=fingerprint,
        member_ids=json.dumps(sorted(members)),
        evidence=json.dumps(evidence, sort_keys=True, default=str),
        votes=len(votes),
        karma_reversed=0,
        created_at=now,
        job_run_id=run.id,
    )
    session.add(flag)
    session.flush()
    flag.karma_reversed = service.reverse(session, entries, reason=reason, now=now, flag_id=flag.id)
    session.flush()
    return len(entries), flag.karma_reversed


def detect_gaming(session: Session, settings, run: KarmaJobRun, now: datetime) -> dict:
    """Find serial voting and rings in the window before `now`, reverse them, flag them."""
    votes = cast_votes(session, now - timedelta(days=settings.karma_fraud_window_days), now)
    summary = {"votes_examined": len(votes), "serial_pairs": 0, "rings": [], "entries_reversed": 0, "karma_reversed": 0, "flags": 0}
    for (voter, author), pair_votes in sorted(find_serial(votes, settings.karma_serial_votes, settings.karma_serial_hours).items()):
        summary["serial_pairs"] += 1
        evidence = {
            "voter_id": voter,
            "author_id": author,
            "votes": len(pair_votes),
            "upvotes": sum(1 for vote in pair_votes if vote.value == 1),
            "downvotes": sum(1 for vote in pair_votes if vote.value == -1),
            "first_at": pair_votes[0].at.isoformat(),
            "last_at": pair_votes[-1].at.isoformat(),
            "window_hours": settings.karma_serial_hours,
            "post_ids": sorted({vote.post_id for vote in pair_votes}),
        }
        done = _flag_and_reverse(
            session, run, kind="serial", fingerprint=f"serial:{voter}>{author}", members=(voter, author),
            votes=pair_votes, evidence=evidence, reason="serial_voting", now=now,
        )
        if done:
            summary["flags"] += 1
            summary["entries_reversed"] += done[0]
            summary["karma_reversed"] += done[1]
    rings = find_rings(
        votes,
        settings.karma_ring_min_edge_votes,
        settings.karma_ring_min_share,
        settings.karma_ring_max_size,
        settings.karma_ring_min_received_share,
    )
    for ring in rings:
        members = set(ring.members)
        ring_votes = [vote for vote in votes if vote.value == 1 and vote.voter_id in members and vote.author_id in members]
        summary["rings"].append(list(ring.members))
        evidence = {
            "members": list(ring.members),
            "votes": len(ring_votes),
            "edges": [{"voter_id": voter, "author_id": author, "upvotes": count} for voter, author, count in ring.edges],
            "shares": {str(member): share for member, share in ring.shares.items()},
            "first_at": ring_votes[0].at.isoformat() if ring_votes else None,
            "last_at": ring_votes[-1].at.isoformat() if ring_votes else None,
            "window_days": settings.karma_fraud_window_days,
        }
        done = _flag_and_reverse(
            session, run, kind="ring", fingerprint="ring:" + "-".join(str(member) for member in ring.members),
            members=ring.members, votes=ring_votes, evidence=evidence, reason="voting_ring", now=now,
        )
        if done:
            summary["flags"] += 1
            summary["entries_reversed"] += done[0]
            summary["karma_reversed"] += done[1]
    return summary


def _longest_streaks(session: Session, minimum: int) -> dict[int, int]:
    """Longest run of consecutive visit days, for members with at least `minimum` visit days."""
    regulars = select(UserVisit.user_id).group_by(UserVisit.user_id).having(func.count() >= minimum)
    streaks: dict[int, int] = {}
    current: dict[int, tuple[object, int]] = {}
    for user_id, day in session.execute(
        select(UserVisit.user_id, UserVisit.day).where(UserVisit.user_id.in_(regulars)).order_by(UserVisit.user_id, UserVisit.day)
    ):
        previous = current.get(user_id)
        length = previous[1] + 1 if previous and (day - previous[0]).days == 1 else 1
        current[user_id] = (day, length)
        streaks[user_id] = max(streaks.get(user_id, 0), length)
    return streaks


def award_badges(session: Session, settings, now: datetime) -> int:
    """Give every member the badges they have earned and do not hold yet; returns how many were given."""
    rules = badge_rules(settings)
    for rule in rules:
        insert_ignore(session, Badge.__table__, {"slug": rule.slug}, ["slug"])
    badge_ids = dict(session.execute(select(Badge.slug, Badge.id)).all())
    reversed_entry = aliased(KarmaEntry)
    counts = defaultdict(dict)
    for user_id, reason, count in session.execute(
        select(KarmaEntry.user_id, KarmaEntry.reason, func.count())
        .where(
            KarmaEntry.reason.in_(("answer_accepted", "idea_shipped")),
            KarmaEntry.reverses_id.is_(None),
            ~exists().where(reversed_entry.reverses_id == KarmaEntry.id),
        )
        .group_by(KarmaEntry.user_id, KarmaEntry.reason)
    ):
        counts[reason][user_id] = count
    earned: list[tuple[int, str]] = []
    for tier in settings.karma_badge_accepted_tiers:
        earned += [(user_id, f"accepted-{tier}") for user_id, count in counts["answer_accepted"].items() if count >= tier]
    earned += [(user_id, "idea-shipped") for user_id in counts["idea_shipped"]]
    streak_days = settings.karma_badge_visit_streak_days
    earned += [(user_id, "visit-streak") for user_id, length in _longest_streaks(session, streak_days).items() if length >= streak_days]
    given = 0
    for user_id, slug in sorted(earned):
        given += insert_ignore(
            session, UserBadge.__table__, {"user_id": user_id, "badge_id": badge_ids[slug], "awarded_at": now}, ["user_id", "badge_id"]
        )
    return given


def job(session: Session, now: datetime, settings=None) -> dict:
    """The daily karma job: anti-gaming reversals and flags, then badges. Returns a summary."""
    if settings is None:
        from app.config import get_settings

        settings = get_settings()
    run = KarmaJobRun(started_at=now, summary="{}")
    session.add(run)
    session.flush()
    summary = detect_gaming(session, settings, run, now)
    summary["badges_awarded"] = award_badges(session, settings, now)
    summary["job_run_id"] = run.id
    run.summary = json.dumps(summary, sort_keys=True)
    session.flush()
    return summary
