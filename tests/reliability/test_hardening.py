"""Hardening (issue 12, point 8): HSTS and the __Host- cookie behind TLS, no-store on answers
that depend on the viewer, HEAD wherever GET works; and mail headers no member text can break."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default as default_policy

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.mail import OutboxEmail, build_message, queue_email
from app.main import create_app
from tests.conftest import START, _bound_session, make_settings
from tests.factories import log_in, make_user
from tests.forum_factories import make_reply, make_topic
from tests.reliability.hostile import build_url, route_shapes


def _secure_app(database_url, connection, clock):
    settings = make_settings(database_url, cookie_secure=True)
    return create_app(settings, clock=clock, session_factory=lambda: _bound_session(connection))


def test_behind_tls_the_session_cookie_is_host_only_and_hsts_is_sent(database_url, connection, clock, db):
    alice = make_user(db, username="alice")
    with TestClient(_secure_app(database_url, connection, clock), base_url="https://forum.example") as client:
        first = client.get("/login")
        assert first.headers["strict-transport-security"].startswith("max-age=")
        cookie = first.headers["set-cookie"]
        assert cookie.startswith("__Host-hearth_session=")
        flags = {part.strip().lower() for part in cookie.split(";")}
        assert "secure" in flags and "path=/" in flags and not any(f.startswith("domain=") for f in flags)
        log_in(client, alice)
        assert client.get("/u/alice/preferences").status_code == 200  # the prefixed cookie carries the login


def test_without_tls_there_is_no_hsts_and_the_plain_cookie(client):
    response = client.get("/login")
    assert "strict-transport-security" not in response.headers
    assert response.headers["set-cookie"].startswith("hearth_session=")


def test_answers_that_depend_on_the_viewer_are_never_stored(client, db):
    assert client.get("/api/v1/categories").headers["cache-control"] == "no-store"  # API, even anonymous
    assert client.get("/login").headers["cache-control"] == "no-store"  # carries the session's CSRF token
    assert "no-store" not in client.get("/static/css/hearth.css").headers.get("cache-control", "")
    log_in(client, make_user(db, username="boss", roles=("admin",)))
    for path in ("/", "/admin/categories", "/admin/mail", "/ambassadors", "/api/v1/me", "/nowhere"):
        assert client.get(path).headers["cache-control"] == "no-store", path


def test_head_works_wherever_get_does(app, community):
    with TestClient(app) as client:
        log_in(client, community["admin"])
        checked, ok = 0, 0
        for shape in route_shapes(app, {}):
            if shape.method != "GET":
                continue
            values = {name: community["path"].get(name, "x") for name in shape.path_params}
            url = build_url(shape, values)
            get, head = client.get(url, follow_redirects=False), client.head(url, follow_redirects=False)
            assert head.status_code == get.status_code, url
            assert head.content == b"", url
            assert head.headers.get("content-type") == get.headers.get("content-type"), url
            checked += 1
            ok += head.status_code == 200
    assert checked > 70 and ok > 50, (checked, ok)


def test_head_of_a_static_file_and_an_unknown_page(client):
    assert client.head("/static/css/hearth.css").status_code == 200
    assert client.head("/nowhere").status_code == 404


def test_member_text_cannot_break_or_add_mail_headers(db, settings):
    """A display name from before names were checked (or an import) holding CR/LF and a Bcc."""
    asker = make_user(db, username="asker")
    intruder = make_user(db, username="intruder", display_name="Eve\r\nBcc: victim@example.org\r\nX-Evil: 1")
    topic = make_topic(db, author=asker, title="Heating schedule ignored")
    make_reply(db, topic=topic, author=intruder, body="Same here.")
    row = db.scalars(select(OutboxEmail).where(OutboxEmail.to_address == asker.email)).first()
    assert row is not None and "\n" not in row.subject and "\r" not in row.subject
    raw = build_message(row, mail_from=settings.mail_from, base_url=settings.base_url, now=START).as_bytes()
    parsed = message_from_bytes(raw, policy=default_policy)
    assert parsed.get_all("Bcc") is None and parsed.get_all("X-Evil") is None
    assert len(parsed.get_all("Subject")) == 1
    assert "Eve Bcc: victim@example.org X-Evil: 1" in parsed["Subject"]
    assert parsed["To"] == asker.email


def test_old_rows_with_line_breaks_in_the_subject_still_build(db, settings):
    row = queue_email(db, kind="test", to_address="a@example.org", subject="ok", body_text="hi", now=START)
    row.subject = "Hello\r\nBcc: victim@example.org"  # written before subjects were cleaned
    message = build_message(row, mail_from=settings.mail_from, base_url=settings.base_url, now=START)
    parsed = message_from_bytes(message.as_bytes(), policy=default_policy)
    assert parsed["Subject"] == "Hello Bcc: victim@example.org" and parsed.get_all("Bcc") is None


def test_long_subjects_fit_the_outbox_column(db):
    row = queue_email(db, kind="test", to_address="a@example.org", subject="word " * 200, body_text="hi", now=START)
    assert len(row.subject) <= 300 and row.subject.endswith("…")
