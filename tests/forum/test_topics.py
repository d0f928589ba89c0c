"""Topics, replies, lists, pagination, tags, pin/lock/move, quotes, preview and cached counters."""

from __future__ import annotations

import random
import re
from datetime import timedelta

from sqlalchemy import select

from app.forum import counters, service
from app.forum.models import Post, Tag, Topic
from app.forum.queries import viewer_for
from tests.conftest import make_settings, post_form
from tests.factories import log_in, make_user
from tests.forum_factories import make_category, make_reply, make_topic


def test_member_asks_a_question_through_the_form_and_sees_it_listed(client, db):
    category = make_category(db, slug="billing", name="Billing")
    asker = make_user(db, username="asker")
    log_in(client, asker)
    response = post_form(
        client,
        "/new-topic",
        {"title": "Why was I charged twice?", "body": "My **invoice** shows two lines.", "category_id": str(category.id),
         "kind": "question", "tags": "Invoices, billing"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    topic = db.scalar(select(Topic).where(Topic.title == "Why was I charged twice?"))
    assert response.headers["location"] == f"/t/{topic.id}-why-was-i-charged-twice"
    page = client.get(response.headers["location"])
    assert "<strong>invoice</strong>" in page.text
    assert "#invoices" in page.text and "#billing" in page.text
    for path in ("/", "/latest", "/c/billing", "/tag/invoices", "/unanswered"):
        assert "Why was I charged twice?" in client.get(path).text, path
    assert "Why was I charged twice?" not in client.get("/solved").text


def test_new_topic_errors_keep_what_was_typed(client, db):
    category = make_category(db)
    log_in(client, make_user(db))
    response = post_form(
        client, "/new-topic",
        {"title": "Hm", "body": "A long body I do not want to lose", "category_id": str(category.id), "tags": "a b c d e f"},
    )
    assert response.status_code == 422
    assert "A long body I do not want to lose" in response.text
    assert "at least 5 characters" in response.text
    assert "at most 5 tags" in response.text
    assert db.scalar(select(Topic.id).where(Topic.title == "Hm")) is None


def test_preview_renders_without_saving(client, db):
    category = make_category(db)
    log_in(client, make_user(db))
    response = post_form(
        client, "/new-topic",
        {"title": "Preview me please", "body": "Some _emphasis_ here", "category_id": str(category.id), "action": "preview"},
    )
    assert response.status_code == 200
    assert "<em>emphasis</em>" in response.text
    assert "Some _emphasis_ here" in response.text  # still in the text area
    assert db.scalar(select(Topic.id).where(Topic.title == "Preview me please")) is None


def test_reply_form_posts_and_redirects_to_the_post(client, db, clock):
    topic = make_topic(db, now=clock.now)
    helper = make_user(db)
    log_in(client, helper)
    url = f"/t/{topic.id}-{topic.slug}"
    response = post_form(client, f"/t/{topic.id}/reply", {"body": "Try turning it off and on."}, token_from=url, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"{url}#p2"
    assert "Try turning it off and on." in client.get(url).text
    db.refresh(topic)
    assert topic.reply_count == 1 and topic.highest_post_number == 2


def test_empty_reply_is_refused_and_nothing_is_saved(client, db):
    topic = make_topic(db)
    log_in(client, make_user(db))
    url = f"/t/{topic.id}-{topic.slug}"
    response = post_form(client, f"/t/{topic.id}/reply", {"body": "   "}, token_from=url)
    assert response.status_code == 422
    assert "Write something first." in response.text
    db.refresh(topic)
    assert topic.reply_count == 0


def test_pagination_and_permalinks(client, db, clock):
    topic = make_topic(db, now=clock.now)
    for _ in range(24):
        make_reply(db, topic=topic, now=clock.advance(minutes=1))
    url = f"/t/{topic.id}-{topic.slug}"
    first = client.get(url).text
    assert 'id="p20"' in first and 'id="p21"' not in first
    second = client.get(f"{url}?page=2").text
    assert 'id="p21"' in second and 'id="p25"' in second and 'id="p1"' not in second
    jump = client.get(f"/t/{topic.id}/23", follow_redirects=False)
    assert jump.status_code == 302
    assert jump.headers["location"] == f"{url}?page=2#p23"
    assert client.get(f"/t/{topic.id}/99").status_code == 404
    wrong_slug = client.get(f"/t/{topic.id}-old-title", follow_redirects=False)
    assert wrong_slug.status_code == 301 and wrong_slug.headers["location"] == url


def test_locked_topic_takes_replies_only_from_staff(client, db):
    topic = make_topic(db)
    moderator = make_user(db, roles=("moderator",))
    service.set_locked(db, viewer_for(db, moderator.id), topic.id, True)
    member = make_user(db)
    log_in(client, member)
    url = f"/t/{topic.id}-{topic.slug}"
    page = client.get(url).text
    assert "This topic is locked" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    refused = client.post(f"/t/{topic.id}/reply", data={"body": "let me in", "csrf_token": token})
    assert refused.status_code == 403
    staff_reply = make_reply(db, topic=topic, author=moderator)
    assert staff_reply.by_staff


def test_staff_replies_are_marked(client, db):
    topic = make_topic(db)
    make_reply(db, topic=topic, author=make_user(db, roles=("manager",)), body="Staff here, looking into it.")
    make_reply(db, topic=topic, author=make_user(db), body="Same problem here.")
    page = client.get(f"/t/{topic.id}-{topic.slug}").text
    staff_article = page[page.index('id="p2"') : page.index('id="p3"')]
    member_article = page[page.index('id="p3"') :]
    assert "staff-badge" in staff_article
    assert "staff-badge" not in member_article.split("</article>")[0]


def test_moderator_pins_and_moves_topics(client, db, clock):
    here = make_category(db, slug="here")
    there = make_category(db, slug="there")
    old = make_topic(db, category=here, title="An old but important topic", now=clock.now)
    make_topic(db, category=here, title="A newer everyday topic", now=clock.advance(hours=1))
    moderator = make_user(db, roles=("moderator",))
    log_in(client, moderator)
    url = f"/t/{old.id}-{old.slug}"
    assert post_form(client, f"/t/{old.id}/moderate", {"action": "pin"}, token_from=url, follow_redirects=False).status_code == 303
    listing = client.get("/c/here").text
    assert listing.index("An old but important topic") < listing.index("A newer everyday topic")
    post_form(client, f"/t/{old.id}/moderate", {"action": "move", "category_id": str(there.id)}, token_from=url)
    assert "An old but important topic" in client.get("/c/there").text
    assert "An old but important topic" not in client.get("/c/here").text
    db.refresh(here), db.refresh(there)
    assert (here.topic_count, there.topic_count) == (1, 1)


def test_members_cannot_pin_or_lock(client, db):
    topic = make_topic(db)
    log_in(client, make_user(db))
    response = post_form(client, f"/t/{topic.id}/moderate", {"action": "lock"}, token_from=f"/t/{topic.id}-{topic.slug}")
    assert response.status_code == 403
    db.refresh(topic)
    assert not topic.locked


def test_quote_link_prefills_the_reply_and_the_quote_renders_with_its_author(client, db):
    author = make_user(db, username="quoted_one")
    topic = make_topic(db, author=author, body="The original words.")
    first_post = db.scalar(select(Post).where(Post.topic_id == topic.id))
    replier = make_user(db)
    log_in(client, replier)
    page = client.get(f"/t/{topic.id}-{topic.slug}?quote={first_post.id}").text
    assert f"&gt; [quote=post:{first_post.id}]" in page
    reply = make_reply(db, topic=topic, author=replier, body=f"> [quote=post:{first_post.id}]\n> The original words.\n\nI agree.")
    assert '<blockquote class="quote">' in reply.body_html
    assert f'<a href="/p/{first_post.id}"' in reply.body_html and "@quoted_one" in reply.body_html
    assert f"[quote=post:{first_post.id}]" not in reply.body_html


def test_quote_of_a_restricted_post_does_not_reveal_its_author(db):
    labs = make_category(db, visibility="groups", groups=("labs",))
    secret = make_topic(db, category=labs, author=make_user(db, username="labsperson", roles=("labs",)))
    secret_post = db.scalar(select(Post).where(Post.topic_id == secret.id))
    public_topic = make_topic(db)
    reply = make_reply(db, topic=public_topic, body=f"> [quote=post:{secret_post.id}]\n> guess")
    assert "labsperson" not in reply.body_html


def test_tags_are_normalized_and_limited():
    assert service.normalize_tags("Python, SQL  python c++ ") == ["python", "sql", "c++"]
    try:
        service.normalize_tags(["a", "b", "c", "d", "e", "f"])
    except Exception as error:  # noqa: BLE001 - the type is asserted below
        assert type(error).__name__ == "ValidationFailed"
    else:
        raise AssertionError("six tags were accepted")


def test_cached_counters_match_a_recount_after_random_actions(db, clock):
    rng = random.Random(7)
    settings = make_settings("sqlite://")
    categories = [make_category(db) for _ in range(3)]
    members = [make_user(db, created_at=clock.now - timedelta(days=30)) for _ in range(4)]
    moderator = make_user(db, roles=("moderator",))
    topics, posts = [], []
    for _ in range(60):
        action = rng.choice(["topic", "reply", "reply", "delete", "move", "retag"])
        now = clock.advance(minutes=3)
        if action == "topic" or not topics:
            topics.append(make_topic(db, author=rng.choice(members), category=rng.choice(categories),
                                     tags=rng.sample(["a", "b", "c", "d"], rng.randint(0, 3)), now=now))
        elif action == "reply":
            posts.append(make_reply(db, topic=rng.choice(topics), author=rng.choice(members), now=now))
        elif action == "delete" and posts:
            service.delete_post(db, viewer_for(db, moderator.id), rng.choice(posts).id, now)
        elif action == "move":
            service.move_topic(db, viewer_for(db, moderator.id), rng.choice(topics).id, rng.choice(categories).id)
        elif action == "retag":
            service.update_tags(db, viewer_for(db, moderator.id), rng.choice(topics), rng.sample(["a", "b", "c", "e"], 2))
    assert counters.counter_drift(db) == []
    # Break the caches on purpose: the recompute repairs them.
    db.execute(Topic.__table__.update().values(reply_count=99))
    db.execute(Tag.__table__.update().values(topic_count=0))
    assert counters.counter_drift(db)
    assert counters.recompute_counters(db) > 0
    assert counters.counter_drift(db) == []
    assert settings.edit_grace_seconds == 300


def test_admin_creates_a_labs_category_and_members_cannot_manage_categories(client, db):
    from app.accounts import service as accounts
    from app.forum.models import Category

    accounts.ensure_groups(db)
    member = make_user(db)
    log_in(client, member)
    assert client.get("/admin/categories").status_code == 403
    admin = make_user(db, roles=("admin",))
    log_in(client, admin)
    missing_group = post_form(client, "/admin/categories", {"name": "Labs", "slug": "labs", "visibility": "groups"})
    assert missing_group.status_code == 422 and "at least one group" in missing_group.text
    assert 'name="name" type="text" value="Labs"' in missing_group.text  # what was typed is kept
    response = post_form(
        client, "/admin/categories",
        {"name": "Labs", "slug": "labs", "description": "Beta features", "visibility": "groups", "groups": "labs", "position": "5"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    category = db.scalar(select(Category).where(Category.slug == "labs"))
    assert (category.visibility, category.position, category.description) == ("groups", 5, "Beta features")
    make_topic(db, category=category, title="Try the new dashboard")
    log_in(client, member)
    assert client.get("/c/labs").status_code == 404
    assert "Try the new dashboard" not in client.get("/").text
    log_in(client, make_user(db, roles=("labs",)))
    assert "Try the new dashboard" in client.get("/c/labs").text


def test_mentions_link_members_and_are_reported_in_post_created(db, clock):
    from app import events
    from app.forum.events import PostCreated

    seen = []

    def on_created(session, event):
        seen.append(event)

    events.subscribe(PostCreated, on_created)
    try:
        mentioned = make_user(db, username="Marta")
        topic = make_topic(db, now=clock.now)
        reply = make_reply(db, topic=topic, body="Thanks @marta and @ghost! `@marta` in code does not count.", now=clock.now)
    finally:
        events._handlers[PostCreated].remove(on_created)
    assert 'href="/u/Marta"' in reply.body_html and 'href="/u/ghost"' not in reply.body_html
    assert seen[-1].post_id == reply.id and seen[-1].mentioned_user_ids == (mentioned.id,)
    assert seen[-1].post_number == 2 and seen[-1].topic_id == topic.id


def test_reply_preview_shows_rendered_text_and_saves_nothing(client, db):
    topic = make_topic(db)
    log_in(client, make_user(db))
    url = f"/t/{topic.id}-{topic.slug}"
    response = post_form(client, f"/t/{topic.id}/reply", {"body": "Look: ~~old~~ **new**", "action": "preview"}, token_from=url)
    assert response.status_code == 200
    assert "<s>old</s> <strong>new</strong>" in response.text
    assert "Look: ~~old~~ **new**" in response.text
    db.refresh(topic)
    assert topic.reply_count == 0


def test_suspended_and_rate_limited_members_see_why_and_keep_their_text(client, db, clock):
    from app.forum.models import Suspension

    topic = make_topic(db, now=clock.now)
    member = make_user(db, created_at=clock.now - timedelta(days=30))
    log_in(client, member)
    url = f"/t/{topic.id}-{topic.slug}"
    db.add(Suspension(user_id=member.id, reason="Spam links", starts_at=clock.now, ends_at=clock.now + timedelta(days=2)))
    db.flush()
    response = post_form(client, f"/t/{topic.id}/reply", {"body": "My carefully written answer"}, token_from=url)
    assert response.status_code == 403
    assert "Spam links" in response.text and "My carefully written answer" in response.text
    db.refresh(topic)
    assert topic.reply_count == 0

    clock.advance(days=3)  # the suspension is over; now write faster than the rate limit allows
    statuses = [
        post_form(client, f"/t/{topic.id}/reply", {"body": f"Quick reply number {n}"}, token_from=url, follow_redirects=False).status_code
        for n in range(8)
    ]
    assert 429 in statuses
    limited = post_form(client, f"/t/{topic.id}/reply", {"body": "One more thought"}, token_from=url)
    assert limited.status_code == 429 and limited.headers.get("retry-after")
    assert "One more thought" in limited.text
