"""A worker that data cannot kill: a member's CR/LF display name, a message that cannot be built and
a job that raises are each recorded (and shown at /admin/mail) while the rest of the mail goes out."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.accounts.models import User
from app.main import create_app
from app.mail import OutboxEmail, queue_email
from app.worker import OUTBOX_JOB, Job, JobRun, run_pass
from tests.conftest import FixedClock, post_form
from tests.factories import log_in, make_user
from tests.forum_factories import make_category, make_reply, make_topic
from tests.mail.test_delivery import settings_for

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)
EVIL_NAME = "Mallory\r\nBcc: spy@evil.example"


def _reply_notification_from_evil_member(factory, settings):
    """Mallory (display name with CR/LF, as stored before input checks existed) replies to Olga's topic."""
    from app.forum import handlers as forum_handlers
    from app.main import register_event_handlers

    forum_handlers.configure(settings)
    register_event_handlers()
    with factory() as session, session.begin():
        olga = make_user(session, username="olga", email="olga@example.org")
        mallory = make_user(session, username="mallory", email="mallory@example.org",
                            created_at=NOW - timedelta(days=60))
        session.execute(update(User).where(User.id == mallory.id).values(display_name=EVIL_NAME))
        topic = make_topic(session, author=olga, category=make_category(session), now=NOW - timedelta(hours=2))
        make_reply(session, topic=topic, author=mallory, now=NOW - timedelta(hours=1))


def test_a_crlf_display_name_does_not_stop_the_worker_and_other_mail_is_delivered(committed, smtp):
    url, factory = committed
    settings = settings_for(url, smtp)
    _reply_notification_from_evil_member(factory, settings)
    with factory() as session, session.begin():
        queue_email(session, kind="password_reset", to_address="after@example.org", subject="Reset",
                    body_text="Reset here.", now=NOW)

    summary = run_pass(factory, settings, NOW, jobs=[], holder="test")

    recipients = sorted(m["To"] for m in smtp.recorder.messages)
    assert "after@example.org" in recipients  # the queue went on past the bad row
    for message in smtp.recorder.messages:  # nothing a member wrote became a header
        assert message["Bcc"] is None and "spy@evil.example" not in str(message["To"])
    with factory() as session:
        rows = {row.to_address: row for row in session.scalars(select(OutboxEmail))}
    evil = rows["olga@example.org"]
    # Either the header was built safely and sent, or the row failed with its reason; never stuck.
    assert evil.status in ("sent", "failed")
    if evil.status == "failed":
        assert evil.last_error.startswith("Could not build the message")
        assert summary["mail"]["failed"] == 1
    assert rows["after@example.org"].status == "sent"
    # A second pass runs normally and sends nothing twice.
    again = run_pass(factory, settings, NOW + timedelta(minutes=1), jobs=[], holder="test")
    assert again["mail"]["sent"] == 0
    assert len(smtp.recorder.messages) == len(recipients)


def test_a_message_that_cannot_be_built_fails_with_its_reason_and_admins_see_it(committed, smtp, monkeypatch):
    url, factory = committed
    settings = settings_for(url, smtp)
    with factory() as session, session.begin():
        make_user(session, username="root", roles=("admin",))
        bad = queue_email(session, kind="notification_reply", to_address="olga@example.org",
                          subject="[Hearth] Mallory\r\nBcc: spy@evil.example replied", body_text="x", now=NOW)
        good = queue_email(session, kind="password_reset", to_address="fine@example.org", subject="Reset",
                           body_text="Reset here.", now=NOW + timedelta(seconds=1))
        bad_id, good_id = bad.id, good.id
    from app import mail

    def strict_builder(row, **kwargs):
        # Queueing now cleans subjects, so the refusal is simulated for this row: whatever data the
        # builder cannot turn into a message must fail alone, with its reason.
        if row.id == bad_id:
            raise ValueError("Header values may not contain linefeed or carriage return characters")
        return original(row, **kwargs)

    original = mail.build_message
    monkeypatch.setattr(mail, "build_message", strict_builder)
    summary = run_pass(factory, settings, NOW + timedelta(minutes=1), jobs=[], holder="test")
    assert summary["mail"] == {"sent": 1, "retrying": 0, "failed": 1, "skipped": 0}
    assert [m["To"] for m in smtp.recorder.messages] == ["fine@example.org"]
    with factory() as session:
        row = session.get(OutboxEmail, bad_id)
        assert row.status == "failed"
        assert row.last_error == ("Could not build the message: ValueError: "
                                  "Header values may not contain linefeed or carriage return characters")
        assert session.get(OutboxEmail, good_id).status == "sent"

    app = create_app(settings, clock=FixedClock(NOW + timedelta(minutes=2)))
    with factory() as session:
        admin = session.scalars(select(User).where(User.username == "root")).one()
    with TestClient(app, base_url="http://testserver") as client:
        log_in(client, admin)
        page = client.get("/admin/mail?status=failed")
        assert page.status_code == 200
        assert "olga@example.org" in page.text and "Could not build the message" in page.text
        assert "fine@example.org" not in page.text.split("Needs attention")[0]
        assert "fine@example.org" in client.get("/admin/mail?status=sent").text
        # The retry button (with CSRF) puts it back in the queue.
        response = post_form(client, f"/admin/mail/{bad_id}/retry", {}, token_from="/admin/mail",
                             follow_redirects=False)
        assert response.status_code == 303
    with factory() as session:
        assert session.get(OutboxEmail, bad_id).status == "queued"
    app.state.engine.dispose()


def test_a_failing_job_is_recorded_and_the_other_jobs_and_mail_go_on(committed, smtp):
    url, factory = committed
    settings = settings_for(url, smtp)
    with factory() as session, session.begin():
        queue_email(session, kind="password_reset", to_address="ok@example.org", subject="Reset",
                    body_text="Reset here.", now=NOW)

    def broken(session, now, settings):
        raise RuntimeError("scoring data is inconsistent")

    ran = []
    jobs = [Job("broken", timedelta(days=1), broken),
            Job("fine", timedelta(days=1), lambda session, now, settings: ran.append(now) or {"done": 1})]
    summary = run_pass(factory, settings, NOW, jobs=jobs, holder="test")
    assert summary["jobs"]["broken"] == {"error": "RuntimeError: scoring data is inconsistent"}
    assert summary["jobs"]["fine"] == {"done": 1} and ran == [NOW]
    assert [m["To"] for m in smtp.recorder.messages] == ["ok@example.org"]
    with factory() as session:
        broken_row = session.get(JobRun, "broken")
        assert broken_row.last_ok is False and "scoring data is inconsistent" in broken_row.last_summary
        assert broken_row.next_due_at == NOW + timedelta(minutes=15)  # retried soon, not tomorrow
        assert session.get(JobRun, OUTBOX_JOB).last_ok is True
    with factory() as session, session.begin():
        admin = make_user(session, username="root", roles=("admin",))
    app = create_app(settings, clock=FixedClock(NOW + timedelta(minutes=1)))
    with TestClient(app, base_url="http://testserver") as client:
        log_in(client, admin)
        jobs_table = client.get("/admin/mail").text.split("Periodic jobs")[1]
        assert "broken" in jobs_table and "scoring data is inconsistent" in jobs_table and "failed" in jobs_table
    app.state.engine.dispose()
