"""Karma tests subscribe karma's handlers with the test's settings (no app needed)."""

from __future__ import annotations

import pytest

from app.forum import handlers as forum_handlers
from app.karma import handlers as karma_handlers


@pytest.fixture(autouse=True)
def karma_handlers_on(settings):
    """Forum and karma handlers subscribed, karma using this test's settings."""
    forum_handlers.register()
    karma_handlers.register(settings)
    yield
    karma_handlers.configure(None)
