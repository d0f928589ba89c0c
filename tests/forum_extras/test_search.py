"""Search: ranking, highlighting, pagination, hostile queries, index upkeep and visibility."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.forum import editing, moderation, search, service
from app.forum.models import Post
from app.forum.search import search_posts
from app.web import ANONYMOUS
from tests.factories import log_in
from tests.forum_extras.helpers import member
from tests.forum_factories import as_viewer, make_category, make_reply, make_topic


@pytest.fixture
def forum(app, db):
    """The app is built first so the forum's event handlers (the indexer) are registered."""
    return db


def test_title_match_ranks_above_body_match_and_is_highlighted(forum, client):
    db = forum
    author = member(db, "ann")
    body_only = make_topic(db, author=author, title="Printer jams every morning", body="The telescope firmware is old.")
    in_title = make_topic(db, author=author, title="Telescope will not focus", body="It stays blurry at night.")
    page = search_posts(db, ANONYMOUS, "telescope")
    assert [hit.topic_id for hit in page.hits] == [in_title.id, body_only.id]
    assert page.total == 2
    assert "<mark>Telescope</mark>" in page.hits[0].title_html
    assert "<mark>telescope</mark>" in page.hits[1].snippet_html
    assert page.hits[0].url == f"/t/{in_title.id}/1"

    response = client.get("/search", params={"q": "telescope"})
    assert response.status_code == 200
    assert response.text.index(f"/t/{in_title.id}/1") < response.text.index(f"/t/{body_only.id}/1")
    assert "<mark>" in response.text


def test_replies_are_found_and_link_to_their_post(forum, client):
    db = forum
    topic = make_topic(db, author=member(db, "ann"), title="Router keeps rebooting")
    reply = make_reply(db, topic=topic, author=member(db, "ben"), body="Swap the capacitor on the mainboard.")
    data = client.get("/api/v1/search", params={"q": "capacitor"}).json()
    assert data["total"] == 1
    assert data["items"][0]["url"] == f"/t/{topic.id}/{reply.post_number}"
    assert "<mark>capacitor</mark>" in data["items"][0]["snippet_html"]


def test_results_are_paginated_with_a_total(forum, client):
    db = forum
    author = member(db, "ann")
    topic = make_topic(db, author=author, title="Bicycle questions", body="Bicycle chain skips.")
    for n in range(24):
        make_reply(db, topic=topic, author=member(db, f"rider{n}"), body=f"My bicycle does that too, case {n}.")
    first = search_posts(db, ANONYMOUS, "bicycle", page=1)
    second = search_posts(db, ANONYMOUS, "bicycle", page=2)
    assert first.total == second.total == 25
    assert (len(first.hits), len(second.hits)) == (20, 5)
    assert not {h.post_id for h in first.hits} & {h.post_id for h in second.hits}
    assert first.has_next and not second.has_next
    assert "page=2" in client.get("/search", params={"q": "bicycle"}).text


@pytest.mark.parametrize(
    "query",
    ['"unbalanced', "(open", "close)", "kettle NEAR(boil, 3)", "kettle*", "* OR AND NOT", "kettle:body",
     "'; DROP TABLE post; --", "^kettle", "-kettle", "", "   ", "Größe 東京 😀", "a" * 500],
)
def test_hostile_queries_never_break(forum, client, query):
    db = forum
    make_topic(db, author=member(db, "ann"), title="Kettle will not boil", body="Größe matters in 東京.")
    assert client.get("/search", params={"q": query}).status_code == 200
    response = client.get("/api/v1/search", params={"q": query})
    assert response.status_code == 200
    assert response.json()["total"] >= 0


def test_unicode_words_are_found(forum):
    db = forum
    topic = make_topic(db, author=member(db, "ann"), title="Café opening hours", body="Die Größe der Tasse ist klein.")
    assert [h.topic_id for h in search_posts(db, ANONYMOUS, "café").hits] == [topic.id]
    assert [h.topic_id for h in search_posts(db, ANONYMOUS, "größe").hits] == [topic.id]


def test_snippets_escape_user_text(forum, client):
    db = forum
    make_topic(
        db, author=member(db, "ann"), title="Escaping <b>tags</b> in titles",
        body="Type `<script>alert(1)</script>` and the widget breaks.",
    )
    page = search_posts(db, ANONYMOUS, "widget")
    snippet = str(page.hits[0].snippet_html)
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet
    title = str(search_posts(db, ANONYMOUS, "escaping").hits[0].title_html)
    assert "<b>" not in title and "&lt;b&gt;" in title
    assert "<script>alert" not in client.get("/search", params={"q": "widget"}).text


def test_restricted_and_hidden_posts_stay_out_of_results(forum, client, clock):
    db = forum
    labs = make_category(db, slug="labs", visibility="groups", groups=("labs",))
    members_only = make_category(db, slug="inner", visibility="members")
    tester = member(db, "tess", roles=("labs",))
    outsider = member(db, "otto")
    moderator = member(db, "mo", roles=("moderator",))
    public = make_topic(db, author=tester, title="Quasar public notes")
    secret = make_topic(db, author=tester, category=labs, title="Quasar beta firmware")
    inner = make_topic(db, author=tester, category=members_only, title="Quasar member tips")
    hidden = make_reply(db, topic=public, author=outsider, body="Quasar spam spam spam")
    moderation.hide_post(db, as_viewer(db, moderator), hidden.id, "spam", clock.now)

    def found(viewer):
        return {hit.post_id for hit in search_posts(db, viewer, "quasar").hits}

    ids = {
        name: db.scalar(select(Post.id).where(Post.topic_id == topic.id, Post.post_number == 1))
        for name, topic in (("public", public), ("secret", secret), ("inner", inner))
    }
    assert found(ANONYMOUS) == {ids["public"]}
    assert found(as_viewer(db, outsider)) == {ids["public"], ids["inner"]}
    assert found(as_viewer(db, tester)) == {ids["public"], ids["inner"], ids["secret"]}
    assert hidden.id not in found(as_viewer(db, moderator))

    log_in(client, outsider)
    page = client.get("/search", params={"q": "quasar"}).text
    assert "beta firmware" not in page and "member tips" in page
    api = client.get("/api/v1/search", params={"q": "quasar"}).json()
    assert {r["post_id"] for r in api["items"]} == {ids["public"], ids["inner"]}
    assert api["total"] == 2


def test_index_follows_edits_deletes_and_restores(forum, clock, settings):
    db = forum
    author = member(db, "ann")
    moderator = member(db, "mo", roles=("moderator",))
    topic = make_topic(db, author=author, title="Lamp flickers", body="The lamp flickers when cold.")
    reply = make_reply(db, topic=topic, author=member(db, "ben"), body="Check the ballast first.")
    clock.advance(hours=1)
    first_post_id = search_posts(db, ANONYMOUS, "lamp").hits[0].post_id
    editing.edit_post(db, settings, as_viewer(db, author), first_post_id, body="The lantern flickers when cold.",
                      title="Lantern flickers", now=clock.now)
    assert search_posts(db, ANONYMOUS, "lamp").total == 0
    assert [h.post_id for h in search_posts(db, ANONYMOUS, "lantern").hits] == [first_post_id]

    viewer = as_viewer(db, moderator)
    moderation.hide_post(db, viewer, reply.id, "test", clock.now)
    assert search_posts(db, ANONYMOUS, "ballast").total == 0
    moderation.restore_post(db, viewer, reply.id, clock.now)
    assert search_posts(db, ANONYMOUS, "ballast").total == 1
    service.delete_post(db, viewer, reply.id, clock.now)
    assert search_posts(db, ANONYMOUS, "ballast").total == 0


def test_reindex_all_repairs_a_broken_index(forum):
    db = forum
    make_topic(db, author=member(db, "ann"), title="Kayak paddles", body="Carbon or wood?")
    db.execute(text("DELETE FROM post_search"))
    assert search_posts(db, ANONYMOUS, "kayak").total == 0
    assert search.reindex_all(db) >= 1
    assert search_posts(db, ANONYMOUS, "kayak").total == 1


def test_search_page_statements_do_not_grow_with_results(forum, client, connection):
    from tests.factories import count_statements

    db = forum
    topic = make_topic(db, author=member(db, "ann"), title="Glacier hiking", body="Glacier gear list.")
    log_in(client, member(db, "viewer"))
    client.get("/search", params={"q": "glacier"})
    with count_statements(connection) as few:
        client.get("/search", params={"q": "glacier"})
    for n in range(15):
        make_reply(db, topic=topic, author=member(db, f"g{n}"), body=f"Glacier crampons, size {n}.")
    with count_statements(connection) as many:
        page = client.get("/search", params={"q": "glacier"})
    assert page.text.count('class="search-hit') == 16
    assert len(many) == len(few)
