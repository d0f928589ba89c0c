"""A real Hearth server (uvicorn in a thread) and the system Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time

import pytest
import uvicorn

from app.main import create_app
from tests.conftest import make_settings

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    """A Hearth app served over real HTTP on 127.0.0.1, with its own migrated database."""

    def __init__(self, database_url: str, *, port: int | None = None, **overrides):
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.settings = make_settings(database_url, base_url=self.url, **overrides)
        self.app = create_app(self.settings)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="hearth-live-server", daemon=True)

    def start(self) -> None:
        """Start serving and wait until the socket accepts connections."""
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the Hearth test server did not start")
            time.sleep(0.02)  # waiting for a thread to bind its socket, not timing anything

    def stop(self) -> None:
        """Shut the server down and release the database."""
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.app.state.engine.dispose()


@pytest.fixture
def live_server(make_database):
    server = LiveServer(make_database())
    server.start()
    yield server
    server.stop()


def chromium_path() -> str | None:
    """The system Chromium, or None (then the test is skipped unless HEARTH_REQUIRE_BROWSER is set)."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium():
    executable = chromium_path()
    if executable is None:
        if os.environ.get("HEARTH_REQUIRE_BROWSER"):
            pytest.fail("HEARTH_REQUIRE_BROWSER is set but no chromium is installed")
        pytest.skip("no chromium installed (set HEARTH_REQUIRE_BROWSER=1 to make this a failure)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
