"""In a real browser, on a 390 px phone and a 1280 px desktop: a manager goes from the header's
admin link to the candidate list and invites a member into labs; the member logs in, opens the
invitation from their notifications, accepts, and sees the Labs area in the header (or its menu)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.ambassadors.service import run_scoring
from app.db import make_engine, make_session_factory, utcnow
from tests.browser.helpers import log_in
from tests.conftest import make_settings
from tests.factories import make_user
from tests.forum_factories import make_category, make_topic

pytestmark = pytest.mark.browser
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def _header_link(page, size: str, css: str):
    """A header link as a person finds it: in the bar on desktop, in the opened menu on a phone."""
    if size == "phone" and page.locator(".nav-menu[open]").count() == 0:
        page.locator(".nav-menu summary").click()
    return page.locator(f"{css}:visible")


def _seed(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            long_ago = utcnow() - timedelta(days=30)
            make_user(session, username="manny", roles=("manager",), created_at=long_ago)
            make_user(session, username="mira", created_at=long_ago)
            labs = make_category(session, slug="labs-beta", name="Labs beta", visibility="groups", groups=("labs",), now=long_ago)
            make_topic(session, category=labs, title="Try the new editor and tell us what breaks", now=long_ago)
            run_scoring(session, make_settings(database_url), utcnow())
            session.commit()
    finally:
        engine.dispose()


@pytest.mark.parametrize("size", SIZES)
def test_manager_invites_member_who_accepts_and_sees_labs(live_server, chromium, size):
    _seed(live_server.settings.database_url)
    base = live_server.url
    problems: list[str] = []
    manager_context, member_context = (chromium.new_context(locale="en-US", viewport=SIZES[size]) for _ in range(2))
    try:
        manager, member = manager_context.new_page(), member_context.new_page()
        for page in (manager, member):
            page.set_default_timeout(15_000)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)

        log_in(manager, base, "manny")
        _header_link(manager, size, "a.nav-admin").click()
        manager.get_by_role("link", name=re.compile("Ambassador candidates")).click()
        manager.get_by_role("link", name="Labs", exact=True).click()
        assert manager.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]  # cards on a phone
        row = manager.locator("tr", has_text="@mira")
        row.get_by_role("link", name="Invite").click()
        expect(manager.get_by_role("heading", name="Invite Mira")).to_be_visible()
        expect(manager.get_by_label("Labs", exact=True)).to_be_checked()
        manager.get_by_label("Personal message").fill("Hi Mira, we would love your feedback on the beta.")
        manager.get_by_role("button", name="Send invitation").click()
        expect(manager.locator(".flash")).to_contain_text("Invitation sent to Mira.")

        log_in(member, base, "mira")
        expect(member.locator("a.nav-labs")).to_have_count(0)
        member.locator(".nav-notifications").click()
        member.get_by_role("link", name="Manny invited you to become Labs").click()
        expect(member.get_by_text("Hi Mira, we would love your feedback on the beta.")).to_be_visible()
        member.get_by_role("button", name="Accept").click()
        expect(member.get_by_role("heading", name="Labs", exact=True)).to_be_visible()
        expect(member.get_by_role("link", name="Try the new editor and tell us what breaks")).to_be_visible()
        expect(_header_link(member, size, "a.nav-labs")).to_be_visible()

        manager.goto(f"{base}/ambassadors/audit")
        expect(manager.locator("table.roles-audit")).to_contain_text("invitation.accepted")
    finally:
        manager_context.close()
        member_context.close()
    assert problems == []
