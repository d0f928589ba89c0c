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
