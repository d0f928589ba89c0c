"""In a real browser: a member asks a question, another member answers, the asker accepts the
answer, and the topic shows as solved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.db import make_engine, make_session_factory, utcnow
from tests.browser.helpers import log_in
from tests.factories import make_user
from tests.forum_factories import make_category

pytestmark = pytest.mark.browser


def _seed(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            long_ago = utcnow() - timedelta(days=30)
            make_user(session, username="asker", created_at=long_ago)
            make_user(session, username="helper", created_at=long_ago)
            make_category(session, slug="printers", name="Printers", now=long_ago)
            session.commit()
    finally:
        engine.dispose()


def _watch(page, problems: list[str]) -> None:
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response",
        lambda response: problems.append(f"{response.status} {response.url}")
        if response.status >= 400 and not response.url.endswith("/favicon.ico")
        else None,
    )


def test_ask_answer_accept_shows_solved(live_server, chromium):
    _seed(live_server.settings.database_url)
    base = live_server.url
    problems: list[str] = []
    asker_context, helper_context = chromium.new_context(locale="en-US"), chromium.new_context(locale="en-US")
    try:
        asker, helper = asker_context.new_page(), helper_context.new_page()
        for page in (asker, helper):
            page.set_default_timeout(15_000)
            _watch(page, problems)

        log_in(asker, base, "asker")
        asker.get_by_role("link", name="Ask a question").first.click()
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
        expect(asker.locator("#p2")).to_contain_text("Run the head cleaning")
        asker.locator("#p2").get_by_role("button", name="Accept this answer").click()
        expect(asker.locator(".topic-head .badge.solved")).to_have_text("Solved")
        expect(asker.locator(".accepted-box")).to_contain_text("Run the head cleaning")
        expect(asker.locator("#p2 .badge.solved")).to_have_text("Accepted answer")

        helper.goto(f"{base}/solved")
        expect(helper.get_by_role("link", name="The printer prints blank pages")).to_be_visible()
    finally:
        asker_context.close()
        helper_context.close()
    assert problems == []
