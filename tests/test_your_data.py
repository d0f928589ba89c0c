"""Your data: the export holds every kind of data about a member; deleting the account erases the
person everywhere (every text column of the database) while topic threads stay whole."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import String, Text, func, or_, select, text

from app.accounts.models import AuditEntry, SsoIdentity, User, UserVisit
from app.ambassadors.invitations import Invitation
from app.ambassadors.models import MemberScore, ScoringRun
from app.db import Base, CompactText
from app.forum import editing
from app.forum.models import Post, Topic
from app.forum.votes import cast_vote
from app.mail import queue_email
from tests.conftest import START, csrf_of, make_settings
from tests.factories import PASSWORD, log_in, make_user
from tests.forum_factories import as_viewer, make_category, make_reply, make_topic
from tests.uploads.samples import image_bytes

NAME, DISPLAY, EMAIL = "zelda_q", "Zelda Quartermain", "zelda.q@example.org"


@pytest.fixture
def settings(database_url, tmp_path):
    return make_settings(database_url, upload_dir=str(tmp_path / "uploads"))


def _upload(client, data: bytes, name: str) -> str:
    token = csrf_of(client, "/new-topic")
    answer = client.post("/uploads", data={"csrf_token": token}, files={"file": (name, data, "image/png")})
    assert answer.status_code == 200, answer.text
    return answer.json()["url"]


def build_active_member(db, client, app, clock):
    """Zelda, with data in every place Hearth keeps some, and Bob, who talks to and about her."""
    settings = app.state.settings
    zelda = make_user(db, username=NAME, display_name=DISPLAY, email=EMAIL, created_at=START - timedelta(days=60))
    zelda.bio = f"I am {DISPLAY}, I fix thermostats."
    bob = make_user(db, username="bob_b", created_at=START - timedelta(days=60))
    log_in(client, zelda)  # a login attempt and a session
    token = csrf_of(client, f"/u/{NAME}/preferences")
    client.post(f"/u/{NAME}/avatar", data={"csrf_token": token}, files={"avatar": ("me.png", image_bytes("PNG"), "image/png")})
    in_post = _upload(client, image_bytes("PNG", color=(9, 9, 9)), "diagram.png")
    _upload(client, image_bytes("PNG", color=(7, 7, 7)), "draft.png")  # never used in a post
    category = make_category(db)
    topic = make_topic(db, author=zelda, category=category, title="Dial stuck at 21 degrees",
                       body=f"The dial is stuck.\n\n![diagram]({in_post})", now=clock.now)
    first = db.scalar(select(Post).where(Post.topic_id == topic.id, Post.post_number == 1))
    editing.edit_post(db, settings, as_viewer(db, zelda), first.id, body="The dial is stuck at 21.\n\n" + f"![diagram]({in_post})",
                      title=topic.title, now=clock.now + timedelta(hours=1))
    bobs_reply = make_reply(db, topic=topic, author=bob, body=f"@{NAME} try holding the button, {DISPLAY}.", now=clock.now + timedelta(hours=2))
    own_reply = make_reply(db, topic=topic, author=zelda, body="That worked, thanks!", now=clock.now + timedelta(hours=3))
    make_reply(db, topic=topic, author=bob, body=f"[quote=post:{own_reply.id}]\nThat worked\n\nGreat, {DISPLAY}!",
               now=clock.now + timedelta(hours=4))
    bobs_topic = make_topic(db, author=bob, category=category, now=clock.now)
    bobs_post = db.scalar(select(Post).where(Post.topic_id == bobs_topic.id))
    cast_vote(db, settings, voter_id=zelda.id, post_id=bobs_post.id, value=1, now=clock.now + timedelta(hours=5))
    cast_vote(db, settings, voter_id=bob.id, post_id=own_reply.id, value=1, now=clock.now + timedelta(hours=5))
    db.add(UserVisit(user_id=zelda.id, day=START.date() - timedelta(days=1), posts_read=4))
    run = ScoringRun(as_of=START, trigger="cli", model_version="t")
    db.add(run)
    db.flush()
    explanation = [{"signal": "answers", "effect": "lifts", "value": 3, "median": 0, "days": 90}]
    db.add(MemberScore(run_id=run.id, user_id=zelda.id, profile="helper", score=81.5, rank=1, explanation=json.dumps(explanation)))
    db.add(Invitation(user_id=zelda.id, role="helper", invited_by_id=bob.id, run_id=run.id,
                      message=f"Hi {DISPLAY}, would you like to become a helper?", status="open",
                      created_at=START, expires_at=START + timedelta(days=30)))
    db.add(AuditEntry(actor_id=bob.id, action="invitation.sent", target_user_id=zelda.id,
                      detail=json.dumps({"note": f"invited {NAME}"}), created_at=START))
    db.add(SsoIdentity(user_id=zelda.id, issuer="https://id.example.org", subject="zelda-subject-77", created_at=START))
    queue_email(db, kind="notification", user_id=zelda.id, to_address=EMAIL, subject=f"Hello {DISPLAY}",
                body_text=f"Dear {DISPLAY}, someone replied.", now=START)
    db.flush()
    return zelda, bob, topic, bobs_reply


def test_export_holds_every_kind_of_data(db, client, app, clock):
    zelda, _, topic, _ = build_active_member(db, client, app, clock)
    token = csrf_of(client, f"/u/{NAME}/data")
    answer = client.post(f"/u/{NAME}/data/export", data={"csrf_token": token})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    names = set(archive.namelist())
    read = lambda name: json.loads(archive.read(name))  # noqa: E731
    assert read("profile.json")["email"] == EMAIL and "password_hash" not in read("profile.json")
    posts = read("posts.json")
    assert {p["topic_title"] for p in posts} == {"Dial stuck at 21 degrees"} and len(posts) == 2
    assert posts[0]["revisions"][0]["old_source"].startswith("The dial is stuck.")
    markdown_files = [n for n in names if n.startswith("posts/") and n.endswith(".md")]
    assert len(markdown_files) == 2 and any("That worked, thanks!" in archive.read(n).decode() for n in markdown_files)
    assert len(read("votes.json")["posts"]) == 1
    assert {row["reason"] for row in read("karma.json")} >= {"upvote"}
    assert read("logins.json")[0]["outcome"] == "success"
    assert read("sessions.json") and read("visits.json")[0]["posts_read"] == 4
    assert {n["kind"] for n in read("notifications.json")} >= {"mentioned", "reply"}
    assert read("invitations.json")[0]["role"] == "helper"
    score = read("scores.json")[0]
    assert score["profile"] == "helper" and score["explanation_shown_to_managers"][0]["reason"].startswith("answered")
    assert len(read("uploads.json")) == 3 and len([n for n in names if n.startswith("uploads/")]) == 3
    assert read("audit.json")
    assert "other/email_outbox.json" in names and "other/user_avatar.json" in names
    assert json.loads(archive.read("other/sso_identity.json"))[0]["subject"] == "zelda-subject-77"
    exported = db.scalar(select(AuditEntry).where(AuditEntry.action == "data.export"))
    assert exported.target_user_id == zelda.id and exported.actor_id == zelda.id


def _text_columns_containing(db, needles: list[str]) -> list[str]:
    """Every text column holding a needle, compressed ones (rendered HTML on SQLite) read in Python."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, CompactText):
                texts = db.scalars(select(column)).all()
                hits = any(needle.lower() in (text or "").lower() for text in texts for needle in needles)
            elif isinstance(column.type, (String, Text)):
                hits = db.scalar(select(func.count()).select_from(table).where(
                    or_(*(func.lower(column).contains(needle.lower(), autoescape=True) for needle in needles))
                ))
            else:
                continue
            if hits:
                found.append(f"{table.name}.{column.name}")
    return found


def test_deleting_the_account_erases_the_person_and_keeps_threads_whole(db, client, app, clock):
    zelda, bob, topic, bobs_reply = build_active_member(db, client, app, clock)
    needles = [NAME, "Zelda", "Quartermain", EMAIL]
    assert _text_columns_containing(db, needles)  # the check can see her before
    posts_before = db.scalars(select(Post.id).where(Post.topic_id == topic.id).order_by(Post.post_number)).all()
    page = f"/t/{topic.id}-{topic.slug}"
    token = csrf_of(client, f"/u/{NAME}/data")
    wrong = client.post(f"/u/{NAME}/data/delete", data={"csrf_token": token, "password": "not my password at all"})
    assert wrong.status_code == 403 and "That is not your password" in wrong.text
    assert db.get(User, zelda.id).username == NAME
    done = client.post(f"/u/{NAME}/data/delete", data={"csrf_token": token, "password": PASSWORD}, follow_redirects=False)
    assert done.status_code == 303
    db.expire_all()
    assert _text_columns_containing(db, needles + ["zelda-subject-77"]) == []  # the SSO link is gone too
    if db.get_bind().dialect.name == "sqlite":  # nor in the search index's segments
        blobs = db.execute(text("SELECT count(*) FROM post_search_data WHERE instr(lower(block), CAST('zelda' AS BLOB)) > 0"))
        assert blobs.scalar() == 0
    placeholder = db.get(User, zelda.id)
    assert placeholder.display_name == "Deleted member" and placeholder.email is None
    # The thread is whole: the same posts in the same order, hers under the placeholder.
    assert db.scalars(select(Post.id).where(Post.topic_id == topic.id).order_by(Post.post_number)).all() == posts_before
    assert db.get(Topic, topic.id).reply_count == 3
    with TestClient(app) as reader:
        shown = reader.get(page).text
        assert shown.count('<article class="post') == 4 and "That worked, thanks!" in shown and "Deleted member" in shown
        assert f'@{placeholder.username}' in shown  # Bob's mention now names the placeholder
        images = re.findall(r'src="(/uploads/[0-9a-f]{64}\.png)"', shown)
        assert images and reader.get(images[0]).status_code == 200  # the image in her post stays
    # Her session is gone and the account cannot log in again.
    assert client.get(f"/u/{placeholder.username}/preferences", follow_redirects=False).status_code in (303, 401, 404)
    token = csrf_of(client, "/login")
    again = client.post("/login", data={"csrf_token": token, "identifier": placeholder.username, "password": PASSWORD}, follow_redirects=False)
    assert again.status_code != 303
    erased = db.scalar(select(AuditEntry).where(AuditEntry.action == "account.erase"))
    assert erased.target_user_id == zelda.id and erased.detail == "by the member"
    # Karma and votes stay as anonymous numbers on the placeholder.
    assert placeholder.karma > 0


def test_admin_exports_and_deletes_on_request(db, client, app, clock):
    member = make_user(db, username="quinn", display_name="Quinn Lee", email="quinn@example.org")
    make_topic(db, author=member, body="My only question")
    admin = make_user(db, username="root_admin", roles=("admin",))
    log_in(client, admin)
    assert client.get("/u/quinn").text.count("/admin/members/quinn/data") == 1
    token = csrf_of(client, "/admin/members/quinn/data")
    exported = client.post("/admin/members/quinn/data/export", data={"csrf_token": token})
    assert json.loads(zipfile.ZipFile(io.BytesIO(exported.content)).read("profile.json"))["username"] == "quinn"
    refused = client.post("/admin/members/quinn/data/delete", data={"csrf_token": token, "confirm_name": "quin"})
    assert refused.status_code == 422 and "nothing was deleted" in refused.text
    done = client.post("/admin/members/quinn/data/delete",
                       data={"csrf_token": token, "confirm_name": "quinn", "reason": "ticket 42 from Quinn Lee"}, follow_redirects=False)
    assert done.status_code == 303
    db.expire_all()
    assert _text_columns_containing(db, ["quinn"]) == []
    actions = dict(db.execute(select(AuditEntry.action, AuditEntry.actor_id).where(AuditEntry.target_user_id == member.id)).all())
    assert actions["data.export"] == admin.id and actions["account.erase"] == admin.id


def test_members_cannot_reach_another_members_data(db, client):
    make_user(db, username="other_one")
    log_in(client, make_user(db))
    assert client.get("/u/other_one/data").status_code == 404
    assert client.get("/admin/members/other_one/data").status_code == 403
