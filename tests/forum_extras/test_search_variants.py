"""Search matches what people type: joined and hyphenated spellings, a word being typed, and the
ranking people expect (titles first, accepted answers before other replies). Runs on SQLite (FTS5)
and, with HEARTH_TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import pytest

from app.db import is_sqlite
from app.forum.answers import accept_answer
from app.forum.search import search_posts
from app.forum.search_terms import fts5_match_expression, postgresql_query_parts
from app.web import ANONYMOUS
from tests.forum_extras.helpers import member
from tests.forum_factories import as_viewer, make_reply, make_topic


@pytest.fixture
def forum(app, db):
    """The app is built first so the forum's event handlers (the indexer) are registered."""
    return db


def _topics(db, query: str) -> set[int]:
    return {hit.topic_id for hit in search_posts(db, ANONYMOUS, query).hits}


def test_joined_and_hyphenated_spellings_find_each_other(forum, client):
    db = forum
    ann = member(db, "ann")
    hyphen_title = make_topic(db, author=ann, title="Hub loses Wi-Fi every night", body="It drops at 2 am.")
    joined_body = make_topic(db, author=ann, title="Router settings", body="My wifi password will not save.")
    email = make_topic(db, author=ann, title="Digest never arrives", body="No e-mail since Monday.")
    assert _topics(db, "wifi") == {hyphen_title.id, joined_body.id}
    assert _topics(db, "wi-fi") == {hyphen_title.id, joined_body.id}
    assert _topics(db, "WiFi night") == {hyphen_title.id}
    assert _topics(db, "email") == {email.id}
    assert _topics(db, "e-mail monday") == {email.id}
    assert client.get("/api/v1/search", params={"q": "wifi"}).json()["total"] == 2
    page = client.get("/search", params={"q": "wifi"}).text
    assert "Hub loses Wi-Fi every night" in page and "Router settings" in page


def test_the_last_word_matches_as_a_prefix_while_typing(forum):
    db = forum
    ann = member(db, "ann")
    thermostat = make_topic(db, author=ann, title="Thermostat schedule resets", body="Every Sunday.")
    make_topic(db, author=ann, title="Kettle descaling", body="Vinegar or citric acid?")
    assert _topics(db, "thermo") == {thermostat.id}
    assert _topics(db, "sunday thermos") == {thermostat.id}
    # Only the last word is a prefix.
    assert _topics(db, "thermo sunday") == set()
    # Two letters are too few to mean anything as a prefix.
    assert _topics(db, "th") == set()


def test_titles_rank_above_bodies_and_accepted_answers_above_other_replies(forum, clock):
    db = forum
    asker, helper, other = member(db, "ann"), member(db, "ben"), member(db, "cid")
    body_only = make_topic(db, author=asker, title="Printer jams", body="Also the dehumidifier hums.")
    in_title = make_topic(db, author=asker, title="Dehumidifier hums loudly", body="Since the move.")
    assert [hit.topic_id for hit in search_posts(db, ANONYMOUS, "dehumidifier").hits][:2] == [in_title.id, body_only.id]

    question = make_topic(db, author=asker, title="Garage door opener", body="The remote stopped working.")
    plain = make_reply(db, topic=question, author=other, body="Replace the remote battery, a CR2032 cell.")
    accepted = make_reply(db, topic=question, author=helper, body="Reprogram the remote battery pairing.")
    accept_answer(db, as_viewer(db, asker), question.id, accepted.id, clock.now)
    ranked = [hit.post_id for hit in search_posts(db, ANONYMOUS, "remote battery").hits]
    assert ranked.index(accepted.id) < ranked.index(plain.id)


def test_quoted_phrases_and_operators_keep_their_meaning_on_both_databases(forum):
    db = forum
    ann = member(db, "ann")
    phrase = make_topic(db, author=ann, title="Solar panel output", body="The inverter shows a red light.")
    other = make_topic(db, author=ann, title="Light bulb flickers", body="A red cable is loose near the inverter.")
    # SQLite keeps no positions, so a phrase is its words there; PostgreSQL matches the phrase.
    found = _topics(db, '"red light"')
    assert phrase.id in found
    assert found <= {phrase.id, other.id}
    # PostgreSQL's web-search syntax excludes "-solar"; FTS5 queries take every word as a plain word.
    assert _topics(db, "inverter -solar") == ({phrase.id} if is_sqlite(db) else {other.id})


def test_query_building_stays_safe():
    assert fts5_match_expression("wi-fi rout") == '"wifi" AND ("rout" OR "rout"*)'
    assert fts5_match_expression('say "hi') == '"say" AND "hi"'
    assert fts5_match_expression("a b ") == '"a" AND "b"'
    assert fts5_match_expression('"hub wifi"') == '"hub" AND "wifi"'
    assert postgresql_query_parts("wi-fi rout") == ("wifi ", "rout")
    assert postgresql_query_parts('"wi-fi router"') == ('"wi-fi router"', None)
    assert postgresql_query_parts("cats or dogs") == ("cats or dogs", None)
    assert postgresql_query_parts("router -wifi") == ("router -wifi", None)
    assert postgresql_query_parts('open "phrase') == ('open "phrase', None)
