"""Read-only forum facts for pages and other domains (frozen dataclasses, never ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.accounts.models import Group
from app.forum.models import Category, CategoryGroup, CategoryPostingGroup
from app.forum.permissions import CategoryAccess, can_post_in_category, visible_ids
from app.forum.queries.unsubscribe import unsubscribe_url  # noqa: F401  (other domains build links with it)
from app.web import Viewer


@dataclass(frozen=True)
class CategoryEntry:
    """A category's access facts and what lists show of it, read together."""

    access: CategoryAccess
    slug: str
    name: str
    description: str
    topic_count: int
    position: int


_GROUP_SEPARATOR = "\n"  # group names are short single-line words


def _group_names(table, *conditions):
    return (
        select(func.aggregate_strings(Group.name, _GROUP_SEPARATOR))
        .select_from(table)
        .join(Group, Group.id == table.group_id)
        .where(table.category_id == Category.id, *conditions)
        .scalar_subquery()
    )


def _names(value: str | None) -> frozenset[str]:
    return frozenset(value.split(_GROUP_SEPARATOR)) if value else frozenset()


# Built once: the statement has no parameters, and building its three subqueries costs more than running it.
_CATALOG = select(
    Category.id, Category.slug, Category.name, Category.description, Category.visibility,
    Category.topic_count, Category.position, Category.topic_access, Category.reply_access,
    Category.topic_form,
    _group_names(CategoryGroup).label("see_groups"),
    _group_names(CategoryPostingGroup, CategoryPostingGroup.action == "topic").label("topic_groups"),
    _group_names(CategoryPostingGroup, CategoryPostingGroup.action == "reply").label("reply_groups"),
).order_by(Category.position, Category.name)

# Access facts are remembered for the rest of the session's transaction (a reply asks four times:
# the topic, the posting check, the notified members, the redirect) and forgotten when it ends or
# when anything that decides them is written (see _forget_access below).
_ACCESS_MEMO = "hearth_category_access"
_ACCESS_TABLES = frozenset({"category", "category_group", "category_posting_group", "user_group"})


def category_catalog(session: Session) -> list[CategoryEntry]:
    """Every category with its visibility and posting facts, in display order, in one statement."""
    entries = [
        CategoryEntry(
            access=CategoryAccess(
                id=row.id, visibility=row.visibility, groups=_names(row.see_groups),
                topic_access=row.topic_access, reply_access=row.reply_access, topic_form=row.topic_form,
                topic_groups=_names(row.topic_groups), reply_groups=_names(row.reply_groups),
            ),
            slug=row.slug, name=row.name, description=row.description, topic_count=row.topic_count,
            position=row.position,
        )
        for row in session.execute(_CATALOG)
    ]
    session.info[_ACCESS_MEMO] = tuple(entry.access for entry in entries)
    return entries


def category_access(session: Session) -> list[CategoryAccess]:
    """Visibility and posting facts of every category (one statement, once per transaction)."""
    remembered = session.info.get(_ACCESS_MEMO)
    if remembered is None:
        category_catalog(session)
        remembered = session.info[_ACCESS_MEMO]
    return list(remembered)


def _forget_access(session: Session, *_args) -> None:
    session.info.pop(_ACCESS_MEMO, None)


def _forget_access_after_transaction(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction; a savepoint's rollback is after_soft_rollback
        _forget_access(session)


def _forget_access_after_flush(session: Session, _context) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(getattr(type(obj), "__tablename__", None) in _ACCESS_TABLES for obj in changed):
        _forget_access(session)


def _forget_access_on_write(state) -> None:
    if state.is_select:
        return
    table = getattr(state.statement, "table", None)
    if table is None or getattr(table, "name", None) in _ACCESS_TABLES:
        _forget_access(state.session)


event.listen(Session, "after_transaction_end", _forget_access_after_transaction)
event.listen(Session, "after_soft_rollback", _forget_access)
event.listen(Session, "after_flush", _forget_access_after_flush)
event.listen(Session, "do_orm_execute", _forget_access_on_write)


def category_access_by_id(session: Session) -> dict[int, CategoryAccess]:
    """The same facts keyed by category id (one statement)."""
    return {access.id: access for access in category_access(session)}


def postable_category_ids(session: Session, viewer: Viewer, action: str, *, via: str = "forum") -> set[int]:
    """Categories where the viewer may start topics ('topic') or reply ('reply')."""
    return {access.id for access in category_access(session) if can_post_in_category(viewer, access, action, via=via)}


def visible_category_ids(session: Session, viewer: Viewer) -> set[int]:
    """Categories the viewer may see; every listing, search and feed filters by this set."""
    return visible_ids(viewer, category_access(session))


def viewer_for(session: Session, user_id: int) -> Viewer:
    """A Viewer snapshot of a member (for jobs, the demo generator and tests acting as them)."""
    from app.accounts.models import GroupMembership, User

    user = session.get(User, user_id)
    roles = session.scalars(
        select(Group.name).join(GroupMembership, GroupMembership.group_id == Group.id).where(GroupMembership.user_id == user_id)
    ).all()
    return Viewer(
        id=user.id, username=user.username, display_name=user.display_name,
        roles=frozenset({"member", *roles}), locale=user.locale,
    )


def post_html_by_topic(session: Session, topic_ids) -> dict[int, str]:
    """The rendered first post of each topic (hidden or deleted first posts are left out), in one statement."""
    from app.forum.models import Post

    ids = set(topic_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Post.topic_id, Post.body_html).where(
            Post.topic_id.in_(ids), Post.post_number == 1, Post.hidden_at.is_(None), Post.deleted_at.is_(None)
        )
    )
    return {row.topic_id: row.body_html for row in rows}


# --- aggregates for ambassador signals and the backtest (all members at once, bounded by `until`) ---


def _window(column, since, until):
    """Conditions for since <= column < until (since None means all time)."""
    conditions = [column < until]
    if since is not None:
        conditions.append(column >= since)
    return conditions


def _answer_conditions():
    """An answer to another member: a top-level reply (not a reply to a particular post, which is
    a comment or follow-up; imported comments are such replies) in someone else's question topic."""
    from app.forum.models import Post, Topic

    return [Post.post_number > 1, Post.reply_to_post_id.is_(None), Topic.kind == "question", asked_by_another()]


def asked_by_another():
    """The post's topic was started by someone else; a topic whose author was deleted (NULL) was
    started by another member too (a plain `!=` is NULL there and would drop those answers)."""
    from sqlalchemy import or_

    from app.forum.models import Post, Topic

    return or_(Topic.author_id.is_(None), Topic.author_id != Post.author_id)


def post_activity_by_member(session: Session, since, until) -> dict[str, dict[int, float]]:
    """Per member, posts written in [since, until): topics, questions, replies, answers to others,
    all answers (own questions too), topics replied to, distinct members helped; as
    {metric: {member id: value}}."""
    from sqlalchemy import and_, case, distinct, func

    from app.forum.models import Post, Topic

    is_answer = and_(*_answer_conditions())
    any_answer = and_(*_answer_conditions()[:3])
    row_query = (
        select(
            Post.author_id,
            func.count().label("posts"),
            func.sum(case((Post.post_number == 1, 1), else_=0)).label("topics"),
            func.sum(case((and_(Post.post_number == 1, Topic.kind == "question"), 1), else_=0)).label("questions"),
            func.sum(case((Post.post_number > 1, 1), else_=0)).label("replies"),
            func.sum(case((is_answer, 1), else_=0)).label("answers"),
            func.sum(case((any_answer, 1), else_=0)).label("all_answers"),
            func.count(distinct(case((Post.post_number > 1, Post.topic_id)))).label("topics_replied"),
            func.count(distinct(case((is_answer, Topic.author_id)))).label("members_helped"),
        )
        .join(Topic, Topic.id == Post.topic_id)
        .where(Post.author_id.is_not(None), Post.deleted_at.is_(None), *_window(Post.created_at, since, until))
        .group_by(Post.author_id)
    )
    metrics = ("posts", "topics", "questions", "replies", "answers", "all_answers", "topics_replied", "members_helped")
    result: dict[str, dict[int, float]] = {name: {} for name in metrics}
    for row in session.execute(row_query):
        for name in metrics:
            result[name][row.author_id] = float(getattr(row, name) or 0)
    return result


def accepted_answers_by_member(session: Session, since, until) -> dict[int, int]:
    """Answers to other members' questions accepted in [since, until), per answer author."""
    from sqlalchemy import func

    from app.forum.models import Post, Topic

    rows = session.execute(
        select(Post.author_id, func.count())
        .join(Topic, Topic.accepted_post_id == Post.id)
        .where(asked_by_another(), Post.author_id.is_not(None), Post.deleted_at.is_(None), Topic.accepted_at.is_not(None),
               Post.created_at < until, *_window(Topic.accepted_at, since, until))
        .group_by(Post.author_id)
    )
    return {author_id: int(count) for author_id, count in rows}


def votes_received_by_member(session: Session, since, until) -> dict[str, dict[int, float]]:
    """Votes others cast on each member's posts, in one pass: up, down, net and distinct voters in
    [since, until), and net_all for all time before `until`; as {metric: {member id: value}}."""
    from sqlalchemy import and_, case, distinct, func

    from app.forum.models import Post, PostVote

    recent = and_(*_window(PostVote.created_at, since, until)[1:]) if since is not None else True
    rows = session.execute(
        select(
            Post.author_id,
            func.sum(case((and_(recent, PostVote.value > 0), 1), else_=0)).label("up"),
            func.sum(case((and_(recent, PostVote.value < 0), 1), else_=0)).label("down"),
            func.count(distinct(case((recent, PostVote.voter_id)))).label("voters"),
            func.count(distinct(case((and_(recent, PostVote.value > 0), PostVote.voter_id)))).label("upvoters"),
            func.sum(PostVote.value).label("net_all"),
        )
        .select_from(PostVote)
        .join(Post, Post.id == PostVote.post_id)
        .where(PostVote.value != 0, PostVote.voter_id != Post.author_id, Post.author_id.is_not(None),
               PostVote.created_at < until)
        .group_by(Post.author_id)
    )
    result: dict[str, dict[int, float]] = {"up": {}, "down": {}, "net": {}, "voters": {}, "upvoters": {}, "net_all": {}}
    for row in rows:
        up, down = int(row.up or 0), int(row.down or 0)
        if up or down:
            result["up"][row.author_id] = up
            result["down"][row.author_id] = down
            result["net"][row.author_id] = up - down
            result["voters"][row.author_id] = row.voters
            result["upvoters"][row.author_id] = row.upvoters
        result["net_all"][row.author_id] = int(row.net_all or 0)
    return result


def upvote_days_by_member(session: Session, since, until) -> dict[int, int]:
    """Distinct days in [since, until) on which each member's posts received upvotes from others."""
    from sqlalchemy import distinct, func

    from app.forum.models import Post, PostVote

    rows = session.execute(
        select(Post.author_id, func.count(distinct(func.date(PostVote.created_at))))
        .select_from(PostVote)
        .join(Post, Post.id == PostVote.post_id)
        .where(PostVote.value > 0, PostVote.voter_id != Post.author_id, Post.author_id.is_not(None),
               *_window(PostVote.created_at, since, until))
        .group_by(Post.author_id)
    )
    return {author_id: int(days) for author_id, days in rows}


def upvotes_given_by_member(session: Session, since, until) -> dict[int, int]:
    """Upvotes each member cast on other members' posts in [since, until) (Discourse's likes given)."""
    from sqlalchemy import func

    from app.forum.models import Post, PostVote

    rows = session.execute(
        select(PostVote.voter_id, func.count()).select_from(PostVote).join(Post, Post.id == PostVote.post_id)
        .where(PostVote.value > 0, (Post.author_id.is_(None)) | (PostVote.voter_id != Post.author_id),
               *_window(PostVote.created_at, since, until))
        .group_by(PostVote.voter_id)
    )
    return {voter_id: int(count) for voter_id, count in rows}


def helpful_answers_by_member(session: Session, start, end) -> dict[int, int]:
    """Answers each member posted in [start, end) to other members' questions that, by `end`, were
    accepted or reached a net score >= 1 counting only votes cast in [start, end)."""
    from sqlalchemy import case, func, or_

    from app.forum.models import Post, PostVote, Topic

    net = (
        select(PostVote.post_id.label("post_id"), func.sum(PostVote.value).label("net"))
        .where(PostVote.created_at >= start, PostVote.created_at < end, PostVote.value != 0)
        .group_by(PostVote.post_id)
        .subquery()
    )
    accepted = case((Topic.accepted_at < end, Topic.accepted_post_id), else_=None)
    rows = session.execute(
        select(Post.author_id, func.count())
        .join(Topic, Topic.id == Post.topic_id)
        .outerjoin(net, net.c.post_id == Post.id)
        .where(*_answer_conditions(), Post.author_id.is_not(None), Post.deleted_at.is_(None),
               Post.created_at >= start, Post.created_at < end,
               or_(accepted == Post.id, func.coalesce(net.c.net, 0) >= 1))
        .group_by(Post.author_id)
    )
    return {author_id: int(count) for author_id, count in rows}


def answer_times_by_member(session: Session, until) -> dict[int, list]:
    """When each member answered other members' questions before `until` (newest last)."""
    from app.forum.models import Post, Topic

    rows = session.execute(
        select(Post.author_id, Post.created_at).join(Topic, Topic.id == Post.topic_id)
        .where(*_answer_conditions(), Post.author_id.is_not(None), Post.deleted_at.is_(None), Post.created_at < until)
        .order_by(Post.created_at)
    )
    found: dict[int, list] = {}
    for author_id, created_at in rows:
        found.setdefault(author_id, []).append(created_at)
    return found


def members_who_posted_before(session: Session, until) -> set[int]:
    """Members with at least one question, answer or comment before `until` (the backtest pool)."""
    from app.forum.models import Post

    return set(session.scalars(
        select(Post.author_id).where(Post.author_id.is_not(None), Post.created_at < until).distinct()
    ))


def suspended_until(session: Session, user_id: int, now):
    """When the suspension in force for a member at `now` ends, or None when they are not suspended."""
    from sqlalchemy import func

    from app.forum.models import Suspension

    return session.scalar(
        select(func.max(Suspension.ends_at)).where(
            Suspension.user_id == user_id, Suspension.starts_at <= now, Suspension.ends_at > now,
            Suspension.lifted_at.is_(None),
        )
    )
