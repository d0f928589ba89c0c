"""Steps shared by the browser tests."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.factories import PASSWORD


def log_in(page, base: str, username: str) -> None:
    """Log in through the real form and wait for the member's name in the header."""
    page.goto(f"{base}/login")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".nav-user")).to_be_visible()
