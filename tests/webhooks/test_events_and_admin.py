"""Every subscribed event queues a delivery in the event's transaction; admins manage endpoints on
/admin/webhooks, where URLs that are not http(s) are refused with the form kept."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.ambassadors import invitations
from app.errors import ValidationFailed
from app.forum.answers import accept_answer
from app.forum.moderation import suspend_member
from app.ideas import service as ideas_service
from app.webhooks import handlers as webhooks_handlers
from app.webhooks.models import EVENTS, WebhookDelivery, WebhookEndpoint
from app.webhooks.service import check_url, create_endpoint
from tests.conftest import START, csrf_of, post_form
from tests.factories import log_in, make_user
from tests.forum_factories import as_viewer, make_category, make_reply, make_topic
from tests.ideas.helpers import make_area, make_idea, member, wire


@pytest.fixture
def wired(settings):
    wire(settings)
    webhooks_handlers.configure(settings)
    return settings


def _endpoint(db, settings, *, visibility="labs", events=tuple(EVENTS)):
    return create_endpoint(db, settings, url="https://hooks.example.com/hearth", description="CRM",
                           events=list(events), visibility=visibility, created_by_id=None, now=START)


def _queued(db, endpoint) -> list[tuple[str, dict]]:
    rows = db.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id).order_by(WebhookDelivery.id))
    return [(row.event, json.loads(row.body)["data"]) for row in rows]


def test_forum_idea_invitation_and_moderation_events_queue_deliveries(db, wired):
    settings = wired
    endpoint = _endpoint(db, settings)
    asker, helper = member(db, username="asker"), member(db, username="helper1")
    moderator, manager = member(db, roles=("moderator",)), member(db, roles=("manager",))
    topic = make_topic(db, author=asker, category=make_category(db), title="Heating schedule resets")
    reply = make_reply(db, topic=topic, author=helper)
    accept_answer(db, as_viewer(db, asker), topic.id, reply.id, START)
    idea = make_idea(db, settings, author=asker, area=make_area(db), title="Holiday mode")
    ideas_service.change_status(db, as_viewer(db, member(db, roles=("product",))), idea.id, status="planned", now=START)
    sent = invitations.invite(db, settings, user=helper, role="helper", inviter_id=manager.id, message="", now=START)
    invitations.accept(db, invitation_id=sent.id, user_id=helper.id, now=START)
    declined = invitations.invite(db, settings, user=asker, role="ambassador", inviter_id=manager.id, message="", now=START)
    invitations.decline(db, invitation_id=declined.id, user_id=asker.id, reason="", now=START)
    suspend_member(db, as_viewer(db, moderator), "asker", 3, "Spam links", START)

    events = _queued(db, endpoint)
    names = [name for name, _ in events]
    for name in EVENTS:
        assert name in names, name
    data = dict(events)
    assert data["answer.accepted"]["answer"]["author"] == "helper1"
    assert data["idea.status_changed"]["new_status"] == "planned"
    assert data["invitation.accepted"] == {"invitation_id": sent.id, "role": "helper", "member": "helper1",
                                           "invited_by": manager.username}
    assert data["member.suspended"]["member"] == "asker" and data["member.suspended"]["reason"] == "Spam links"


def test_an_invitation_into_labs_is_told_only_to_endpoints_that_may_see_labs(db, wired):
    public = _endpoint(db, wired, visibility="public", events=("invitation.sent",))
    labs = _endpoint(db, wired, visibility="labs", events=("invitation.sent",))
    manager, carol = member(db, roles=("manager",)), member(db, username="carol")
    invitations.invite(db, wired, user=carol, role="labs", inviter_id=manager.id, message="", now=START)
    assert _queued(db, public) == [] and [name for name, _ in _queued(db, labs)] == ["invitation.sent"]


def test_paused_or_unsubscribed_endpoints_get_nothing(db, wired):
    paused = _endpoint(db, wired, events=("topic.created",))
    paused.active = False
    replies_only = _endpoint(db, wired, events=("post.created",))
    make_topic(db, category=make_category(db))
    assert _queued(db, paused) == [] and _queued(db, replies_only) == []


@pytest.mark.parametrize("url", [
    "ftp://files.example.com/in", "javascript:alert(1)", "file:///etc/passwd", "gopher://example.com",
    "hooks.example.com/no-scheme", "http://", "https://user:pw@hooks.example.com/",
    "http://127.0.0.1:8080/", "http://10.1.2.3/", "http://169.254.169.254/latest/meta-data", "http://[::1]/",
])
def test_urls_that_are_not_public_http_are_refused(url):
    with pytest.raises(ValidationFailed) as refused:
        check_url(url, allow_private=False)
    assert refused.value.detail["url"]


def test_private_addresses_are_accepted_only_when_allowed():
    assert check_url(" http://127.0.0.1:8080/hook ", allow_private=True) == "http://127.0.0.1:8080/hook"
    assert check_url("https://hooks.example.com/x", allow_private=False) == "https://hooks.example.com/x"


def test_admin_registers_an_endpoint_and_sees_its_secret_and_deliveries(client, db, wired):
    admin = make_user(db, roles=("admin",))
    db.flush()
    log_in(client, admin)
    page = client.get("/admin/webhooks")
    assert page.status_code == 200 and "Hearth-Signature" in page.text and "v1=" in page.text

    refused = post_form(client, "/admin/webhooks", {"url": "ftp://crm.example.com/in", "description": "Our CRM",
                                                    "events": ["topic.created"], "visibility": "public"})
    assert refused.status_code == 422
    assert "Use an http:// or https:// address." in refused.text and 'value="Our CRM"' in refused.text
    assert db.scalar(select(func.count(WebhookEndpoint.id))) == 0

    added = post_form(client, "/admin/webhooks", {"url": "https://crm.example.com/in", "description": "Our CRM",
                                                  "events": ["topic.created", "answer.accepted"], "visibility": "public"},
                      follow_redirects=False)
    assert added.status_code == 303
    endpoint = db.scalar(select(WebhookEndpoint))
    assert endpoint.event_names == {"topic.created", "answer.accepted"} and endpoint.secret.startswith("whsec_")
    make_topic(db, category=make_category(db), title="Display flickers at night")
    db.flush()
    detail = client.get(added.headers["location"])
    assert endpoint.secret in detail.text and "topic.created" in detail.text and "queued" in detail.text


def test_only_admins_manage_webhooks(client, db, wired):
    moderator = make_user(db, roles=("moderator", "manager"))
    db.flush()
    log_in(client, moderator)
    assert client.get("/admin/webhooks").status_code == 403
    answer = client.post("/admin/webhooks", data={"csrf_token": csrf_of(client, "/"), "url": "https://x.example.com",
                                                   "events": ["topic.created"], "visibility": "public"})
    assert answer.status_code == 403
