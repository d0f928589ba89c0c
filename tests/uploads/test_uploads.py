"""Uploads: real images come back re-encoded without metadata; hostile files get a clear 4xx;
labs images stay in labs; limits, thumbnails, avatars and the orphan job."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from app.forum import uploads as forum_uploads
from app.storage import LocalStorage
from app.uploads import Upload
from tests.conftest import START, csrf_of, make_settings, post_form
from tests.factories import log_in, make_user
from tests.forum_factories import make_category, make_topic
from tests.uploads.samples import PHP_AS_PNG, POLYGLOT, SVG_WITH_SCRIPT, image_bytes, jpeg_with_gps, png_bomb


@pytest.fixture
def settings(database_url, tmp_path):
    return make_settings(database_url, upload_dir=str(tmp_path / "uploads"))


def _upload(client, data: bytes, name: str, content_type: str = "image/png"):
    token = csrf_of(client, "/new-topic")
    return client.post("/uploads", data={"csrf_token": token}, files={"file": (name, data, content_type)})


def _member(db, client, **kwargs):
    user = make_user(db, **kwargs)
    log_in(client, user)
    return user


@pytest.mark.parametrize(
    "fmt, name, mime",
    [("PNG", "shot.png", "image/png"), ("JPEG", "photo.jpg", "image/jpeg"),
     ("WEBP", "pic.webp", "image/webp"), ("GIF", "anim.gif", "image/gif")],
)
def test_each_format_is_stored_re_encoded_and_served_with_its_type(db, client, fmt, name, mime):
    _member(db, client)
    answer = _upload(client, image_bytes(fmt), name, mime)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["markdown"] == f"![{name.rsplit('.', 1)[0]}]({body['url']})"
    served = client.get(body["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == mime
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in served.headers["content-security-policy"]
    assert "sandbox" in served.headers["content-security-policy"]
    image = Image.open(io.BytesIO(served.content))
    assert image.format == fmt and image.size == (64, 48)
    if fmt == "GIF":
        assert image.n_frames == 2  # animation survives the re-encoding


def test_gps_exif_is_stripped(db, client):
    _member(db, client)
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the sample really has GPS
    url = _upload(client, original, "holiday.jpg", "image/jpeg").json()["url"]
    stored = client.get(url).content
    image = Image.open(io.BytesIO(stored))
    assert dict(image.getexif()) == {}
    assert b"SpyCam" not in stored and b"Exif" not in stored
    assert image.size == (80, 60)


def test_script_appended_to_a_real_png_does_not_survive(db, client):
    _member(db, client)
    url = _upload(client, POLYGLOT, "poly.png").json()["url"]
    assert b"<script" not in client.get(url).content


@pytest.mark.parametrize(
    "data, name, status, words",
    [
        (PHP_AS_PNG, "shell.png", 415, "not a PNG, JPEG, WebP or GIF"),
        (SVG_WITH_SCRIPT, "logo.svg", 415, "not a PNG, JPEG, WebP or GIF"),
        (png_bomb(), "bomb.png", 413, "too many pixels"),
        (b"", "empty.png", 415, "empty"),
    ],
)
def test_hostile_files_get_a_clear_4xx_and_store_nothing(db, client, data, name, status, words):
    _member(db, client)
    answer = _upload(client, data, name)
    assert answer.status_code == status
    assert words in answer.json()["detail"]
    assert db.scalar(select(Upload.id).limit(1)) is None


def test_file_over_the_size_limit_is_refused(db, client, app):
    app.state.settings = make_settings(app.state.settings.database_url, upload_dir=app.state.settings.upload_dir, upload_max_file_bytes=500)
    _member(db, client)
    answer = _upload(client, image_bytes("PNG", size=(400, 400), color=(1, 2, 3)) + b"\0" * 600, "big.png")
    assert answer.status_code == 413
    assert "larger than 500 bytes" in answer.json()["detail"]


def test_reply_form_without_javascript_attaches_images_and_keeps_text_on_refusal(db, client):
    user = _member(db, client)
    topic = make_topic(db)
    page = f"/t/{topic.id}-{topic.slug}"
    token = csrf_of(client, page)
    refused = client.post(
        f"/t/{topic.id}/reply", data={"csrf_token": token, "body": "Here is my screenshot of the error"},
        files=[("images", ("shell.png", PHP_AS_PNG, "image/png"))],
    )
    assert refused.status_code == 415
    assert "Here is my screenshot of the error" in refused.text
    assert "shell.png: This file is not a PNG, JPEG, WebP or GIF image." in refused.text
    accepted = client.post(
        f"/t/{topic.id}/reply", data={"csrf_token": token, "body": "Here is my screenshot of the error"},
        files=[("images", ("screen.png", image_bytes("PNG"), "image/png"))], follow_redirects=False,
    )
    assert accepted.status_code == 303
    shown = client.get(accepted.headers["location"]).text
    url = re.search(r'<img src="(/uploads/[0-9a-f]{64}\.png)" alt="screen"', shown).group(1)
    assert client.get(url).status_code == 200
    owner = db.scalar(select(Upload.owner_id).where(Upload.sha256 == url[9:73]))
    assert owner == user.id


def test_new_topic_form_refusal_keeps_title_and_text(db, client):
    _member(db, client, created_at=START - timedelta(days=30))
    category = make_category(db)
    token = csrf_of(client, "/new-topic")
    answer = client.post(
        "/new-topic",
        data={"csrf_token": token, "title": "Thermostat shows E4 after update", "body": "Photo of the display attached",
              "category_id": str(category.id), "kind": "question"},
        files=[("images", ("bomb.png", png_bomb(), "image/png"))],
    )
    assert answer.status_code == 413
    assert "Thermostat shows E4 after update" in answer.text and "Photo of the display attached" in answer.text
    assert "too many pixels" in answer.text


def test_large_images_get_a_thumbnail(db, client):
    _member(db, client)
    body = _upload(client, image_bytes("PNG", size=(3000, 1500)), "wide.png").json()
    assert body["thumbnail_url"].endswith(".thumb.webp")
    assert body["markdown"] == f"[![wide]({body['thumbnail_url']})]({body['url']})"
    thumb = client.get(body["thumbnail_url"])
    assert thumb.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(thumb.content)).size == (1024, 512)
    assert Image.open(io.BytesIO(client.get(body["url"]).content)).size == (3000, 1500)


def test_labs_images_are_seen_only_by_those_who_may_see_labs(db, client, app):
    from fastapi.testclient import TestClient

    labs = make_category(db, visibility="groups", groups=("labs",))
    tester = _member(db, client, roles=("labs",))
    url = _upload(client, image_bytes("PNG"), "prototype.png").json()["url"]
    # Not yet in a post: only the uploader sees it.
    outsider = make_user(db)
    with TestClient(app) as other:
        log_in(other, outsider)
        assert other.get(url).status_code == 404
        make_topic(db, author=tester, category=labs, body=f"New dial:\n\n![prototype]({url})")
        assert client.get(url).status_code == 200
        assert other.get(url).status_code == 404
        insider = make_user(db, roles=("labs",))
        log_in(other, insider)
        assert other.get(url).status_code == 200
    with TestClient(app) as anonymous:
        assert anonymous.get(url).status_code == 404
    public = make_category(db)
    public_url = _upload(client, image_bytes("PNG", color=(1, 1, 1)), "public.png").json()["url"]
    make_topic(db, author=tester, category=public, body=f"![x]({public_url})")
    with TestClient(app) as anonymous:
        assert anonymous.get(public_url).status_code == 200


def test_daily_limit_refuses_the_next_upload(db, client, app):
    app.state.settings = make_settings(app.state.settings.database_url, upload_dir=app.state.settings.upload_dir, upload_member_daily_count=2)
    _member(db, client)
    for n in range(2):
        assert _upload(client, image_bytes("PNG", color=(n, 0, 0)), f"{n}.png").status_code == 200
    third = _upload(client, image_bytes("PNG", color=(9, 9, 9)), "3.png")
    assert third.status_code == 429
    assert "today's upload allowance" in third.json()["detail"]


def test_member_total_limit(db, client, app):
    app.state.settings = make_settings(app.state.settings.database_url, upload_dir=app.state.settings.upload_dir, upload_member_total_bytes=300)
    _member(db, client)
    assert _upload(client, image_bytes("PNG"), "a.png").status_code == 200
    answer = _upload(client, image_bytes("PNG", color=(5, 5, 5)), "b.png")
    assert answer.status_code == 429 and "total allowance" in answer.json()["detail"]


def test_unknown_and_malformed_names_are_404(db, client):
    _member(db, client)
    assert client.get("/uploads/" + "a" * 64 + ".png").status_code == 404
    assert client.get("/uploads/../../etc/passwd").status_code == 404
    assert client.get("/uploads/x.svg").status_code == 404


def test_avatar_upload_shows_on_profile_and_posts(db, client, app):
    from fastapi.testclient import TestClient

    user = _member(db, client, username="ava")
    token = csrf_of(client, "/u/ava/preferences")
    refused = client.post("/u/ava/avatar", data={"csrf_token": token}, files={"avatar": ("me.svg", SVG_WITH_SCRIPT, "image/svg+xml")})
    assert refused.status_code == 415 and "not a PNG, JPEG, WebP or GIF" in refused.text
    saved = client.post("/u/ava/avatar", data={"csrf_token": token}, files={"avatar": ("me.jpg", jpeg_with_gps(), "image/jpeg")}, follow_redirects=False)
    assert saved.status_code == 303
    with TestClient(app) as anonymous:
        profile = anonymous.get("/u/ava").text
        url = re.search(r'class="avatar avatar-lg" src="(/uploads/[0-9a-f]{64}\.jpg)"', profile).group(1)
        assert anonymous.get(url).status_code == 200  # avatars are public
        topic = make_topic(db, author=user)
        assert f'class="avatar avatar-md" src="{url}"' in anonymous.get(f"/t/{topic.id}-{topic.slug}").text
        assert f'class="avatar avatar-sm" src="{url}"' in anonymous.get("/latest").text
    # A new avatar replaces the old one; removing goes back to none.
    client.post("/u/ava/avatar", data={"csrf_token": token}, files={"avatar": ("me2.png", image_bytes("PNG"), "image/png")})
    assert db.scalar(select(Upload.id).where(Upload.sha256 == url[9:73])) is None
    client.post("/u/ava/avatar/remove", data={"csrf_token": token})
    assert '<img class="avatar avatar-lg"' not in client.get("/u/ava").text  # back to the initials


def test_orphan_job_removes_unused_uploads_and_their_files(db, client, app, clock):
    settings = app.state.settings
    user = _member(db, client)
    used = _upload(client, image_bytes("PNG"), "used.png").json()["url"]
    orphan = _upload(client, image_bytes("PNG", color=(0, 0, 0)), "orphan.png").json()["url"]
    make_topic(db, author=user, body=f"![used]({used})")
    storage = LocalStorage(settings.upload_dir)
    early = forum_uploads.cleanup_job(db, clock.now + timedelta(hours=1), settings, storage)
    assert early == {"removed": 0, "unclaimed_files": 0}  # a draft's images are kept for a day
    later = forum_uploads.cleanup_job(db, clock.now + timedelta(hours=25), settings, storage)
    assert later == {"removed": 1, "unclaimed_files": 0}
    assert storage.exists(used.rsplit("/", 1)[1]) and not storage.exists(orphan.rsplit("/", 1)[1])
    assert client.get(orphan).status_code == 404 and client.get(used).status_code == 200


def test_editing_a_post_links_newly_shown_images(db, client):
    from app.forum.models import PostUpload

    user = _member(db, client)
    topic = make_topic(db, author=user, body="No picture yet")
    url = _upload(client, image_bytes("PNG"), "later.png").json()["url"]
    post_id = db.scalar(select(PostUpload.post_id).limit(1))
    assert post_id is None
    page = f"/t/{topic.id}-{topic.slug}"
    first = re.search(r'href="/p/(\d+)/edit"', client.get(page).text).group(1)
    post_form(client, f"/p/{first}/edit", {"body": f"Now with picture ![later]({url})", "title": topic.title}, token_from=page)
    assert db.scalar(select(PostUpload.sha256)) == url[9:73]


def test_files_left_by_a_refused_form_are_swept(db, client, app, clock):
    import os

    settings = app.state.settings
    _member(db, client)
    topic = make_topic(db)
    token = csrf_of(client, f"/t/{topic.id}-{topic.slug}")
    refused = client.post(
        f"/t/{topic.id}/reply", data={"csrf_token": token, "body": "Two pictures"},
        files=[("images", ("good.png", image_bytes("PNG", color=(3, 3, 3)), "image/png")),
               ("images", ("bad.png", PHP_AS_PNG, "image/png"))],
    )
    assert refused.status_code == 415 and "Two pictures" in refused.text
    assert db.scalar(select(Upload.id).limit(1)) is None  # the good image's row rolled back with the form
    storage = LocalStorage(settings.upload_dir)
    left = list(storage.root.glob("??/*.png"))
    assert len(left) == 1  # ... but its file was already written
    written_long_ago = (clock.now - timedelta(days=2)).timestamp()
    os.utime(left[0], (written_long_ago, written_long_ago))
    assert forum_uploads.cleanup_job(db, clock.now, settings, storage) == {"removed": 0, "unclaimed_files": 1}
    assert not left[0].exists()
