"""Every main page in a real browser: axe-core finds no WCAG 2.1 A/AA violation (light and dark
scheme), every input that has a hint points to it with aria-describedby, and no page scrolls
sideways on a 390 px phone."""

from __future__ import annotations

import pytest

from tests.browser.axe import axe_source, violations
from tests.browser.community import seed_community
from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

VISITOR_PAGES = ["/", "/t/{topic}", "/login", "/register", "/reset", "/login/email", "/ideas", "/no-such-page"]
MEMBER_PAGES = [
    "/", "/latest", "/categories", "/c/support", "/solved", "/unanswered", "/t/{topic}", "/search?q=configure",
    "/u/helper0", "/u/helper0/activity", "/u/helper0/karma", "/u/helper0/badges", "/leaderboard",
    "/ideas", "/ideas/roadmap", "/ideas/{idea}", "/ideas/new", "/ideas/areas", "/new-topic", "/notifications",
    "/notifications/preferences", "/u/root/preferences", "/u/root/journey", "/posts/{post}/flag", "/labs",
    "/admin", "/admin/categories", "/admin/karma", "/admin/mail", "/mod/flags", "/mod/karma-flags", "/mod/users/helper0",
    "/ambassadors", "/ambassadors/journey", "/ambassadors/invitations", "/ambassadors/roles",
    "/ambassadors/reengagement", "/ambassadors/audit", "/ambassadors/members/helper0", "/ambassadors/invite/helper1",
    "/admin/insights", "/admin/insights/pipeline", "/admin/webhooks",
]
DARK_PAGES = ["/", "/t/{topic}", "/ideas", "/u/helper0", "/ambassadors", "/admin", "/new-topic", "/mod/users/helper0"]
PHONE_PAGES = [
    "/", "/categories", "/t/{topic}", "/search?q=configure", "/u/helper0", "/ideas", "/ideas/{idea}", "/leaderboard",
    "/notifications", "/new-topic", "/admin", "/ambassadors", "/ambassadors/roles", "/ambassadors/invitations",
    "/ambassadors/members/helper0", "/admin/insights", "/admin/categories", "/admin/mail", "/mod/flags",
]

# Inputs whose hint (a .hint paragraph in the same field) is not named by aria-describedby.
UNDESCRIBED_HINTS = """() => [...document.querySelectorAll('.field, .choice')].flatMap(field => {
  const hints = [...field.querySelectorAll(':scope > .hint[id], :scope > p.hint[id]')].map(h => h.id);
  if (!hints.length) return [];
  return [...field.querySelectorAll('input:not([type=hidden]), textarea, select')]
    .filter(input => !hints.every(id => (input.getAttribute('aria-describedby') || '').split(/\\s+/).includes(id)))
    .map(input => input.id || input.name);
})"""
HINTS = "() => document.querySelectorAll('.field > .hint[id], .choice > .hint[id]').length"
HINTS_WITHOUT_ID = "() => [...document.querySelectorAll('main .hint')].filter(h => !h.id && h.closest('.field')).length"


def _context(chromium, viewport, scheme="light"):
    context = chromium.new_context(locale="en-US", viewport=viewport, color_scheme=scheme)
    context.set_default_timeout(15_000)
    return context


def _problems_of(page) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" and "Failed to load resource" not in m.text else None)
    return problems


def test_every_main_page_passes_axe_and_ties_hints_to_inputs(live_server, chromium):
    source = axe_source()
    ids = seed_community(live_server.settings.database_url)
    found: dict[str, list[str]] = {}
    checked = hints = 0
    for who, pages, viewport, scheme in (
        (None, VISITOR_PAGES, DESKTOP, "light"),
        ("root", MEMBER_PAGES, DESKTOP, "light"),
        ("root", DARK_PAGES, PHONE, "dark"),
        (None, ["/", "/t/{topic}", "/login"], DESKTOP, "dark"),
    ):
        context = _context(chromium, viewport, scheme)
        try:
            page = context.new_page()
            problems = _problems_of(page)
            if who:
                log_in(page, live_server.url, who)
            for path in pages:
                url = path.format(**ids)
                response = page.goto(live_server.url + url)
                assert response.status in (200, 404), f"{url}: {response.status}"
                label = f"{url} ({who or 'visitor'}, {scheme}, {viewport['width']}px)"
                problem = violations(page, source) + [f"hint not in aria-describedby: {name}" for name in page.evaluate(UNDESCRIBED_HINTS)]
                if page.evaluate(HINTS_WITHOUT_ID):
                    problem.append("a hint without an id, so no input can point to it")
                if problem:
                    found[label] = problem
                checked += 1
                hints += page.evaluate(HINTS)
            assert problems == [], problems
        finally:
            context.close()
    assert checked >= 50 and hints >= 5  # the hint check did meet forms with hints
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())


def test_main_pages_fit_a_390px_phone_without_sideways_scrolling(live_server, chromium):
    ids = seed_community(live_server.settings.database_url)
    context = _context(chromium, PHONE)
    try:
        page = context.new_page()
        wide = {}
        for path in ("/", "/t/{topic}", "/login", "/register", "/ideas"):
            page.goto(live_server.url + path.format(**ids))
            if (width := page.evaluate("document.documentElement.scrollWidth")) > PHONE["width"]:
                wide[f"visitor {path}"] = width
        log_in(page, live_server.url, "root")
        for path in PHONE_PAGES:
            page.goto(live_server.url + path.format(**ids))
            if (width := page.evaluate("document.documentElement.scrollWidth")) > PHONE["width"]:
                wide[path] = width
            header = page.locator("header.site-header").bounding_box()
            assert header["height"] < 80, f"{path}: the header takes {header['height']} px, more than one row"
        assert wide == {}
    finally:
        context.close()
