"""The topic page offers flagging to other members and hide/restore to moderators, and they work."""

from sqlalchemy import select

from app.forum.models import Flag, Post
from tests.conftest import post_form
from tests.factories import log_in, make_user
from tests.forum_factories import make_reply, make_topic


def test_members_can_flag_others_posts_from_the_topic_page(client, db):
    author, reader = make_user(db), make_user(db)
    topic = make_topic(db, author=author)
    reply = make_reply(db, topic=topic, author=author)
    log_in(client, reader)
    page = client.get(f"/t/{topic.id}")
    assert f'href="/posts/{reply.id}/flag"' in page.text
    assert "/mod/posts/" not in page.text
    response = post_form(client, f"/posts/{reply.id}/flag", {"reason": "spam", "note": ""}, follow_redirects=False)
    assert response.status_code == 303
    assert db.scalar(select(Flag.reason).where(Flag.post_id == reply.id)) == "spam"


def test_authors_see_no_flag_link_on_their_own_post(client, db):
    author = make_user(db)
    topic = make_topic(db, author=author)
    reply = make_reply(db, topic=topic, author=author)
    log_in(client, author)
    assert f"/posts/{reply.id}/flag" not in client.get(f"/t/{topic.id}").text


def test_moderators_hide_and_restore_from_the_topic_page(client, db):
    author, moderator = make_user(db), make_user(db, roles=("moderator",))
    topic = make_topic(db, author=author)
    reply = make_reply(db, topic=topic, author=author)
    log_in(client, moderator)
    page = client.get(f"/t/{topic.id}")
    assert f'action="/mod/posts/{reply.id}/hide"' in page.text
    post_form(client, f"/mod/posts/{reply.id}/hide", {"reason": "Hidden by a moderator"}, token_from=f"/t/{topic.id}")
    db.expire_all()
    assert db.scalar(select(Post.hidden_at).where(Post.id == reply.id)) is not None
    page = client.get(f"/t/{topic.id}")
    assert f'action="/mod/posts/{reply.id}/restore"' in page.text
    post_form(client, f"/mod/posts/{reply.id}/restore", {}, token_from=f"/t/{topic.id}")
    db.expire_all()
    assert db.scalar(select(Post.hidden_at).where(Post.id == reply.id)) is None
