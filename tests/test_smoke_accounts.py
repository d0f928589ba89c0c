from sqlalchemy import select

from app.accounts.models import LoginAttempt, UserVisit
from tests.conftest import post_form
from tests.factories import log_in, make_user


def test_login_shows_name_and_records_visit(client, db, clock):
    user = make_user(db, username="alice")
    log_in(client, user)
    page = client.get("/")
    assert "Alice" in page.text
    assert db.scalars(select(LoginAttempt.outcome)).all() == ["success"]
    assert db.scalar(select(UserVisit.day).where(UserVisit.user_id == user.id)) == clock.now.date()
    assert page.headers["cache-control"] == "no-store"


def test_wrong_password_is_recorded(client, db):
    make_user(db, username="bob")
    response = post_form(client, "/login", {"identifier": "bob", "password": "nope-nope-nope"})
    assert response.status_code == 400
    assert "not right" in response.text
    assert db.scalars(select(LoginAttempt.outcome)).all() == ["failure"]
