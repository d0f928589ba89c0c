"""In a real browser, phone and desktop width: the insights pages draw their SVG charts under the
site's CSP without console errors, and axe-core finds no WCAG A/AA violation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.ambassadors.service import run_scoring
from app.db import make_engine, make_session_factory, utcnow
from app.insights import rollups
from app.main import register_event_handlers
from tests.browser.axe import axe_source, violations
from tests.browser.helpers import log_in
from tests.conftest import make_settings
from tests.factories import make_user
from tests.insights.community import build_recent

pytestmark = pytest.mark.browser
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def _seed(database_url: str) -> None:
    register_event_handlers()
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            now = utcnow()
            make_user(session, username="manny", roles=("manager",), created_at=now - timedelta(days=90))
            yesterday = now - timedelta(days=1)  # reports cover whole days, up to yesterday
            build_recent(session, yesterday - timedelta(hours=12))
            run_scoring(session, make_settings(database_url), yesterday)
            rollups.rebuild(session, now)
            session.commit()
    finally:
        engine.dispose()


@pytest.mark.parametrize("size", SIZES)
def test_insights_pages_render_charts_accessibly(live_server, chromium, size):
    source = axe_source()
    _seed(live_server.settings.database_url)
    context = chromium.new_context(locale="en-US", viewport=SIZES[size])
    problems: list[str] = []
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        failed: list[str] = []
        page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        log_in(page, live_server.url, "manny")
        for path in ("/admin/insights?days=30", "/admin/insights/pipeline"):
            page.goto(live_server.url + path)
            charts = page.locator("svg.pygal-chart")
            assert charts.count() >= (5 if "pipeline" not in path else 2), path
            box = charts.first.bounding_box()
            assert box and 0 < box["width"] <= SIZES[size]["width"], path  # fits the screen
            assert page.locator("svg.pygal-chart path.line").count() > 0, path
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= SIZES[size]["width"], f"{path} scrolls sideways at {size} width"
            assert violations(page, source) == [], path
        # the browser's own favicon request is the only thing allowed to miss
        assert all(url.endswith("/favicon.ico") for url in failed), failed
        assert [p for p in problems if "Failed to load resource" not in p] == []
    finally:
        context.close()
