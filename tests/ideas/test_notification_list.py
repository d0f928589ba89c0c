"""Idea notifications appear in the member's in-app list and lead to the idea."""

from __future__ import annotations

from app.ideas import service
from tests.conftest import START
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
