"""Demo step of the forum after the posts exist: votes (with the planted ring), flags and a suspension."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.demo_context import DemoContext, DemoMember
from app.errors import AppError
from app.forum import moderation, moderation_flags, votes
from app.forum.models import Post, Topic
from app.forum.queries import viewer_for

# Mean upvotes a post receives, by its author's persona (answers by helpers earn the most).
UPVOTE_RATE = {"helper": 2.2, "lapsed": 2.6, "staff": 1.3, "regular": 0.9, "asker": 0.5, "lurker": 0.4, "ring": 0.5}
VOTER_WEIGHT = {"helper": 5, "regular": 4, "staff": 2, "asker": 1.5, "lurker": 0.7, "lapsed": 3}


@dataclass(order=True)
class PlannedVote:
    """A vote at a moment; applied in time order so caps and thresholds see a true history."""

    at: datetime
    voter_id: int
    post_id: int
    value: int


def _poisson(ctx: DemoContext, mean: float) -> int:
    count, threshold, product = 0, pow(2.718281828, -mean), ctx.rng.random()
    while product > threshold:
        count += 1
        product *= ctx.rng.random()
    return count


def plan_votes(session: Session, ctx: DemoContext) -> list[PlannedVote]:
    """Organic votes on every post, two honest heavy voters, and the ring voting for itself."""
    persona = {member.id: member for member in ctx.members}
    ring_ids = {member.id for member in ctx.cast("ring")}
    heavy = ctx.cast("regular")[:2]
    rows = session.execute(
        select(Post.id, Post.author_id, Post.created_at, Post.post_number, Topic.accepted_post_id)
        .join(Topic, Topic.id == Post.topic_id)
        .order_by(Post.id)
    ).all()
    planned: list[PlannedVote] = []
    for post_id, author_id, created_at, post_number, accepted_id in rows:
        author = persona.get(author_id)
        if author is None:
            continue
        rate = UPVOTE_RATE[author.persona] + (1.5 if accepted_id == post_id else 0) + (0.3 if post_number == 1 else 0)
        voters: set[int] = set()
        for _ in range(_poisson(ctx, rate)):
            at = created_at + timedelta(hours=ctx.rng.uniform(0.2, 96))
            voter = _pick_voter(ctx, at, VOTER_WEIGHT, exclude=author_id)
            if voter is not None and voter.id not in voters and at < ctx.now:
                voters.add(voter.id)
                planned.append(PlannedVote(at, voter.id, post_id, 1))
        for voter in heavy:  # honest heavy voters: many votes, spread over everyone
            at = created_at + timedelta(hours=ctx.rng.uniform(1, 48))
            if voter.id != author_id and voter.id not in voters and ctx.rng.random() < 0.18 and at < ctx.now:
                voters.add(voter.id)
                planned.append(PlannedVote(at, voter.id, post_id, 1))
        if ctx.rng.random() < 0.04 and post_number > 1:
            at = created_at + timedelta(hours=ctx.rng.uniform(1, 72))
            critic = _pick_voter(ctx, at, {"helper": 1, "staff": 1}, exclude=author_id)
            if critic is not None and critic.id not in voters and at < ctx.now:
                planned.append(PlannedVote(at, critic.id, post_id, -1))
        if author_id in ring_ids:
            for friend in ring_ids - {author_id} - voters:
                at = created_at + timedelta(minutes=ctx.rng.randint(20, 300))
                if at < ctx.now:
                    planned.append(PlannedVote(at, friend, post_id, 1))
    return sorted(planned)


def _pick_voter(ctx: DemoContext, at: datetime, weights: dict[str, float], exclude: int) -> DemoMember | None:
    pool = [m for m in ctx.members if m.persona in weights and m.id != exclude and m.joined_at <= at < m.active_until]
    if not pool:
        return None
    return ctx.rng.choices(pool, [weights[m.persona] for m in pool])[0]


def cast_votes(session: Session, settings, ctx: DemoContext) -> None:
    """Cast the planned votes through the vote service, oldest first."""
    for vote in plan_votes(session, ctx):
        try:
            with session.begin_nested():
                votes.cast_vote(session, settings, voter_id=vote.voter_id, post_id=vote.post_id, value=vote.value, now=vote.at)
            ctx.count("votes" if vote.value == 1 else "downvotes")
        except AppError:
            ctx.count("votes refused (rules)")


def moderate(session: Session, settings, ctx: DemoContext) -> None:
    """A few flags reviewed by moderators (agreed and not), and one suspension that has ended."""
    moderators = [m for m in ctx.members if "moderator" in m.roles]
    flaggers = ctx.cast("helper", "regular")
    post_ids = ctx.post_ids[:: max(1, len(ctx.post_ids) // 12)][:12]
    for index, post_id in enumerate(post_ids):
        post = session.get(Post, post_id)
        flagger = next((m for m in flaggers if m.id != post.author_id), None)
        at = post.created_at + timedelta(hours=6)
        if flagger is None or at >= ctx.now:
            continue
        reason = ("spam", "off_topic", "inappropriate")[index % 3]
        try:
            with session.begin_nested():
                flag = moderation_flags.flag_post(session, viewer_for(session, flagger.id), post_id, reason, "", at)
                if index % 4 != 3:  # the newest few stay in the review queue
                    reviewer = viewer_for(session, moderators[index % len(moderators)].id)
                    moderation_flags.resolve_flag(session, reviewer, flag.id, index % 2 == 0, at + timedelta(hours=5))
            ctx.count("flags")
        except AppError:
            ctx.count("flags refused (rules)")
    target = ctx.cast("asker")[-1]
    when = ctx.now - timedelta(days=60)
    moderation.suspend_member(
        session, viewer_for(session, moderators[0].id), target.username, 3,
        "Repeated off-topic advertising after two warnings.", when,
    )
    ctx.count("suspensions")


def build(session: Session, settings, ctx: DemoContext) -> None:
    """Votes first (karma follows through events), then moderation."""
    cast_votes(session, settings, ctx)
    moderate(session, settings, ctx)
