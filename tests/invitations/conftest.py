"""Shared setup for invitation tests: the ambassador tests' community, scored, plus a manager."""

from __future__ import annotations

import pytest

from app.ambassadors.service import run_scoring
from tests.ambassadors.conftest import NOW, town  # noqa: F401  (the community fixture)
from tests.factories import make_user


@pytest.fixture
def scored(db, settings, town, clock):  # noqa: F811
    """The community scored as of NOW, with the test clock set there."""
    clock.now = NOW
    run_scoring(db, settings, NOW)
    return town


@pytest.fixture
def manager(db):
    """A community manager."""
    return make_user(db, username="manny", roles=("manager",))
