"""Editing: grace-period edits, revisions with who/when/old/new, the diff page, moderator reverts."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.forum import editing
from app.forum.models import Post, PostRevision, Topic
from app.forum.queries import viewer_for
from tests.conftest import make_settings, post_form
from tests.factories import log_in, make_user
from tests.forum_factories import make_reply, make_topic

SETTINGS = make_settings("sqlite://")


def _first_post(db, topic) -> Post:
    return db.scalar(select(Post).where(Post.topic_id == topic.id, Post.post_number == 1))


def test_author_edit_within_the_grace_period_makes_no_revision(client, db, clock):
    author = make_user(db)
    topic = make_topic(db, author=author, body="Teh first version", now=clock.now)
    post = _first_post(db, topic)
    log_in(client, author)
    clock.advance(seconds=200)
    response = post_form(client, f"/p/{post.id}/edit", {"body": "The first version", "title": topic.title}, follow_redirects=False)
    assert response.status_code == 303
    db.refresh(post)
    assert post.body_source == "The first version"
    assert db.scalars(select(PostRevision).where(PostRevision.post_id == post.id)).all() == []
    assert "edited" not in client.get(f"/t/{topic.id}-{topic.slug}").text.split('id="p1"')[1].split("</header>")[0]


def test_edit_after_grace_stores_a_revision_and_shows_a_diff(client, db, clock):
    author = make_user(db, username="writer")
    topic = make_topic(db, author=author, title="Printer does not print", body="The printer is offline since Monday.", now=clock.now)
    post = _first_post(db, topic)
    log_in(client, author)
    clock.advance(minutes=10)
    response = post_form(
        client, f"/p/{post.id}/edit",
        {"body": "The printer is offline since Tuesday.", "title": "Printer does not print at all"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    revision = db.scalar(select(PostRevision).where(PostRevision.post_id == post.id))
    assert (revision.number, revision.editor_id, revision.created_at) == (1, author.id, clock.now)
    assert revision.old_source == "The printer is offline since Monday."
    assert revision.new_source == "The printer is offline since Tuesday."
    assert (revision.old_title, revision.new_title) == ("Printer does not print", "Printer does not print at all")
    db.refresh(topic)
    assert topic.title == "Printer does not print at all" and topic.slug == "printer-does-not-print-at-all"
    page = client.get(f"/t/{topic.id}-{topic.slug}").text
    assert f'href="/p/{post.id}/revisions"' in page
    history = client.get(f"/p/{post.id}/revisions").text
    assert "<del>Monday.</del>" in history and "<ins>Tuesday.</ins>" in history
    assert re.search(r"<ins>\s*at all</ins>", history)
    assert "writer" in history


def test_diff_escapes_markup():
    diff = editing.word_diff("<b>old</b> text", "<script>new</script> text")
    assert "<script>" not in diff and "&lt;script&gt;" in diff


def test_others_cannot_edit_and_nothing_changes(client, db, clock):
    topic = make_topic(db, body="Original words", now=clock.now)
    post = _first_post(db, topic)
    log_in(client, make_user(db))
    response = post_form(client, f"/p/{post.id}/edit", {"body": "Vandalised"}, token_from=f"/t/{topic.id}-{topic.slug}")
    assert response.status_code == 403
    db.refresh(post)
    assert post.body_source == "Original words"


def test_moderator_edits_any_post_and_reverts_to_a_revision(client, db, clock):
    author = make_user(db)
    topic = make_topic(db, author=author, now=clock.now)
    reply = make_reply(db, topic=topic, author=author, body="Version zero", now=clock.now)
    author_viewer = viewer_for(db, author.id)
    clock.advance(hours=1)
    editing.edit_post(db, SETTINGS, author_viewer, reply.id, body="Version one", now=clock.now)
    clock.advance(hours=1)
    editing.edit_post(db, SETTINGS, author_viewer, reply.id, body="Version two with spam", now=clock.now)
    moderator = make_user(db, roles=("moderator",))
    log_in(client, moderator)
    history = client.get(f"/p/{reply.id}/revisions").text
    assert "Revert to this version" in history
    clock.advance(minutes=5)
    response = post_form(client, f"/p/{reply.id}/revert", {"version": "1"}, token_from=f"/p/{reply.id}/revisions", follow_redirects=False)
    assert response.status_code == 303
    db.refresh(reply)
    assert reply.body_source == "Version one" and "Version one" in reply.body_html
    latest = db.scalar(select(PostRevision).where(PostRevision.post_id == reply.id).order_by(PostRevision.number.desc()))
    assert (latest.number, latest.reverted_to, latest.editor_id) == (3, 1, moderator.id)
    assert latest.old_source == "Version two with spam"
    # back to the original as first posted
    post_form(client, f"/p/{reply.id}/revert", {"version": "0"}, token_from=f"/p/{reply.id}/revisions")
    db.refresh(reply)
    assert reply.body_source == "Version zero"
    # a moderator edits someone else's post directly
    editing.edit_post(db, SETTINGS, viewer_for(db, moderator.id), reply.id, body="Cleaned by a moderator", now=clock.advance(minutes=1))
    db.refresh(reply)
    assert reply.body_source == "Cleaned by a moderator" and reply.edit_count == 5


def test_members_cannot_revert(client, db, clock):
    author = make_user(db)
    topic = make_topic(db, author=author, now=clock.now)
    post = _first_post(db, topic)
    editing.edit_post(db, SETTINGS, viewer_for(db, author.id), post.id, body="changed later", now=clock.advance(hours=1))
    log_in(client, author)
    response = post_form(client, f"/p/{post.id}/revert", {"version": "0"}, token_from=f"/p/{post.id}/revisions")
    assert response.status_code == 403
    db.refresh(post)
    assert post.body_source == "changed later"


def test_edit_form_errors_keep_the_text(client, db, clock):
    author = make_user(db)
    topic = make_topic(db, author=author, now=clock.now)
    post = _first_post(db, topic)
    log_in(client, author)
    response = post_form(client, f"/p/{post.id}/edit", {"body": "Kept text", "title": "no"})
    assert response.status_code == 422
    assert "Kept text" in response.text
    assert db.get(Topic, topic.id).title == topic.title
