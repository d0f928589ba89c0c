"""A small community with known dates, whose health figures are worked out by hand in the tests."""

from __future__ import annotations

from datetime import date, datetime, timezone

from app.accounts.models import UserVisit
from app.forum import answers
from tests.factories import make_user
from tests.forum_factories import as_viewer, make_category, make_reply, make_topic

NOW = datetime(2026, 3, 31, 15, 0, tzinfo=timezone.utc)  # days=7: 03-24..03-30, before: 03-17..03-23
OLD = datetime(2026, 2, 1, 9, 0, tzinfo=timezone.utc)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in March 2026."""
    return datetime(2026, 3, day, hour, minute, tzinfo=timezone.utc)


def build(db) -> dict:
    """Members, visits, questions, answers and acceptances of the worked example."""
    staff = make_user(db, username="sam", roles=("moderator",), created_at=OLD)
    helper = make_user(db, username="hana", created_at=OLD)
    asker = make_user(db, username="ada", created_at=OLD)
    other = make_user(db, username="otto", created_at=OLD)
    quiet = make_user(db, username="quinn", created_at=OLD)
    make_user(db, username="new1", created_at=at(25, 10))
    make_user(db, username="new2", created_at=at(26, 10))
    make_user(db, username="before1", created_at=at(20, 10))
    visits = {helper: (18, 24, 25, 30), asker: (24,), quiet: (18,), staff: (2,)}
    for member, days in visits.items():
        for day in days:
            db.add(UserVisit(user_id=member.id, day=date(2026, 3, day)))
    category = make_category(db, slug="thermostat", now=OLD)
    elsewhere = make_category(db, slug="elsewhere", now=OLD)

    def accept(topic, post, when):
        answers.accept_answer(db, as_viewer(db, db.get(type(asker), topic.author_id)), topic.id, post.id, when)

    q0 = make_topic(db, author=asker, category=category, now=at(20, 9))
    accept(q0, make_reply(db, topic=q0, author=helper, now=at(20, 9, 10)), at(21, 9))
    q1 = make_topic(db, author=asker, category=category, now=at(24, 10))
    accept(q1, make_reply(db, topic=q1, author=helper, now=at(24, 11)), at(25, 9))
    q2 = make_topic(db, author=asker, category=category, now=at(25, 8))
    staff_answer = make_reply(db, topic=q2, author=staff, now=at(26, 10))
    make_reply(db, topic=q2, author=helper, now=at(26, 12))
    accept(q2, staff_answer, at(27, 9))
    make_topic(db, author=other, category=category, now=at(27, 9))  # never answered
    q4 = make_topic(db, author=other, category=category, now=at(28, 9))
    make_reply(db, topic=q4, author=helper, now=at(28, 9, 30))
    make_reply(db, topic=q4, author=staff, now=at(28, 13))
    d1 = make_topic(db, author=helper, category=elsewhere, kind="discussion", now=at(29, 9))
    make_reply(db, topic=d1, author=asker, now=at(29, 10))
    db.flush()
    return {"staff": staff, "helper": helper, "asker": asker, "category": category, "elsewhere": elsewhere}


def build_more(db) -> int:
    """Many more members, visits, questions and answers: how many rows were added."""
    category = make_category(db, slug="more", now=OLD)
    added = 0
    helpers = [make_user(db, created_at=OLD) for _ in range(4)]
    for day in range(3, 30):
        author = helpers[day % 4]
        topic = make_topic(db, author=author, category=category, now=at(day, 8))
        make_reply(db, topic=topic, author=helpers[(day + 1) % 4], now=at(day, 9))
        db.add(UserVisit(user_id=author.id, day=date(2026, 3, day)))
        added += 3
    db.flush()
    return added


def build_recent(db, now: datetime) -> None:
    """A month of activity ending at `now` (real dates, for the browser test and screenshots)."""
    from datetime import timedelta

    start = now - timedelta(days=30)
    staff = make_user(db, username="sam", roles=("moderator",), created_at=start - timedelta(days=60))
    helpers = [make_user(db, username=f"helper{i}", created_at=start - timedelta(days=60)) for i in range(3)]
    askers = [make_user(db, username=f"asker{i}", created_at=start + timedelta(days=i)) for i in range(6)]
    category = make_category(db, slug="support", name="Support", now=start - timedelta(days=60))
    for day in range(29):
        moment = start + timedelta(days=day, hours=9)
        asker = askers[day % 6]
        for member in (asker, helpers[day % 3], helpers[(day + 1) % 3]):
            db.merge(UserVisit(user_id=member.id, day=moment.date()))
        topic = make_topic(db, author=asker, category=category, now=moment)
        if day % 5 == 4:
            continue
        reply = make_reply(db, topic=topic, author=helpers[day % 3], now=moment + timedelta(hours=1 + day % 7))
        if day % 4 == 0:
            make_reply(db, topic=topic, author=staff, now=moment + timedelta(hours=3))
        if day % 2 == 0:
            answers.accept_answer(db, as_viewer(db, asker), topic.id, reply.id, moment + timedelta(hours=12))
    db.flush()
