"""The e-mail outbox: services queue messages in the same transaction; the worker sends them.

Delivery (`send_pending`) claims each row with a conditional UPDATE before talking to the SMTP
server and marks it sent right after, each in its own short transaction, so two workers never send
the same row. The one window left: a worker that dies after the server accepted a message and
before the "sent" mark is committed leaves the row in state `sending`. Such rows are never retried
automatically (that could send the message twice); /admin/mail lists them so a person decides.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from sqlalchemy import ForeignKey, Index, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from app.db import Base

log = logging.getLogger("hearth.mail")

STATUSES = ("queued", "sending", "sent", "failed")
SUBJECT_MAX = 300  # the column's length
# Anything that could end a header line or hide in one: C0/C1 controls (CR and LF among them),
# DEL and the Unicode line and paragraph separators.
_HEADER_UNSAFE_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Unsubscribe links the forum writes into notification bodies (the last one is the footer's).
UNSUBSCRIBE_PATH = "/notifications/unsubscribe/"


class OutboxEmail(Base):
    """One message waiting to be sent (or already sent, or failed for good)."""

    __tablename__ = "email_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    unsubscribe_url: Mapped[str | None] = mapped_column(String(600))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="queued", server_default="queued")
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_email_outbox_unsent", "sent_at", "created_at"),
        Index("ix_email_outbox_status", "status", "next_attempt_at"),
    )


def header_text(value: str, limit: int = SUBJECT_MAX) -> str:
    """One header line of text: control characters become spaces, so nothing a member wrote (a
    title, a display name) can end the header, add another one, or make building the message fail."""
    text = " ".join(_HEADER_UNSAFE_RE.sub(" ", value or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def queue_email(
    session: Session,
    *,
    kind: str,
    to_address: str,
    subject: str,
    body_text: str,
    now: datetime,
    user_id: int | None = None,
    body_html: str | None = None,
    unsubscribe_url: str | None = None,
) -> OutboxEmail:
    """Add a message to the outbox; it is sent only if the surrounding transaction commits."""
    email = OutboxEmail(
        kind=kind,
        user_id=user_id,
        to_address=to_address,
        subject=header_text(subject),
        body_text=body_text,
        body_html=body_html,
        unsubscribe_url=unsubscribe_url,
        created_at=now,
        status="queued",
    )
    session.add(email)
    session.flush()
    return email


# ---------------------------------------------------------------- building messages


def unsubscribe_link_of(row: OutboxEmail, base_url: str) -> str | None:
    """The message's one-click unsubscribe URL: stored, or the last such link of this site in the body."""
    if row.unsubscribe_url:
        return row.unsubscribe_url
    pattern = re.escape(base_url.rstrip("/") + UNSUBSCRIBE_PATH) + r"[A-Za-z0-9_.\-]+"
    found = re.findall(pattern, row.body_text or "")
    return found[-1] if found else None


def build_message(row: OutboxEmail, *, mail_from: str, base_url: str, now: datetime) -> EmailMessage:
    """The MIME message of an outbox row: text, plus an HTML alternative when the row has one."""
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = row.to_address
    message["Subject"] = header_text(row.subject)  # rows queued before subjects were cleaned
    message["Date"] = format_datetime(now)
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(idstring=f"outbox{row.id}", domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    link = unsubscribe_link_of(row, base_url)
    if link:
        message["List-Unsubscribe"] = f"<{link}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    return message


# ---------------------------------------------------------------- sending


@dataclass
class SendSummary:
    """What one delivery pass did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0

    def as_dict(self) -> dict:
        """The figures, for logs and the job record."""
        return {"sent": self.sent, "retrying": self.retrying, "failed": self.failed, "skipped": self.skipped}


class TemporaryFailure(Exception):
    """The server or network said 'try again later' (4xx, connection trouble)."""


class PermanentFailure(Exception):
    """The server refused the message for good (5xx)."""


def _classify(error: Exception) -> Exception:
    code = getattr(error, "smtp_code", None)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [value[0] for value in error.recipients.values()]
        code = max(codes) if codes else None
    text = _describe(error, code)
    if isinstance(code, int) and 500 <= code < 600:
        return PermanentFailure(text)
    return TemporaryFailure(text)


def _describe(error: Exception, code) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        parts = [f"{address}: {value[0]} {_decode(value[1])}" for address, value in error.recipients.items()]
        return "; ".join(parts)[:1000]
    message = getattr(error, "smtp_error", None)
    if code is not None:
        return f"{code} {_decode(message)}"[:1000]
    return f"{type(error).__name__}: {error}"[:1000]


def _decode(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value or "")


class SmtpConnection:
    """One SMTP session for a delivery pass, opened on first use."""

    def __init__(self, settings):
        self.settings = settings
        self.client: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        settings = self.settings
        mode = settings.smtp_tls.lower()
        context = ssl.create_default_context(cafile=settings.smtp_ca_file or None)
        if mode == "ssl":
            client = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds, context=context)
        else:
            client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds)
            if mode == "starttls":
                client.starttls(context=context)
        if settings.smtp_user:
            client.login(settings.smtp_user, settings.smtp_password)
        return client

    def send(self, message: EmailMessage) -> None:
        """Hand one message to the server; raise TemporaryFailure or PermanentFailure."""
        if self.client is None:
            try:
                self.client = self._open()
            except (smtplib.SMTPException, OSError) as error:
                # Connecting, TLS or login failed: a server or configuration problem, not this
                # message's, so it is retried whatever the reply code (5xx here would fail every row).
                raise TemporaryFailure(_describe(error, getattr(error, "smtp_code", None))) from None
        try:
            self.client.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            # A refused message leaves the session usable; anything else (or 421) ends it.
            refused = isinstance(error, (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException))
            if not refused or getattr(error, "smtp_code", None) == 421:
                self.close()
            raise _classify(error) from None

    def close(self) -> None:
        """End the session (quietly: the server may already be gone)."""
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.client = None


def retry_delay(settings, attempts: int) -> timedelta | None:
    """Wait before the next try after `attempts` failed tries; None when the schedule is used up."""
    schedule = settings.mail_retry_minutes
    if attempts > len(schedule):
        return None
    return timedelta(minutes=schedule[attempts - 1])


def _due(now: datetime):
    return (
        OutboxEmail.status == "queued",
        (OutboxEmail.next_attempt_at.is_(None)) | (OutboxEmail.next_attempt_at <= now),
    )


def claim(session: Session, email_id: int, now: datetime) -> bool:
    """Take one due row for sending (conditional UPDATE: only one worker can win it)."""
    result = session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id, *_due(now))
        .values(status="sending", claimed_at=now, attempts=OutboxEmail.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def send_pending(
    session_factory: sessionmaker[Session], settings, now: datetime, *, connection_factory: Callable | None = None
) -> SendSummary:
    """Send due outbox rows: claim, send, mark; temporary failures wait by the retry schedule."""
    summary = SendSummary()
    if not settings.smtp_host:
        return summary
    with session_factory() as session:
        ids = session.scalars(
            select(OutboxEmail.id).where(*_due(now)).order_by(OutboxEmail.created_at, OutboxEmail.id).limit(settings.mail_batch_size)
        ).all()
    connection = (connection_factory or SmtpConnection)(settings)
    try:
        for email_id in ids:
            try:
                _deliver(session_factory, settings, connection, email_id, now, summary)
            except Exception as error:  # one message's data must never stop the others or the worker
                log.exception("outbox %s could not be sent", email_id)
                connection.close()  # the session may be in any state after an unexpected error
                _mark(session_factory, email_id, {
                    "status": "failed", "next_attempt_at": None,
                    "last_error": f"Could not send: {type(error).__name__}: {error}"[:1000],
                })
                summary.failed += 1
    finally:
        connection.close()
    return summary


def _mark(session_factory: sessionmaker[Session], email_id: int, outcome: dict) -> None:
    with session_factory() as session, session.begin():
        session.execute(
            update(OutboxEmail).where(OutboxEmail.id == email_id).values(**outcome)
            .execution_options(synchronize_session=False)
        )


def _deliver(session_factory, settings, connection, email_id: int, now: datetime, summary: SendSummary) -> None:
    """Claim, build, send and mark one row; a message that cannot be built fails with the reason."""
    with session_factory() as session, session.begin():
        won = claim(session, email_id, now)
    if not won:
        summary.skipped += 1
        return
    with session_factory() as session:
        row = session.get(OutboxEmail, email_id)
        attempts = row.attempts
        try:
            message = build_message(row, mail_from=settings.mail_from, base_url=settings.base_url, now=now)
        except (ValueError, TypeError, LookupError) as error:
            message, problem = None, f"Could not build the message: {type(error).__name__}: {error}"[:1000]
    if message is None:
        # The stored data cannot become a valid message; retrying would fail the same way.
        _mark(session_factory, email_id, {"status": "failed", "last_error": problem, "next_attempt_at": None})
        summary.failed += 1
        log.warning("outbox %s failed: %s", email_id, problem)
        return
    try:
        connection.send(message)
        outcome = {"status": "sent", "sent_at": now, "last_error": None, "next_attempt_at": None}
        summary.sent += 1
    except PermanentFailure as error:
        outcome = {"status": "failed", "last_error": str(error), "next_attempt_at": None}
        summary.failed += 1
        log.warning("outbox %s failed permanently: %s", email_id, error)
    except TemporaryFailure as error:
        delay = retry_delay(settings, attempts)
        if delay is None:
            outcome = {"status": "failed", "last_error": str(error), "next_attempt_at": None}
            summary.failed += 1
        else:
            outcome = {"status": "queued", "last_error": str(error), "next_attempt_at": now + delay}
            summary.retrying += 1
        log.info("outbox %s temporary failure (attempt %s): %s", email_id, attempts, error)
    _mark(session_factory, email_id, outcome)


def requeue(session: Session, email_id: int, now: datetime) -> bool:
    """Put a failed (or interrupted) message back in the queue, by a person's decision."""
    result = session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id, OutboxEmail.status.in_(("failed", "sending")))
        .values(status="queued", next_attempt_at=now, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
