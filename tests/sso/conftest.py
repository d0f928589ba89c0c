"""Fixtures of the single sign-on tests: a real OpenID provider and Hearth settings pointing at it."""

from __future__ import annotations

import pytest

from tests.conftest import make_settings
from tests.sso.provider import OpenIdProvider

CALLBACK = "http://testserver/login/sso/callback"


@pytest.fixture(scope="module")
def provider():
    running = OpenIdProvider([CALLBACK])
    yield running
    running.stop()


@pytest.fixture
def settings(database_url, provider):
    return make_settings(database_url, base_url="http://testserver", **provider.settings())
