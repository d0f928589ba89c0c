"""Role lifecycle: holders with recent activity, quiet holders listed for review, and a polite,
audited removal that tells the member in-app and by e-mail."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from app.accounts.auth import roles_of
from app.accounts.models import AuditEntry, UserVisit
from app.forum.models import Notification
from tests.conftest import csrf_of, post_form
from tests.factories import last_email, log_in, make_user


def _holders(db, clock):
    quiet = make_user(db, username="quinn", roles=("ambassador",))
    db.add(UserVisit(user_id=quiet.id, day=(clock.now - timedelta(days=61)).date()))
    busy = make_user(db, username="bea", roles=("helper", "labs"))
    db.add(UserVisit(user_id=busy.id, day=(clock.now - timedelta(days=2)).date()))
    db.flush()
    return quiet, busy


def test_the_roles_page_lists_holders_and_the_quiet_ones_for_review(client, db, clock):
    quiet, busy = _holders(db, clock)
    manager = make_user(db, username="mgr", roles=("manager",))
    log_in(client, manager)
    page = client.get("/ambassadors/roles")
    assert page.status_code == 200
    review = page.text.split('class="card roles-review"')[1].split("</section>")[0]
    assert "Quinn" in review and "Bea" not in review
    assert page.text.count("/ambassadors/roles/") >= 3  # quinn (ambassador), bea (helper and labs)
    api = client.get("/api/v1/ambassadors/roles").json()["items"]
    assert [(h["member"], h["quiet"]) for h in api if h["role"] == "ambassador"] == [("quinn", True)]
    assert [(h["member"], h["quiet"]) for h in api if h["role"] == "labs"] == [("bea", False)]
    only_labs = client.get("/api/v1/ambassadors/roles", params={"role": "labs"}).json()["items"]
    assert [(h["role"], h["member"]) for h in only_labs] == [("labs", "bea")]
    assert client.get("/api/v1/ambassadors/roles", params={"role": "king"}).status_code == 422


def test_removal_is_audited_and_the_member_is_thanked(client, db, clock):
    quiet, _ = _holders(db, clock)
    manager = make_user(db, username="mgr", roles=("manager",))
    log_in(client, manager)
    done = post_form(client, "/ambassadors/roles/ambassador/quinn/remove", {"message": "You were wonderful."},
                     token_from="/ambassadors/roles", follow_redirects=False)
    assert done.status_code == 303
    assert "ambassador" not in roles_of(db, quiet.id)
    actions = {row.action: json.loads(row.detail) for row in db.scalars(
        select(AuditEntry).where(AuditEntry.target_user_id == quiet.id, AuditEntry.action != "role.grant"))}
    assert actions["role.revoke"]["role"] == "ambassador" and "role.offboarded" in actions
    assert db.scalars(select(AuditEntry.actor_id).where(AuditEntry.action == "role.revoke")).one() == manager.id
    email = last_email(db, "role_removed", quiet.email)
    assert "Thank you for your time as Ambassador" in email.subject and "You were wonderful." in email.body_text
    note = db.scalars(select(Notification).where(Notification.user_id == quiet.id)).one()
    assert json.loads(note.data)["event"] == "role_removed"
    client.cookies.clear()
    log_in(client, quiet)
    assert "You are no longer Ambassador. Thank you for your help!" in client.get("/notifications").text


def test_removing_a_role_the_member_does_not_hold_is_not_found(client, db, clock):
    _, busy = _holders(db, clock)
    log_in(client, make_user(db, username="mgr", roles=("manager",)))
    answer = client.post("/api/v1/ambassadors/roles/moderator/bea/remove", json={},
                         headers={"x-csrf-token": csrf_of(client, "/")})
    assert answer.status_code == 404 and answer.json()["error"] == "This member does not hold that role."
    assert roles_of(db, busy.id) == {"member", "helper", "labs"}


def test_the_periodic_review_tells_managers_how_many_holders_went_quiet(client, db, settings, clock):
    from app.ambassadors import roles

    _holders(db, clock)
    manager = make_user(db, username="mgr", roles=("manager",))
    admin = make_user(db, username="root", roles=("admin",))
    summary = roles.review_job(db, clock.now, settings)
    assert summary == {"quiet": 1, "notified": 2}
    for person in (manager, admin):
        note = db.scalars(select(Notification).where(Notification.user_id == person.id)).one()
        assert json.loads(note.data)["url"] == "/ambassadors/roles"
    log_in(client, manager)
    page = client.get("/notifications").text
    assert "Role review: 1 role holder has not visited for 60 days" in page


def test_the_periodic_review_is_silent_when_nobody_is_quiet(db, settings, clock):
    from app.ambassadors import roles

    busy = make_user(db, username="bea", roles=("helper",))
    db.add(UserVisit(user_id=busy.id, day=(clock.now).date()))
    make_user(db, username="mgr", roles=("manager",))
    assert roles.review_job(db, clock.now, settings) == {"quiet": 0, "notified": 0}
    assert db.scalars(select(Notification)).all() == []
