"""The worker sends the outbox over real SMTP: multipart bodies in the member's language,
List-Unsubscribe headers, retries with backoff on 4xx, recorded failures on 5xx, never twice."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.accounts.models import UserVisit
from app.ambassadors import digest
from app.db import make_engine, make_session_factory
from app.forum.models import Category, Post, Topic
from app.mail import OutboxEmail, queue_email
from app.worker import Job, JobRun, run_pass
from tests.conftest import make_settings
from tests.factories import make_user

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)


def settings_for(url, smtp, **extra):
    values = {"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_tls": "none",
              "base_url": "https://forum.example", "mail_from": "Hearth <noreply@forum.example>", **extra}
    return make_settings(url, **values)


def _queue(factory, **values):
    with factory() as session, session.begin():
        row = queue_email(session, now=values.pop("now", NOW), **values)
        return row.id


def _row(factory, email_id):
    with factory() as session:
        return session.get(OutboxEmail, email_id)


def test_digest_arrives_multipart_in_the_members_language_with_one_click_unsubscribe(committed, smtp):
    url, factory = committed
    settings = settings_for(url, smtp)
    with factory() as session, session.begin():
        anna = make_user(session, username="anna", locale="de")
        writer = make_user(session, username="writer")
        session.add(UserVisit(user_id=anna.id, day=(NOW - timedelta(days=12)).date(), posts_read=3))
        category = Category(slug="hilfe", name="Hilfe", visibility="public", created_at=NOW - timedelta(days=90))
        session.add(category)
        session.flush()
        topic = Topic(category_id=category.id, author_id=writer.id, title="Drucker druckt nicht", slug="drucker",
                      kind="question", created_at=NOW - timedelta(days=3), last_posted_at=NOW - timedelta(days=1),
                      reply_count=1, highest_post_number=2)
        session.add(topic)
        session.flush()
        for number in (1, 2):
            session.add(Post(topic_id=topic.id, post_number=number, author_id=writer.id, body_source="x",
                             body_html="<p>x</p>", created_at=NOW - timedelta(days=number)))
    jobs = [Job("digest", timedelta(days=1), digest.job)]
    summary = run_pass(factory, settings, NOW, jobs=jobs, holder="test")
    assert summary["jobs"]["digest"] == {"queued": 1, "nothing_new": 0}
    assert summary["mail"]["sent"] == 1
    [message] = smtp.recorder.messages
    assert message["To"] == "anna@example.org"
    assert message["Subject"] == "[Hearth] Die beliebtesten Themen dieser Woche"
    assert message.is_multipart() and message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hallo Anna," in text and "Drucker druckt nicht" in text and "https://forum.example/t/" in text
    assert '<a href="https://forum.example/t/' in html and "Drucker druckt nicht" in html
    link = message["List-Unsubscribe"].strip().strip("<>")
    assert link.startswith("https://forum.example/notifications/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in text
    with factory() as session:
        row = session.scalars(select(OutboxEmail)).one()
        assert (row.status, row.sent_at, row.attempts) == ("sent", NOW, 1)
    # A second pass the same day queues no second digest and sends nothing again.
    again = run_pass(factory, settings, NOW + timedelta(hours=1), jobs=jobs, holder="test")
    assert again["mail"]["sent"] == 0 and len(smtp.recorder.messages) == 1


def test_text_only_notification_keeps_its_unsubscribe_link_as_header(committed, smtp):
    url, factory = committed
    settings = settings_for(url, smtp)
    link = "https://forum.example/notifications/unsubscribe/abc.def-123"
    _queue(factory, kind="notification_reply", to_address="bo@example.org", subject="Bo replied",
           body_text=f"Bo replied.\n\nStop these e-mails with one click: {link}\n")
    _queue(factory, kind="password_reset", to_address="cy@example.org", subject="Reset", body_text="Reset here.")
    run_pass(factory, settings, NOW, jobs=[], holder="test")
    by_to = {m["To"]: m for m in smtp.recorder.messages}
    assert by_to["bo@example.org"]["List-Unsubscribe"].strip() == f"<{link}>"
    assert by_to["bo@example.org"].get_content_type() == "text/plain"
    assert "List-Unsubscribe" not in by_to["cy@example.org"]


def test_temporary_failure_is_retried_after_the_backoff_and_delivered_once(committed, smtp):
    url, factory = committed
    settings = settings_for(url, smtp, mail_retry_minutes=[5, 30])
    email_id = _queue(factory, kind="password_reset", to_address="dee@example.org", subject="Reset", body_text="Reset.")
    smtp.recorder.replies.append("451 4.3.0 Try again later")
    first = run_pass(factory, settings, NOW, jobs=[], holder="test")
    assert first["mail"] == {"sent": 0, "retrying": 1, "failed": 0, "skipped": 0}
    row = _row(factory, email_id)
    assert (row.status, row.attempts, row.next_attempt_at) == ("queued", 1, NOW + timedelta(minutes=5))
    assert row.last_error.startswith("451")
    # Not due yet: nothing happens before the backoff ends.
    assert run_pass(factory, settings, NOW + timedelta(minutes=4), jobs=[], holder="test")["mail"]["sent"] == 0
    assert run_pass(factory, settings, NOW + timedelta(minutes=5), jobs=[], holder="test")["mail"]["sent"] == 1
    assert run_pass(factory, settings, NOW + timedelta(minutes=60), jobs=[], holder="test")["mail"]["sent"] == 0
    assert [m["To"] for m in smtp.recorder.messages] == ["dee@example.org"]
    row = _row(factory, email_id)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 2, NOW + timedelta(minutes=5))


def test_temporary_failures_past_the_schedule_fail_for_good(committed, smtp):
    url, factory = committed
    settings = settings_for(url, smtp, mail_retry_minutes=[5])
    email_id = _queue(factory, kind="password_reset", to_address="eli@example.org", subject="Reset", body_text="Reset.")
    smtp.recorder.replies.extend(["451 busy", "451 still busy"])
    run_pass(factory, settings, NOW, jobs=[], holder="test")
    run_pass(factory, settings, NOW + timedelta(minutes=5), jobs=[], holder="test")
    row = _row(factory, email_id)
    assert (row.status, row.attempts) == ("failed", 2)
    assert smtp.recorder.messages == []


def test_permanent_failure_is_recorded_and_not_retried(committed, smtp):
    url, factory = committed
    settings = settings_for(url, smtp)
    email_id = _queue(factory, kind="password_reset", to_address="gone@example.org", subject="Reset", body_text="Reset.")
    smtp.recorder.replies.append("550 5.1.1 No such mailbox")
    assert run_pass(factory, settings, NOW, jobs=[], holder="test")["mail"]["failed"] == 1
    row = _row(factory, email_id)
    assert (row.status, row.attempts, row.sent_at) == ("failed", 1, None)
    assert "550" in row.last_error and "No such mailbox" in row.last_error
    assert run_pass(factory, settings, NOW + timedelta(days=1), jobs=[], holder="test")["mail"]["sent"] == 0
    assert smtp.recorder.messages == []


def test_unreachable_server_is_a_temporary_failure(committed, smtp):
    url, factory = committed
    settings = settings_for(url, smtp, smtp_port=1)  # nothing listens on port 1
    email_id = _queue(factory, kind="password_reset", to_address="fay@example.org", subject="Reset", body_text="Reset.")
    assert run_pass(factory, settings, NOW, jobs=[], holder="test")["mail"]["retrying"] == 1
    row = _row(factory, email_id)
    assert row.status == "queued" and row.next_attempt_at == NOW + timedelta(minutes=5)


def test_two_workers_at_once_never_send_a_row_twice(committed, smtp):
    url, _ = committed
    settings = settings_for(url, smtp)
    engines = [make_engine(url), make_engine(url)]
    factories = [make_session_factory(engine) for engine in engines]
    ids = [_queue(factories[0], kind="password_reset", to_address=f"p{n}@example.org", subject=f"#{n}", body_text="x")
           for n in range(30)]
    start = threading.Barrier(2)
    results = []

    def work(factory, holder):
        start.wait()
        results.append(run_pass(factory, settings, NOW, jobs=[], holder=holder)["mail"])

    threads = [threading.Thread(target=work, args=(factories[i], f"w{i}")) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for engine in engines:
        engine.dispose()
    subjects = sorted(m["Subject"] for m in smtp.recorder.messages)
    assert subjects == sorted(f"#{n}" for n in range(30))  # each exactly once
    assert sum(r["sent"] for r in results) == 30
    with make_session_factory(make_engine(url))() as session:
        assert {row.status for row in session.scalars(select(OutboxEmail).where(OutboxEmail.id.in_(ids)))} == {"sent"}


def test_a_job_runs_once_per_period_even_with_two_workers(committed, smtp):
    url, factory = committed
    settings = settings_for(url, smtp)
    calls = []
    jobs = [Job("count", timedelta(days=1), lambda session, now, s: calls.append(now) or {"n": len(calls)})]
    run_pass(factory, settings, NOW, jobs=jobs, holder="w1")
    run_pass(factory, settings, NOW + timedelta(minutes=1), jobs=jobs, holder="w2")
    assert calls == [NOW]
    run_pass(factory, settings, NOW + timedelta(days=1), jobs=jobs, holder="w2")
    assert calls == [NOW, NOW + timedelta(days=1)]
    with factory() as session:
        row = session.get(JobRun, "count")
        assert (row.runs, row.last_ok, row.locked_until) == (2, True, None)


def test_a_job_held_by_another_worker_is_not_started(committed, smtp):
    url, factory = committed
    settings = settings_for(url, smtp)
    calls = []
    jobs = [Job("held", timedelta(days=1), lambda session, now, s: calls.append(now) or {})]
    with factory() as session, session.begin():
        session.add(JobRun(name="held", locked_until=NOW + timedelta(hours=1), locked_by="other", last_summary="{}", runs=0))
    run_pass(factory, settings, NOW, jobs=jobs, holder="me")
    assert calls == []
    run_pass(factory, settings, NOW + timedelta(hours=2), jobs=jobs, holder="me")  # the other worker's lease ran out
    assert calls == [NOW + timedelta(hours=2)]


def test_a_failing_job_is_recorded_and_mail_still_goes_out(committed, smtp):
    url, factory = committed
    settings = settings_for(url, smtp)
    _queue(factory, kind="password_reset", to_address="gil@example.org", subject="Reset", body_text="x")

    def broken(session, now, s):
        raise RuntimeError("boom")

    summary = run_pass(factory, settings, NOW, jobs=[Job("broken", timedelta(days=1), broken)], holder="me")
    assert summary["jobs"]["broken"] == {"error": "RuntimeError: boom"} and summary["mail"]["sent"] == 1
    with factory() as session:
        row = session.get(JobRun, "broken")
        assert row.last_ok is False and row.next_due_at == NOW + timedelta(minutes=15)


def test_the_default_jobs_run_once_a_day_and_record_their_outcome(committed, smtp):
    url, factory = committed
    settings = settings_for(url, smtp)
    first = run_pass(factory, settings, NOW, holder="w1")
    daily = {"karma", "ambassador-scoring", "digest", "reengagement", "role-review", "form-keys", "orphan-uploads"}
    assert set(first["jobs"]) == daily | {"insights-rollups"}
    assert first["jobs"]["reengagement"] == {"enabled": False, "sent": 0}
    # Only the dashboard's roll-ups are kept current more often than daily.
    assert set(run_pass(factory, settings, NOW + timedelta(hours=1), holder="w2")["jobs"]) == {"insights-rollups"}
    with factory() as session:
        rows = session.scalars(select(JobRun).where(JobRun.name.in_(daily))).all()
        assert {(row.name, row.last_ok, row.runs, row.next_due_at) for row in rows} == {
            (name, True, 1, NOW + timedelta(days=7 if name == "role-review" else 1)) for name in daily
        }
        rollups = session.get(JobRun, "insights-rollups")
        assert (rollups.last_ok, rollups.runs, rollups.next_due_at) == (True, 2, NOW + timedelta(hours=1, minutes=5))
