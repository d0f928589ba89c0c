"""A small community for the browser tests of the whole site: a month of questions and answers, an
idea, a flagged post, a scoring run, and one member of each role, with real (recent) dates."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.ambassadors.service import run_scoring
from app.db import make_engine, make_session_factory, utcnow
from app.forum.models import Post, Topic
from app.forum.moderation_flags import flag_post
from app.main import register_event_handlers
from tests.conftest import make_settings
from tests.factories import make_user
from tests.forum_factories import as_viewer
from tests.ideas.helpers import make_area, make_idea
from tests.insights.community import build_recent


def seed_community(database_url: str) -> dict:
    """Build the community; returns the ids the tests open pages of."""
    register_event_handlers()
    engine = make_engine(database_url)
    settings = make_settings(database_url)
    try:
        with make_session_factory(engine)() as session:
            now = utcnow()
            long_ago = now - timedelta(days=120)
            admin = make_user(session, username="root", display_name="Rosa Admin", roles=("admin",), created_at=long_ago)
            make_user(session, username="manny", display_name="Manny Manager", roles=("manager",), created_at=long_ago)
            yesterday = now - timedelta(days=1)
            build_recent(session, yesterday - timedelta(hours=12))
            helper = session.scalar(select(type(admin)).where(type(admin).username == "helper0"))
            area = make_area(session, name="Heating control", now=long_ago)
            idea = make_idea(session, settings, author=helper, area=area, title="Show the outdoor temperature on the hub", now=yesterday)
            topic = session.scalars(select(Topic).order_by(Topic.id)).first()
            reply = session.scalars(select(Post).where(Post.topic_id == topic.id, Post.post_number == 2)).first()
            flag_post(session, as_viewer(session, admin), reply.id, "off_topic", "Reads like an advert.", yesterday)
            run_scoring(session, settings, yesterday)
            session.commit()
            return {"topic": topic.id, "post": reply.id, "idea": idea.id}
    finally:
        engine.dispose()
