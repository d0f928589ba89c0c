"""Moderation: flags and their review, hiding, suspensions, new-member limits, the posting rate limit,
and that non-moderators can change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import events
from app.accounts.models import AuditEntry
from app.forum.events import FlagResolved, MemberSuspended
from app.forum.models import Flag, Post, Suspension, Topic
from app.forum.search import search_posts
from app.web import ANONYMOUS
from tests.conftest import csrf_of, post_form
from tests.factories import log_in
from tests.factories import count_statements
from tests.forum_extras.helpers import member
from tests.forum_factories import make_reply, make_topic


@pytest.fixture
def forum(app, db):
    """The app is built first so the forum's event handlers are registered."""
    return db


@pytest.fixture
def published(monkeypatch):
    """Events of the moderation kinds published during the test."""
    seen = []
    for kind in (FlagResolved, MemberSuspended):
        monkeypatch.setitem(events._handlers, kind, [*events._handlers.get(kind, []), lambda s, e: seen.append(e)])
    return seen


def api_post(client, path, json=None, token_page="/notifications"):
    return client.post(path, json=json, headers={"X-CSRF-Token": csrf_of(client, token_page)})


def test_flag_agree_hides_the_post_from_members_but_not_staff_or_author(forum, client, published):
    db = forum
    ann, ben, cleo, dave = (member(db, n) for n in ("ann", "ben", "cleo", "dave"))
    mo = member(db, "mo", roles=("moderator",))
    topic = make_topic(db, author=ann, title="Best hiking boots")
    spam = make_reply(db, topic=topic, author=ben, body="Buy cheap watches at example.com today")

    log_in(client, cleo)
    form = client.get(f"/posts/{spam.id}/flag")
    assert form.status_code == 200 and "cheap watches" in form.text
    done = post_form(client, f"/posts/{spam.id}/flag", {"reason": "spam", "note": ""}, follow_redirects=False)
    assert done.status_code == 303
    log_in(client, dave)
    assert api_post(client, f"/api/v1/posts/{spam.id}/flags", {"reason": "off_topic"}).status_code == 201

    log_in(client, mo)
    queue = client.get("/mod/flags").text
    assert queue.count("cheap watches") == 2 and "cleo" in queue and "dave" in queue
    first = db.scalar(select(Flag.id).where(Flag.flagger_id == cleo.id))
    response = post_form(client, f"/mod/flags/{first}", {"decision": "agree"}, token_from="/mod/flags",
                         follow_redirects=False)
    assert response.status_code == 303
    assert db.scalars(select(Flag.status).where(Flag.post_id == spam.id)).all() == ["agreed", "agreed"]
    assert sorted((e.flagger_id, e.agreed) for e in published) == sorted([(cleo.id, True), (dave.id, True)])
    assert "No flags are waiting" in client.get("/mod/flags").text
    assert "cheap watches" in client.get(f"/t/{topic.id}-{topic.slug}").text  # staff see the text

    log_in(client, cleo)
    page = client.get(f"/t/{topic.id}-{topic.slug}").text
    assert "cheap watches" not in page and "hidden by the moderators" in page
    log_in(client, ben)
    assert "cheap watches" in client.get(f"/t/{topic.id}-{topic.slug}").text  # the author still sees it
    assert search_posts(db, ANONYMOUS, "watches").total == 0
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "flag.agree")) == 1


def test_flag_disagree_keeps_the_post(forum, client, published):
    db = forum
    ann, cleo = member(db, "ann"), member(db, "cleo")
    mo = member(db, "mo", roles=("moderator",))
    topic = make_topic(db, author=ann, title="Lens cleaning", body="Use a microfibre cloth.")
    first_post = db.scalar(select(Post).where(Post.topic_id == topic.id))
    log_in(client, cleo)
    api_post(client, f"/api/v1/posts/{first_post.id}/flags", {"reason": "inappropriate"})
    log_in(client, mo)
    [item] = client.get("/api/v1/mod/flags").json()["items"]
    assert item["flagger"] == "cleo" and item["reason"] == "inappropriate"
    decided = api_post(client, f"/api/v1/mod/flags/{item['id']}", {"decision": "disagree"})
    assert decided.json()["status"] == "disagreed"
    assert [e.agreed for e in published] == [False]
    log_in(client, cleo)
    assert "microfibre" in client.get(f"/t/{topic.id}-{topic.slug}").text
    assert db.get(Post, first_post.id).hidden_at is None
    again = api_post(client, f"/api/v1/mod/flags/{item['id']}", {"decision": "agree"})
    assert again.status_code == 403  # cleo is no moderator; and nothing changed
    assert db.get(Post, first_post.id).hidden_at is None


def test_one_flag_per_member_never_on_own_posts_and_clear_form_errors(forum, client):
    db = forum
    ann, cleo = member(db, "ann"), member(db, "cleo")
    topic = make_topic(db, author=ann, title="Tent pegs")
    post_id = db.scalar(select(Post.id).where(Post.topic_id == topic.id))
    log_in(client, cleo)
    page = post_form(client, f"/posts/{post_id}/flag", {"reason": "other", "note": ""})
    assert page.status_code == 422 and "Tell the moderators what is wrong" in page.text
    page = post_form(client, f"/posts/{post_id}/flag", {"reason": "nonsense", "note": "my careful words"})
    assert page.status_code == 422 and "my careful words" in page.text
    assert api_post(client, f"/api/v1/posts/{post_id}/flags", {"reason": "other", "note": "Duplicate"}).status_code == 201
    second = api_post(client, f"/api/v1/posts/{post_id}/flags", {"reason": "spam"})
    assert second.status_code == 409 and "already flagged" in second.json()["error"]
    log_in(client, ann)
    own = api_post(client, f"/api/v1/posts/{post_id}/flags", {"reason": "spam"})
    assert own.status_code == 403
    assert db.scalar(select(func.count()).select_from(Flag)) == 1


def test_suspension_blocks_posting_and_flagging_until_it_ends_and_shows_a_banner(forum, client, clock, published):
    db = forum
    ann, ben = member(db, "ann"), member(db, "ben")
    mo = member(db, "mo", roles=("moderator",))
    topic = make_topic(db, author=ann, title="Canoe repair")
    post_id = db.scalar(select(Post.id).where(Post.topic_id == topic.id))
    log_in(client, mo)
    bad = post_form(client, "/mod/users/ben/suspend", {"days": "0", "reason": ""}, token_from="/mod/users/ben")
    assert bad.status_code == 422 and "Give a reason" in bad.text
    done = post_form(client, "/mod/users/ben/suspend", {"days": "2", "reason": "Repeated insults"},
                     token_from="/mod/users/ben", follow_redirects=False)
    assert done.status_code == 303
    assert "Repeated insults" in client.get("/mod/users/ben").text
    assert [(e.user_id, e.reason) for e in published] == [(ben.id, "Repeated insults")]

    log_in(client, ben)
    home = client.get("/").text
    assert "You are suspended until Mar 4, 2026, 12:00\u202fPM UTC: Repeated insults" in home
    refused = post_form(client, f"/t/{topic.id}/reply", {"body": "My carefully typed reply"},
                        token_from=f"/t/{topic.id}-{topic.slug}")
    assert refused.status_code == 403
    assert "Repeated insults" in refused.text and "My carefully typed reply" in refused.text
    assert api_post(client, f"/api/v1/posts/{post_id}/flags", {"reason": "spam"}).status_code == 403

    clock.advance(days=2, minutes=1)
    assert "You are suspended" not in client.get("/").text
    allowed = post_form(client, f"/t/{topic.id}/reply", {"body": "Back again, with a calmer reply."},
                        token_from=f"/t/{topic.id}-{topic.slug}", follow_redirects=False)
    assert allowed.status_code == 303


def test_a_moderator_can_lift_a_suspension(forum, client):
    db = forum
    ben = member(db, "ben")
    mo = member(db, "mo", roles=("moderator",))
    log_in(client, mo)
    api = api_post(client, "/api/v1/mod/users/ben/suspend", {"days": 7, "reason": "Cooling off"})
    assert api.status_code == 201 and api.json()["reason"] == "Cooling off"
    post_form(client, "/mod/users/ben/lift", {}, token_from="/mod/users/ben")
    assert db.scalar(select(Suspension.lifted_at).where(Suspension.user_id == ben.id)) is not None
    log_in(client, ben)
    assert "You are suspended" not in client.get("/").text


def test_new_members_may_start_three_topics_on_their_first_day(forum, client, clock):
    db = forum
    from tests.factories import make_user

    newbie = make_user(db, username="newbie", created_at=clock.now)
    for n in range(3):
        make_topic(db, author=newbie, title=f"First day question {n}", now=clock.now)
    log_in(client, newbie)
    category_id = db.scalar(select(Topic.category_id).where(Topic.author_id == newbie.id).limit(1))
    form = {"title": "My fourth question today", "body": "Still typing this out.", "category_id": str(category_id), "kind": "question"}
    refused = post_form(client, "/new-topic", form)
    assert refused.status_code == 429
    assert "New members can start 3 topics a day" in refused.text and "Still typing this out." in refused.text
    assert int(refused.headers["retry-after"]) == 24 * 3600
    clock.advance(hours=24)
    allowed = post_form(client, "/new-topic", form, follow_redirects=False)
    assert allowed.status_code == 303


def test_new_members_may_write_ten_replies_on_their_first_day(forum, clock, settings):
    db = forum
    from app.errors import RateLimited
    from app.forum import service
    from tests.factories import make_user
    from tests.forum_factories import as_viewer

    newbie = make_user(db, username="newbie", created_at=clock.now)
    topic = make_topic(db, author=member(db, "ann"))
    for n in range(10):
        clock.advance(minutes=5)
        make_reply(db, topic=topic, author=newbie, body=f"Reply number {n}", now=clock.now)
    clock.advance(minutes=5)
    with pytest.raises(RateLimited) as refused:
        service.create_reply(db, settings, as_viewer(db, newbie), topic_id=topic.id, body="one more", now=clock.now)
    assert "10 replies a day" in refused.value.message
    clock.advance(hours=24)
    make_reply(db, topic=topic, author=newbie, body="A day later", now=clock.now)


def test_posting_too_fast_gets_429_with_retry_after(forum, client, clock):
    db = forum
    ann, ben = member(db, "ann"), member(db, "ben")
    topic = make_topic(db, author=ann, title="Rapid fire")
    for n in range(5):
        make_reply(db, topic=topic, author=ben, body=f"Quick reply {n}", now=clock.now)
    log_in(client, ben)
    refused = post_form(client, f"/t/{topic.id}/reply", {"body": "Sixth in a minute"}, token_from=f"/t/{topic.id}-{topic.slug}")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert "posting too fast" in refused.text and "Sixth in a minute" in refused.text
    clock.advance(seconds=30)
    api = client.post(f"/api/v1/topics/{topic.id}/posts", json={"body": "Sixth via the API"},
                      headers={"X-CSRF-Token": csrf_of(client, "/notifications")})
    assert api.status_code == 429 and api.headers["retry-after"] == "30"
    assert "posting too fast" in api.json()["error"]
    clock.advance(seconds=30)
    allowed = post_form(client, f"/t/{topic.id}/reply", {"body": "Sixth, after waiting"},
                        token_from=f"/t/{topic.id}-{topic.slug}", follow_redirects=False)
    assert allowed.status_code == 303


def test_non_moderators_get_403_on_every_moderation_page_and_api(forum, client):
    db = forum
    ann, cleo = member(db, "ann"), member(db, "cleo")
    topic = make_topic(db, author=ann, title="Fishing lines")
    post_id = db.scalar(select(Post.id).where(Post.topic_id == topic.id))
    log_in(client, cleo)
    api_post(client, f"/api/v1/posts/{post_id}/flags", {"reason": "spam"})
    flag_id = db.scalar(select(Flag.id))
    token = csrf_of(client, "/notifications")
    pages = [("get", "/mod/flags", None), ("get", "/mod/users/ann", None)]
    forms = [
        (f"/mod/flags/{flag_id}", {"decision": "agree"}),
        (f"/mod/posts/{post_id}/hide", {"reason": "x"}),
        (f"/mod/posts/{post_id}/restore", {}),
        ("/mod/users/ann/suspend", {"days": "3", "reason": "x"}),
        ("/mod/users/ann/lift", {}),
    ]
    apis = [
        (f"/api/v1/mod/flags/{flag_id}", {"decision": "agree"}),
        (f"/api/v1/mod/posts/{post_id}/hide", {"reason": "x"}),
        (f"/api/v1/mod/posts/{post_id}/restore", None),
        ("/api/v1/mod/users/ann/suspend", {"days": 3, "reason": "x"}),
        ("/api/v1/mod/users/ann/lift", None),
    ]
    for _, path, _ in pages:
        assert client.get(path).status_code == 403, path
    assert client.get("/api/v1/mod/flags").status_code == 403
    for path, data in forms:
        assert client.post(path, data={**data, "csrf_token": token}).status_code == 403, path
    for path, data in apis:
        response = client.post(path, json=data, headers={"X-CSRF-Token": token})
        assert response.status_code == 403 and response.json()["error"], path
    assert db.scalar(select(Flag.status)) == "pending"
    assert db.get(Post, post_id).hidden_at is None
    assert db.scalar(select(func.count()).select_from(Suspension)) == 0
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("flag.%"))) == 0


def test_moderators_hide_and_restore_posts_with_an_audit_trail(forum, client):
    db = forum
    ann = member(db, "ann")
    mo = member(db, "mo", roles=("moderator",))
    topic = make_topic(db, author=ann, title="Compost bins", body="Turn the heap weekly.")
    post_id = db.scalar(select(Post.id).where(Post.topic_id == topic.id))
    log_in(client, mo)
    token_page = f"/t/{topic.id}-{topic.slug}"
    assert post_form(client, f"/mod/posts/{post_id}/hide", {"reason": "check"}, token_from=token_page,
                     follow_redirects=False).status_code == 303
    assert search_posts(db, ANONYMOUS, "heap").total == 0
    assert "Turn the heap" not in client.get("/api/v1/search?q=heap").text
    assert post_form(client, f"/mod/posts/{post_id}/restore", {}, token_from=token_page,
                     follow_redirects=False).status_code == 303
    assert search_posts(db, ANONYMOUS, "heap").total == 1
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == mo.id).order_by(AuditEntry.id)).all()
    assert actions == ["post.hide", "post.restore"]


def test_flag_queue_statements_do_not_grow_with_flags(forum, client, connection):
    db = forum
    mo = member(db, "mo", roles=("moderator",))
    ann = member(db, "ann")
    topic = make_topic(db, author=ann, title="Queue size")
    replies = [make_reply(db, topic=topic, author=member(db, f"w{n}")) for n in range(8)]

    def flag(post, name):
        from app.forum.moderation_flags import flag_post
        from tests.forum_factories import as_viewer

        flag_post(db, as_viewer(db, member(db, name)), post.id, "spam", "", topic.created_at)

    flag(replies[0], "f0")
    log_in(client, mo)
    client.get("/mod/flags")
    with count_statements(connection) as few:
        client.get("/mod/flags")
    for n, post in enumerate(replies[1:], start=1):
        flag(post, f"f{n}")
    with count_statements(connection) as many:
        page = client.get("/mod/flags")
    assert page.text.count("Agree and hide the post") == 8
    assert len(many) == len(few)


def test_posting_limits_judge_back_dated_work_by_its_own_moment(forum, clock, settings):
    """An import or the demo writes history in time order; posts dated after the moment being
    judged must not count against the limit at that moment."""
    from app.forum import moderation

    db = forum
    ann, ben = member(db, "ann"), member(db, "ben")
    topic = make_topic(db, author=ann, title="History in order")
    later = clock.now
    for n in range(5):
        make_reply(db, topic=topic, author=ben, body=f"Later reply {n}", now=later)
    earlier = later.replace(hour=later.hour - 2)
    moderation.check_can_post(db, settings, ben.id, earlier, "reply")  # must not raise
    with pytest.raises(Exception, match="posting too fast"):
        moderation.check_can_post(db, settings, ben.id, later, "reply")
