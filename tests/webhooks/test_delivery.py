"""Webhook deliveries reach a real HTTP receiver: signed, retried after a 500, never about content
the endpoint may not see, and never to a private address unless the forum allows it."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.db import make_engine, make_session_factory
from app.main import register_event_handlers
from app.webhooks import handlers as webhooks_handlers
from app.webhooks.models import WebhookDelivery
from app.webhooks.service import create_endpoint
from app.worker import run_pass
from tests.conftest import make_settings
from tests.factories import make_user
from tests.forum_factories import make_category, make_topic
from tests.webhooks.receiver import Receiver

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def committed(make_database):
    """A fresh database whose rows the worker really commits (it opens its own sessions)."""
    url = make_database()
    engine = make_engine(url)
    settings = make_settings(url, base_url="https://forum.example", webhook_allow_private=True)
    register_event_handlers()
    webhooks_handlers.configure(settings)
    yield settings, make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def _endpoint(factory, settings, url, *, events=("topic.created",), visibility="public"):
    with factory() as session, session.begin():
        endpoint = create_endpoint(session, settings, url=url, description="", events=list(events),
                                   visibility=visibility, created_by_id=None, now=NOW)
        return endpoint.id, endpoint.secret


def _topic(factory, *, visibility="public", groups=(), title="Thermostat loses schedule after update"):
    with factory() as session, session.begin():
        category = make_category(session, visibility=visibility, groups=groups)
        make_topic(session, category=category, title=title, now=NOW)


def _deliveries(factory, endpoint_id):
    with factory() as session:
        return session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)).all()


def _verify(secret: str, header: str, body: bytes) -> int:
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"])
    return int(parts["t"])


def test_a_new_topic_is_delivered_signed_and_retried_after_a_500(committed, receiver):
    settings, factory = committed
    endpoint_id, secret = _endpoint(factory, settings, f"{receiver.url}/hooks")
    _topic(factory)
    receiver.statuses = [500]

    first = run_pass(factory, settings, NOW, jobs=[], holder="test")
    assert first["webhooks"] == {"delivered": 0, "retrying": 1, "failed": 0}
    [row] = _deliveries(factory, endpoint_id)
    assert (row.status, row.attempts, row.response_status) == ("queued", 1, 500)
    assert row.response_excerpt == "receiver is down for maintenance"
    assert row.next_attempt_at == NOW + timedelta(minutes=1)

    assert run_pass(factory, settings, NOW + timedelta(seconds=30), jobs=[], holder="test")["webhooks"]["delivered"] == 0
    assert len(receiver.requests) == 1
    later = NOW + timedelta(minutes=1)
    assert run_pass(factory, settings, later, jobs=[], holder="test")["webhooks"]["delivered"] == 1
    [row] = _deliveries(factory, endpoint_id)
    assert (row.status, row.attempts, row.response_status) == ("delivered", 2, 200)

    first_try, second_try = receiver.requests
    assert second_try.body == first_try.body  # the same delivery, the same id
    assert _verify(secret, first_try.headers["hearth-signature"], first_try.body) == int(NOW.timestamp())
    assert _verify(secret, second_try.headers["hearth-signature"], second_try.body) == int(later.timestamp())
    payload = json.loads(second_try.body)
    assert payload["event"] == "topic.created" and second_try.headers["hearth-event"] == "topic.created"
    assert payload["id"] == second_try.headers["hearth-delivery"]
    assert payload["data"]["topic"]["title"] == "Thermostat loses schedule after update"
    assert payload["data"]["topic"]["url"].startswith("https://forum.example/t/")
    # A tampered body no longer matches the signature.
    with pytest.raises(AssertionError):
        _verify(secret, second_try.headers["hearth-signature"], second_try.body.replace(b"Thermostat", b"Thermometer"))
    assert run_pass(factory, settings, later + timedelta(hours=1), jobs=[], holder="test")["webhooks"]["delivered"] == 0


def test_a_labs_topic_reaches_only_the_endpoint_that_may_see_labs(committed, receiver):
    settings, factory = committed
    public_id, _ = _endpoint(factory, settings, f"{receiver.url}/public", visibility="public")
    labs_id, _ = _endpoint(factory, settings, f"{receiver.url}/labs", visibility="labs")
    _topic(factory, visibility="groups", groups=("labs",), title="Beta firmware 4.2 feedback")

    run_pass(factory, settings, NOW, jobs=[], holder="test")
    assert _deliveries(factory, public_id) == []
    assert [row.status for row in _deliveries(factory, labs_id)] == ["delivered"]
    assert [request.path for request in receiver.requests] == ["/labs"]
    assert b"Beta firmware" in receiver.requests[0].body


def test_members_only_content_is_not_sent_to_a_public_endpoint(committed, receiver):
    settings, factory = committed
    public_id, _ = _endpoint(factory, settings, f"{receiver.url}/public", visibility="public")
    _topic(factory, visibility="members")
    assert _deliveries(factory, public_id) == []


def test_failures_past_the_schedule_fail_for_good(committed, receiver):
    settings, factory = committed
    settings = settings.model_copy(update={"webhook_retry_minutes": [1]})
    endpoint_id, _ = _endpoint(factory, settings, f"{receiver.url}/hooks")
    _topic(factory)
    receiver.statuses = [503, 503]
    run_pass(factory, settings, NOW, jobs=[], holder="test")
    assert run_pass(factory, settings, NOW + timedelta(minutes=1), jobs=[], holder="test")["webhooks"]["failed"] == 1
    [row] = _deliveries(factory, endpoint_id)
    assert (row.status, row.attempts, row.response_status) == ("failed", 2, 503)
    assert run_pass(factory, settings, NOW + timedelta(days=1), jobs=[], holder="test")["webhooks"]["failed"] == 0


def test_a_host_on_a_private_network_is_not_called_unless_allowed(committed, receiver):
    settings, factory = committed
    endpoint_id, _ = _endpoint(factory, settings, f"{receiver.url.replace('127.0.0.1', 'localhost')}/hooks")
    _topic(factory)
    strict = settings.model_copy(update={"webhook_allow_private": False})
    assert run_pass(factory, strict, NOW, jobs=[], holder="test")["webhooks"]["failed"] == 1
    [row] = _deliveries(factory, endpoint_id)
    assert row.status == "failed" and "private" in row.error
    assert receiver.requests == []
