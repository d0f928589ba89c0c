"""Screenshots of the main pages on the demo community, written next to this file: home, a solved
topic, a member's profile, ideas, ambassador candidates and the health dashboard, each on a 390 px
phone and a 1280 px desktop, the home page also in German and Dutch and in the dark scheme, and the
insights charts.

Builds the demo into a temporary SQLite database, adds a scoring run at the end of each of the
last six months (the demo itself scores once, so the journey over time would have one point), a
last run now, serves Hearth on a free port and photographs the pages with the system Chromium:

    .venv/bin/python docs/screenshots/take_screenshots.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from app import demo  # noqa: E402
from app.ambassadors.service import run_scoring  # noqa: E402
from app.cli import migrate_database  # noqa: E402
from app.db import make_engine, make_session_factory, utcnow  # noqa: E402
from tests.browser.conftest import CHROMIUM_ARGS, LiveServer  # noqa: E402

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# (file, who, how to get there, window, language, colour scheme, what to photograph: the window,
# "full" page, "scroll:<selector>" the window scrolled to it, or one element). "How" is a
# path, optionally followed by links to click in turn (the first match of each selector), so the
# pictures show a solved topic and the profile of its helper whatever ids the demo gave them.
SOLVED_TOPIC = ("/solved", ".topic-row:has(.badge.solved) .topic-title")
HELPER_PROFILE = (*SOLVED_TOPIC, ".post.accepted .post-author")
MAIN_PAGES = [
    ("home", None, ("/",), None),
    ("topic", None, SOLVED_TOPIC, None),
    ("profile", "admin", HELPER_PROFILE, None),
    ("ideas", "admin", ("/ideas",), None),
    ("candidates", "admin", ("/ambassadors",), "scroll:table.amb-candidates"),
    ("dashboard", "admin", ("/admin/insights?days=90",), None),
]
SHOTS = [
    *((f"{name}-{width}.png", who, how, size, "en-US", "light", part)
      for name, who, how, part in MAIN_PAGES for width, size in (("desktop", DESKTOP), ("phone", PHONE))),
    ("home-desktop-de.png", None, ("/",), DESKTOP, "de-DE", "light", None),
    ("home-phone-nl.png", None, ("/",), PHONE, "nl-NL", "light", None),
    ("topic-desktop-nl.png", None, SOLVED_TOPIC, DESKTOP, "nl-NL", "light", None),
    ("topic-phone-dark.png", None, SOLVED_TOPIC, PHONE, "en-US", "dark", None),
    ("insights-health-desktop.png", "admin", ("/admin/insights?days=90",), DESKTOP, "en-US", "light", "full"),
    ("insights-pipeline-desktop.png", "admin", ("/admin/insights/pipeline",), DESKTOP, "en-US", "light", "full"),
    ("insights-health-phone.png", "admin", ("/admin/insights?days=30",), PHONE, "en-US", "light", "section:has(#section-conversation)"),
    ("insights-pipeline-phone.png", "admin", ("/admin/insights/pipeline",), PHONE, "en-US", "light", "section:has(#section-journey)"),
]


def _prepare(url: str) -> None:
    server = LiveServer(url)  # only for its settings
    ctx = demo.build_into(server.settings, progress=False)
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            now = utcnow()
            for months_back in range(6, 0, -1):
                month_end = (now.replace(day=1, hour=12, minute=0, second=0, microsecond=0)
                             - timedelta(days=30 * (months_back - 1)) - timedelta(days=1))
                run_scoring(session, server.settings, month_end, trigger="cli")
            run_scoring(session, server.settings, now, trigger="cli")
    finally:
        engine.dispose()
    print(f"demo built: {ctx.figures}")


def photograph(base_url: str, folder: Path = HERE) -> None:
    """Take every shot of SHOTS from a running Hearth with the demo data."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        for name, who, how, size, locale, scheme, part in SHOTS:
            context = browser.new_context(viewport=size, locale=locale, color_scheme=scheme)
            page = context.new_page()
            if who:
                page.goto(f"{base_url}/login")
                form = page.locator("main form")
                form.locator("input[name=identifier]").fill(who)
                form.locator("input[name=password]").fill("hearth-demo-community")
                form.locator("button[type=submit]").click()
                page.wait_for_selector(".nav-user")
            page.goto(base_url + how[0])
            for selector in how[1:]:
                page.locator(selector).first.click()
                page.wait_for_load_state()
            if part and part.startswith("scroll:"):
                page.locator(part.removeprefix("scroll:")).first.evaluate(
                    "element => { element.scrollIntoView({block: 'start'}); window.scrollBy(0, -72); }")  # under the sticky header
                page.screenshot(path=str(folder / name))
            elif part == "full":
                page.screenshot(path=str(folder / name), full_page=True)
            elif part:
                page.locator(part).screenshot(path=str(folder / name))
            else:
                page.screenshot(path=str(folder / name))
            context.close()
            print(f"wrote {folder / name}")
        browser.close()


def main() -> None:
    """Build, serve, photograph."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/screens.db"
        migrate_database(url)
        _prepare(url)
        server = LiveServer(url)
        server.start()
        try:
            photograph(server.url)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
