"""Karma commands: append ledger rows, reverse them with compensating rows, apply the daily cap,
keep the cached `user_account.karma` in step, and repair it (`recompute_totals`).

Every change to a member's karma is a new `KarmaEntry`; history is never edited or deleted. The
cached total moves only by ``karma = karma + :delta`` in the same transaction as its row.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.util import identity_key

from app.accounts.models import User
from app.db import insert_ignore
from app.errors import ValidationFailed
from app.i18n import N_
from app.karma.models import KarmaCapDay, KarmaEntry, KarmaSetting
from app.karma.rules import ACCEPT_REASONS, vote_grants


class Totals:
    """Karma changes gathered during one command, applied at the end in user-id order.

    Applying them in a fixed order keeps two concurrent commands that touch the same two members
    from locking their rows in opposite orders (a deadlock on PostgreSQL).
    """

    def __init__(self) -> None:
        self.by_user: dict[int, int] = defaultdict(int)

    def add(self, user_id: int, delta: int) -> None:
        """Remember a change for one member."""
        self.by_user[user_id] += delta

    def apply(self, session: Session) -> None:
        """Write the gathered changes with atomic increments."""
        for user_id in sorted(self.by_user):
            delta = self.by_user[user_id]
            if delta:
                session.execute(
                    update(User)
                    .where(User.id == user_id)
                    .values(karma=User.karma + delta)
                    .execution_options(synchronize_session=False)
                )
                loaded = session.identity_map.get(identity_key(User, user_id))
                if loaded is not None:
                    session.expire(loaded, ["karma"])  # reload the new total on next access
        self.by_user.clear()


def _insert(session: Session, totals: Totals, **values) -> None:
    session.execute(KarmaEntry.__table__.insert().values(**values))
    totals.add(values["user_id"], values["delta"])


def _cap_room(session: Session, settings, user_id: int, wanted: int, now: datetime) -> int:
    """How much of `wanted` vote karma a member may still get today, booked against the cap.

    The day's counter row is locked (FOR UPDATE on PostgreSQL; SQLite already holds the write
    lock), so concurrent votes for the same member cannot both use the last free points.
    """
    day = now.date()
    insert_ignore(session, KarmaCapDay.__table__, {"user_id": user_id, "day": day, "granted": 0}, ["user_id", "day"])
    granted = session.scalar(
        select(KarmaCapDay.granted).where(KarmaCapDay.user_id == user_id, KarmaCapDay.day == day).with_for_update()
    )
    amount = max(0, min(wanted, settings.karma_daily_vote_cap - (granted or 0)))
    if amount:
        session.execute(
            update(KarmaCapDay)
            .where(KarmaCapDay.user_id == user_id, KarmaCapDay.day == day)
            .values(granted=KarmaCapDay.granted + amount)
            .execution_options(synchronize_session=False)
        )
    return amount


def live_entries(session: Session, *conditions) -> list[KarmaEntry]:
    """Original (non-reversal) rows matching the conditions that nothing has reversed yet."""
    reversal = aliased(KarmaEntry)
    return list(
        session.scalars(
            select(KarmaEntry)
            .where(
                *conditions,
                KarmaEntry.reverses_id.is_(None),
                ~exists().where(reversal.reverses_id == KarmaEntry.id),
            )
            .order_by(KarmaEntry.id)
        )
    )


def reverse(
    session: Session,
    entries,
    *,
    reason: str,
    now: datetime,
    actor_id: int | None = None,
    flag_id: int | None = None,
    note: str = "",
    totals: Totals | None = None,
) -> int:
    """Undo rows with compensating rows (each row at most once); returns the karma taken back.

    A capped vote grant is undone by exactly what it granted, and frees that much of its day's cap.
    """
    own_totals = totals is None
    totals = totals or Totals()
    taken = 0
    for entry in sorted(entries, key=lambda item: item.id):
        inserted = insert_ignore(
            session,
            KarmaEntry.__table__,
            {
                "user_id": entry.user_id,
                "delta": -entry.delta,
                "reason": reason,
                "source": entry.source,
                "source_id": entry.source_id,
                "post_id": entry.post_id,
                "actor_id": actor_id if actor_id is not None else entry.actor_id,
                "created_at": now,
                "reverses_id": entry.id,
                "counts_toward_cap": False,
                "flag_id": flag_id,
                "note": note[:300],
            },
            ["reverses_id"],
        )
        if not inserted:
            continue
        totals.add(entry.user_id, -entry.delta)
        taken += entry.delta
        if entry.counts_toward_cap and entry.delta:
            session.execute(
                update(KarmaCapDay)
                .where(KarmaCapDay.user_id == entry.user_id, KarmaCapDay.day == entry.created_at.date())
                .values(granted=KarmaCapDay.granted - entry.delta)
                .execution_options(synchronize_session=False)
            )
    if own_totals:
        totals.apply(session)
    return taken


def record_vote(
    session: Session,
    settings,
    *,
    post_id: int,
    voter_id: int,
    author_id: int | None,
    old_value: int,
    new_value: int,
    post_kind: str,
    now: datetime,
) -> None:
    """Ledger rows for a vote that changed from old_value to new_value (the PostVoted handler).

    The rows of the old vote are reversed, then the new vote's rows are granted; the author's
    upvote karma goes through the daily cap and the row stores what was actually granted.
    """
    totals = Totals()
    if old_value != 0:
        reverse(
            session,
            live_entries(session, KarmaEntry.source == "vote", KarmaEntry.post_id == post_id, KarmaEntry.actor_id == voter_id),
            reason="vote_withdrawn" if new_value == 0 else "vote_changed",
            now=now,
            totals=totals,
        )
    for grant in vote_grants(settings, post_kind, new_value):
        user_id = author_id if grant.to == "author" else voter_id
        if user_id is None:
            continue
        delta = grant.delta
        note = ""
        if grant.counts_toward_cap and delta > 0:
            allowed = _cap_room(session, settings, user_id, delta, now)
            if allowed < delta:
                note = N_("Daily vote cap reached")
            delta = allowed
        _insert(
            session,
            totals,
            user_id=user_id,
            delta=delta,
            reason=grant.reason,
            source="vote",
            source_id=post_id,
            post_id=post_id,
            actor_id=voter_id,
            created_at=now,
            counts_toward_cap=grant.counts_toward_cap,
            note=note,
        )
    totals.apply(session)


def record_accepted(
    session: Session,
    settings,
    *,
    post_id: int,
    answer_author_id: int | None,
    asker_id: int | None,
    accepted_by_id: int,
    now: datetime,
) -> None:
    """Karma for an accepted answer: the answerer and (when they accepted it) the asker.

    Accepting your own answer earns nothing; accepted answers are exempt from the daily cap.
    Publishing the same acceptance twice grants once.
    """
    if answer_author_id is None or answer_author_id == asker_id:
        return
    totals = Totals()
    wanted = [(answer_author_id, settings.karma_accepted_answer, "answer_accepted")]
    if asker_id is not None and accepted_by_id == asker_id:
        wanted.append((asker_id, settings.karma_accepted_asker, "accepted_an_answer"))
    for user_id, delta, reason in wanted:
        if live_entries(session, KarmaEntry.source == "post", KarmaEntry.post_id == post_id, KarmaEntry.user_id == user_id, KarmaEntry.reason == reason):
            continue
        _insert(
            session,
            totals,
            user_id=user_id,
            delta=delta,
            reason=reason,
            source="post",
            source_id=post_id,
            post_id=post_id,
            actor_id=accepted_by_id,
            created_at=now,
            counts_toward_cap=False,
            note="",
        )
    totals.apply(session)


def record_unaccepted(session: Session, *, post_id: int, by_id: int | None, now: datetime) -> int:
    """Reverse the karma of an answer that is no longer accepted."""
    return reverse(
        session,
        live_entries(session, KarmaEntry.source == "post", KarmaEntry.post_id == post_id, KarmaEntry.reason.in_(ACCEPT_REASONS)),
        reason="answer_unaccepted",
        now=now,
        actor_id=by_id,
    )


def record_post_deleted(session: Session, *, post_id: int, by_id: int | None, now: datetime) -> int:
    """Reverse every live row a deleted post earned (its votes, a voter's downvote cost, acceptance)."""
    return reverse(
        session,
        live_entries(session, KarmaEntry.post_id == post_id),
        reason="post_deleted",
        now=now,
        actor_id=by_id,
    )


def _credit_once(session: Session, *, user_id: int, delta: int, reason: str, source: str, source_id: int,
                 post_id: int | None, actor_id: int | None, now: datetime) -> bool:
    if live_entries(session, KarmaEntry.source == source, KarmaEntry.source_id == source_id, KarmaEntry.user_id == user_id, KarmaEntry.reason == reason):
        return False
    totals = Totals()
    _insert(
        session,
        totals,
        user_id=user_id,
        delta=delta,
        reason=reason,
        source=source,
        source_id=source_id,
        post_id=post_id,
        actor_id=actor_id,
        created_at=now,
        counts_toward_cap=False,
        note="",
    )
    totals.apply(session)
    return True


def record_flag_agreed(session: Session, settings, *, flag_id: int, post_id: int, flagger_id: int | None,
                       reviewer_id: int, now: datetime) -> bool:
    """Karma for a flag moderators agreed with (once per flag)."""
    if flagger_id is None:
        return False
    return _credit_once(
        session, user_id=flagger_id, delta=settings.karma_flag_agreed, reason="flag_agreed", source="flag",
        source_id=flag_id, post_id=post_id, actor_id=reviewer_id, now=now,
    )


def credit_idea_shipped(session: Session, settings, *, author_id: int, idea_id: int, actor_id: int | None,
                        now: datetime) -> bool:
    """Karma for the author of an idea that shipped (once per idea); the ideas domain's handler calls this."""
    return _credit_once(
        session, user_id=author_id, delta=settings.karma_idea_shipped, reason="idea_shipped", source="idea",
        source_id=idea_id, post_id=None, actor_id=actor_id, now=now,
    )


def adjust(session: Session, *, user_id: int, delta: int, note: str, actor_id: int, now: datetime) -> None:
    """A manual correction by staff, with the reason they give."""
    note = (note or "").strip()
    if not delta or not note:
        raise ValidationFailed(
            N_("Please give a non-zero amount and a reason."),
            detail={"note": N_("Say why, so the member can read it in their history.")},
        )
    totals = Totals()
    _insert(
        session, totals, user_id=user_id, delta=delta, reason="manual", source="manual", source_id=None,
        post_id=None, actor_id=actor_id, created_at=now, counts_toward_cap=False, note=note[:300],
    )
    totals.apply(session)


def _ledger_sum():
    return (
        select(func.coalesce(func.sum(KarmaEntry.delta), 0))
        .where(KarmaEntry.user_id == User.id)
        .correlate(User)
        .scalar_subquery()
    )


def karma_drift(session: Session) -> list[tuple[int, int, int]]:
    """Members whose cached karma differs from their ledger: (user id, cached, ledger sum)."""
    total = _ledger_sum()
    return [tuple(row) for row in session.execute(select(User.id, User.karma, total).where(User.karma != total))]


def recompute_totals(session: Session) -> int:
    """Repair cached karma from the ledger and rebuild the daily cap counters; returns members fixed."""
    wrong = len(karma_drift(session))
    if wrong:
        session.execute(
            update(User).where(User.karma != _ledger_sum()).values(karma=_ledger_sum()).execution_options(synchronize_session=False)
        )
    granted: dict[tuple[int, object], int] = defaultdict(int)
    for entry in live_entries(session, KarmaEntry.counts_toward_cap.is_(True)):
        granted[(entry.user_id, entry.created_at.date())] += entry.delta
    session.execute(delete(KarmaCapDay))
    for (user_id, day), amount in sorted(granted.items()):
        session.add(KarmaCapDay(user_id=user_id, day=day, granted=amount))
    session.flush()
    return wrong


def get_setting(session: Session, key: str, default):
    """An admin karma setting (JSON value), or the default."""
    raw = session.scalar(select(KarmaSetting.value).where(KarmaSetting.key == key))
    return default if raw is None else json.loads(raw)


def save_leaderboard_settings(session: Session, *, enabled: bool, excluded_groups, actor_id: int, now: datetime) -> None:
    """Turn leaderboards on or off and choose the groups they leave out."""
    from app.accounts.models import ROLES

    groups = sorted({name for name in excluded_groups if name in ROLES})
    for key, value in (("leaderboard_enabled", bool(enabled)), ("leaderboard_excluded_groups", groups)):
        row = session.get(KarmaSetting, key)
        if row is None:
            session.add(KarmaSetting(key=key, value=json.dumps(value), updated_at=now, updated_by_id=actor_id))
        else:
            row.value = json.dumps(value)
            row.updated_at = now
            row.updated_by_id = actor_id
    session.flush()
