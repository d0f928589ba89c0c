"""Language a visitor notices: complete catalogues, no untranslated text in templates, distinct words
for distinct things, a language switch for everyone, and dates and numbers in the page's language."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2.ext import babel_extract as extract_jinja2
from babel.messages.pofile import read_po
from sqlalchemy import select

from app.accounts.models import User
from app.web import LANGUAGE_COOKIE, LOCALE_DIR, templates
from tests.conftest import csrf_of
from tests.factories import log_in, make_user
from tests.test_i18n import SHIPPED, merged_catalog

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
# Attributes people read or hear (tooltips, empty-field hints, screen-reader names, image text).
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
LETTERS = re.compile(r"[^\W\d_]{2,}")
HOLE = "\ue010"  # where an expression or a translated block stood
CODE_TAGS = ("script", "style", "pre", "code")  # program text, not prose


def catalog_entries(language: str) -> dict[str, object]:
    """msgid (singular for plurals) -> Message, over every domain's catalogue of a language."""
    entries = {}
    for po_path in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        with po_path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                key = message.id[0] if isinstance(message.id, tuple) else message.id
                if key:
                    entries[key] = message
    return entries


def test_every_catalogued_message_has_a_german_and_a_dutch_translation():
    per_language = {language: catalog_entries(language) for language in SHIPPED}
    every_id = set().union(*per_language.values())
    problems = []
    for msgid in sorted(every_id):
        for language, entries in per_language.items():
            message = entries.get(msgid)
            if message is None:
                problems.append(f"{language}: missing {msgid!r}")
                continue
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy or not all(form and form.strip() for form in forms):
                problems.append(f"{language}: untranslated {msgid!r}")
            elif isinstance(message.id, tuple) != isinstance(per_language["de"].get(msgid, message).id, tuple):
                problems.append(f"{language}: {msgid!r} is plural in one catalogue only")
    assert not problems, f"{len(problems)} catalogue problems:\n" + "\n".join(problems)


def _flatten(source: str) -> str:
    """The template's HTML with every expression and every {% trans %} block replaced by HOLE."""
    out, in_trans, tag = [], False, None
    for _line, kind, value in templates.env.lex(source):
        if kind == "data":
            out.append(HOLE if in_trans else value)
        elif kind == "block_begin":
            tag = "block"
        elif kind == "variable_begin":
            out.append(HOLE)
        elif kind == "name" and tag == "block":
            in_trans = {"trans": True, "pluralize": True, "endtrans": False}.get(value, in_trans)
            tag = None
    return "".join(out)


class _LiteralFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.literals: list[str] = []
        self.in_code = 0

    def handle_starttag(self, tag, attrs):
        self.in_code += tag in CODE_TAGS
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value and LETTERS.search(value.replace(HOLE, " ")):
                self.literals.append(f'<{tag} {name}="{value}">')

    def handle_endtag(self, tag):
        self.in_code -= tag in CODE_TAGS

    def handle_data(self, data):
        if not self.in_code and LETTERS.search(data.replace(HOLE, " ")):
            self.literals.append(" ".join(data.replace(HOLE, "…").split()))


def untranslated_literals(source: str) -> list[str]:
    """Words a reader sees that do not go through gettext: text nodes and read attributes."""
    finder = _LiteralFinder()
    finder.feed(_flatten(source))
    finder.close()
    return finder.literals


def test_the_literal_finder_sees_text_and_attributes_but_not_gettext():
    source = (
        '<p>{% if x %}Hello world{% endif %} {{ _("Fine") }}</p><a title="Go home">{% trans %}Hi{% endtrans %}</a>'
        '<input placeholder="{{ _(\'Search\') }}"><img alt="{{ name }}"><script>var a = "text";</script>'
    )
    assert untranslated_literals(source) == ["Hello world …", '<a title="Go home">']


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_contain_no_untranslated_text(path):
    literals = untranslated_literals(path.read_text(encoding="utf-8"))
    assert not literals, f"{path.relative_to(ROOT)} shows text outside _()/ngettext/trans: {literals}"


def _template_msgids(path: Path) -> set[str]:
    """The messages (singular msgids) one template shows."""
    with path.open("rb") as handle:
        return {
            message if isinstance(message, str) else message[0]
            for _line, _function, message, _comments in extract_jinja2(handle, ["_", "gettext", "ngettext"], [], {})
            if message
        }


@pytest.mark.parametrize("language", SHIPPED)
def test_different_words_on_one_page_stay_different_when_translated(language):
    """"Notifications" and "Flags" both became "Meldingen" once; no template may show two different
    English messages as the same translated text."""
    catalog = merged_catalog(language)
    clashes = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        seen: dict[str, str] = {}
        for msgid in sorted(_template_msgids(path)):
            text = catalog.get(msgid)
            if text is None:
                continue
            key = text.casefold()
            if key in seen and seen[key].casefold() != msgid.casefold():
                clashes.append(f"{path.relative_to(TEMPLATES)}: {seen[key]!r} and {msgid!r} both read {text!r}")
            seen.setdefault(key, msgid)
    assert not clashes, "\n".join(clashes)


# ---------------------------------------------------------------- the language switch


def test_a_visitor_switches_language_and_returns_to_the_same_page(client):
    page = client.get("/latest?sort=x", headers={"Accept-Language": "de"})
    assert '<html lang="de">' in page.text
    assert 'action="/language"' in page.text
    token = csrf_of(client, "/latest")
    response = client.post(
        "/language", data={"language": "nl", "csrf_token": token},
        headers={"Referer": "http://testserver/latest?sort=x"}, follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/latest?sort=x"
    assert client.cookies.get(LANGUAGE_COOKIE) == "nl"
    # The choice beats the browser's Accept-Language from now on.
    assert '<html lang="nl">' in client.get("/latest", headers={"Accept-Language": "de"}).text


def test_the_switch_never_returns_to_another_site_and_never_echoes_the_url(client):
    page = client.get("/latest?probe=zq81x")
    assert "zq81x" not in page.text  # the footer form carries no copy of the URL or its query
    token = csrf_of(client, "/latest")
    for referer in ("https://evil.example/steal", "//evil.example/x", ""):
        response = client.post(
            "/language", data={"language": "de", "csrf_token": token},
            headers={"Referer": referer}, follow_redirects=False,
        )
        assert response.headers["location"] == "/"
    unknown = client.post("/language", data={"language": "xx", "csrf_token": token}, follow_redirects=False)
    assert unknown.status_code == 303 and client.cookies.get(LANGUAGE_COOKIE) == "de"


def test_the_switch_needs_the_forms_token(client):
    client.get("/latest")
    assert client.post("/language", data={"language": "de"}, follow_redirects=False).status_code == 403


def test_a_member_who_switches_keeps_the_language_for_pages_and_emails(client, db):
    member = make_user(db, username="anke", locale="de")
    log_in(client, member)
    token = csrf_of(client, "/")
    client.post("/language", data={"language": "nl", "csrf_token": token}, follow_redirects=False)
    assert db.scalar(select(User.locale).where(User.id == member.id)) == "nl"
    assert '<html lang="nl">' in client.get("/").text


# ---------------------------------------------------------------- dates, times and numbers


def test_dates_and_relative_times_follow_the_language(client, db, clock):
    from tests.forum_factories import make_category, make_topic

    category = make_category(db)
    topic = make_topic(db, category=category, title="Dryer stops halfway", now=clock.now)
    clock.advance(hours=3)
    german = client.get(f"/t/{topic.id}", headers={"Accept-Language": "de"}).text
    dutch = client.get(f"/t/{topic.id}", headers={"Accept-Language": "nl"}).text
    english = client.get(f"/t/{topic.id}", headers={"Accept-Language": "en"}).text
    assert "vor 3 Stunden" in german and "02.03.2026, 12:00" in german
    assert "3 uur geleden" in dutch and "2 mrt 2026, 12:00" in dutch
    assert "3 hours ago" in english and "Mar 2, 2026, 12:00\u202fPM" in english


def test_numbers_use_the_languages_separators(client, db):
    member = make_user(db, username="rich", display_name="Rich")
    db.execute(User.__table__.update().where(User.id == member.id).values(karma=12345))
    assert ">12.345<" in client.get("/u/rich/karma", headers={"Accept-Language": "de"}).text
    assert ">12,345<" in client.get("/u/rich/karma", headers={"Accept-Language": "en"}).text
