"""Every route in app.routes, as a member and as an admin, with hostile values in each path,
query, form and JSON parameter: out-of-range integers, NUL and other control characters, invalid
UTF-8, impossible dates, very long strings. Nothing may answer 5xx (issue 12, point 3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app.ambassadors import invitations
from tests.conftest import START, csrf_of, make_settings
from tests.factories import log_in, make_user
from tests.forum_factories import make_category, make_reply, make_topic
from tests.ideas.helpers import make_area, make_idea
from tests.reliability.hostile import (
    HOSTILE, MEMBER_NUMBER_VALUES, MEMBER_TEXT_VALUES, NUMBER_VALUES, TEXT_VALUES, build_url, form_body, json_body, long_for,
    route_shapes,
)

# Routes that read request.form() themselves, so FastAPI cannot tell their fields.
EXTRA_FORM_FIELDS = {
    "POST /notifications/preferences": ["email_reply"],
    "POST /ambassadors/reengagement/auto": ["enabled"],
    "POST /ambassadors/reengagement/{username}": ["subject", "body"],
}
# Values that reach deeper than the defaults on particular routes.
FORM_OVERRIDES = {"POST /t/{topic_id}/moderate": {"action": "move"}}
OWN_PAGES = ("/u/{username}/preferences", "/u/{username}/password", "/u/{username}/tokens", "/u/{username}/journey")
# Logging out would end the walk's session; it takes no parameters and is sent last.
LAST = {"POST /logout"}

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
    return {
        "member": member, "admin": admin,
        "path": {
            "topic_id": topic.id, "ref": topic.id, "post_id": reply.id, "post_number": 1, "notification_id": 1,
            "flag_id": 1, "idea_id": idea.id, "invitation_id": invitation.id, "email_id": 1, "token_id": 1,
            "username": "target", "slug": "support", "name": "wifi", "token": "not-a-token", "role": "helper",
            "kind": "snooze",
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
        },
        "json": {
            "ids": 1, "reason": "spam", "note": "n", "decision": "agree", "days": 7, "category_id": category.id,
            "title": "A perfectly ordinary title", "body": "A body long enough to be accepted as a post.",
            "kind": "question", "tags": "wifi", "reply_to_post_id": reply.id, "post_id": reply.id,
            "area_id": area.id, "description": "It would help", "status": "planned", "note_": "", "into_id": idea.id,
            "username": "target", "role": "helper", "message": "Welcome", "profile": "helper", "value": 1,
        },
    }


def _client(app, user) -> TestClient:
    client = TestClient(app, raise_server_exceptions=False)
    client.__enter__()
    log_in(client, user)
    return client


def _send(client, csrf, shape, values, hostile_kind=None):
    headers = {"X-CSRF-Token": csrf}
    content = None
    if shape.form_fields:
        content = form_body(shape, values)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif shape.json_fields:
        content = json_body(shape, values, hostile_kind)
        headers["Content-Type"] = "application/json"
    return client.request(shape.method, build_url(shape, values), content=content, headers=headers)


def _baseline(shape, community, user) -> dict:
    values = {name: community["path"].get(name, "x") for name in shape.path_params}
    if shape.path.startswith(OWN_PAGES):
        values["username"] = user.username
    values.update({name: community["query"][name] for name in shape.query_params if name in community["query"]})
    values.update({name: community["form"].get(name, "x") for name in shape.form_fields})
    values.update({name: community["json"].get(name, "x") for name in shape.json_fields})
    values.update(FORM_OVERRIDES.get(f"{shape.method} {shape.path}", {}))
    return values


def walk(app, community, user, number_values, text_values) -> tuple[int, int, list[str]]:
    """Send every hostile value in every parameter of every route.

    Returns the requests sent, the routes whose plain request succeeded (so the walk reached
    their handlers with a session and CSRF token), and one line per 5xx answer."""
    client = _client(app, user)
    csrf = csrf_of(client, "/")
    shapes = route_shapes(app, EXTRA_FORM_FIELDS)
    ordered = [s for s in shapes if f"{s.method} {s.path}" not in LAST] + [
        s for s in shapes if f"{s.method} {s.path}" in LAST
    ]
    sent, reached, failures = 0, 0, []
    for shape in ordered:
        baseline = _baseline(shape, community, user)
        slots = [("path", n) for n in shape.path_params] + [("query", n) for n in shape.query_params]
        slots += [("form", n) for n in shape.form_fields] + [("json", n) for n in shape.json_fields]
        cases = [(None, None, None)] + [
            (kind, n, h) for kind, n in slots for h in (number_values if n in shape.numeric else text_values)
        ]
        for kind, name, hostile in cases:
            values = dict(baseline)
            if name is not None:
                values[name] = long_for(kind, HOSTILE[hostile])
            response = _send(client, csrf, shape, values, name)
            sent += 1
            reached += name is None and response.status_code < 400
            if response.status_code >= 500:
                failures.append(f"{shape.method} {shape.path} {kind}:{name}={hostile} -> {response.status_code}")
    client.__exit__(None, None, None)
    return sent, reached, failures


def test_no_route_answers_5xx_to_hostile_input_as_member_or_admin(app, community):
    sent_member, reached_member, member_failures = walk(
        app, community, community["member"], MEMBER_NUMBER_VALUES, MEMBER_TEXT_VALUES
    )
    sent_admin, reached_admin, admin_failures = walk(app, community, community["admin"], NUMBER_VALUES, TEXT_VALUES)
    failures = member_failures + admin_failures
    routes = len(route_shapes(app, EXTRA_FORM_FIELDS))
    assert routes > 140 and reached_member > routes // 2 and reached_admin > routes * 3 // 4, (reached_member, reached_admin)
    assert not failures, f"{len(failures)} of {sent_member + sent_admin} requests answered 5xx:\n" + "\n".join(failures)
