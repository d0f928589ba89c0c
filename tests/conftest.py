"""Shared fixtures: a migrated database (SQLite, or PostgreSQL via HEARTH_TEST_DATABASE_URL),
per-test rollback, a fixed clock, and a TestClient bound to the test's transaction."""

from __future__ import annotations

import os
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.migrate import migrate_database
from app.config import Settings
from app.db import make_engine
from app.main import create_app

START = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


class FixedClock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime = START):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        """Move forward by a timedelta's keyword arguments."""
        self.now += timedelta(**delta)
        return self.now


def _fresh_database_url(tmp_dir) -> str:
    base = os.environ.get("HEARTH_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_dir}/hearth-test-{uuid.uuid4().hex[:8]}.db"
    url = make_url(base)
    name = f"hearth_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def make_database(tmp_path_factory):
    """Factory for fresh, migrated databases (dropped at the end of the run)."""
    created = []

    def make() -> str:
        url = _fresh_database_url(tmp_path_factory.mktemp("db"))
        migrate_database(url)
        created.append(url)
        return url

    yield make
    for url in created:
        _drop_database(url)


@pytest.fixture(scope="session")
def database_url(make_database) -> str:
    """The shared test database, migrated once per run."""
    return make_database()


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def make_settings(database_url: str, **overrides) -> Settings:
    """Settings for tests: fixed secret, the test database, real argon2 parameters."""
    values = {"database_url": database_url, "secret_key": "test-secret-key-not-for-production"}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(database_url) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def connection(engine):
    """One connection per test inside a transaction that is rolled back afterwards."""
    with engine.connect() as conn:
        transaction = conn.begin()
        yield conn
        transaction.rollback()


def _bound_session(connection) -> Session:
    return Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def db(connection) -> Session:
    """The test's own session (factories and assertions), sharing the test's transaction."""
    session = _bound_session(connection)
    yield session
    session.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def app(settings, clock, connection):
    """A Hearth app whose requests run inside the test's transaction (commit = savepoint)."""
    return create_app(settings, clock=clock, session_factory=lambda: _bound_session(connection))


@pytest.fixture
def client(app) -> TestClient:
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(client: TestClient, path: str = "/login") -> str:
    """Fetch a page and return the CSRF token its forms carry."""
    page = client.get(path)
    match = CSRF_RE.search(page.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client: TestClient, path: str, data: dict, *, token_from: str | None = None, **kwargs):
    """POST a form the way a browser does: with the CSRF token of a page it loaded first."""
    token = csrf_of(client, token_from or (path if not path.endswith("/logout") else "/"))
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)
