"""A person logs in through the company's OpenID provider in a real browser: its login and consent
pages, back to Hearth logged in, with the provider's `beta` group giving them the labs group."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.accounts.models import Group, GroupMembership, User
from app.db import make_engine, make_session_factory
from tests.browser.conftest import LiveServer, _free_port
from tests.sso.provider import OpenIdProvider

pytestmark = pytest.mark.browser


@pytest.fixture
def sso_server(make_database):
    port = _free_port()
    provider = OpenIdProvider([f"http://127.0.0.1:{port}/login/sso/callback"])
    server = LiveServer(make_database(), port=port, **provider.settings())
    server.start()
    yield server
    server.stop()
    provider.stop()


def _groups_of(database_url: str, username: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return set(session.scalars(
                select(Group.name).join(GroupMembership, GroupMembership.group_id == Group.id)
                .join(User, User.id == GroupMembership.user_id).where(User.username == username)
            ))
    finally:
        engine.dispose()


def test_log_in_through_the_provider_login_and_consent_pages(sso_server, page):
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{sso_server.url}/login")
    page.get_by_role("button", name="Log in with Example Corp").click()

    # The provider's own pages (oidc-provider's development login and consent screens).
    page.wait_for_url(f"{sso_server.settings.oidc_issuer}/interaction/**")
    page.locator('input[name="login"]').fill("ada")
    page.locator('input[name="password"]').fill("provider-password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(f"{sso_server.url}/")
    expect(page.get_by_role("banner")).to_contain_text("Ada Lovelace")
    expect(page.get_by_role("banner").get_by_role("link", name="Labs")).to_be_visible()
    assert _groups_of(sso_server.settings.database_url, "ada") == {"labs"}
    assert problems == []
