"""Idea notifications appear in the member's in-app list and lead to the idea."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.forum.models import Notification, NotificationSetting
from app.ideas import service
from app.mail import OutboxEmail
from tests.conftest import START, post_form
from tests.factories import log_in
from tests.ideas.helpers import as_viewer, make_area, make_idea, member, wire


def test_the_notification_list_shows_an_idea_status_change(client, db, settings):
    wire(settings)
    area = make_area(db)
    author = member(db)
    idea = make_idea(db, settings, author=author, area=area, title="Pause the schedule for a day")
    service.change_status(db, as_viewer(db, member(db, roles=("product",))), idea.id, status="planned", note="Soon", now=START)
    log_in(client, author)
    page = client.get("/notifications")
    assert page.status_code == 200
    assert "Pause the schedule for a day" in page.text


def test_idea_status_lines_name_the_status_lead_to_the_idea_and_can_be_unsubscribed(client, db, settings):
    """The in-app line names the new status, opening it leads to the idea page, and the e-mail's
    one-click link turns idea e-mails off without logging in."""
    wire(settings)
    area = make_area(db)
    author = member(db)
    idea = make_idea(db, settings, author=author, area=area, title="Pause the schedule for a day")
    service.change_status(db, as_viewer(db, member(db, roles=("product",))), idea.id, status="planned", note="", now=START)

    log_in(client, author)
    assert "is now: Planned" in client.get("/notifications").text
    note_id = db.scalar(select(Notification.id).where(Notification.user_id == author.id, Notification.kind == "idea_status"))
    opened = client.get(f"/notifications/{note_id}", follow_redirects=False)
    assert opened.headers["location"].startswith(f"/ideas/{idea.id}")

    mail = db.scalar(select(OutboxEmail).where(OutboxEmail.user_id == author.id))
    link = re.search(r"/notifications/unsubscribe/\S+", mail.body_text).group(0)
    client.cookies.clear()  # the link works without logging in
    assert post_form(client, link, {}).status_code == 200
    assert db.scalar(
        select(NotificationSetting.email).where(
            NotificationSetting.user_id == author.id, NotificationSetting.kind == "idea_status"
        )
    ) is False
