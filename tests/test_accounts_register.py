"""Registration through the pages: field messages, e-mail verification, no account enumeration."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import User
from app.mail import OutboxEmail
from tests.conftest import post_form
from tests.factories import last_email, link_path, make_user

GOOD_PASSWORD = "copper-kettle-midnight-91"


def _register(client, **fields):
    data = {"username": "newcomer", "email": "newcomer@example.org", "password": GOOD_PASSWORD}
    data.update(fields)
    return post_form(client, "/register", data)


def _count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_register_then_confirm_with_a_button_and_log_in_with_the_password(client, db, clock):
    response = _register(client)
    assert response.status_code == 200
    assert "newcomer@example.org" in response.text
    user = db.scalar(select(User).where(User.username_key == "newcomer"))
    assert user is not None and user.email_verified_at is None
    assert user.password_hash.startswith("$argon2id$")

    mail = last_email(db, "verify_email", "newcomer@example.org")
    assert mail is not None
    path = link_path(mail.body_text, "/verify/")
    # Opening the link (a mail scanner, a prefetch, a forged <img>) changes nothing.
    page = client.get(path)
    assert page.status_code == 200 and "Confirm my address" in page.text
    assert 'class="nav-user"' not in page.text
    assert db.scalar(select(User.email_verified_at).where(User.id == user.id)) is None

    confirmed = post_form(client, path, {}, token_from=path, follow_redirects=False)
    assert confirmed.status_code == 303 and confirmed.headers["location"] == "/login"
    assert db.scalar(select(User.email_verified_at).where(User.id == user.id)) == clock.now
    login_page = client.get("/login")
    assert "Your e-mail address is confirmed" in login_page.text
    assert 'class="nav-user"' not in login_page.text  # the link logged nobody in

    response = post_form(client, "/login", {"identifier": "newcomer", "password": GOOD_PASSWORD}, follow_redirects=False)
    assert response.status_code == 303
    assert 'class="nav-user"' in client.get("/").text


def test_the_verification_link_works_once_and_never_logs_in(client, db, clock):
    _register(client)
    path = link_path(last_email(db, "verify_email", "newcomer@example.org").body_text, "/verify/")
    post_form(client, path, {}, token_from=path)
    first = db.scalar(select(User.email_verified_at).where(User.username_key == "newcomer"))
    clock.advance(days=1)
    client.cookies.clear()
    # Used again (another browser, days later): nobody is logged in and nothing changes.
    again = client.get(path)
    assert again.status_code == 200 and "already confirmed" in again.text
    assert "Confirm my address" not in again.text
    response = post_form(client, path, {}, token_from="/login", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert "already confirmed" in client.get("/login").text
    assert 'class="nav-user"' not in client.get("/").text
    assert db.scalar(select(User.email_verified_at).where(User.username_key == "newcomer")) == first


def test_confirming_needs_the_forms_csrf_token(client, db):
    _register(client)
    path = link_path(last_email(db, "verify_email", "newcomer@example.org").body_text, "/verify/")
    response = client.post(path, data={})
    assert response.status_code == 403
    assert db.scalar(select(User.email_verified_at).where(User.username_key == "newcomer")) is None


def test_unverified_account_cannot_log_in_and_gets_the_link_again(client, db):
    _register(client)
    client.cookies.clear()
    before = _count(db, OutboxEmail)
    response = post_form(client, "/login", {"identifier": "newcomer", "password": GOOD_PASSWORD})
    assert response.status_code == 403
    assert "confirm your e-mail" in response.text
    assert _count(db, OutboxEmail) == before + 1
    assert 'class="nav-user"' not in client.get("/").text


def test_tampered_verification_link_is_refused(client, db):
    _register(client)
    path = link_path(last_email(db, "verify_email", "newcomer@example.org").body_text, "/verify/")
    response = client.get(path[:-3] + "xyz")
    assert response.status_code == 422
    assert db.scalar(select(User.email_verified_at).where(User.username_key == "newcomer")) is None


def test_taken_username_gets_a_field_message_and_keeps_input(client, db):
    make_user(db, username="Taken")
    response = _register(client, username="taken", email="someone@example.org")
    assert response.status_code == 422
    assert "This username is taken." in response.text
    assert 'aria-describedby="e-username' in response.text
    assert 'value="someone@example.org"' in response.text
    assert db.scalar(select(func.count()).where(User.email_key == "someone@example.org")) == 0


def test_weak_and_common_passwords_are_refused(client, db):
    short = _register(client, password="short1")
    assert short.status_code == 422
    assert "Use at least 10 characters." in short.text

    common = _register(client, password="password1234")
    assert common.status_code == 422
    assert "too common or too easy to guess" in common.text
    assert _count(db, User) == 0


def test_password_longer_than_1024_bytes_is_refused_and_1024_accepted(client, db):
    too_long = _register(client, password="ü" * 513)  # 1,026 bytes, 513 characters
    assert too_long.status_code == 422
    assert "at most 1024 bytes" in too_long.text
    assert _count(db, User) == 0

    longest = _register(client, password="quiet river stones " * 53 + "abcdefghijklmnopq")  # exactly 1,024 bytes
    assert longest.status_code == 200
    assert _count(db, User) == 1


def test_bad_email_is_refused(client, db):
    response = _register(client, email="not-an-address")
    assert response.status_code == 422
    assert "This does not look like a valid e-mail address." in response.text
    assert 'value="newcomer"' in response.text
    assert _count(db, User) == 0


def test_duplicate_email_gives_identical_page_creates_nothing_and_mails_owner(client, db):
    owner = make_user(db, username="owner", email="shared@example.org")
    users_before = _count(db, User)

    duplicate = _register(client, username="intruder", email="shared@example.org")
    fresh = _register(client, username="honest", email="fresh@example.org")

    assert duplicate.status_code == fresh.status_code == 200
    assert duplicate.text.replace("shared@example.org", "ADDRESS") == fresh.text.replace(
        "fresh@example.org", "ADDRESS"
    )
    assert db.scalar(select(func.count()).where(User.username_key == "intruder")) == 0
    assert _count(db, User) == users_before + 1
    warning = last_email(db, "account_exists", "shared@example.org")
    assert warning is not None and warning.user_id == owner.id
    assert last_email(db, "verify_email", "shared@example.org") is None


def test_email_is_matched_case_insensitively(client, db):
    make_user(db, username="owner", email="shared@example.org")
    _register(client, username="intruder", email="Shared@Example.org")
    assert db.scalar(select(func.count()).where(User.username_key == "intruder")) == 0
    assert last_email(db, "account_exists", "shared@example.org") is not None


def test_sign_up_fields_are_required_and_described_for_screen_readers(client):
    from html.parser import HTMLParser

    class Inputs(HTMLParser):
        def __init__(self):
            super().__init__()
            self.inputs = {}

        def handle_starttag(self, tag, attrs):
            if tag == "input":
                values = dict(attrs)
                self.inputs[values.get("name")] = values

    page = _register(client, username="", email="not-an-address")
    parser = Inputs()
    parser.feed(page.text)
    for name in ("username", "email", "password"):
        assert "required" in parser.inputs[name], name
    assert parser.inputs["email"]["aria-invalid"] == "true"
    assert "e-email" in parser.inputs["email"]["aria-describedby"].split()
    assert not any(key.startswith("required") and key != "required" for key in parser.inputs["email"])
