"""Groups/roles with an audit trail, and the `hearth create-admin` command."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from app.accounts import service
from app.accounts.models import AuditEntry, Group, GroupMembership, User
from app.cli import cli
from app.config import get_settings
from app.db import make_engine, make_session_factory
from app.errors import ValidationFailed
from tests.factories import log_in, make_user


def test_grant_records_who_and_when_and_audits(db, clock):
    manager = make_user(db, username="manager", roles=("manager",))
    member = make_user(db, username="alice")
    assert service.grant_role(db, member, "helper", granted_by_id=manager.id, now=clock.now, reason="great answers")

    membership = db.scalars(
        select(GroupMembership).join(Group).where(GroupMembership.user_id == member.id, Group.name == "helper")
    ).one()
    assert membership.granted_by_id == manager.id
    assert membership.granted_at == clock.now
    assert membership.reason == "great answers"

    entry = db.scalars(select(AuditEntry).where(AuditEntry.target_user_id == member.id)).one()
    assert (entry.actor_id, entry.action, entry.created_at) == (manager.id, "role.grant", clock.now)
    assert json.loads(entry.detail) == {"role": "helper", "reason": "great answers"}


def test_granting_twice_changes_nothing(db, clock):
    member = make_user(db, username="alice")
    assert service.grant_role(db, member, "labs", granted_by_id=None, now=clock.now)
    assert not service.grant_role(db, member, "labs", granted_by_id=None, now=clock.now)
    assert len(db.scalars(select(AuditEntry).where(AuditEntry.target_user_id == member.id)).all()) == 1


def test_revoke_removes_membership_and_audits(db, clock):
    manager = make_user(db, username="manager", roles=("manager",))
    member = make_user(db, username="alice", roles=("moderator",))
    clock.advance(days=3)
    assert service.revoke_role(db, member, "moderator", revoked_by_id=manager.id, now=clock.now, reason="stepped down")
    assert not service.revoke_role(db, member, "moderator", revoked_by_id=manager.id, now=clock.now)

    assert db.scalars(select(GroupMembership).where(GroupMembership.user_id == member.id)).all() == []
    actions = db.scalars(
        select(AuditEntry.action).where(AuditEntry.target_user_id == member.id).order_by(AuditEntry.id)
    ).all()
    assert actions == ["role.grant", "role.revoke"]


def test_every_documented_role_exists_and_unknown_roles_are_refused(db, clock):
    names = set(db.scalars(select(Group.name)).all())
    assert {"helper", "moderator", "ambassador", "labs", "product", "manager", "admin"} <= names
    member = make_user(db, username="alice")
    with pytest.raises(ValidationFailed):
        service.grant_role(db, member, "overlord", granted_by_id=None, now=clock.now)


def test_roles_show_on_the_profile_and_in_the_api(client, db, clock):
    member = make_user(db, username="alice", roles=("helper", "labs"))
    log_in(client, member)
    page = client.get("/u/alice")
    assert "role-helper" in page.text and "role-labs" in page.text
    assert client.get("/api/v1/me").json()["roles"] == ["helper", "labs", "member"]


@pytest.fixture
def cli_database(make_database, monkeypatch):
    """A real, committed database that the CLI reaches through HEARTH_DATABASE_URL."""
    url = make_database()
    monkeypatch.setenv("HEARTH_DATABASE_URL", url)
    monkeypatch.setenv("HEARTH_SECRET_KEY", "cli-test-secret")
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _admin_state(url: str, username: str):
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            user = session.scalar(select(User).where(User.username_key == username.lower()))
            if user is None:
                return None
            roles = session.scalars(
                select(Group.name).join(GroupMembership).where(GroupMembership.user_id == user.id)
            ).all()
            audits = session.scalars(
                select(AuditEntry.action).where(AuditEntry.target_user_id == user.id)
            ).all()
            return user.email_verified_at is not None, sorted(roles), audits
    finally:
        engine.dispose()


def test_create_admin_creates_a_verified_admin(cli_database):
    runner = CliRunner()
    result = runner.invoke(cli, ["create-admin", "root", "root@example.org", "--password", "granite-owl-meadow-58"])
    assert result.exit_code == 0, result.output
    assert "Created administrator" in result.output
    assert _admin_state(cli_database, "root") == (True, ["admin"], ["role.grant"])

    again = runner.invoke(cli, ["create-admin", "root", "root@example.org", "--password", "granite-owl-meadow-58"])
    assert again.exit_code == 0
    assert "Already an administrator" in again.output
    assert _admin_state(cli_database, "root") == (True, ["admin"], ["role.grant"])


def test_create_admin_refuses_a_weak_password_and_creates_nothing(cli_database):
    result = CliRunner().invoke(cli, ["create-admin", "root", "root@example.org", "--password", "short"])
    assert result.exit_code == 1
    assert "at least 10 characters" in result.output
    assert _admin_state(cli_database, "root") is None


def test_create_admin_asks_for_the_password_when_left_out(cli_database, monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "granite-owl-meadow-58")
    result = CliRunner().invoke(cli, ["create-admin", "root", "root@example.org"])
    assert result.exit_code == 0, result.output
    assert _admin_state(cli_database, "root")[1] == ["admin"]
