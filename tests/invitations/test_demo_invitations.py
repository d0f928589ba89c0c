"""The demo community has open, accepted and declined invitations, accepted ones hold their role,
the labs category has members, and the manager pages are alive on first start."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from app import demo
from app.accounts.auth import roles_of
from app.accounts.models import User
from app.ambassadors.invitations import Invitation
from app.main import register_event_handlers
from app.security import hash_password
from tests.factories import PASSWORD, log_in

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.slow
def test_demo_has_open_and_accepted_invitations_and_a_living_labs_area(client, db, settings):
    register_event_handlers()
    demo.build(db, settings, seed=7, now=NOW)
    rows = db.scalars(select(Invitation)).all()
    statuses = [row.status for row in rows]
    assert statuses.count("accepted") >= 2 and statuses.count("open") >= 2 and "declined" in statuses
    for row in rows:
        assert (row.role in roles_of(db, row.user_id)) is (row.status == "accepted")
    labs_member = next(row for row in rows if row.role == "labs" and row.status == "accepted")
    user = db.get(User, labs_member.user_id)
    manager = db.get(User, rows[0].invited_by_id)
    for person in (user, manager):  # demo members have random passwords; give them the test one
        person.password_hash = hash_password(settings, PASSWORD)
    db.flush()
    log_in(client, user)
    page = client.get("/labs")
    assert page.status_code == 200 and "Latest in Labs" in page.text
    client.cookies.clear()
    log_in(client, manager)
    assert client.get("/ambassadors/invitations").text.count("<tr>") >= len(rows)
    assert "invitation.accepted" in client.get("/ambassadors/audit").text
