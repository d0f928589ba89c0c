"""Karma ledger rows for imported votes and accepted answers, with the daily cap, computed in bulk.

The rows are the same ones `app.karma.service` writes for live votes (reasons `upvote`, `downvote`,
`answer_accepted`, `accepted_an_answer`; sources `vote` and `post`), dated with the dump's dates,
so an imported member's karma history reads like a native one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timezone

# Stack Exchange raised question upvotes from +5 to the answer value on this day.
QUESTION_UPVOTE_RAISED = datetime(2019, 11, 13, tzinfo=timezone.utc)
CAP_NOTE = "Daily vote cap reached"
IMPORT_NOTE = "Imported from {host}"


@dataclass(frozen=True)
class ImportedVote:
    """A vote on an imported post, ready for the ledger."""

    post_id: int
    voter_id: int
    author_id: int | None
    is_question: bool
    value: int
    at: datetime
    order: int  # the source vote id: the order of votes within a day


@dataclass(frozen=True)
class ImportedAccept:
    """An accepted answer, ready for the ledger."""

    post_id: int
    answer_author_id: int | None
    asker_id: int | None
    at: datetime


def upvote_points(settings, is_question: bool, at: datetime) -> int:
    """Karma for an upvote: settings' values, with Stack Exchange's +5 -> +10 question change."""
    if is_question and at < QUESTION_UPVOTE_RAISED:
        return settings.karma_upvote_question
    return settings.karma_upvote_answer


def ledger_rows(
    settings,
    votes: list[ImportedVote],
    accepts: list[ImportedAccept],
    cap_used: dict[tuple[int, date], int],
    host: str,
) -> list[dict]:
    """Ledger rows for the given votes and accepts; cap_used (user, day) -> granted is updated in place.

    Anonymous voters are not members, so the voter's own cost of a downvote is not charged.
    """
    note = IMPORT_NOTE.format(host=host)
    rows: list[dict] = []
    for vote in sorted(votes, key=lambda v: (v.at, v.order)):
        if vote.author_id is None or vote.value == 0:
            continue
        if vote.value > 0:
            wanted = upvote_points(settings, vote.is_question, vote.at)
            key = (vote.author_id, vote.at.date())
            used = cap_used.get(key, 0)
            delta = max(0, min(wanted, settings.karma_daily_vote_cap - used))
            cap_used[key] = used + delta
            rows.append(
                _row(vote.author_id, delta, "upvote", "vote", vote.post_id, vote.voter_id, vote.at, True,
                     CAP_NOTE if delta < wanted else note)
            )
        else:
            rows.append(
                _row(vote.author_id, settings.karma_downvote_received, "downvote", "vote", vote.post_id,
                     vote.voter_id, vote.at, False, note)
            )
    for accept in accepts:
        if accept.answer_author_id is None or accept.answer_author_id == accept.asker_id:
            continue
        rows.append(
            _row(accept.answer_author_id, settings.karma_accepted_answer, "answer_accepted", "post",
                 accept.post_id, accept.asker_id, accept.at, False, note)
        )
        if accept.asker_id is not None:
            rows.append(
                _row(accept.asker_id, settings.karma_accepted_asker, "accepted_an_answer", "post",
                     accept.post_id, accept.asker_id, accept.at, False, note)
            )
    return rows


def _row(user_id, delta, reason, source, post_id, actor_id, at, capped, note) -> dict:
    return {
        "user_id": user_id,
        "delta": delta,
        "reason": reason,
        "source": source,
        "source_id": post_id,
        "post_id": post_id,
        "actor_id": actor_id,
        "created_at": at,
        "reverses_id": None,
        "counts_toward_cap": capped,
        "flag_id": None,
        "note": note,
    }


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson correlation of two equally long series, or None when it is undefined."""
    n = len(xs)
    if n < 2:
        return None
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    syy = sum((y - mean_y) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys))
    return sxy / math.sqrt(sxx * syy)
