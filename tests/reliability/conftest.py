"""A small community whose ids and names the reliability tests use as plain, valid values;
limits set high so requests reach the handlers instead of a 429."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.ambassadors import invitations
from app.webhooks.models import WebhookDelivery
from app.webhooks.service import create_endpoint
from tests.conftest import START, make_settings
from tests.factories import make_user
from tests.forum_factories import make_category, make_reply, make_topic
from tests.ideas.helpers import make_area, make_idea

SETTLED = START - timedelta(days=60)


@pytest.fixture
def settings(database_url):
    """Limits high enough that the walk reaches every handler instead of a 429."""
    return make_settings(
        database_url, post_rate_count=10**6, new_member_topics_per_day=10**6, new_member_replies_per_day=10**6,
        vote_daily_limit=10**6, login_ip_per_minute=10**6, login_ip_per_hour=10**6, login_account_failures=10**6,
        invitation_daily_limit=10**6, argon2_memory_kib=1024, argon2_time_cost=1,
    )


@pytest.fixture
def community(db, settings):
    """Enough of a forum that every baseline value names something real."""
    member = make_user(db, username="walker", created_at=SETTLED)
    admin = make_user(db, username="boss", roles=("admin",), created_at=SETTLED)
    target = make_user(db, username="target", created_at=SETTLED)
    category = make_category(db, slug="support")
    topic = make_topic(db, author=member, category=category, tags=("wifi",))
    reply = make_reply(db, topic=topic, author=target)
    area = make_area(db)
    idea = make_idea(db, settings, author=target, area=area)
    invitation = invitations.invite(
        db, settings, user=member, role="helper", inviter_id=admin.id, message="Join us", now=START
    )
    endpoint = create_endpoint(db, settings, url="https://hooks.example.com/in", description="CRM",
                               events=["topic.created"], visibility="public", created_by_id=admin.id, now=START)
    failed = WebhookDelivery(endpoint_id=endpoint.id, event="topic.created", body="{}", status="failed", attempts=6,
                             created_at=START, response_status=500, response_excerpt="down", error="")
    db.add(failed)
    db.flush()
    return {
        "member": member, "admin": admin,
        "path": {
            "topic_id": topic.id, "ref": topic.id, "post_id": reply.id, "post_number": 1, "notification_id": 1,
            "flag_id": 1, "idea_id": idea.id, "invitation_id": invitation.id, "email_id": 1, "token_id": 1,
            "username": "target", "slug": "support", "name": "wifi", "token": "not-a-token", "role": "helper",
            "kind": "snooze", "endpoint_id": endpoint.id, "delivery_id": failed.id,
        },
        "query": {
            "page": 1, "q": "configure", "per_page": 10, "filter": "latest", "category": "support", "tag": "wifi",
            "sort": "top", "status": "open", "area": area.slug, "profile": "helper", "cutoff": "2026-01-01",
            "horizon": 60, "next": "/", "period": "all", "quote": reply.id, "edit": category.id,
        },
        "form": {
            "title": "A perfectly ordinary title", "body": "A body long enough to be accepted as a post.",
            "category_id": category.id, "kind": "question", "tags": "wifi", "action": "preview",
            "reason": "spam", "note": "a note", "decision": "agree", "days": 7, "post_id": reply.id,
            "version": 1, "slug": "support", "name": "Support", "description": "About support",
            "position": 1, "visibility": "public", "groups": "labs", "area_id": area.id, "target_id": idea.id,
            "next": "/", "status": "planned", "message": "Welcome", "profile": "helper", "enabled": "1",
            "excluded": "target", "username": "newcomer", "email": "new@example.org",
            "password": "amber-lantern-quietly-48", "identifier": "target", "current_password": "wrong-password-x",
            "new_password": "amber-lantern-quietly-49", "display_name": "Walker", "bio": "Hello", "locale": "de",
            "ambassador_opt_out": "", "value": 1, "subject": "We miss you", "email_reply": "1",
            "url": "https://crm.example.com/in", "events": "topic.created", "active": "1",
        },
        "json": {
            "ids": 1, "reason": "spam", "note": "n", "decision": "agree", "days": 7, "category_id": category.id,
            "title": "A perfectly ordinary title", "body": "A body long enough to be accepted as a post.",
            "kind": "question", "tags": "wifi", "reply_to_post_id": reply.id, "post_id": reply.id,
            "area_id": area.id, "description": "It would help", "status": "planned", "note_": "", "into_id": idea.id,
            "username": "target", "role": "helper", "message": "Welcome", "profile": "helper", "value": 1,
        },
    }
