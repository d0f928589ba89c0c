"""In a real browser, on a 390 px phone and a 1280 px desktop: a newcomer registers and confirms
their address, asks a question, another member answers, the asker accepts the answer, and a visitor
who presses the vote button is sent to log in and comes back to cast the vote."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.db import make_engine, make_session_factory, utcnow
from app.mail import OutboxEmail
from tests.browser.helpers import log_in
from tests.factories import PASSWORD, make_user
from tests.forum_factories import make_category

pytestmark = pytest.mark.browser
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def _seed(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            long_ago = utcnow() - timedelta(days=30)
            make_user(session, username="helper", created_at=long_ago)
            make_user(session, username="voter", created_at=long_ago)
            make_category(session, slug="printers", name="Printers", now=long_ago)
            session.commit()
    finally:
        engine.dispose()


def _verification_link(database_url: str, address: str) -> str:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            body = session.scalars(
                select(OutboxEmail.body_text).where(OutboxEmail.kind == "verify_email", OutboxEmail.to_address == address)
            ).one()
    finally:
        engine.dispose()
    return re.search(r"https?://\S+/verify/\S+", body).group(0)


def _watch(page, problems: list[str]) -> None:
    page.set_default_timeout(15_000)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)


def _open_ask_form(page, size: str) -> None:
    """Reach the question form from the header: a button on desktop, the menu on a phone."""
    if size == "phone":
        page.locator(".nav-menu summary").click()
        page.locator(".nav-menu-panel").get_by_role("link", name="Ask a question").click()
    else:
        page.locator("header.site-header").get_by_role("link", name="Ask a question").click()


@pytest.mark.parametrize("size", SIZES)
def test_register_ask_answer_accept_and_vote(live_server, chromium, size):
    _seed(live_server.settings.database_url)
    base, viewport = live_server.url, SIZES[size]
    problems: list[str] = []
    contexts = [chromium.new_context(locale="en-US", viewport=viewport) for _ in range(3)]
    try:
        asker, helper, visitor = (context.new_page() for context in contexts)
        for page in (asker, helper, visitor):
            _watch(page, problems)

        asker.goto(f"{base}/register")
        asker.get_by_label("Username").fill("wren")
        asker.get_by_label("E-mail address").fill("wren@example.org")
        asker.get_by_label("Password").fill("lantern-orchard-breeze-62")
        asker.get_by_role("button", name="Sign up").click()
        expect(asker.get_by_role("heading", name="Check your inbox")).to_be_visible()
        asker.goto(_verification_link(live_server.settings.database_url, "wren@example.org"))
        asker.get_by_role("button", name="Confirm my address").click()
        asker.get_by_label("Username or e-mail").fill("wren")
        asker.get_by_label("Password").fill("lantern-orchard-breeze-62")
        asker.locator("main").get_by_role("button", name="Log in").click()
        expect(asker.locator(".nav-user")).to_be_visible()

        _open_ask_form(asker, size)
        asker.get_by_label("Title").fill("The printer prints blank pages")
        asker.get_by_label("Category").select_option(label="Printers")
        asker.get_by_label("Your text").fill("Since the update every page comes out **blank**.")
        asker.get_by_role("button", name="Preview").click()
        expect(asker.locator(".preview strong")).to_have_text("blank")
        asker.get_by_role("button", name="Post topic").click()
        expect(asker.get_by_role("heading", name="The printer prints blank pages")).to_be_visible()
        topic_url = asker.url

        log_in(helper, base, "helper")
        helper.goto(topic_url)
        helper.get_by_label("Reply", exact=True).fill("Run the head cleaning from the maintenance menu.")
        helper.get_by_role("button", name="Post reply").click()
        expect(helper.locator("#p2")).to_contain_text("Run the head cleaning")

        asker.goto(topic_url)
        asker.locator("#p2").get_by_role("button", name="Accept this answer").click()
        expect(asker.locator(".topic-head .badge.solved")).to_have_text("Solved")
        expect(asker.locator(".accepted-box")).to_contain_text("Run the head cleaning")
        expect(asker.locator("#p2 .badge.solved")).to_have_text("Accepted answer")

        visitor.goto(topic_url)
        expect(visitor.locator("#p2 .vote-score")).to_have_text("0")
        visitor.locator("#p2").get_by_role("link", name=re.compile("Upvote")).click()
        expect(visitor.get_by_role("heading", name="Log in")).to_be_visible()
        visitor.get_by_label("Username or e-mail").fill("voter")
        visitor.get_by_label("Password").fill(PASSWORD)
        visitor.locator("main").get_by_role("button", name="Log in").click()
        expect(visitor.get_by_role("heading", name="The printer prints blank pages")).to_be_visible()  # back on the topic
        visitor.locator("#p2").get_by_role("button", name="Upvote").click()
        expect(visitor.locator("#p2 .vote-score")).to_have_text("1")
        expect(visitor.locator("#p2 .vote-up")).to_have_attribute("aria-pressed", "true")

        assert visitor.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        helper.goto(f"{base}/solved")
        expect(helper.get_by_role("link", name="The printer prints blank pages")).to_be_visible()
    finally:
        for context in contexts:
            context.close()
    assert problems == []
