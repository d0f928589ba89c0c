"""The full invitation loop through pages and the API: candidate -> invite -> e-mail -> accept via the
signed link -> role granted -> audit entries; and declining."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.accounts.auth import roles_of
from app.accounts.models import AuditEntry
from app.ambassadors.invitations import Invitation
from app.forum.models import Notification
from tests.conftest import post_form
from tests.factories import last_email, link_path, log_in


def _audit(db, user_id):
    return [(row.action, json.loads(row.detail)) for row in db.scalars(
        select(AuditEntry).where(AuditEntry.target_user_id == user_id).order_by(AuditEntry.id))]


def test_manager_invites_from_candidate_row_and_member_accepts_through_the_emailed_link(client, db, scored, manager):
    alice = scored["alice"]
    log_in(client, manager)
    candidates = client.get("/ambassadors?profile=helper")
    assert "/ambassadors/invite/alice?profile=helper" in candidates.text

    form = client.get("/ambassadors/invite/alice?profile=helper")
    assert form.status_code == 200
    # The personal message starts from alice's own evidence.
    assert "had about 1 answer accepted or upvoted recently (the last month weighs most)" in form.text

    sent = post_form(client, "/ambassadors/invite/alice", {"role": "helper", "message": "Dear Alice, join us!"},
                     token_from="/ambassadors/invite/alice?profile=helper", follow_redirects=False)
    assert sent.status_code == 303
    row = client.get("/ambassadors?profile=helper").text.split("@alice")[1].split("</tr>")[0]
    assert "Invited, open until Jul 1, 2026" in row and "/ambassadors/invite/alice" not in row
    email = last_email(db, "invitation", alice.email)
    assert email is not None and "Dear Alice, join us!" in email.body_text and "Manny" in email.body_text
    path = link_path(email.body_text, "/invitations/")
    note = db.scalars(select(Notification).where(Notification.user_id == alice.id, Notification.kind == "invitation")).one()
    assert json.loads(note.data)["url"] == path

    client.cookies.clear()
    anonymous = client.get(path, follow_redirects=False)  # the e-mailed link asks for a login first
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=")
    log_in(client, alice)
    assert "invited you to become Helper" in client.get("/notifications").text
    page = client.get(path)
    assert page.status_code == 200
    assert "Manny invited you" in page.text and "Helpers answer questions" in page.text
    accepted = post_form(client, f"{path}/accept", {}, token_from=path, follow_redirects=False)
    assert accepted.status_code == 303
    assert "helper" in roles_of(db, alice.id)
    invitation = db.scalars(select(Invitation).where(Invitation.user_id == alice.id)).one()
    assert invitation.status == "accepted"
    actions = _audit(db, alice.id)
    assert [a for a, _ in actions] == ["invitation.sent", "invitation.accepted", "role.grant"]
    grant = actions[-1][1]
    assert grant["role"] == "helper" and grant["reason"] == f"invitation {invitation.id}"
    assert db.scalars(select(AuditEntry.actor_id).where(AuditEntry.action == "role.grant",
                                                         AuditEntry.target_user_id == alice.id)).one() == manager.id

    client.cookies.clear()
    log_in(client, manager)
    audit_page = client.get("/ambassadors/audit")
    assert audit_page.status_code == 200
    assert "invitation.accepted" in audit_page.text and "role.grant" in audit_page.text


def test_the_loop_through_the_api(client, db, scored, manager):
    alice = scored["alice"]
    log_in(client, manager)
    created = client.post("/api/v1/ambassadors/invitations", json={"username": "alice", "role": "labs", "message": "Hi"},
                          headers={"x-csrf-token": _csrf(client)})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "open" and body["role"] == "labs" and body["invited_by"] == "manny"
    assert last_email(db, "invitation", alice.email) is not None

    client.cookies.clear()
    log_in(client, alice)
    headers = {"x-csrf-token": _csrf(client)}
    assert [row["id"] for row in client.get("/api/v1/invitations").json()["items"]] == [body["id"]]
    accepted = client.post(f"/api/v1/invitations/{body['id']}/accept", headers=headers)
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert "labs" in roles_of(db, alice.id)
    again = client.post(f"/api/v1/invitations/{body['id']}/accept", headers=headers)
    assert again.status_code == 409 and again.json()["error"] == "You already answered this invitation."

    client.cookies.clear()
    log_in(client, manager)
    actions = [row["action"] for row in client.get("/api/v1/ambassadors/audit").json()["items"]]
    assert actions[:3] == ["role.grant", "invitation.accepted", "invitation.sent"]


def test_declining_records_the_reason_and_grants_nothing(client, db, scored, manager):
    bob = scored["bob"]
    log_in(client, manager)
    post_form(client, "/ambassadors/invite/bob", {"role": "moderator", "message": ""},
              token_from="/ambassadors/invite/bob?profile=moderator")
    path = link_path(last_email(db, "invitation", bob.email).body_text, "/invitations/")
    client.cookies.clear()
    log_in(client, bob)
    declined = post_form(client, f"{path}/decline", {"reason": "No time this year"}, token_from=path, follow_redirects=False)
    assert declined.status_code == 303
    assert "moderator" not in roles_of(db, bob.id)
    invitation = db.scalars(select(Invitation).where(Invitation.user_id == bob.id)).one()
    assert (invitation.status, invitation.decline_reason) == ("declined", "No time this year")
    assert "You declined this invitation" in client.get(path).text
    assert [a for a, _ in _audit(db, bob.id)] == ["invitation.sent", "invitation.declined"]


def test_someone_elses_invitation_link_is_not_found(client, db, scored, manager):
    log_in(client, manager)
    post_form(client, "/ambassadors/invite/alice", {"role": "helper", "message": ""},
              token_from="/ambassadors/invite/alice?profile=helper")
    path = link_path(last_email(db, "invitation", scored["alice"].email).body_text, "/invitations/")
    client.cookies.clear()
    log_in(client, scored["bob"])
    assert client.get(path).status_code == 404
    assert post_form(client, f"{path}/accept", {}, token_from="/").status_code == 404
    assert client.get("/invitations/forged-token").status_code == 404
    assert "helper" not in roles_of(db, scored["bob"].id)


def _csrf(client) -> str:
    from tests.conftest import csrf_of

    return csrf_of(client, "/")


def test_the_invitation_email_is_in_the_members_language_with_html_and_one_click_unsubscribe(client, db, settings, scored, manager, clock):
    from app.ambassadors import invitations

    carol = scored["carol"]
    carol.locale = "de"
    db.flush()
    invitations.invite(db, settings, user=carol, role="labs", inviter_id=manager.id, message="Liebe Carol <3", now=clock.now)
    email = last_email(db, "invitation", carol.email)
    assert "Eine Einladung von Hearth: Labs" in email.subject
    assert "Manny hat dich eingeladen, auf Hearth Labs zu werden." in email.body_text
    assert "Liebe Carol &lt;3" in email.body_html and "<script" not in email.body_html
    assert email.unsubscribe_url and email.unsubscribe_url in email.body_text
    path = link_path(email.unsubscribe_url, "/notifications/unsubscribe/")
    assert client.post(path).status_code == 200  # one click, no login
    invitations.invite(db, settings, user=carol, role="helper", inviter_id=manager.id, message="", now=clock.now)
    assert last_email(db, "invitation", carol.email).id == email.id  # no second e-mail
    notes = db.scalars(select(Notification).where(Notification.user_id == carol.id)).all()
    assert len(notes) == 2  # in-app invitations still arrive
