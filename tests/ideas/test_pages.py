"""The idea board in the browser: propose, vote, run an idea to shipped, roadmap, merges, CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from app.forum.models import Notification, Topic
from app.ideas import service
from app.ideas.models import Idea, IdeaStatusChange
from tests.conftest import START, post_form
from tests.factories import log_in
from tests.ideas.helpers import as_viewer, make_area, make_idea, member, wire


@pytest.fixture
def area(db, settings):
    wire(settings)
    return make_area(db, name="Mobile app")


def _browser(app, user) -> TestClient:
    browser = TestClient(app, base_url="http://testserver")
    log_in(browser, user)
    return browser


def test_a_member_proposes_an_idea_and_it_gets_its_own_thread(app, client, db, area):
    author = member(db, username="alice")
    log_in(client, author)
    response = post_form(
        client, "/ideas/new",
        {"area_id": str(area.id), "title": "Show the outdoor temperature", "description": "Next to the **room** temperature."},
        follow_redirects=False,
    )
    assert response.status_code == 303
    idea = db.scalars(select(Idea).where(Idea.author_id == author.id)).one()
    assert response.headers["location"] == f"/ideas/{idea.id}-show-the-outdoor-temperature"
    topic = db.get(Topic, idea.topic_id)
    assert (topic.title, topic.category_id) == ("Show the outdoor temperature", area.category_id)

    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert "Next to the <strong>room</strong> temperature." in page.text
    assert f'href="/t/{idea.topic_id}"' in page.text
    assert "You have 10 of 10 votes left." in page.text


def test_a_failed_proposal_comes_back_with_what_was_typed(client, db, area):
    log_in(client, member(db))
    response = post_form(client, "/ideas/new", {"area_id": str(area.id), "title": "Hm", "description": "Keep this text"})
    assert response.status_code == 422
    assert "Keep this text</textarea>" in response.text
    assert 'aria-describedby="e-title' in response.text and "at least 5 characters" in response.text
    assert db.scalar(select(func.count()).select_from(Idea)) == 0


def test_proposing_needs_an_account(client):
    response = client.get("/ideas/new", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_product_team_runs_an_idea_to_shipped_and_voters_hear_about_it(app, client, db, settings, area):
    author, voter, product = member(db, username="author"), member(db, username="voter"), member(db, username="pm", roles=("product",))
    idea = make_idea(db, settings, author=author, area=area, title="Geofencing for two phones")

    voting = _browser(app, voter)
    assert post_form(voting, f"/ideas/{idea.id}/vote", {}, token_from=f"/ideas/{idea.id}", follow_redirects=False).status_code == 303
    assert "You have 9 of 10 votes left." in voting.get(f"/ideas/{idea.id}-{idea.slug}").text

    managing = _browser(app, product)
    for status, note in (("under_review", ""), ("planned", "Scheduled for spring."), ("in_progress", ""), ("shipped", "Out in 6.1!")):
        response = post_form(managing, f"/ideas/{idea.id}/status", {"status": status, "note": note}, token_from=f"/ideas/{idea.id}",
                             follow_redirects=False)
        assert response.status_code == 303, response.text

    page = voting.get(f"/ideas/{idea.id}-{idea.slug}").text
    assert "Out in 6.1!" in page and "Scheduled for spring." in page and "Voting closed" in page
    assert "You have 10 of 10 votes left." in page
    notes = db.scalars(select(Notification.kind).where(Notification.user_id == voter.id)).all()
    assert notes == ["idea_status"] * 4
    db.refresh(author)
    assert author.karma == settings.karma_idea_shipped
    roadmap = client.get("/ideas/roadmap").text
    assert roadmap.index("Shipped") < roadmap.index("Geofencing for two phones")


def test_a_member_cannot_change_a_status_and_nothing_changes(app, db, settings, area):
    author = member(db)
    idea = make_idea(db, settings, author=author, area=area)
    browser = _browser(app, author)
    response = post_form(browser, f"/ideas/{idea.id}/status", {"status": "planned", "note": "mine"}, token_from=f"/ideas/{idea.id}")
    assert response.status_code == 403
    db.expire_all()
    assert db.get(Idea, idea.id).status == "open"
    assert db.scalar(select(func.count()).select_from(IdeaStatusChange).where(IdeaStatusChange.idea_id == idea.id)) == 1
    assert db.scalar(select(func.count()).select_from(Notification).where(Notification.kind == "idea_status")) == 0
    assert "Change status" not in browser.get(f"/ideas/{idea.id}-{idea.slug}").text


def test_a_used_up_budget_is_explained_and_nothing_is_saved(app, db, database_url, area):
    from tests.conftest import make_settings

    small = make_settings(database_url, idea_vote_budget=1)
    app.state.settings = small
    author, voter = member(db), member(db)
    first, second = make_idea(db, small, author=author, area=area), make_idea(db, small, author=author, area=area)
    service.vote(db, small, as_viewer(db, voter), first.id, START)
    browser = _browser(app, voter)
    response = post_form(browser, f"/ideas/{second.id}/vote", {}, token_from=f"/ideas/{second.id}")
    assert response.status_code == 409
    assert "You have used all 1 of your votes." in response.text
    db.expire_all()
    assert db.get(Idea, second.id).vote_count == 0


def test_board_orders_by_top_new_and_trending(client, db, settings, area, clock):
    old_favourite = make_idea(db, settings, author=member(db), area=area, title="Old favourite idea", now=START - timedelta(days=90))
    rising = make_idea(db, settings, author=member(db), area=area, title="Rising new idea", now=START - timedelta(days=5))
    newest = make_idea(db, settings, author=member(db), area=area, title="Newest quiet idea", now=START - timedelta(days=1))
    for _ in range(3):
        service.vote(db, settings, as_viewer(db, member(db)), old_favourite.id, START - timedelta(days=60))
    for _ in range(2):
        service.vote(db, settings, as_viewer(db, member(db)), rising.id, START - timedelta(days=2))

    def order(query: str) -> list[str]:
        text = client.get(f"/ideas?{query}").text
        titles = ["Old favourite idea", "Rising new idea", "Newest quiet idea"]
        return sorted((t for t in titles if t in text), key=text.index)

    assert order("sort=top") == ["Old favourite idea", "Rising new idea", "Newest quiet idea"]
    assert order("sort=new") == ["Newest quiet idea", "Rising new idea", "Old favourite idea"]
    assert order("sort=trending")[0] == "Rising new idea"
    service.change_status(db, as_viewer(db, member(db, roles=("product",))), newest.id, status="planned", now=START)
    assert order("status=planned") == ["Newest quiet idea"]


def test_a_merged_idea_points_to_the_idea_it_went_into(client, db, settings, area):
    author = member(db)
    target = make_idea(db, settings, author=author, area=area, title="Dark mode everywhere")
    duplicate = make_idea(db, settings, author=author, area=area, title="Night theme request")
    service.merge(db, as_viewer(db, member(db, roles=("product",))), duplicate.id, target.id, START)
    page = client.get(f"/ideas/{duplicate.id}-{duplicate.slug}")
    assert page.status_code == 200
    assert "This idea was merged into “Dark mode everywhere”" in page.text
    assert f'href="/ideas/{target.id}-{target.slug}"' in page.text
    assert "Night theme request" not in client.get("/ideas").text
    assert "Night theme request" in client.get(f"/ideas/{target.id}-{target.slug}").text  # listed as merged duplicate


def test_merging_in_the_browser_by_idea_number(app, db, settings, area):
    author = member(db)
    target = make_idea(db, settings, author=author, area=area)
    duplicate = make_idea(db, settings, author=author, area=area)
    browser = _browser(app, member(db, roles=("product",)))
    response = post_form(browser, f"/ideas/{duplicate.id}/merge", {"target_id": f"#{target.id}"}, token_from=f"/ideas/{duplicate.id}",
                         follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/ideas/{target.id}-{target.slug}"
    bad = post_form(browser, f"/ideas/{target.id}/merge", {"target_id": str(target.id)}, token_from=f"/ideas/{target.id}")
    assert bad.status_code == 422 and "cannot be merged into itself" in bad.text


def test_short_idea_links_redirect_to_the_canonical_page(client, db, settings, area):
    idea = make_idea(db, settings, author=member(db), area=area, title="Short links please")
    response = client.get(f"/ideas/{idea.id}", follow_redirects=False)
    assert response.status_code == 301 and response.headers["location"] == f"/ideas/{idea.id}-short-links-please"
    assert client.get("/ideas/999999").status_code == 404


def test_labs_ideas_are_visible_only_to_labs_members(app, client, db, settings):
    wire(settings)
    labs = make_area(db, visibility="labs", name="Beta thermostat")
    idea = make_idea(db, settings, author=member(db, roles=("labs",)), area=labs, title="Secret beta feature idea")
    outsider = _browser(app, member(db))
    insider = _browser(app, member(db, roles=("labs",)))
    for browser, visible in ((client, False), (outsider, False), (insider, True)):
        assert ("Secret beta feature idea" in browser.get("/ideas").text) is visible
        assert browser.get(f"/ideas/{idea.id}-{idea.slug}").status_code == (200 if visible else 404)
        assert browser.get(f"/api/v1/ideas/{idea.id}").status_code == (200 if visible else 404)


def test_csv_export_round_trips_with_the_right_counts(app, db, settings, area):
    tricky = 'Sync with "Google Home", Alexa, and HomeKit'
    first = make_idea(db, settings, author=member(db, username="csvauthor"), area=area, title=tricky)
    second = make_idea(db, settings, author=member(db), area=area, title="=HYPERLINK(evil)")
    for _ in range(3):
        service.vote(db, settings, as_viewer(db, member(db)), first.id, START)
    service.vote(db, settings, as_viewer(db, member(db)), second.id, START)
    product = as_viewer(db, member(db, roles=("product",)))
    service.change_status(db, product, second.id, status="declined", now=START)

    response = _browser(app, member(db, roles=("product",))).get("/ideas/export.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = {int(row["id"]): row for row in csv.DictReader(io.StringIO(response.text))}
    assert rows[first.id]["title"] == tricky
    assert (rows[first.id]["votes"], rows[first.id]["active_votes"], rows[first.id]["status"]) == ("3", "3", "open")
    assert (rows[first.id]["author"], rows[first.id]["area"]) == ("csvauthor", "Mobile app")
    assert (rows[second.id]["votes"], rows[second.id]["active_votes"], rows[second.id]["status"]) == ("1", "0", "declined")
    assert rows[second.id]["title"] == "'=HYPERLINK(evil)"  # spreadsheets must not run it

    assert _browser(app, member(db)).get("/ideas/export.csv").status_code == 403


@pytest.mark.parametrize("path", ["/ideas", "/ideas?sort=trending", "/ideas/roadmap", "IDEA"])
def test_pages_issue_the_same_number_of_statements_for_few_and_many_ideas(app, db, engine, settings, area, path):
    viewer = member(db)
    browser = _browser(app, viewer)
    product = as_viewer(db, member(db, roles=("product",)))

    def add(n: int):
        made = []
        for _ in range(n):
            idea = make_idea(db, settings, author=member(db), area=area)
            service.vote(db, settings, as_viewer(db, viewer), idea.id, START)
            service.change_status(db, product, idea.id, status="planned", note="Soon", now=START)
            made.append(idea)
        return made

    def statements(url: str) -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert browser.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    ideas = add(2)
    url = f"/ideas/{ideas[0].id}-{ideas[0].slug}" if path == "IDEA" else path
    statements(url)  # the first request of the day also records the visit
    few = statements(url)
    more = add(8)
    if path == "IDEA":  # eight merged duplicates on the idea's page
        for idea in more:
            service.merge(db, product, idea.id, ideas[0].id, START)
    assert statements(url) == few


def test_the_product_team_opens_a_labs_area_with_a_restricted_category(app, db, settings):
    from app.forum.models import Category
    from app.ideas.models import IdeaArea

    wire(settings)
    browser = _browser(app, member(db, roles=("product",)))
    response = post_form(browser, "/ideas/areas", {"name": "Beta heat pumps", "slug": "beta-heat", "visibility": "labs"},
                         follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/ideas?area=beta-heat"
    area = db.scalars(select(IdeaArea).where(IdeaArea.slug == "beta-heat")).one()
    category = db.get(Category, area.category_id)
    assert (category.slug, category.visibility) == ("ideas-beta-heat", "groups")
    again = post_form(browser, "/ideas/areas", {"name": "Other", "slug": "beta-heat", "visibility": "public"})
    assert again.status_code == 422 and "already uses this slug" in again.text and 'value="Other"' in again.text
    assert _browser(app, member(db)).get("/ideas/areas").status_code == 403
