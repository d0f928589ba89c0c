"""Every route in app.routes, as a member and as an admin, with hostile values in each path,
query, form and JSON parameter: out-of-range integers, NUL and other control characters, invalid
UTF-8, impossible dates, very long strings. Nothing may answer 5xx (issue 12, point 3)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import csrf_of
from tests.factories import PASSWORD, log_in
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
FORM_OVERRIDES = {
    "POST /t/{topic_id}/moderate": {"action": "move"},
    "POST /admin/members/{username}/data/delete": {"confirm_name": "target"},
    "POST /u/{username}/data/delete": {"password": PASSWORD},
}
OWN_PAGES = (
    "/u/{username}/preferences", "/u/{username}/password", "/u/{username}/tokens", "/u/{username}/journey",
    "/u/{username}/data", "/u/{username}/avatar",
)
# Erasing the target account changes the pages about it, erasing one's own account and logging
# out end the walk's session: these are sent last, in this order.
LAST = ["POST /admin/members/{username}/data/delete", "POST /u/{username}/data/delete", "POST /logout"]

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
    ordered = [s for s in shapes if f"{s.method} {s.path}" not in LAST] + sorted(
        (s for s in shapes if f"{s.method} {s.path}" in LAST), key=lambda s: LAST.index(f"{s.method} {s.path}")
    )
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
    assert not failures, f"{len(failures)} of {sent_member + sent_admin} requests answered 5xx:\n" + "\n".join(failures)
    # The walk really reached the handlers: most plain requests succeeded (staff routes refuse members).
    routes = len(route_shapes(app, EXTRA_FORM_FIELDS))
    assert routes > 140 and reached_member > routes * 2 // 5 and reached_admin > routes * 7 // 10, (reached_member, reached_admin)
