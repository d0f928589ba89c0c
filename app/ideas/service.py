"""Idea commands: areas, proposals, votes within a budget, statuses, merges and follows.

Services validate, change, flush and publish events; they never commit. The forum does the
forum's part (categories and threads) through command events, never through its services.
"""

from __future__ import annotations

import re
from datetime import datetime

from slugify import slugify
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import insert_ignore
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.events import publish
from app.forum.events import CategoryRequested, ThreadRequested
from app.forum.queries import visible_category_ids
from app.i18n import N_, Msg
from app.inputs import CONTROL_CHARACTERS_MESSAGE, has_control_characters, parse_id
from app.ideas.events import IdeaCreated, IdeaShipped, IdeasMerged, IdeaStatusChanged, IdeaVoted
from app.ideas.models import CLOSED_STATUSES, STATUSES, Idea, IdeaArea, IdeaFollower, IdeaStatusChange, IdeaVote
from app.ideas.permissions import can_change_status, can_manage_areas, can_merge
from app.web import Viewer

TITLE_MIN, TITLE_MAX = 5, 200
DESCRIPTION_MAX = 50_000
NOTE_MAX = 5_000
AREA_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")
AREA_VISIBILITIES = {"public": ("public", ()), "members": ("members", ()), "labs": ("groups", ("labs",))}
# The forum names its fields after topics; an idea form names them after ideas.
FORUM_FIELDS = {"title": "title", "body": "description", "category_id": "area_id"}


def idea_slug(title: str) -> str:
    """URL slug of an idea title (never empty)."""
    return slugify(title, max_length=80, word_boundary=True) or "idea"


def _require_member(viewer: Viewer, message: str) -> None:
    if not viewer.is_authenticated:
        raise Forbidden(message)


# ---------------------------------------------------------------- areas


def create_area(
    session: Session, viewer: Viewer, *, name: str, slug: str, description: str = "", visibility: str = "public",
    position: int = 0, now: datetime,
) -> IdeaArea:
    """Open an idea board for a product area, with a forum category for its ideas' threads."""
    if not can_manage_areas(viewer):
        raise Forbidden(N_("Only the product team can create idea areas."))
    errors: dict[str, str] = {}
    name = " ".join((name or "").split())
    slug = (slug or "").strip().lower()
    if not name or len(name) > 70:
        errors["name"] = N_("Give the area a name (at most 70 characters).")
    elif has_control_characters(name):
        errors["name"] = CONTROL_CHARACTERS_MESSAGE
    if not AREA_SLUG_RE.match(slug):
        errors["slug"] = N_("Use lower-case letters, digits and dashes (at most 50).")
    elif session.scalar(select(IdeaArea.id).where(IdeaArea.slug == slug)):
        errors["slug"] = N_("Another area already uses this slug.")
    if visibility not in AREA_VISIBILITIES:
        errors["visibility"] = N_("Choose who may see the area.")
    if errors:
        raise ValidationFailed(N_("Please check the form."), detail=errors)
    category_visibility, groups = AREA_VISIBILITIES[visibility]
    request = CategoryRequested(
        slug=f"ideas-{slug}", name=f"Ideas · {name}", description=(description or "").strip(),
        visibility=category_visibility, group_names=groups, at=now,
    )
    publish(session, request)
    area = IdeaArea(
        slug=slug, name=name, description=(description or "").strip(), category_id=request.created[0],
        position=int(position or 0), created_at=now,
    )
    session.add(area)
    session.flush()
    return area


def get_visible_area(session: Session, viewer: Viewer, area_id) -> IdeaArea:
    """An area whose category the viewer may see, else NotFound."""
    area_id = parse_id(area_id)
    area = session.get(IdeaArea, area_id) if area_id else None
    if area is None or area.category_id not in visible_category_ids(session, viewer):
        raise NotFound(N_("This idea area does not exist or you may not see it."))
    return area


# ---------------------------------------------------------------- ideas


def get_visible_idea(session: Session, viewer: Viewer, idea_id: int, *, for_update: bool = False) -> Idea:
    """An idea in an area the viewer may see (decided by the thread's category), else NotFound."""
    statement = select(Idea, IdeaArea.category_id).join(IdeaArea, IdeaArea.id == Idea.area_id).where(Idea.id == idea_id)
    if for_update:
        statement = statement.with_for_update(of=Idea)
    row = session.execute(statement).first()
    if row is None or row.category_id not in visible_category_ids(session, viewer):
        raise NotFound(N_("This idea does not exist or you may not see it."))
    return row.Idea


def propose(
    session: Session, settings, viewer: Viewer, *, area_id, title: str, description: str, now: datetime
) -> Idea:
    """Propose an idea: its description opens a new forum thread; the author follows it."""
    _require_member(viewer, N_("Please log in to propose an idea."))
    errors: dict[str, str] = {}
    title = " ".join((title or "").split())
    description = (description or "").strip()
    if len(title) < TITLE_MIN:
        errors["title"] = N_("Give the idea a title of at least 5 characters.")
    elif len(title) > TITLE_MAX:
        errors["title"] = N_("Keep the title under 200 characters.")
    elif has_control_characters(title):
        errors["title"] = CONTROL_CHARACTERS_MESSAGE
    if not description:
        errors["description"] = N_("Describe the idea: what would it let you do?")
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = N_("Keep the description under 50,000 characters.")
    area = None
    try:
        area = get_visible_area(session, viewer, area_id)
    except NotFound:
        errors["area_id"] = N_("Choose an area.")
    if errors:
        raise ValidationFailed(N_("Please check the form."), detail=errors)
    request = ThreadRequested(title=title, body=description, author_id=viewer.id, category_id=area.category_id, at=now)
    try:
        publish(session, request)
    except ValidationFailed as error:
        detail = {FORUM_FIELDS.get(key, key): message for key, message in (error.detail or {}).items()}
        raise ValidationFailed(error.message, detail=detail) from error
    idea = Idea(
        area_id=area.id, author_id=viewer.id, topic_id=request.created[0], title=title, slug=idea_slug(title),
        status="open", vote_count=0, created_at=now, status_changed_at=now,
    )
    session.add(idea)
    session.flush()
    session.add(IdeaStatusChange(idea_id=idea.id, old_status=None, new_status="open", note="", by_id=viewer.id, created_at=now))
    session.add(IdeaFollower(idea_id=idea.id, user_id=viewer.id, created_at=now))
    session.flush()
    publish(session, IdeaCreated(idea_id=idea.id, author_id=viewer.id, area_id=area.id, topic_id=idea.topic_id, at=now))
    return idea


# ---------------------------------------------------------------- votes


def active_votes(session: Session, user_id: int) -> int:
    """Votes of a member that use their budget (votes on ideas not yet shipped or declined)."""
    return session.scalar(
        select(func.count()).select_from(IdeaVote).where(IdeaVote.user_id == user_id, IdeaVote.active.is_(True))
    ) or 0


def _open_for_votes(idea: Idea) -> None:
    if idea.merged_into_id is not None:
        raise Conflict(N_("This idea was merged into another one; vote there instead."))
    if idea.status in CLOSED_STATUSES:
        raise Conflict(N_("Voting on this idea has closed."))


def vote(session: Session, settings, viewer: Viewer, idea_id: int, now: datetime) -> bool:
    """Vote for an idea within the member's budget; False when they had already voted."""
    _require_member(viewer, N_("Please log in to vote."))
    idea = get_visible_idea(session, viewer, idea_id, for_update=True)
    _open_for_votes(idea)
    # Serialise one member's votes so two at once cannot both pass the budget check.
    session.execute(select(User.id).where(User.id == viewer.id).with_for_update())
    if session.scalar(select(IdeaVote.id).where(IdeaVote.idea_id == idea.id, IdeaVote.user_id == viewer.id)):
        return False
    budget = settings.idea_vote_budget
    if active_votes(session, viewer.id) >= budget:
        raise Conflict(
            Msg(
                "You have used all %(budget)s of your votes. Take a vote back from another idea, or wait "
                "until one of your ideas ships or is declined.",
                budget=budget,
            )
        )
    values = {"idea_id": idea.id, "user_id": viewer.id, "active": True, "created_at": now}
    if not insert_ignore(session, IdeaVote.__table__, values, ["idea_id", "user_id"]):
        return False
    idea.vote_count += 1
    session.flush()
    publish(session, IdeaVoted(idea_id=idea.id, voter_id=viewer.id, author_id=idea.author_id, voted=True, at=now))
    return True


def unvote(session: Session, viewer: Viewer, idea_id: int, now: datetime) -> bool:
    """Take a vote back (its budget returns); False when there was none."""
    _require_member(viewer, N_("Please log in to vote."))
    idea = get_visible_idea(session, viewer, idea_id, for_update=True)
    _open_for_votes(idea)
    removed = session.execute(
        delete(IdeaVote).where(IdeaVote.idea_id == idea.id, IdeaVote.user_id == viewer.id)
    ).rowcount
    if not removed:
        return False
    idea.vote_count -= removed
    session.flush()
    publish(session, IdeaVoted(idea_id=idea.id, voter_id=viewer.id, author_id=idea.author_id, voted=False, at=now))
    return True


# ---------------------------------------------------------------- statuses


def change_status(
    session: Session, viewer: Viewer, idea_id: int, *, status: str, note: str = "", now: datetime
) -> IdeaStatusChange:
    """Move an idea to a status (product team only); closing it returns its voters' budget."""
    if not can_change_status(viewer):
        raise Forbidden(N_("Only the product team can change the status of an idea."))
    idea = get_visible_idea(session, viewer, idea_id, for_update=True)
    note = (note or "").strip()
    errors: dict[str, str] = {}
    if status not in STATUSES:
        errors["status"] = N_("Choose one of the statuses.")
    elif status == idea.status and not note:
        errors["status"] = N_("The idea already has this status; add a note to post an update.")
    if len(note) > NOTE_MAX:
        errors["note"] = N_("Keep the note under 5,000 characters.")
    if errors:
        raise ValidationFailed(N_("Please check the form."), detail=errors)
    if idea.merged_into_id is not None:
        raise Conflict(N_("This idea was merged into another one; change the status there."))
    old = idea.status
    if (status in CLOSED_STATUSES) != (old in CLOSED_STATUSES):
        session.execute(
            update(IdeaVote).where(IdeaVote.idea_id == idea.id).values(active=status not in CLOSED_STATUSES)
        )
    shipped_before = session.scalar(
        select(IdeaStatusChange.id).where(IdeaStatusChange.idea_id == idea.id, IdeaStatusChange.new_status == "shipped").limit(1)
    )
    change = IdeaStatusChange(idea_id=idea.id, old_status=old, new_status=status, note=note, by_id=viewer.id, created_at=now)
    session.add(change)
    idea.status = status
    idea.status_changed_at = now
    session.flush()
    publish(
        session,
        IdeaStatusChanged(idea_id=idea.id, by_id=viewer.id, old_status=old, new_status=status, note=note, at=now),
    )
    if status == "shipped" and not shipped_before:
        publish(session, IdeaShipped(idea_id=idea.id, author_id=idea.author_id, by_id=viewer.id, at=now))
    return change


# ---------------------------------------------------------------- merges


def merge(session: Session, viewer: Viewer, source_id: int, target_id, now: datetime) -> Idea:
    """Merge a duplicate (source) into target: votes and followers move, double votes count once."""
    if not can_merge(viewer):
        raise Forbidden(N_("Only the product team can merge ideas."))
    target_id = parse_id(target_id)
    if target_id is None:
        raise ValidationFailed(N_("Please check the form."), detail={"target_id": N_("Give the number of the idea to merge into.")})
    if target_id == source_id:
        raise ValidationFailed(N_("Please check the form."), detail={"target_id": N_("An idea cannot be merged into itself.")})
    # Lock in id order so two merges of the same pair cannot deadlock.
    locked = {i: get_visible_idea(session, viewer, i, for_update=True) for i in sorted((source_id, target_id))}
    source, target = locked[source_id], locked[target_id]
    if source.merged_into_id is not None:
        raise Conflict(N_("This idea was already merged into another one."))
    if target.merged_into_id is not None:
        raise ValidationFailed(
            N_("Please check the form."), detail={"target_id": N_("That idea was itself merged; merge into the idea it went to.")}
        )
    if source.status in CLOSED_STATUSES:
        raise Conflict(N_("Shipped or declined ideas keep their votes and cannot be merged."))
    target_voters = set(session.scalars(select(IdeaVote.user_id).where(IdeaVote.idea_id == target.id)))
    target_open = target.status not in CLOSED_STATUSES
    moved = 0
    for source_vote in session.scalars(select(IdeaVote).where(IdeaVote.idea_id == source.id)).all():
        if source_vote.user_id in target_voters:
            session.delete(source_vote)  # counted once, on the target; the budget comes back
        else:
            source_vote.idea_id = target.id
            source_vote.active = target_open
            moved += 1
    session.flush()
    followers = session.execute(select(IdeaFollower.user_id, IdeaFollower.created_at).where(IdeaFollower.idea_id == source.id)).all()
    for user_id, followed_at in followers:
        insert_ignore(session, IdeaFollower.__table__, {"idea_id": target.id, "user_id": user_id, "created_at": followed_at}, ["idea_id", "user_id"])
    if source.author_id is not None:
        insert_ignore(session, IdeaFollower.__table__, {"idea_id": target.id, "user_id": source.author_id, "created_at": now}, ["idea_id", "user_id"])
    session.execute(delete(IdeaFollower).where(IdeaFollower.idea_id == source.id))
    target.vote_count += moved
    source.vote_count = 0
    source.merged_into_id = target.id
    source.merged_at = now
    session.flush()
    publish(session, IdeasMerged(source_id=source.id, target_id=target.id, by_id=viewer.id, moved_votes=moved, at=now))
    return target


# ---------------------------------------------------------------- follows


def follow(session: Session, viewer: Viewer, idea_id: int, now: datetime) -> bool:
    """Follow an idea's status changes; False when already following."""
    _require_member(viewer, N_("Please log in to follow ideas."))
    idea = get_visible_idea(session, viewer, idea_id)
    if idea.merged_into_id is not None:
        raise Conflict(N_("This idea was merged into another one; follow that one instead."))
    return insert_ignore(
        session, IdeaFollower.__table__, {"idea_id": idea.id, "user_id": viewer.id, "created_at": now}, ["idea_id", "user_id"]
    )


def unfollow(session: Session, viewer: Viewer, idea_id: int) -> bool:
    """Stop following an idea; False when not following."""
    _require_member(viewer, N_("Please log in to follow ideas."))
    idea = get_visible_idea(session, viewer, idea_id)
    return bool(
        session.execute(delete(IdeaFollower).where(IdeaFollower.idea_id == idea.id, IdeaFollower.user_id == viewer.id)).rowcount
    )


# ---------------------------------------------------------------- cached counts


def _vote_count_expression():
    return select(func.count(IdeaVote.id)).where(IdeaVote.idea_id == Idea.id).scalar_subquery()


def vote_count_drift(session: Session) -> list[tuple[int, int, int]]:
    """Ideas whose cached vote_count differs from a recount: (idea id, cached, recomputed)."""
    recount = _vote_count_expression()
    return [(row[0], row[1], row[2]) for row in session.execute(select(Idea.id, Idea.vote_count, recount)) if row[1] != row[2]]


def recompute_vote_counts(session: Session) -> int:
    """Recount idea.vote_count from the votes; returns the number of ideas fixed."""
    recount = _vote_count_expression()
    fixed = session.execute(update(Idea).where(Idea.vote_count != recount).values(vote_count=recount)).rowcount
    session.expire_all()
    return fixed
