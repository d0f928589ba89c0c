"""In a real browser, under the site's CSP: choosing, pasting and dropping an image into the post
editor uploads it and inserts its Markdown; the posted topic shows the images."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.db import make_engine, make_session_factory, utcnow
from tests.browser.helpers import log_in
from tests.factories import make_user
from tests.forum_factories import make_category
from tests.uploads.samples import image_bytes

pytestmark = pytest.mark.browser

DROP_OR_PASTE = """([kind, data, name]) => {
  const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, {type: "image/png"}));
  const area = document.querySelector("#f-body");
  const event = kind === "paste"
    ? new ClipboardEvent("paste", {clipboardData: transfer, bubbles: true, cancelable: true})
    : new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true});
  area.dispatchEvent(event);
}"""


def _seed(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            long_ago = utcnow() - timedelta(days=30)
            make_user(session, username="shooter", created_at=long_ago)
            make_category(session, slug="thermostats", name="Thermostats", now=long_ago)
            session.commit()
    finally:
        engine.dispose()


def test_choose_paste_and_drop_images_into_a_post(live_server, chromium, tmp_path):
    live_server.settings.upload_dir = str(tmp_path / "uploads")
    _seed(live_server.settings.database_url)
    base = live_server.url
    problems: list[str] = []
    context = chromium.new_context(locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        log_in(page, base, "shooter")
        page.goto(f"{base}/new-topic")
        page.get_by_label("Title").fill("Display shows E4")
        page.get_by_label("Category").select_option(label="Thermostats")
        page.get_by_label("Your text").fill("See the photos:")
        page.get_by_label("Attach images (PNG, JPEG, WebP or GIF)").set_input_files(
            files=[{"name": "chosen.png", "mimeType": "image/png", "buffer": image_bytes("PNG")}]
        )
        expect(page.locator("[data-upload-status]")).to_have_text("Image added.")
        for kind, name, color in (("paste", "pasted.png", (1, 90, 200)), ("drop", "dropped.png", (20, 200, 40))):
            encoded = base64.b64encode(image_bytes("PNG", color=color)).decode()
            page.evaluate(DROP_OR_PASTE, [kind, encoded, name])
            expect(page.get_by_label("Your text")).to_have_value(
                re.compile(rf"!\[{name[:-4]}\]\(/uploads/[0-9a-f]{{64}}\.png\)")
            )
        text = page.get_by_label("Your text").input_value()
        assert text.startswith("See the photos:") and text.count("](/uploads/") == 3
        page.get_by_role("button", name="Post topic").click()
        expect(page.get_by_role("heading", name="Display shows E4")).to_be_visible()
        images = page.locator(".post-body img")
        expect(images).to_have_count(3)
        for index in range(3):
            assert images.nth(index).evaluate("img => img.complete && img.naturalWidth") == 64
    finally:
        context.close()
    assert problems == []
