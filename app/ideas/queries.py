"""Read-only idea facts for pages, the API and other domains (frozen dataclasses, never ORM rows).

Every listing filters by the categories the viewer may see (the ideas' threads live there), and
each function issues a fixed number of statements whatever the number of ideas.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, false, func, select
from sqlalchemy.orm import Session, aliased

from app.accounts.models import User
from app.forum.models import Topic
from app.forum.queries import post_html_by_topic, visible_category_ids
from app.ideas.models import ROADMAP_STATUSES, STATUSES, Idea, IdeaArea, IdeaFollower, IdeaStatusChange, IdeaVote
from app.web import Viewer

SORTS = ("top", "new", "trending")
PER_PAGE = 30


@dataclass(frozen=True)
class AreaRow:
    """An idea area (product area) as boards and forms show it."""

    id: int
    slug: str
    name: str
    description: str
    open_ideas: int


@dataclass(frozen=True)
class IdeaCard:
    """One idea in a list, the roadmap or the API."""

    id: int
    slug: str
    title: str
    status: str
    vote_count: int
    recent_votes: int
    area_id: int
    area_slug: str
    area_name: str
    author_username: str | None
    author_display_name: str | None
    topic_id: int
    reply_count: int
    created_at: datetime
    status_changed_at: datetime
    merged_into_id: int | None
    voted: bool

    @property
    def url(self) -> str:
        """The idea's canonical page."""
        return f"/ideas/{self.id}-{self.slug}"


@dataclass(frozen=True)
class StatusEntry:
    """One step of an idea's status history."""

    old_status: str | None
    new_status: str
    note: str
    by_username: str | None
    by_display_name: str | None
    created_at: datetime


@dataclass(frozen=True)
class IdeaRef:
    """A short reference to another idea (merged into / merged from)."""

    id: int
    slug: str
    title: str

    @property
    def url(self) -> str:
        """The idea's canonical page."""
        return f"/ideas/{self.id}-{self.slug}"


@dataclass(frozen=True)
class IdeaDetail:
    """Everything one idea's page shows."""

    card: IdeaCard
    description_html: str
    history: tuple[StatusEntry, ...]
    merged_into: IdeaRef | None
    merged_from: tuple[IdeaRef, ...]
    following: bool
    follower_count: int


@dataclass(frozen=True)
class Budget:
    """A member's active-vote budget."""

    total: int
    used: int

    @property
    def remaining(self) -> int:
        """Votes left to give (never below zero, even after a closed idea reopened)."""
        return max(0, self.total - self.used)


def visible_areas(session: Session, viewer: Viewer) -> list[AreaRow]:
    """Areas the viewer may see, with their count of ideas not yet closed, in order."""
    visible = visible_category_ids(session, viewer)
    open_ideas = (
        select(func.count(Idea.id))
        .where(Idea.area_id == IdeaArea.id, Idea.merged_into_id.is_(None), Idea.status.not_in(("shipped", "declined")))
        .scalar_subquery()
    )
    rows = session.execute(
        select(IdeaArea.id, IdeaArea.slug, IdeaArea.name, IdeaArea.description, open_ideas.label("open_ideas"))
        .where(IdeaArea.category_id.in_(visible or {-1}))
        .order_by(IdeaArea.position, IdeaArea.name)
    )
    return [AreaRow(r.id, r.slug, r.name, r.description, r.open_ideas) for r in rows]


def _card_statement(viewer: Viewer, visible: set[int], since: datetime):
    author = aliased(User)
    # Per idea, not a GROUP BY over every recent vote: only the page's rows are counted, each from
    # ix_idea_vote_idea_created (the trending sort still counts every visible idea, bounded by ideas).
    recent_votes = (
        select(func.count(IdeaVote.id))
        .where(IdeaVote.idea_id == Idea.id, IdeaVote.created_at >= since)
        .scalar_subquery()
    )
    voted = (
        select(IdeaVote.id).where(IdeaVote.idea_id == Idea.id, IdeaVote.user_id == viewer.id).exists()
        if viewer.is_authenticated
        else false()  # a constant: no subquery over the votes for anonymous visitors
    )
    statement = (
        select(
            Idea.id, Idea.slug, Idea.title, Idea.status, Idea.vote_count, recent_votes.label("recent_votes"),
            Idea.area_id, IdeaArea.slug.label("area_slug"), IdeaArea.name.label("area_name"),
            author.username.label("author_username"), author.display_name.label("author_display_name"),
            Idea.topic_id, Topic.reply_count, Idea.created_at, Idea.status_changed_at, Idea.merged_into_id,
            voted.label("voted"),
        )
        .join(IdeaArea, IdeaArea.id == Idea.area_id)
        .join(Topic, Topic.id == Idea.topic_id)
        .outerjoin(author, author.id == Idea.author_id)
        .where(IdeaArea.category_id.in_(visible or {-1}))
    )
    return statement, recent_votes


def _card(row) -> IdeaCard:
    return IdeaCard(
        id=row.id, slug=row.slug, title=row.title, status=row.status, vote_count=row.vote_count,
        recent_votes=row.recent_votes, area_id=row.area_id, area_slug=row.area_slug, area_name=row.area_name,
        author_username=row.author_username, author_display_name=row.author_display_name, topic_id=row.topic_id,
        reply_count=row.reply_count, created_at=row.created_at, status_changed_at=row.status_changed_at,
        merged_into_id=row.merged_into_id, voted=bool(row.voted),
    )


def list_ideas(
    session: Session, viewer: Viewer, *, now: datetime, sort: str = "top", status: str | None = None,
    area_slug: str | None = None, trending_days: int = 30, page: int = 1, per_page: int = PER_PAGE,
    offset: int | None = None,
) -> tuple[list[IdeaCard], bool]:
    """One page of ideas the viewer may see (merged ideas left out) and whether more follow.

    top = most votes, new = newest, trending = most votes cast in the last `trending_days` days.
    """
    visible = visible_category_ids(session, viewer)
    statement, recent_votes = _card_statement(viewer, visible, now - timedelta(days=trending_days))
    statement = statement.where(Idea.merged_into_id.is_(None))
    if status in STATUSES:
        statement = statement.where(Idea.status == status)
    if area_slug:
        statement = statement.where(IdeaArea.slug == area_slug)
    order = {
        "new": (Idea.created_at.desc(), Idea.id.desc()),
        "trending": (recent_votes.desc(), Idea.vote_count.desc(), Idea.id.desc()),
    }.get(sort, (Idea.vote_count.desc(), Idea.created_at.desc(), Idea.id.desc()))
    page = max(1, page)
    start = (page - 1) * per_page if offset is None else offset
    rows = session.execute(statement.order_by(*order).limit(per_page + 1).offset(start)).all()
    return [_card(row) for row in rows[:per_page]], len(rows) > per_page


def roadmap(session: Session, viewer: Viewer, *, now: datetime, shipped_days: int = 180) -> dict[str, list[IdeaCard]]:
    """Ideas planned, in progress and shipped (shipped within `shipped_days`), most votes first."""
    visible = visible_category_ids(session, viewer)
    statement, _ = _card_statement(viewer, visible, now)
    rows = session.execute(
        statement.where(
            Idea.merged_into_id.is_(None),
            Idea.status.in_(ROADMAP_STATUSES),
            (Idea.status != "shipped") | (Idea.status_changed_at >= now - timedelta(days=shipped_days)),
        ).order_by(Idea.vote_count.desc(), Idea.id.desc())
    ).all()
    columns: dict[str, list[IdeaCard]] = {status: [] for status in ROADMAP_STATUSES}
    for row in rows:
        columns[row.status].append(_card(row))
    return columns


def idea_card(session: Session, viewer: Viewer, idea_id: int, *, now: datetime, trending_days: int = 30) -> IdeaCard | None:
    """One idea as a card, if the viewer may see it."""
    visible = visible_category_ids(session, viewer)
    statement, _ = _card_statement(viewer, visible, now - timedelta(days=trending_days))
    row = session.execute(statement.where(Idea.id == idea_id)).first()
    return _card(row) if row else None


def idea_detail(session: Session, viewer: Viewer, idea_id: int, *, now: datetime, trending_days: int = 30) -> IdeaDetail | None:
    """An idea's page: card, description (its thread's first post), history, merges, following."""
    card = idea_card(session, viewer, idea_id, now=now, trending_days=trending_days)
    if card is None:
        return None
    by = aliased(User)
    history = tuple(
        StatusEntry(r.old_status, r.new_status, r.note, r.username, r.display_name, r.created_at)
        for r in session.execute(
            select(
                IdeaStatusChange.old_status, IdeaStatusChange.new_status, IdeaStatusChange.note, by.username,
                by.display_name, IdeaStatusChange.created_at,
            )
            .outerjoin(by, by.id == IdeaStatusChange.by_id)
            .where(IdeaStatusChange.idea_id == idea_id)
            .order_by(IdeaStatusChange.created_at, IdeaStatusChange.id)
        )
    )
    related = session.execute(
        select(Idea.id, Idea.slug, Idea.title, Idea.merged_into_id).where(
            (Idea.merged_into_id == idea_id) | (Idea.id == (card.merged_into_id or -1))
        ).order_by(Idea.id)
    ).all()
    merged_into = next((IdeaRef(r.id, r.slug, r.title) for r in related if r.id == card.merged_into_id), None)
    merged_from = tuple(IdeaRef(r.id, r.slug, r.title) for r in related if r.merged_into_id == idea_id)
    follower_count, following = session.execute(
        select(
            func.count(IdeaFollower.user_id),
            func.coalesce(func.max(case((IdeaFollower.user_id == (viewer.id or -1), 1), else_=0)), 0),
        ).where(IdeaFollower.idea_id == idea_id)
    ).one()
    html = post_html_by_topic(session, [card.topic_id]).get(card.topic_id, "")
    return IdeaDetail(card, html, history, merged_into, merged_from, bool(following), follower_count)


def budget_of(session: Session, settings, viewer: Viewer) -> Budget | None:
    """The viewer's vote budget (None for anonymous viewers)."""
    if not viewer.is_authenticated:
        return None
    used = session.scalar(
        select(func.count()).select_from(IdeaVote).where(IdeaVote.user_id == viewer.id, IdeaVote.active.is_(True))
    )
    return Budget(total=settings.idea_vote_budget, used=used or 0)


@dataclass(frozen=True)
class ExportRow:
    """One line of the product team's CSV export."""

    id: int
    title: str
    area: str
    status: str
    votes: int
    active_votes: int
    followers: int
    comments: int
    author: str
    created_at: datetime
    status_changed_at: datetime
    merged_into_id: int | None
    url: str


def export_rows(session: Session, viewer: Viewer) -> list[ExportRow]:
    """Every idea the viewer may see (merged ones too), oldest first, for the CSV export."""
    visible = visible_category_ids(session, viewer)
    author = aliased(User)
    active = (
        select(func.count(IdeaVote.id)).where(IdeaVote.idea_id == Idea.id, IdeaVote.active.is_(True)).scalar_subquery()
    )
    followers = select(func.count()).select_from(IdeaFollower).where(IdeaFollower.idea_id == Idea.id).scalar_subquery()
    rows = session.execute(
        select(
            Idea.id, Idea.title, IdeaArea.name.label("area"), Idea.status, Idea.vote_count, active.label("active"),
            followers.label("followers"), Topic.reply_count, author.username, Idea.created_at, Idea.status_changed_at,
            Idea.merged_into_id, Idea.slug,
        )
        .join(IdeaArea, and_(IdeaArea.id == Idea.area_id, IdeaArea.category_id.in_(visible or {-1})))
        .join(Topic, Topic.id == Idea.topic_id)
        .outerjoin(author, author.id == Idea.author_id)
        .order_by(Idea.id)
    )
    return [
        ExportRow(
            id=r.id, title=r.title, area=r.area, status=r.status, votes=r.vote_count, active_votes=r.active,
            followers=r.followers, comments=r.reply_count, author=r.username or "", created_at=r.created_at,
            status_changed_at=r.status_changed_at, merged_into_id=r.merged_into_id, url=f"/ideas/{r.id}-{r.slug}",
        )
        for r in rows
    ]


def ideas_by_member(session: Session, user_id: int) -> dict[str, int]:
    """A member's idea figures (proposed, votes received, shipped) for profiles and scoring."""
    row = session.execute(
        select(
            func.count(Idea.id),
            func.coalesce(func.sum(Idea.vote_count), 0),
            func.coalesce(func.sum(case((Idea.status == "shipped", 1), else_=0)), 0),
        ).where(Idea.author_id == user_id, Idea.merged_into_id.is_(None))
    ).one()
    return {"proposed": row[0], "votes_received": int(row[1]), "shipped": int(row[2])}


# --- aggregates for ambassador signals (all members at once, bounded by `until`) ---


def idea_activity_by_bucket(session: Session, edges) -> dict[str, list[tuple[int, int, int]]]:
    """Per member and bucket (`app.db.bucket_index`): ideas proposed, votes their ideas received
    from others and idea votes cast, as (member, bucket, count); "shipped" rows are (author, bucket,
    idea id), one per shipping, so a window counts distinct ideas."""
    from app.db import bucket_index

    until = edges[-1]
    proposed = bucket_index(Idea.created_at, edges)
    voted = bucket_index(IdeaVote.created_at, edges)
    shipped = bucket_index(IdeaStatusChange.created_at, edges)
    statements = {
        "proposed": select(Idea.author_id, proposed, func.count())
        .where(Idea.author_id.is_not(None), Idea.created_at < until).group_by(Idea.author_id, proposed),
        "votes_received": select(Idea.author_id, voted, func.count()).select_from(IdeaVote)
        .join(Idea, Idea.id == IdeaVote.idea_id)
        .where(Idea.author_id.is_not(None), IdeaVote.user_id != Idea.author_id, IdeaVote.created_at < until)
        .group_by(Idea.author_id, voted),
        "shipped": select(Idea.author_id, shipped, Idea.id).select_from(IdeaStatusChange)
        .join(Idea, Idea.id == IdeaStatusChange.idea_id)
        .where(Idea.author_id.is_not(None), IdeaStatusChange.new_status == "shipped", IdeaStatusChange.created_at < until),
        "votes_cast": select(IdeaVote.user_id, voted, func.count())
        .where(IdeaVote.created_at < until).group_by(IdeaVote.user_id, voted),
    }
    return {name: [tuple(int(v) for v in row) for row in session.execute(statement)] for name, statement in statements.items()}
