"""The demo community: deterministic, lively, and exercising the real services (incl. the planted ring)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from app import demo
from app.accounts.models import User
from app.demo_context import DemoContext
from app.forum.demo import Planner
from app.forum.models import Category, Post, Topic
from app.main import register_event_handlers
from app.mail import OutboxEmail

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def _plan(seed: int):
    ctx = DemoContext(seed=seed, now=NOW)
    ctx.members = []
    from app.demo_context import DemoMember

    for index, persona in enumerate(["asker"] * 20 + ["helper"] * 5 + ["regular"] * 5 + ["ring"] * 3):
        ctx.members.append(DemoMember(index + 1, f"m{index}", persona, ctx.start, NOW))
    return [(a.at, a.kind, a.actor.id, sorted(a.data.items())) for a in Planner(ctx).plan()]


def test_same_seed_plans_the_same_year_and_another_seed_does_not():
    assert _plan(7) == _plan(7)
    assert _plan(7) != _plan(8)


@pytest.mark.slow
def test_demo_builds_a_lively_community_and_the_ring_is_caught(db, settings):
    register_event_handlers()
    ctx = demo.build(db, settings, seed=7, now=NOW)

    assert db.scalar(select(func.count()).select_from(User)) == 300
    assert ctx.admin_login == ("admin", "hearth-demo-community")
    topics = db.scalar(select(func.count()).select_from(Topic))
    posts = db.scalar(select(func.count()).select_from(Post))
    assert topics > 500 and posts > 2 * topics
    solved = db.scalar(select(func.count()).where(Topic.accepted_post_id.is_not(None)))
    assert 0.3 < solved / topics < 0.8
    # every visibility is represented, and only labs/staff post in the restricted categories
    assert {c.visibility for c in db.scalars(select(Category))} == {"public", "members", "groups"}
    assert not db.scalar(select(func.count()).select_from(OutboxEmail).where(OutboxEmail.to_address.like("%@demo.hearth.invalid")))

    from app.karma.models import KarmaFlag

    flags = db.scalars(select(KarmaFlag)).all()
    ring = sorted(member.id for member in ctx.cast("ring"))
    assert [sorted(json.loads(flag.member_ids)) for flag in flags if flag.kind == "ring"] == [ring]
    heavy = {member.id for member in ctx.cast("regular")[:2]}
    flagged = {member for flag in flags for member in json.loads(flag.member_ids)}
    assert not heavy & flagged, "honest heavy voters must not be flagged"
    ring_karma = db.scalars(select(User.karma).where(User.id.in_(ring))).all()
    helper_karma = db.scalars(select(User.karma).where(User.id.in_([m.id for m in ctx.cast("helper")]))).all()
    assert max(ring_karma) < sorted(helper_karma)[len(helper_karma) // 2], "reversed ring karma stays below the median helper"


def _year(seed: int = 7):
    """The planned year of a small cast (no database): the actions in time order."""
    from app.demo_context import DemoMember

    ctx = DemoContext(seed=seed, now=NOW)
    personas = ["asker"] * 20 + ["helper"] * 5 + ["regular"] * 5 + ["ring"] * 3 + ["staff"] * 2
    ctx.members = [DemoMember(index + 1, f"m{index}", persona, ctx.start, NOW) for index, persona in enumerate(personas)]
    return Planner(ctx).plan()


def test_the_front_page_and_every_list_page_never_repeat_a_title():
    from app.forum.lists import TOPICS_PER_PAGE

    titles = [action.data["title"] for action in _year() if action.kind == "topic"]
    assert len(titles) > 500
    newest = titles[-TOPICS_PER_PAGE:]
    assert len(set(newest)) == len(newest), "the front page shows a title twice"
    # The planner keeps 200 topics apart; a week's topics are planned out of time order, hence 150.
    for start in range(0, len(titles) - 150):
        window = titles[start:start + 150]
        assert len(set(window)) == len(window), f"a title repeats within 150 topics: {window}"


def test_every_demo_answer_belongs_to_its_questions_subject():
    from app.forum import demo_text

    actions = _year()
    subject = {action.order: action.data["subject"] for action in actions if action.kind == "topic"}
    replies: dict[int, list] = {}
    for action in actions:
        if action.kind == "reply":
            replies.setdefault(action.data["topic"], []).append(action)
    anywhere = {*demo_text.FOLLOW_UPS, *demo_text.STILL_STUCK, *demo_text.ME_TOO, *demo_text.STAFF_NOTES,
                demo_text.STAFF_BUG_NOTE}
    for topic, thread in replies.items():
        kind = subject[topic]
        own = set(kind.answers) if isinstance(kind, demo_text.Question) else set(kind.replies) | set(demo_text.CHATTER)
        allowed = own | anywhere if isinstance(kind, demo_text.Question) else own
        off_topic = [r.data["source"] for r in thread if r.data["source"] not in allowed]
        assert not off_topic, f"{kind.titles[0]!r} got replies about something else: {off_topic}"
        sources = [r.data["source"] for r in thread]
        assert len(sources) == len(set(sources)), f"{kind.titles[0]!r} has a pasted reply"
        if isinstance(kind, demo_text.Question):
            assert set(sources) & set(kind.answers), f"nobody answers {kind.titles[0]!r}"
    by_order = {action.order: action for action in actions}
    for action in actions:
        if action.kind == "accept":
            accepted = by_order[action.data["post"]]
            assert accepted.data["source"] in subject[action.data["topic"]].answers


def test_demo_threads_have_many_voices_and_lengths():
    replies = [action for action in _year() if action.kind == "reply"]
    assert len({reply.actor.id for reply in replies}) >= 25
    lengths = sorted(len(reply.data["body"]) for reply in replies)
    assert lengths[0] < 40 and lengths[-1] > 250
    assert len(set(lengths)) > 100
