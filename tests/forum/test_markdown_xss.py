"""Markdown rendering is safe: every XSS payload of the corpus leaves no script, handler or
dangerous URL in the stored HTML (checked with an HTML parser, not by grepping)."""

from __future__ import annotations

import random
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from app.forum import markdown
from app.forum.models import Post
from tests.conftest import post_form
from tests.factories import log_in, make_user
from tests.forum_factories import make_topic

PAYLOADS_FILE = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "xss" / "payloads.txt"
if not PAYLOADS_FILE.exists():
    PAYLOADS_FILE = Path("/work/shared/datasets/xss/payloads.txt")
FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "style", "form", "frame", "frameset", "base", "link", "meta", "svg", "math"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcset", "background", "poster"}
BAD_SCHEME_RE = re.compile(r"^(javascript|vbscript|data):", re.IGNORECASE)


def _payloads() -> list[str]:
    return [line for line in PAYLOADS_FILE.read_text(encoding="utf-8").split("\n") if line.strip()]


class _Inspector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag, attrs):
        if tag.lower() in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            name = name.lower()
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}=")
            if name == "style":
                self.problems.append(f"{tag} style=")
            if name in URL_ATTRIBUTES and value is not None:
                # Browsers ignore whitespace and control characters inside a scheme.
                squeezed = re.sub(r"[\x00-\x20]+", "", value)
                if BAD_SCHEME_RE.match(squeezed):
                    self.problems.append(f"{tag} {name}={value!r}")


def problems_in(html: str) -> list[str]:
    """Every unsafe element, attribute or URL in a fragment of HTML."""
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.problems


def test_the_corpus_is_there_and_complete():
    assert len(_payloads()) == 1429


def test_the_inspector_catches_what_it_should():
    assert problems_in('<a href="javascript:alert(1)">x</a>')
    assert problems_in('<img src=x onerror="alert(1)">')
    assert problems_in("<script>alert(1)</script>")
    assert problems_in('<a href="jav&#x09;ascript:alert(1)">x</a>')
    assert not problems_in('<a href="https://example.org" rel="nofollow ugc noopener">ok</a>')


def test_every_payload_renders_safely():
    failures = []
    for payload in _payloads():
        for source in (payload, f"text before\n\n{payload}\n\nand after", f"> {payload}", f"- {payload}"):
            found = problems_in(markdown.render(source, members={"alice": "alice"}))
            if found:
                failures.append((source, found))
    assert not failures, failures[:5]


def test_links_get_rel_and_bad_schemes_are_dropped():
    html = markdown.render("[site](https://example.org) [js](javascript:alert(1)) [d](data:text/html;base64,PHNjcmlwdD4=) <https://auto.example> www.example.com")
    assert problems_in(html) == []
    links = re.findall(r"<a [^>]*>", html)
    assert links and all('rel="nofollow ugc noopener"' in link for link in links)
    assert 'href="https://example.org"' in html and 'href="https://auto.example"' in html
    assert "javascript:" not in re.sub(r"\[js\]\(javascript:alert\(1\)\)", "", html)


def test_mentions_link_existing_members_but_not_inside_code():
    html = markdown.render("@alice and @nobody, `@alice` and\n\n```\n@alice\n```", members={"alice": "Alice"})
    assert html.count('href="/u/Alice"') == 1
    assert "@nobody" in html and 'href="/u/nobody"' not in html
    assert "<code>@alice</code>" in html


def test_fenced_code_and_tables_and_strikethrough():
    html = markdown.render("```python\nprint('<b>')\n```\n\n| a | b |\n|---|---|\n| 1 | ~~2~~ |")
    assert '<code class="language-python">' in html and "&lt;b&gt;" in html
    assert "<table>" in html and "<s>2</s>" in html


@pytest.mark.parametrize("seed", [3])
def test_a_sample_of_payloads_posted_through_the_reply_form_is_stored_safely(client, db, clock, seed):
    sample = random.Random(seed).sample(_payloads(), 50)
    topic = make_topic(db)
    member = make_user(db, created_at=clock.now - timedelta(days=60))  # past the new-member limits
    log_in(client, member)
    url = f"/t/{topic.id}-{topic.slug}"
    posted = 0
    for payload in sample:
        response = post_form(client, f"/t/{topic.id}/reply", {"body": payload}, token_from=url, follow_redirects=False)
        assert response.status_code in (303, 422, 429), response.text[:300]
        posted += response.status_code == 303
        clock.advance(minutes=2)  # stay under the posting rate limit; this test is about rendering
    stored = db.scalars(select(Post.body_html).where(Post.topic_id == topic.id, Post.post_number > 1)).all()
    assert len(stored) == posted >= 45
    for html in stored:
        assert problems_in(html) == []
    page = client.get(url + "?page=2").text + client.get(url).text
    assert "<script>alert" not in page
