"""Status changes reach the author, voters and followers once each, in-app and by e-mail."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.events import subscribe
from app.forum.models import Notification, NotificationSetting
from app.ideas import service
from app.ideas.events import IdeaShipped
from app.mail import OutboxEmail
from tests.conftest import START
from tests.ideas.helpers import as_viewer, make_area, make_idea, member, wire


def _notified(db, idea) -> list[int]:
    return sorted(
        db.scalars(select(Notification.user_id).where(Notification.kind == "idea_status", Notification.topic_id == idea.topic_id))
    )


def test_author_voters_and_followers_are_told_once_and_the_actor_is_not(db, settings):
    wire(settings)
    area = make_area(db)
    author, voter, voter_and_follower, follower, bystander = (member(db) for _ in range(5))
    product = member(db, roles=("product",))
    idea = make_idea(db, settings, author=author, area=area, title="Export schedules as iCal")
    service.vote(db, settings, as_viewer(db, author), idea.id, START)  # the author also votes: still one notice
    for who in (voter, voter_and_follower, product):
        service.vote(db, settings, as_viewer(db, who), idea.id, START)
    for who in (voter_and_follower, follower):
        service.follow(db, as_viewer(db, who), idea.id, START)

    service.change_status(db, as_viewer(db, product), idea.id, status="planned", note="Coming in Q3.", now=START)

    assert _notified(db, idea) == sorted([author.id, voter.id, voter_and_follower.id, follower.id])
    note = db.scalars(select(Notification).where(Notification.user_id == voter.id)).one()
    data = json.loads(note.data)
    assert (data["status"], data["note"], data["url"]) == ("planned", "Coming in Q3.", f"/ideas/{idea.id}-{idea.slug}")
    assert note.actor_id == product.id
    assert bystander.id not in _notified(db, idea)


def test_shipping_tells_the_voters_whose_votes_just_came_back(db, settings):
    wire(settings)
    area = make_area(db)
    author, voter, product = member(db), member(db), member(db, roles=("product",))
    idea = make_idea(db, settings, author=author, area=area)
    service.vote(db, settings, as_viewer(db, voter), idea.id, START)
    service.change_status(db, as_viewer(db, product), idea.id, status="shipped", now=START)
    assert _notified(db, idea) == sorted([author.id, voter.id])


def test_emails_go_to_verified_addresses_unless_the_member_turned_them_off(db, settings):
    wire(settings)
    area = make_area(db)
    author, muted, unverified = member(db), member(db), member(db, verified=False)
    product = member(db, roles=("product",))
    idea = make_idea(db, settings, author=author, area=area, title="Holiday mode from the app")
    db.add(NotificationSetting(user_id=muted.id, kind="idea_status", email=False))
    for who in (muted, unverified):
        service.vote(db, settings, as_viewer(db, who), idea.id, START)

    service.change_status(db, as_viewer(db, product), idea.id, status="in_progress", note="Being built now.", now=START)

    emails = db.scalars(select(OutboxEmail).where(OutboxEmail.kind == "notification_idea_status")).all()
    assert [e.to_address for e in emails] == [author.email]
    assert "Holiday mode from the app" in emails[0].subject and "In progress" in emails[0].subject
    assert "Being built now." in emails[0].body_text
    assert f"/ideas/{idea.id}-{idea.slug}" in emails[0].body_text
    assert sorted(_notified(db, idea)) == sorted([author.id, muted.id, unverified.id])  # in-app is always on


def test_emails_are_written_in_the_members_language(db, settings):
    wire(settings)
    area = make_area(db)
    author = member(db)
    author.locale = "de"
    product = member(db, roles=("product",))
    idea = make_idea(db, settings, author=author, area=area)
    service.change_status(db, as_viewer(db, product), idea.id, status="declined", now=START)
    email = db.scalars(select(OutboxEmail).where(OutboxEmail.to_address == author.email)).one()
    assert "Abgelehnt" in email.subject


def test_labs_ideas_notify_only_members_who_may_still_see_them(db, settings):
    from app.accounts import service as accounts

    wire(settings)
    area = make_area(db, visibility="labs")
    author, tester = member(db, roles=("labs",)), member(db, roles=("labs",))
    product = member(db, roles=("product", "labs"))
    idea = make_idea(db, settings, author=author, area=area)
    service.vote(db, settings, as_viewer(db, tester), idea.id, START)
    accounts.revoke_role(db, tester, "labs", revoked_by_id=None, now=START)

    service.change_status(db, as_viewer(db, product), idea.id, status="planned", now=START)

    assert _notified(db, idea) == [author.id]


def test_shipping_publishes_idea_shipped_once_and_credits_the_author(db, settings):
    wire(settings)
    seen: list[IdeaShipped] = []
    subscribe(IdeaShipped, lambda session, event: seen.append(event))
    area = make_area(db)
    author, product = member(db), member(db, roles=("product",))
    idea = make_idea(db, settings, author=author, area=area)
    boss = as_viewer(db, product)
    service.change_status(db, boss, idea.id, status="shipped", now=START)
    service.change_status(db, boss, idea.id, status="in_progress", note="Rolled back", now=START)
    service.change_status(db, boss, idea.id, status="shipped", now=START)
    mine = [event for event in seen if event.idea_id == idea.id]
    assert [(e.author_id, e.by_id) for e in mine] == [(author.id, product.id)]
    db.refresh(author)
    assert author.karma == settings.karma_idea_shipped
