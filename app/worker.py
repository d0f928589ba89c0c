"""The `hearth worker` loop: each pass sends due outbox mail and runs the periodic jobs that are due.

Jobs are claimed through their `job_run` row with a conditional UPDATE (free lease and due), so
several workers on one database never run the same job at the same time; a worker that dies while
running a job loses the claim when its lease ends. Outbox rows are claimed one by one (app.mail),
so any number of workers may send at once.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Boolean, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from app import mail
from app.webhooks import delivery as webhook_delivery
from app.db import Base, insert_ignore, utcnow

log = logging.getLogger("hearth.worker")

# Longer than any job takes; a claim older than this belongs to a worker that died.
LEASE = timedelta(hours=2)
RETRY_AFTER_ERROR = timedelta(minutes=15)
# The outbox pass is recorded in job_run under this name (it is never claimed: every worker sends).
OUTBOX_JOB = "outbox"


class JobRun(Base):
    """The claim and last outcome of one periodic job (one row per job name)."""

    __tablename__ = "job_run"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    locked_until: Mapped[datetime | None]
    locked_by: Mapped[str] = mapped_column(String(120), default="")
    next_due_at: Mapped[datetime | None]
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    last_ok: Mapped[bool | None] = mapped_column(Boolean)
    last_summary: Mapped[str] = mapped_column(Text, default="{}")
    runs: Mapped[int] = mapped_column(default=0)


@dataclass(frozen=True)
class Job:
    """A periodic job: its name, how often it runs, and `run(session, now, settings) -> summary`."""

    name: str
    every: timedelta
    run: Callable[[Session, datetime, object], dict]


def _karma(session: Session, now: datetime, settings) -> dict:
    from app.karma import jobs

    summary = jobs.job(session, now, settings)
    return {key: value for key, value in summary.items() if isinstance(value, (int, float, str))}


def _scoring(session: Session, now: datetime, settings) -> dict:
    from app.ambassadors import jobs

    summary = jobs.job(session, now, settings)
    return {key: value for key, value in summary.items() if isinstance(value, (int, float, str))}


def _digest(session: Session, now: datetime, settings) -> dict:
    from app.ambassadors import digest

    return digest.job(session, now, settings)


def _reengagement(session: Session, now: datetime, settings) -> dict:
    from app.ambassadors import reengagement

    return reengagement.auto_job(session, now, settings)


def _role_review(session: Session, now: datetime, settings) -> dict:
    from app.ambassadors import roles

    return roles.review_job(session, now, settings)


def _form_keys(session: Session, now: datetime, settings) -> dict:
    from app import idempotency

    return idempotency.purge(session, now)


def _insights(session: Session, now: datetime, settings) -> dict:
    from app.insights import rollups

    return rollups.upkeep(session, now)


def _uploads(session: Session, now: datetime, settings) -> dict:
    from app.forum import uploads
    from app.storage import storage_for

    return uploads.cleanup_job(session, now, settings, storage_for(settings))


def default_jobs() -> list[Job]:
    """The periodic jobs a Hearth install runs."""
    day = timedelta(days=1)
    return [
        Job("karma", day, _karma),
        Job("ambassador-scoring", day, _scoring),
        Job("digest", day, _digest),
        Job("reengagement", day, _reengagement),
        Job("role-review", timedelta(days=7), _role_review),
        Job("form-keys", day, _form_keys),
        Job("orphan-uploads", day, _uploads),
        # Often: the dashboard's roll-ups lag the raw rows by at most this much.
        Job("insights-rollups", timedelta(minutes=5), _insights),
    ]


def worker_id() -> str:
    """Who holds a claim: host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_job(session: Session, name: str, now: datetime, holder: str) -> bool:
    """Take a job if it is due and nobody holds it (commit right after, before running it)."""
    insert_ignore(session, JobRun.__table__, {"name": name, "locked_by": "", "last_summary": "{}", "runs": 0}, ["name"])
    result = session.execute(
        update(JobRun)
        .where(
            JobRun.name == name,
            or_(JobRun.locked_until.is_(None), JobRun.locked_until < now),
            or_(JobRun.next_due_at.is_(None), JobRun.next_due_at <= now),
        )
        .values(locked_until=now + LEASE, locked_by=holder, last_started_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _finish(session: Session, job: Job, now: datetime, holder: str, ok: bool, summary: dict) -> None:
    session.execute(
        update(JobRun)
        .where(JobRun.name == job.name, JobRun.locked_by == holder)
        .values(
            locked_until=None, last_finished_at=now, last_ok=ok, last_summary=json.dumps(summary, default=str),
            next_due_at=now + (job.every if ok else RETRY_AFTER_ERROR), runs=JobRun.runs + 1,
        )
        .execution_options(synchronize_session=False)
    )


def _error_summary(error: Exception) -> dict:
    return {"error": f"{type(error).__name__}: {error}"[:500]}


def record(session_factory: sessionmaker[Session], name: str, now: datetime, ok: bool, summary: dict) -> None:
    """Store the outcome of work that is not claimed like a job (the outbox pass), for the admin page."""
    with session_factory() as session, session.begin():
        insert_ignore(session, JobRun.__table__, {"name": name, "locked_by": "", "last_summary": "{}", "runs": 0}, ["name"])
        session.execute(
            update(JobRun).where(JobRun.name == name)
            .values(last_started_at=now, last_finished_at=now, last_ok=ok,
                    last_summary=json.dumps(summary, default=str), runs=JobRun.runs + 1)
            .execution_options(synchronize_session=False)
        )


def run_job(session_factory: sessionmaker[Session], settings, now: datetime, job: Job, holder: str) -> dict | None:
    """Claim and run one job in its own transaction and record its outcome; None when not claimed."""
    with session_factory() as session, session.begin():
        if not claim_job(session, job.name, now, holder):
            return None
    ok, summary = True, {}
    try:
        with session_factory() as session, session.begin():
            summary = job.run(session, now, settings) or {}
    except Exception as error:  # a failing job must not stop the others or the mail
        ok, summary = False, _error_summary(error)
        log.exception("job %s failed", job.name)
    with session_factory() as session, session.begin():
        _finish(session, job, now, holder, ok, summary)
    return summary


def run_jobs(session_factory: sessionmaker[Session], settings, now: datetime, jobs: list[Job], holder: str) -> dict:
    """Run every due job this worker can claim; a job whose claim or record fails is reported, not raised."""
    done = {}
    for job in jobs:
        try:
            summary = run_job(session_factory, settings, now, job, holder)
        except Exception as error:  # e.g. the database was unreachable while claiming
            log.exception("job %s could not be claimed or recorded", job.name)
            summary = _error_summary(error)
        if summary is not None:
            done[job.name] = summary
    return done


def run_pass(
    session_factory: sessionmaker[Session], settings, now: datetime, *, jobs: list[Job] | None = None,
    holder: str | None = None, connection_factory=None,
) -> dict:
    """One worker pass: due jobs first (they may queue mail), then the outbox, then webhook deliveries;
    none can stop the others."""
    holder = holder or worker_id()
    ran = run_jobs(session_factory, settings, now, default_jobs() if jobs is None else jobs, holder)
    try:
        sent = mail.send_pending(session_factory, settings, now, connection_factory=connection_factory).as_dict()
        ok = True
    except Exception as error:  # the outbox pass as a whole (reading the queue) failed
        log.exception("outbox pass failed")
        sent, ok = _error_summary(error), False
    if settings.smtp_host:
        try:
            record(session_factory, OUTBOX_JOB, now, ok, sent)
        except Exception:  # the database is gone; the next pass tries again
            log.exception("could not record the outbox pass")
    try:
        hooks = webhook_delivery.send_pending(session_factory, settings, now)
    except Exception as error:  # webhooks must not stop the worker either
        log.exception("webhook pass failed")
        hooks = _error_summary(error)
    return {"jobs": ran, "mail": sent, "webhooks": hooks}


def job_status(session: Session) -> list[JobRun]:
    """Every job's claim and last outcome, for the admin page."""
    return list(session.scalars(select(JobRun).order_by(JobRun.name)))


def run_forever(settings, *, interval_seconds: int = 60, clock=utcnow, once: bool = False, report=print, describe=None, notice=None) -> None:
    """The worker process: a pass, then a pause, until stopped."""
    from app.db import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    holder = worker_id()
    if not settings.smtp_host:
        (notice or report)("HEARTH_SMTP_HOST is not set: e-mail stays in the outbox.")
    try:
        while True:
            try:
                summary = run_pass(factory, settings, clock(), holder=holder)
                report(describe(summary) if describe else json.dumps(summary, default=str))
            except Exception as error:  # never let one bad pass end the worker; the next one retries
                log.exception("worker pass failed")
                report(json.dumps({"error": f"{type(error).__name__}: {error}"[:500]}))
            if once:
                return
            time.sleep(interval_seconds)
    finally:
        engine.dispose()
