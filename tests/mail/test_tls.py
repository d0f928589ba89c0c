"""SMTP over STARTTLS (with login) and implicit TLS against a real aiosmtpd server with a
certificate made for the test; an untrusted certificate is a temporary failure, nothing is sent."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from datetime import datetime, timezone

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from app.mail import OutboxEmail, queue_email
from app.worker import run_pass
from tests.conftest import make_settings
from tests.mail.smtp import Recorder, free_port

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return cert, key


def _server_context(certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    return context


class Logins:
    def __init__(self):
        self.seen = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            self.seen.append((auth_data.login, auth_data.password))
            return AuthResult(success=auth_data.password == b"s3cret-relay")
        return AuthResult(success=False, handled=False)


def _queue(session_factory):
    with session_factory() as session, session.begin():
        queue_email(session, kind="password_reset", to_address="tls@example.org", subject="Over TLS", body_text="x", now=NOW)


def test_starttls_with_login(committed, certificate):
    url, session_factory = committed
    recorder, logins, port = Recorder(), Logins(), free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, tls_context=_server_context(certificate),
                            require_starttls=True, authenticator=logins, auth_required=True)
    controller.start()
    try:
        _queue(session_factory)
        settings = make_settings(url, smtp_host="127.0.0.1", smtp_port=port, smtp_tls="starttls", smtp_user="relay",
                                 smtp_password="s3cret-relay", smtp_ca_file=str(certificate[0]))
        assert run_pass(session_factory, settings, NOW, jobs=[], holder="t")["mail"]["sent"] == 1
    finally:
        controller.stop()
    assert [m["Subject"] for m in recorder.messages] == ["Over TLS"]
    assert logins.seen == [(b"relay", b"s3cret-relay")]


def test_implicit_tls(committed, certificate):
    url, session_factory = committed
    recorder, port = Recorder(), free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, ssl_context=_server_context(certificate))
    controller.start()
    try:
        _queue(session_factory)
        settings = make_settings(url, smtp_host="127.0.0.1", smtp_port=port, smtp_tls="ssl", smtp_ca_file=str(certificate[0]))
        assert run_pass(session_factory, settings, NOW, jobs=[], holder="t")["mail"]["sent"] == 1
    finally:
        controller.stop()
    assert [m["Subject"] for m in recorder.messages] == ["Over TLS"]


def test_an_untrusted_certificate_sends_nothing_and_retries_later(committed, certificate):
    url, session_factory = committed
    recorder, port = Recorder(), free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, tls_context=_server_context(certificate),
                            require_starttls=True)
    controller.start()
    try:
        _queue(session_factory)
        settings = make_settings(url, smtp_host="127.0.0.1", smtp_port=port, smtp_tls="starttls")  # system CAs only
        assert run_pass(session_factory, settings, NOW, jobs=[], holder="t")["mail"]["retrying"] == 1
    finally:
        controller.stop()
    assert recorder.messages == []
    with session_factory() as session:
        row = session.query(OutboxEmail).one()
        assert row.status == "queued" and "CERTIFICATE_VERIFY_FAILED" in row.last_error
