"""Destructive actions ask first: the button that does it sits behind a confirmation step, and
visitors see vote buttons that lead to the login page and back to the post."""

import re

from tests.factories import log_in, make_user
from tests.forum_factories import make_category, make_reply, make_topic


def _behind_confirmation(page: str, action: str) -> bool:
    """The form posting to `action` is inside a <details class="confirm"> with its own question."""
    match = re.search(r'<details class="confirm">\s*<summary[^>]*>[^<]+</summary>\s*<form method="post" action="' + re.escape(action) + r'" class="confirm-panel">.*?<p>[^<]+\?[^<]*</p>', page, re.S)
    return match is not None


def test_deleting_a_post_asks_first(client, db):
    author = make_user(db, username="wren")
    topic = make_topic(db, category=make_category(db))
    reply = make_reply(db, topic=topic, author=author)
    db.commit()
    log_in(client, author)
    assert _behind_confirmation(client.get(f"/t/{topic.id}").text, f"/p/{reply.id}/delete")


def test_removing_a_role_holder_asks_first_with_the_note_in_the_step(client, db):
    make_user(db, username="hana", roles=("helper",))
    log_in(client, make_user(db, roles=("manager",)))
    page = client.get("/ambassadors/roles").text
    assert _behind_confirmation(page, "/ambassadors/roles/helper/hana/remove")
    step = page[page.index('action="/ambassadors/roles/helper/hana/remove"'):]
    assert step.index('name="message"') < step.index("</form>")


def test_suspending_asks_first(client, db):
    make_user(db, username="target")
    log_in(client, make_user(db, roles=("moderator",)))
    page = client.get("/mod/users/target").text
    form = page[page.index('action="/mod/users/target/suspend"'):]
    form = form[: form.index("</form>")]
    assert '<details class="confirm">' in form and form.index("<summary") < form.index('type="submit"')


def test_visitors_see_vote_buttons_that_lead_to_login_and_back(client, db):
    topic = make_topic(db, category=make_category(db))
    reply = make_reply(db, topic=topic)
    db.commit()
    page = client.get(f"/t/{topic.id}").text
    assert f'class="vote-button vote-up" href="/login?next=/p/{reply.id}"' in page
    assert f'class="vote-button vote-down" href="/login?next=/p/{reply.id}"' in page
