"""A person in a real browser registers, confirms, logs out, logs in and sees their name."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.db import make_engine, make_session_factory
from app.mail import OutboxEmail

pytestmark = pytest.mark.browser

PASSWORD = "lantern-orchard-breeze-62"


def _verification_link(database_url: str, address: str) -> str:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            body = session.scalars(
                select(OutboxEmail.body_text).where(
                    OutboxEmail.kind == "verify_email", OutboxEmail.to_address == address
                )
            ).one()
    finally:
        engine.dispose()
    return re.search(r"https?://\S+/verify/\S+", body).group(0)


def test_register_confirm_logout_login_shows_name_in_header(live_server, page):
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: problems.append(message.text)
        if message.type == "error" and "Failed to load resource" not in message.text
        else None,
    )
    # Every failed request is a broken page, the icon included (pages name /static/favicon.svg).
    page.on(
        "response",
        lambda response: problems.append(f"{response.status} {response.url}")
        if response.status >= 400
        else None,
    )

    page.goto(f"{live_server.url}/register")
    page.get_by_label("Username").fill("wren")
    page.get_by_label("E-mail address").fill("wren@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    expect(page.locator("main")).to_contain_text("wren@example.org")

    link = _verification_link(live_server.settings.database_url, "wren@example.org")
    assert link.startswith(live_server.url)
    page.goto(link)
    header = page.locator("header.site-header")
    expect(header.locator(".nav-user")).to_have_count(0)  # opening the link logs nobody in
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.get_by_role("status").first).to_contain_text("Your e-mail address is confirmed")
    expect(header.locator(".nav-user")).to_have_count(0)
    page.get_by_label("Username or e-mail").fill("wren")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(header.locator(".nav-user")).to_have_text("wren")

    header.get_by_role("button", name="Log out").click()
    expect(header.locator(".nav-user")).to_have_count(0)
    expect(header.get_by_role("link", name="Log in")).to_be_visible()

    header.get_by_role("link", name="Log in").click()
    page.get_by_label("Username or e-mail").fill("wren")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(header.locator(".nav-user")).to_have_text("wren")

    assert not problems, problems  # no CSP violations, script errors or broken links on the way
