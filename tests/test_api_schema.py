"""Schemathesis against /api/openapi.json with a member's token: no server errors, and every answer
matches the documented status codes, content types and schemas (25 generated requests per operation)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.checks import not_a_server_error

from app.accounts import service as accounts
from app.main import create_app
from tests.conftest import make_settings
from tests.factories import make_user
from tests.forum_factories import make_category, make_reply, make_topic
from tests.ideas.helpers import make_area, make_idea

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def member_token(db, clock, settings) -> str:
    """A small community (categories, a solved question, an idea) and a token of one of its members."""
    member = make_user(db, username="schema_member", created_at=clock.now - timedelta(days=30))
    helper = make_user(db, username="schema_helper", created_at=clock.now - timedelta(days=30))
    category = make_category(db, slug="schema-help")
    make_category(db, slug="schema-labs", visibility="groups", groups=("labs",))
    topic = make_topic(db, category=category, author=member, title="How do I pair the thermostat?")
    make_reply(db, topic=topic, author=helper, body="Hold the dial for **five** seconds.")
    make_idea(db, settings, author=member, area=make_area(db), title="Holiday schedule")
    return accounts.create_api_token(db, member, "schemathesis", clock.now)


def _operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every documented operation, read from an app that is never served."""
    spec = create_app(make_settings("sqlite://")).openapi()
    return [(method.upper(), path) for path, methods in spec["paths"].items() for method in methods]


@pytest.mark.parametrize(("method", "path"), _operations(), ids=lambda value: value)
def test_every_operation_answers_as_documented(app, member_token, method, path):
    operation = schemathesis.openapi.from_asgi("/api/openapi.json", app, timeout=120)[path][method]
    headers = {"Authorization": f"Bearer {member_token}"}

    @hypothesis_settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def call(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    call()
