"""CLI commands a manager runs by hand print sentences; `--json` gives scripts the data."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from typer.testing import CliRunner

from app import demo
from app.cli import cli
from app.config import get_settings
from app.db import make_engine, make_session_factory
from tests.factories import make_user


@pytest.fixture
def cli_database(make_database, monkeypatch):
    url = make_database()
    monkeypatch.setenv("HEARTH_DATABASE_URL", url)
    monkeypatch.setenv("HEARTH_SMTP_HOST", "")
    monkeypatch.setenv("HEARTH_SECRET_KEY", "cli-test-secret")
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _with_member(url: str) -> None:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            make_user(session, username="alice")
    finally:
        engine.dispose()


def _text(result) -> str:
    return " ".join(result.output.split())  # the console wraps long sentences


def test_demo_on_a_database_with_members_says_why_nothing_happened(cli_database):
    _with_member(cli_database)
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    assert "already has members, so the demo was not loaded" in _text(result)
    assert "hearth demo --force" in _text(result)


def test_karma_job_prints_a_sentence_and_json_on_request(cli_database):
    _with_member(cli_database)
    result = CliRunner().invoke(cli, ["karma-job", "--as-of", "2026-03-02"])
    assert result.exit_code == 0, result.output
    assert "examined 0 votes and found 0 serial-voting pairs and 0 voting rings" in _text(result)
    assert "[[" not in _text(result)
    data = json.loads(CliRunner().invoke(cli, ["karma-job", "--as-of", "2026-03-03", "--json"]).stdout)
    assert data["votes_examined"] == 0 and data["rings"] == []


def test_worker_once_prints_a_sentence_and_json_on_request(cli_database):
    result = CliRunner().invoke(cli, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "E-mail: 0 sent, 0 waiting to retry, 0 failed, 0 skipped." in _text(result)
    assert '{"jobs"' not in _text(result)
    data = json.loads(CliRunner().invoke(cli, ["worker", "--once", "--json"]).stdout)
    assert data["mail"] == {"sent": 0, "retrying": 0, "failed": 0, "skipped": 0}


def test_the_demo_clock_stays_behind_the_real_one():
    real = datetime(2026, 12, 3, 9, 41, 12, tzinfo=timezone.utc)
    anchor = demo.demo_anchor(real)
    assert anchor == datetime(2026, 12, 3, 8, 0, tzinfo=timezone.utc)
    # the demo's scoring run is dated one hour after the anchor: never after the real clock
    assert anchor.replace(hour=anchor.hour + 1) <= real


def test_insights_rebuild_recomputes_the_roll_ups_and_says_how_many_days(cli_database):
    from sqlalchemy import func, select

    from app.db import utcnow
    from app.insights.models import InsightSiteDay

    engine = make_engine(cli_database)
    try:
        with make_session_factory(engine)() as session, session.begin():
            make_user(session, username="alice", created_at=datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc))
        result = CliRunner().invoke(cli, ["insights", "rebuild", "--since", "2026-01-01"])
        assert result.exit_code == 0, result.output
        days = (utcnow().date() - datetime(2026, 1, 1).date()).days + 1
        assert f"Recomputed the insights roll-ups of {days:,} days from 2026-01-01." in _text(result)
        with make_session_factory(engine)() as session:
            assert session.scalar(select(func.sum(InsightSiteDay.signups))) == 1
            assert session.scalar(select(func.count()).select_from(InsightSiteDay)) == days
        wrong = CliRunner().invoke(cli, ["insights", "rebuild", "--since", "last week"])
        assert wrong.exit_code != 0 and "is not a date like" in _text(wrong)
    finally:
        engine.dispose()


def test_an_import_rebuilds_the_insights_roll_ups_of_its_history(cli_database):
    from pathlib import Path

    from sqlalchemy import func, select

    from app.forum.models import Topic
    from app.insights.models import InsightQuestion

    mini = Path(__file__).resolve().parent / "importers" / "fixtures" / "mini"
    result = CliRunner().invoke(cli, ["import", "stackexchange", str(mini), "--site", "mini"])
    assert result.exit_code == 0, result.output
    engine = make_engine(cli_database)
    try:
        with make_session_factory(engine)() as session:
            questions = session.scalar(select(func.count()).select_from(Topic).where(Topic.kind == "question", Topic.hidden_at.is_(None)))
            assert questions and session.scalar(select(func.count()).select_from(InsightQuestion)) == questions
    finally:
        engine.dispose()
