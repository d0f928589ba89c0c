"""Fixtures of the mail tests: a database the worker really commits to, and a real SMTP server."""

from __future__ import annotations

import pytest

from app.db import make_engine, make_session_factory
from tests.mail.smtp import SmtpServer


@pytest.fixture
def committed(make_database):
    """A fresh database whose rows the worker (and a real app) really commit: (url, session factory)."""
    url = make_database()
    engine = make_engine(url)
    yield url, make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def smtp():
    """A real SMTP server on loopback that keeps what it receives."""
    with SmtpServer() as server:
        yield server
