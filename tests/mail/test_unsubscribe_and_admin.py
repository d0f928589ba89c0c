"""One-click unsubscribe from a mail client (no login, no CSRF token, idempotent) and the admins'
page of failed and delayed e-mail."""

from __future__ import annotations

from datetime import timedelta

from app.forum import notifications
from app.forum.models import NotificationSetting
from app.forum.queries import unsubscribe_url
from app.mail import OutboxEmail, queue_email
from tests.conftest import START, post_form
from tests.factories import log_in, make_user


def test_one_click_unsubscribe_needs_no_login_and_is_idempotent(db, client, settings):
    member = make_user(db, username="quietone")
    link = unsubscribe_url(settings, member.id, "digest")
    path = link.removeprefix(settings.base_url)
    # What a mail client sends for List-Unsubscribe-Post: a bare POST, no cookie, no CSRF token.
    first = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert first.status_code == 200
    assert db.get(NotificationSetting, (member.id, "digest")).email is False
    assert notifications.email_preferences(db, member.id)["reengage"] is True  # only the named kind
    again = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200
    assert db.get(NotificationSetting, (member.id, "digest")).email is False


def test_a_forged_unsubscribe_token_changes_nothing(db, client, settings):
    member = make_user(db, username="keepme")
    response = client.post("/notifications/unsubscribe/not-a-real-token", data={})
    assert response.status_code == 400
    assert db.get(NotificationSetting, (member.id, "digest")) is None


def test_the_new_kinds_are_on_the_preferences_page(db, client):
    member = make_user(db, username="prefs")
    log_in(client, member)
    page = client.get("/notifications/preferences")
    assert "A weekly digest of popular topics while I am away" in page.text
    assert 'name="email_reengage"' in page.text


def _failed_and_retrying(db):
    failed = queue_email(db, kind="password_reset", to_address="gone@example.org", subject="Reset", body_text="x", now=START)
    failed.status, failed.attempts, failed.last_error = "failed", 1, "550 5.1.1 No such mailbox"
    waiting = queue_email(db, kind="digest", to_address="slow@example.org", subject="Digest", body_text="x", now=START)
    waiting.attempts, waiting.last_error, waiting.next_attempt_at = 1, "451 try later", START + timedelta(minutes=5)
    sent = queue_email(db, kind="digest", to_address="fine@example.org", subject="Fine", body_text="x", now=START)
    sent.status, sent.sent_at, sent.attempts = "sent", START, 1
    db.flush()
    return failed, waiting


def test_admins_see_failed_and_delayed_mail_with_the_error(db, client):
    _failed_and_retrying(db)
    log_in(client, make_user(db, username="root", roles=("admin",)))
    page = client.get("/admin/mail")
    assert page.status_code == 200
    assert "gone@example.org" in page.text and "550 5.1.1 No such mailbox" in page.text
    assert "slow@example.org" in page.text and "451 try later" in page.text
    assert "fine@example.org" not in page.text
    assert "sent: 1" in page.text and "failed: 1" in page.text


def test_admin_sends_a_failed_message_again(db, client, clock):
    failed, _ = _failed_and_retrying(db)
    log_in(client, make_user(db, username="root2", roles=("admin",)))
    response = post_form(client, f"/admin/mail/{failed.id}/retry", {}, token_from="/admin/mail", follow_redirects=False)
    assert response.status_code == 303
    db.refresh(failed)
    assert (failed.status, failed.next_attempt_at) == ("queued", clock.now)


def test_only_admins_reach_the_mail_page(db, client):
    failed, _ = _failed_and_retrying(db)
    log_in(client, make_user(db, username="mgr", roles=("manager", "moderator")))
    assert client.get("/admin/mail").status_code == 403
    response = post_form(client, f"/admin/mail/{failed.id}/retry", {}, token_from="/", follow_redirects=False)
    assert response.status_code == 403
    db.refresh(failed)
    assert failed.status == "failed"
    assert db.get(OutboxEmail, failed.id).status == "failed"


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/admin/mail", follow_redirects=False)
    assert response.status_code in (401, 303)
