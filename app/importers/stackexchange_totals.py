"""What an import derives after the rows are in: visit days, forum counters, scores, karma, the check."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select, update

from app.accounts.models import User, UserVisit
from app.db import is_sqlite
from app.forum.models import Category, Post, PostVote, Tag, Topic, TopicTag
from app.importers.models import ImportSource
from app.importers.stackexchange_karma import pearson
from app.importers.stackexchange_run import CHUNK, ImportRun
from app.karma.models import KarmaEntry


def derive_visits(run: ImportRun) -> None:
    """One derived user_visit row per member and day with dated activity (real visits win)."""
    if is_sqlite(run.session):
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert
    rows = [{"user_id": user_id, "day": day, "posts_read": 0, "derived": True}
            for user_id, day in sorted(run.activity)]
    statement = insert(UserVisit.__table__).on_conflict_do_nothing(index_elements=["user_id", "day"])
    for start in range(0, len(rows), CHUNK):
        run.session.execute(statement, rows[start:start + CHUNK])


def recount_forum(run: ImportRun) -> None:
    """Recount the cached numbers of the site's topics, its category and its tags."""
    session, category_id = run.session, run.category_id
    topics = {
        row.id: row
        for row in session.execute(
            select(Topic.id, Topic.author_id, Topic.created_at, Topic.reply_count, Topic.highest_post_number,
                   Topic.last_posted_at, Topic.last_poster_id, Topic.first_response_post_id,
                   Topic.first_response_seconds).where(Topic.category_id == category_id)
        )
    }
    wanted: dict[int, dict] = {
        topic.id: {"id": topic.id, "reply_count": 0, "highest_post_number": 0, "last_posted_at": topic.created_at,
                   "last_poster_id": topic.author_id, "first_response_post_id": None, "first_response_seconds": None}
        for topic in topics.values()
    }
    for post in session.execute(
        select(Post.id, Post.topic_id, Post.post_number, Post.author_id, Post.created_at, Post.deleted_at)
        .join(Topic, Topic.id == Post.topic_id)
        .where(Topic.category_id == category_id)
        .order_by(Post.topic_id, Post.post_number)
    ):
        counts, topic = wanted[post.topic_id], topics[post.topic_id]
        counts["highest_post_number"] = max(counts["highest_post_number"], post.post_number)
        if post.deleted_at is not None:
            continue
        counts["last_posted_at"], counts["last_poster_id"] = post.created_at, post.author_id
        if post.post_number > 1:
            counts["reply_count"] += 1
            if counts["first_response_post_id"] is None and post.author_id != topic.author_id:
                counts["first_response_post_id"] = post.id
                counts["first_response_seconds"] = max(0, int((post.created_at - topic.created_at).total_seconds()))
    changes = [values for topic_id, values in wanted.items()
               if any(getattr(topics[topic_id], key) != value for key, value in values.items())]
    if changes:
        session.execute(update(Topic), changes)
    topic_count = select(func.count(Topic.id)).where(Topic.category_id == Category.id).scalar_subquery()
    session.execute(update(Category).where(Category.id == category_id, Category.topic_count != topic_count)
                    .values(topic_count=topic_count).execution_options(synchronize_session=False))
    tagged = select(func.count()).select_from(TopicTag).where(TopicTag.tag_id == Tag.id).scalar_subquery()
    site_tags = select(TopicTag.tag_id).join(Topic, Topic.id == TopicTag.topic_id).where(Topic.category_id == category_id)
    session.execute(update(Tag).where(Tag.id.in_(site_tags), Tag.topic_count != tagged)
                    .values(topic_count=tagged).execution_options(synchronize_session=False))


def recompute_scores_and_karma(run: ImportRun) -> None:
    """post.score from the imported votes and user.karma from the ledger, for this site only."""
    session = run.session
    score = select(func.coalesce(func.sum(PostVote.value), 0)).where(PostVote.post_id == Post.id).scalar_subquery()
    site_topics = select(Topic.id).where(Topic.category_id == run.category_id)
    session.execute(update(Post).where(Post.topic_id.in_(site_topics), Post.score != score)
                    .values(score=score).execution_options(synchronize_session=False))
    karma = select(func.coalesce(func.sum(KarmaEntry.delta), 0)).where(KarmaEntry.user_id == User.id).scalar_subquery()
    site_users = select(ImportSource.target_id).where(
        ImportSource.site == run.site, or_(ImportSource.kind == "user", ImportSource.kind == "voter")
    )
    session.execute(update(User).where(and_(User.id.in_(site_users), User.karma != karma))
                    .values(karma=karma).execution_options(synchronize_session=False))
    session.expire_all()


def reputation_check(run: ImportRun) -> tuple[float | None, int]:
    """Pearson correlation of recomputed karma with the dump's Reputation, over members with karma."""
    karma = dict(run.session.execute(
        select(ImportSource.source_id, User.karma)
        .join(User, User.id == ImportSource.target_id)
        .where(ImportSource.site == run.site, ImportSource.kind == "user", User.karma != 0)
    ).all())
    pairs = [(karma[row["Id"]], row["Reputation"]) for row in run.dump["Users"] if row["Id"] in karma]
    return pearson([float(k) for k, _ in pairs], [float(r) for _, r in pairs]), len(pairs)
