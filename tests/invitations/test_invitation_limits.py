"""Every limit on invitations is enforced with a clear message and changes nothing: expiry, one open
invitation per role, the cool-down after a decline, the daily limit, snooze, dismiss and opt-out."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.auth import roles_of
from app.accounts.models import AuditEntry
from app.ambassadors import invitations
from app.ambassadors.invitations import CandidateDecision, Invitation
from app.mail import OutboxEmail
from tests.conftest import csrf_of, post_form
from tests.factories import log_in, make_user


def _counts(db):
    return (db.scalar(select(func.count(Invitation.id))), db.scalar(select(func.count(OutboxEmail.id))),
            db.scalar(select(func.count(AuditEntry.id))), db.scalar(select(func.count(CandidateDecision.id))))


def _invite_api(client, username, role="helper"):
    return client.post("/api/v1/ambassadors/invitations", json={"username": username, "role": role, "message": "Hi"},
                       headers={"x-csrf-token": csrf_of(client, "/")})


def _invite_page(client, username, role="helper", message="Kept message"):
    return post_form(client, f"/ambassadors/invite/{username}", {"role": role, "message": message},
                     token_from=f"/ambassadors/invite/{username}?profile={role}", follow_redirects=False)


def test_an_expired_invitation_cannot_be_accepted_and_a_new_one_may_be_sent(client, db, settings, scored, manager, clock):
    alice = scored["alice"]
    sent = invitations.invite(db, settings, user=alice, role="helper", inviter_id=manager.id, message="", now=clock.now)
    clock.advance(days=settings.invitation_expiry_days, minutes=1)
    log_in(client, alice)
    before = _counts(db)
    answer = client.post(f"/api/v1/invitations/{sent.id}/accept", headers={"x-csrf-token": csrf_of(client, "/")})
    assert answer.status_code == 409
    assert answer.json()["error"].startswith("This invitation expired on")
    assert _counts(db) == before and "helper" not in roles_of(db, alice.id)
    page = client.get(f"/invitations/{invitations.token_for(settings, sent.id)}")
    assert "This invitation expired on" in page.text and "Accept</button>" not in page.text
    client.cookies.clear()
    log_in(client, manager)
    assert _invite_api(client, "alice").status_code == 201
    db.expire_all()
    assert [row.status for row in db.scalars(select(Invitation).order_by(Invitation.id))] == ["expired", "open"]


def test_one_open_invitation_per_member_and_role(client, db, scored, manager):
    log_in(client, manager)
    assert _invite_api(client, "alice").status_code == 201
    before = _counts(db)
    again = _invite_api(client, "alice")
    assert again.status_code == 409 and "already has an open invitation for this role" in again.json()["error"]
    page = _invite_page(client, "alice")
    assert page.status_code == 409 and "already has an open invitation" in page.text and "Kept message" in page.text
    assert _counts(db) == before
    assert _invite_api(client, "alice", role="labs").status_code == 201  # another role is fine


def test_no_reinvite_within_the_cool_down_after_a_decline(client, db, settings, scored, manager, clock):
    bob = scored["bob"]
    sent = invitations.invite(db, settings, user=bob, role="moderator", inviter_id=manager.id, message="", now=clock.now)
    invitations.decline(db, invitation_id=sent.id, user_id=bob.id, reason="busy", now=clock.now)
    clock.advance(days=settings.invitation_decline_cooldown_days - 1)
    log_in(client, manager)
    before = _counts(db)
    refused = _invite_api(client, "bob", role="moderator")
    assert refused.status_code == 409 and "you can invite again from" in refused.json()["error"]
    assert _counts(db) == before
    clock.advance(days=2)
    assert _invite_api(client, "bob", role="moderator").status_code == 201


def test_daily_limit_per_manager(client, db, settings, scored, manager, clock):
    others = [make_user(db, username=f"extra{k}") for k in range(settings.invitation_daily_limit)]
    for user in others:
        invitations.invite(db, settings, user=user, role="helper", inviter_id=manager.id, message="", now=clock.now)
    log_in(client, manager)
    before = _counts(db)
    refused = _invite_api(client, "alice")
    assert refused.status_code == 429 and "the most allowed" in refused.json()["error"]
    assert int(refused.headers["retry-after"]) > 0
    page = _invite_page(client, "alice")
    assert page.status_code == 429 and "Kept message" in page.text
    assert _counts(db) == before
    clock.advance(days=1, minutes=1)
    assert _invite_api(client, "alice").status_code == 201


@pytest.mark.parametrize("kind", ["snooze", "dismiss"])
def test_snooze_and_dismiss_hide_the_candidate_and_block_invitations(client, db, settings, scored, manager, clock, kind):
    log_in(client, manager)
    assert "Alice" in client.get("/ambassadors?profile=helper").text
    done = post_form(client, f"/ambassadors/candidates/alice/{kind}", {"profile": "helper", "reason": "Works for a vendor"},
                     token_from="/ambassadors?profile=helper", follow_redirects=False)
    assert done.status_code == 303
    listing = client.get("/ambassadors?profile=helper").text
    assert "@alice" not in listing
    api = client.get("/api/v1/ambassadors/candidates?profile=helper").json()["candidates"]["items"]
    assert "alice" not in [row["username"] for row in api]
    assert "@alice" in client.get("/ambassadors?profile=ambassador").text  # only that profile
    before = _counts(db)
    refused = _invite_api(client, "alice")
    assert refused.status_code == 409
    assert ("snoozed for this role until" if kind == "snooze" else "was dismissed as a candidate") in refused.json()["error"]
    assert _counts(db) == before
    clock.advance(days=settings.candidate_snooze_days + 1)
    client.cookies.clear()  # the login session has expired by now
    log_in(client, manager)
    shown_again = "@alice" in client.get("/ambassadors?profile=helper").text
    assert shown_again is (kind == "snooze")


def test_dismissing_needs_a_reason(client, db, scored, manager):
    log_in(client, manager)
    refused = client.post("/api/v1/ambassadors/candidates/alice/dismiss", json={"profile": "helper"},
                          headers={"x-csrf-token": csrf_of(client, "/")})
    assert refused.status_code == 422 and refused.json()["detail"] == {"reason": "Say why you dismiss this candidate."}
    assert db.scalar(select(func.count(CandidateDecision.id))) == 0


def test_opted_out_members_cannot_be_invited(client, db, scored, manager):
    scored["alice"].ambassador_opt_out = True
    db.flush()
    log_in(client, manager)
    before = _counts(db)
    refused = _invite_api(client, "alice")
    assert refused.status_code == 403 and refused.json()["error"] == "Alice asked not to be invited into community roles."
    assert _invite_page(client, "alice").status_code == 403
    assert _counts(db) == before


def test_members_who_already_hold_the_role_are_not_invited(client, db, scored, manager):
    make_user(db, username="hattie", roles=("helper",))
    log_in(client, manager)
    refused = _invite_api(client, "hattie")
    assert refused.status_code == 409 and refused.json()["error"] == "Hattie already has this role."


def test_only_managers_invite(client, db, scored):
    log_in(client, make_user(db, username="moddy", roles=("moderator",)))
    assert _invite_api(client, "alice").status_code == 403
    assert client.get("/ambassadors/invite/alice").status_code == 403
    assert client.get("/ambassadors/audit").status_code == 403
    assert client.get("/ambassadors/roles").status_code == 403
    assert db.scalar(select(func.count(Invitation.id))) == 0


def test_an_unknown_role_re_renders_the_form_with_the_message_kept(client, db, scored, manager):
    log_in(client, manager)
    page = _invite_page(client, "alice", role="overlord", message="Kept message")
    assert page.status_code == 422
    assert "Choose one of the roles" in page.text and "Kept message" in page.text
    assert db.scalar(select(func.count(Invitation.id))) == 0
