"""Karma over HTTP: vote buttons and API, history, leaderboards, badges, voting flags, admin settings."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.accounts.models import UserVisit
from app.forum import answers as forum_answers
from app.forum.models import Post, PostVote
from app.forum.queries import viewer_for
from app.forum.votes import cast_vote
from app.karma import jobs
from tests.conftest import csrf_of, post_form
from tests.factories import count_statements, log_in
from tests.forum_factories import make_category
from tests.karma.helpers import answer, karma_of, member, question


def _reply(db, clock, author=None, asker=None, category=None):
    topic = question(db, asker or member(db), now=clock.now, category=category)
    return topic, answer(db, topic, author or member(db), now=clock.advance(minutes=3))


def test_vote_buttons_cast_change_and_withdraw_and_redirect_to_the_post(client, db, clock):
    topic, reply = _reply(db, clock)
    voter = member(db, "voter", karma=60)
    log_in(client, voter)
    page = f"/t/{topic.id}/{reply.post_number}"
    response = post_form(client, f"/p/{reply.id}/vote", {"value": "up"}, token_from=page, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/t/{topic.id}/2#p2"
    assert db.scalar(select(Post.score).where(Post.id == reply.id)) == 1
    post_form(client, f"/p/{reply.id}/vote", {"value": "down"}, token_from=page, follow_redirects=False)
    assert db.scalar(select(Post.score).where(Post.id == reply.id)) == -1
    post_form(client, f"/p/{reply.id}/vote", {"value": "none"}, token_from=page, follow_redirects=False)
    assert db.scalar(select(Post.score).where(Post.id == reply.id)) == 0
    # Pressing the button of the vote already cast withdraws it.
    post_form(client, f"/p/{reply.id}/vote", {"value": "up"}, token_from=page, follow_redirects=False)
    post_form(client, f"/p/{reply.id}/vote", {"value": "up"}, token_from=page, follow_redirects=False)
    assert db.scalar(select(Post.score).where(Post.id == reply.id)) == 0
    assert db.scalar(select(PostVote.value).where(PostVote.post_id == reply.id)) == 0


def test_self_vote_by_form_is_a_403_with_a_clear_message(client, db, clock):
    author = member(db, "selfish")
    topic, reply = _reply(db, clock, author=author)
    log_in(client, author)
    response = post_form(client, f"/p/{reply.id}/vote", {"value": "up"}, token_from=f"/t/{topic.id}/2")
    assert response.status_code == 403
    assert "You cannot vote on your own posts." in response.text
    assert karma_of(db, author) == 0


def test_vote_api_shape_and_errors(client, db, clock):
    author = member(db, "answerer")
    _topic, reply = _reply(db, clock, author=author)
    voter = member(db, "apivoter")
    log_in(client, voter)
    token = csrf_of(client, "/")
    headers = {"X-CSRF-Token": token}
    response = client.post(f"/api/v1/posts/{reply.id}/vote", json={"value": 1}, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"post_id": reply.id, "value": 1, "score": 1, "changed": True}
    denied = client.post(f"/api/v1/posts/{reply.id}/vote", json={"value": -1}, headers=headers)
    assert denied.status_code == 403
    assert denied.json()["error"].startswith("You need 50 karma to downvote; you have 0.")
    bad = client.post(f"/api/v1/posts/{reply.id}/vote", json={"value": 5}, headers=headers)
    assert bad.status_code == 422 and bad.json()["detail"] == {"value": "A vote is +1, -1 or 0."}
    missing = client.post("/api/v1/posts/987654/vote", json={"value": 1}, headers=headers)
    assert missing.status_code == 404
    assert karma_of(db, author) == 10


def test_anonymous_votes_are_refused(client, db, clock):
    _topic, reply = _reply(db, clock)
    response = client.post(f"/api/v1/posts/{reply.id}/vote", json={"value": 1}, headers={"X-CSRF-Token": csrf_of(client, "/login")})
    assert response.status_code == 401


def test_history_explains_each_change_and_hides_posts_the_viewer_may_not_see(client, db, clock):
    helper = member(db, "helper", roles=("labs",))
    public_topic, public_reply = _reply(db, clock, author=helper)
    labs = make_category(db, visibility="groups", groups=("labs",))
    insider = member(db, roles=("labs",))
    labs_topic, labs_reply = _reply(db, clock, author=helper, asker=insider, category=labs)
    voter = member(db, roles=("labs",))
    cast_vote(db, client.app.state.settings, voter_id=voter.id, post_id=public_reply.id, value=1, now=clock.now)
    cast_vote(db, client.app.state.settings, voter_id=voter.id, post_id=labs_reply.id, value=1, now=clock.now)
    cast_vote(db, client.app.state.settings, voter_id=voter.id, post_id=public_reply.id, value=0, now=clock.advance(minutes=1))
    page = client.get("/u/helper/karma")
    assert page.status_code == 200
    assert "Upvote on your post" in page.text
    assert "Reversed: the vote was withdrawn" in page.text
    assert f'href="/t/{public_topic.id}/2"' in page.text
    assert f"/t/{labs_topic.id}/2" not in page.text and labs_topic.title not in page.text
    # The labs vote is not listed at all: a placeholder would tell that a hidden post exists.
    assert page.text.count("class=\"karma-delta") == 2  # the withdrawal and the public upvote
    assert "cannot see" not in page.text and "a removed post" not in page.text
    assert [e["reason"] for e in client.get("/api/v1/users/helper/karma").json()["entries"]["items"]] == ["vote_withdrawn", "upvote"]
    assert "Level 1: Newcomer" in page.text
    log_in(client, insider)
    assert f'href="/t/{labs_topic.id}/2"' in client.get("/u/helper/karma").text
    api = client.get("/api/v1/users/helper/karma").json()
    assert api["karma"] == 10 and api["level"] == {"number": 1, "name": "Newcomer", "next_at": 50}
    assert [entry["reason"] for entry in api["entries"]["items"]] == ["vote_withdrawn", "upvote", "upvote"]
    assert api["entries"]["items"][0]["reverses_id"] == api["entries"]["items"][2]["id"]
    assert api["entries"]["items"][1]["post_url"] == f"/t/{labs_topic.id}/2"
    assert client.get("/api/v1/users/nobody-here/karma").status_code == 404


def test_history_page_is_translated(client, db, clock):
    member(db, "gast")
    page = client.get("/u/gast/karma", headers={"Accept-Language": "de"})
    assert "Karma von" in page.text and "Noch kein Karma." in page.text


def test_leaderboard_periods_exclusions_and_switch(client, db, clock):
    old_star = member(db, "oldstar")
    new_star = member(db, "newstar")
    admin = member(db, "boss", roles=("admin",))
    _t, old_reply = _reply(db, clock, author=old_star)
    settings = client.app.state.settings
    for _ in range(3):
        cast_vote(db, settings, voter_id=member(db).id, post_id=old_reply.id, value=1, now=clock.now - timedelta(days=40))
    _t, new_reply = _reply(db, clock, author=new_star)
    cast_vote(db, settings, voter_id=member(db).id, post_id=new_reply.id, value=1, now=clock.now)
    cast_vote(db, settings, voter_id=admin.id, post_id=new_reply.id, value=1, now=clock.now)
    _t, staff_reply = _reply(db, clock, author=admin)
    for _ in range(5):
        cast_vote(db, settings, voter_id=member(db).id, post_id=staff_reply.id, value=1, now=clock.now)

    week = client.get("/api/v1/leaderboard?period=week").json()
    assert [row["username"] for row in week["entries"]["items"]] == ["boss", "newstar"]
    everyone = client.get("/api/v1/leaderboard?period=all").json()
    assert [(row["username"], row["karma"]) for row in everyone["entries"]["items"]] == [("boss", 50), ("oldstar", 30), ("newstar", 20)]
    assert client.get("/api/v1/leaderboard?period=decade").status_code == 422
    assert "Newstar" in client.get("/leaderboard?period=week").text

    log_in(client, admin)
    saved = post_form(client, "/admin/karma", {"enabled": "on", "excluded": ["admin"]}, follow_redirects=False)
    assert saved.status_code == 303
    assert [row["username"] for row in client.get("/api/v1/leaderboard?period=all").json()["entries"]["items"]] == ["oldstar", "newstar"]
    post_form(client, "/admin/karma", {"excluded": ["admin"]})
    assert "Leaderboards are turned off; only admins see this page." in client.get("/leaderboard").text
    client.post("/logout", data={"csrf_token": csrf_of(client, "/")})
    off = client.get("/leaderboard")
    assert off.status_code == 404 and "Leaderboards are turned off on this site." in off.text
    assert client.get("/api/v1/leaderboard").status_code == 404


def test_only_admins_change_karma_settings(client, db):
    log_in(client, member(db, "plain"))
    assert client.get("/admin/karma").status_code == 403


def test_badges_are_awarded_by_the_job_and_shown(client, db, clock):
    asker, helper = member(db, "asker"), member(db, "badger")
    topic = question(db, asker, now=clock.now)
    reply = answer(db, topic, helper, now=clock.advance(minutes=3))
    forum_answers.accept_answer(db, viewer_for(db, asker.id), topic.id, reply.id, clock.now)
    for offset in range(100):
        db.add(UserVisit(user_id=helper.id, day=date(2025, 1, 1) + timedelta(days=offset), posts_read=0, derived=False))
    db.add(UserVisit(user_id=asker.id, day=date(2025, 1, 1), posts_read=0, derived=False))
    db.flush()
    summary = jobs.job(db, clock.now, client.app.state.settings)
    assert summary["badges_awarded"] == 2
    assert jobs.job(db, clock.now, client.app.state.settings)["badges_awarded"] == 0
    page = client.get("/u/badger/badges")
    assert "First accepted answer" in page.text and "Faithful visitor" in page.text
    assert "First accepted answer" not in client.get("/u/asker/badges").text
    profile = client.get("/u/badger").text  # the profile page shows karma, level and badges too
    assert "First accepted answer" in profile and "Faithful visitor" in profile
    assert 'href="/u/badger/karma">15<' in profile  # +15 for the accepted answer
    assert "First accepted answer" not in client.get("/u/asker").text


def test_voting_flags_page_is_for_staff(client, db, clock):
    fan, target = member(db, "fan"), member(db, "target")
    topic = question(db, member(db), now=clock.now)
    posts = [answer(db, topic, target, now=clock.advance(minutes=2)).id for _ in range(10)]
    for post_id in posts:
        cast_vote(db, client.app.state.settings, voter_id=fan.id, post_id=post_id, value=1, now=clock.advance(minutes=1))
    jobs.job(db, clock.advance(hours=1), client.app.state.settings)
    log_in(client, member(db, "someone"))
    assert client.get("/mod/karma-flags").status_code == 403
    log_in(client, member(db, "mod", roles=("moderator",)))
    page = client.get("/mod/karma-flags")
    assert page.status_code == 200
    assert "Serial voting" in page.text
    assert "Fan voted 10 times on posts by Target within 24 hours (10 up, 0 down)." in page.text
    assert "100 karma reversed" in page.text
    history = client.get("/u/target/karma").text
    assert "Reversed: serial voting between two accounts" in history


def test_history_and_leaderboard_statements_do_not_grow_with_rows(client, db, clock, connection):
    few, many = member(db, "few"), member(db, "many")
    topic = question(db, member(db), now=clock.now)
    for author, count in ((few, 1), (many, 12)):
        for _ in range(count):
            reply = answer(db, topic, author, now=clock.advance(minutes=2))
            cast_vote(db, client.app.state.settings, voter_id=member(db).id, post_id=reply.id, value=1, now=clock.now)
    client.get("/")
    counts = []
    for path in ("/u/few/karma", "/u/many/karma", "/leaderboard?period=all"):
        with count_statements(connection) as statements:
            assert client.get(path).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_topic_page_shows_vote_buttons_to_other_members_only(client, db, clock):
    author = member(db, "writer")
    topic, reply = _reply(db, clock, author=author)
    log_in(client, member(db, "reader"))
    page = client.get(f"/t/{topic.id}-{topic.slug}")
    assert f'action="/p/{reply.id}/vote"' in page.text
    post_form(client, f"/p/{reply.id}/vote", {"value": "up"}, token_from=f"/t/{topic.id}-{topic.slug}")
    page = client.get(f"/t/{topic.id}-{topic.slug}")
    assert '<span class="vote-score" aria-label="Score">1</span>' in page.text
    log_in(client, author)
    page = client.get(f"/t/{topic.id}-{topic.slug}")
    assert f'action="/p/{reply.id}/vote"' not in page.text


def test_topic_page_shows_the_viewers_own_vote_as_pressed(client, db, clock):
    topic, reply = _reply(db, clock)
    voter = member(db, "presser", karma=60)
    log_in(client, voter)
    page = f"/t/{topic.id}-{topic.slug}"
    assert 'vote-up is-active' not in client.get(page).text
    post_form(client, f"/p/{reply.id}/vote", {"value": "up"}, token_from=page, follow_redirects=False)
    shown = client.get(page).text
    block = shown[shown.index(f'id="vote-{reply.id}"'):]
    assert 'vote-up is-active' in block[: block.index("</div>")]
    assert 'aria-pressed="true"' in block[: block.index("</div>")]
