"""Screenshots of the insights pages on the demo community, written next to this file.

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

# (file, page, window, what to photograph: the whole page or one section)
SHOTS = [
    ("insights-health-desktop.png", "/admin/insights?days=90", {"width": 1280, "height": 900}, None),
    ("insights-pipeline-desktop.png", "/admin/insights/pipeline", {"width": 1280, "height": 900}, None),
    ("insights-health-phone.png", "/admin/insights?days=30", {"width": 390, "height": 844}, "section:has(#section-conversation)"),
    ("insights-pipeline-phone.png", "/admin/insights/pipeline", {"width": 390, "height": 844}, "section:has(#section-journey)"),
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


def main() -> None:
    """Build, serve, photograph."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/screens.db"
        migrate_database(url)
        _prepare(url)
        server = LiveServer(url)
        server.start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
                for name, path, size, part in SHOTS:
                    page = browser.new_context(viewport=size, locale="en-US").new_page()
                    page.goto(f"{server.url}/login")
                    page.get_by_label("Username or e-mail").fill("admin")
                    page.get_by_label("Password").fill("hearth-demo-community")
                    page.get_by_role("button", name="Log in").click()
                    page.wait_for_selector(".nav-user")
                    page.goto(server.url + path)
                    if part:
                        page.locator(part).screenshot(path=str(HERE / name))
                    else:
                        page.screenshot(path=str(HERE / name), full_page=True)
                    print(f"wrote docs/screenshots/{name}")
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
