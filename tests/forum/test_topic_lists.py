"""Topic lists page by keyset: next/previous links continue from the rows shown, pinned topics first."""

from __future__ import annotations

import re

from app.forum import service
from app.forum.queries import viewer_for

from tests.factories import count_statements, make_user
from tests.forum_factories import make_category, make_reply, make_topic

TITLE_RE = re.compile(r"Topic number (\d+) about heating")
NEXT_RE = re.compile(r'<a rel="next" href="([^"]+)"')
PREV_RE = re.compile(r'<a rel="prev" href="([^"]+)"')


def _numbers(html: str) -> list[int]:
    return [int(n) for n in TITLE_RE.findall(html)]


def _href(pattern, html: str) -> str | None:
    match = pattern.search(html)
    return match.group(1).replace("&amp;", "&") if match else None


def _topics(db, clock, category, count: int):
    return [
        make_topic(db, category=category, title=f"Topic number {n} about heating", now=clock.advance(minutes=1))
        for n in range(count)
    ]


def test_front_page_walks_forward_and_back_without_repeating_or_skipping(client, db, clock):
    category = make_category(db, slug="heating")
    _topics(db, clock, category, 65)
    first = client.get("/").text
    assert _numbers(first) == list(range(64, 34, -1))
    assert _href(PREV_RE, first) is None
    second_url = _href(NEXT_RE, first)
    assert second_url.startswith("/?after=") and second_url.endswith("&page=2")
    second = client.get(second_url).text
    assert _numbers(second) == list(range(34, 4, -1))
    third = client.get(_href(NEXT_RE, second)).text
    assert _numbers(third) == [4, 3, 2, 1, 0]
    assert _href(NEXT_RE, third) is None
    back = client.get(_href(PREV_RE, third)).text
    assert _numbers(back) == list(range(34, 4, -1))
    assert _href(PREV_RE, back) == "/"


def test_a_reply_moves_its_topic_to_the_top_and_old_page_links_still_work(client, db, clock):
    category = make_category(db, slug="heating")
    topics = _topics(db, clock, category, 40)
    first = client.get("/").text
    second_url = _href(NEXT_RE, first)
    make_reply(db, topic=topics[0], now=clock.advance(minutes=1))
    assert _numbers(client.get("/").text)[0] == 0
    # the next page continues after the last topic the reader saw, whatever moved meanwhile
    assert _numbers(client.get(second_url).text) == list(range(9, 0, -1))


def test_category_page_lists_pinned_topics_first_across_pages(client, db, clock):
    category = make_category(db, slug="heating")
    topics = _topics(db, clock, category, 35)
    moderator = viewer_for(db, make_user(db, roles=("moderator",)).id)
    service.set_pinned(db, moderator, topics[3].id, True)
    first = client.get("/c/heating").text
    assert _numbers(first)[:2] == [3, 34]
    second = client.get(_href(NEXT_RE, first)).text
    assert _numbers(second) == [5, 4, 2, 1, 0]


def test_unanswered_and_solved_lists_page_by_keyset_too(client, db, clock):
    category = make_category(db, slug="heating")
    topics = _topics(db, clock, category, 33)
    make_reply(db, topic=topics[32], now=clock.advance(minutes=1))  # answered by someone else
    page = client.get("/unanswered").text
    assert 32 not in _numbers(page) and len(_numbers(page)) == 30
    assert _numbers(client.get(_href(NEXT_RE, page)).text) == [1, 0]


def test_a_broken_page_link_gets_a_clear_error(client, db):
    response = client.get("/?after=yesterday")
    assert response.status_code == 422
    assert "This page link is broken" in response.text
    api = client.get("/api/v1/topics?after=0-99999999999999999999-1")
    assert api.status_code == 422 and api.json()["error"]


def test_a_deep_page_costs_the_statements_of_the_first(client, db, clock, connection):
    category = make_category(db, slug="heating")
    _topics(db, clock, category, 65)
    client.get("/")
    with count_statements(connection) as first:
        html = client.get("/").text
    url = _href(NEXT_RE, client.get(_href(NEXT_RE, html)).text)
    with count_statements(connection) as deep:
        assert client.get(url).status_code == 200
    assert len(first) == len(deep)
