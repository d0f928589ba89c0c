"""Every extracted message has a German and a Dutch translation; pages follow the viewer's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from sqlalchemy import select

from app.accounts.models import User
from app.web import LANGUAGES, LOCALE_DIR
from tests.conftest import post_form
from tests.factories import log_in, make_user

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = [code for code in LANGUAGES if code != "en"]
PLACEHOLDER_RE = re.compile(r"%\((\w+)\)[sd]")


def extracted_messages() -> dict[str, str]:
    """msgid -> first place it occurs, using the project's babel.cfg on app/ and templates/."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def merged_catalog(language: str) -> dict[str, str]:
    """All of a language's domain catalogs merged, as the app merges them (msgid -> msgstr).

    A plural message is keyed by its singular msgid and kept only when every plural form of the
    language is translated; its text is the forms joined by a newline.
    """
    merged: dict[str, str] = {}
    for po_path in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        with po_path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if isinstance(message.id, tuple):
                    if message.id[0] and all(message.string):
                        merged.setdefault(message.id[0], "\n".join(message.string))
                elif message.id and message.string:
                    merged.setdefault(message.id, message.string)
    return merged


def plural_ids(language: str) -> dict[str, str]:
    """Singular msgid -> plural msgid of every plural message in a language's catalogs."""
    found: dict[str, str] = {}
    for po_path in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        with po_path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if isinstance(message.id, tuple):
                    found[message.id[0]] = message.id[1]
    return found


@pytest.fixture(scope="module")
def messages():
    return extracted_messages()


def test_extraction_finds_python_template_and_email_strings(messages):
    assert "This username is taken." in messages  # N_ in Python
    assert "Use at least %(n)s characters." in messages  # Msg in Python
    assert "Skip to content" in messages  # a template
    assert "Hello %(name)s," in messages  # an e-mail template


@pytest.mark.parametrize("language", SHIPPED)
def test_every_message_is_translated(messages, language):
    catalog = merged_catalog(language)
    missing = [f"{where}: {msgid!r}" for msgid, where in sorted(messages.items(), key=lambda i: i[1]) if msgid not in catalog]
    assert not missing, f"{len(missing)} messages lack a {language} translation:\n" + "\n".join(missing)


@pytest.mark.parametrize("language", SHIPPED)
def test_translations_keep_the_placeholders(language):
    plurals = plural_ids(language)
    wrong = []
    for msgid, text in merged_catalog(language).items():
        if msgid in plurals:
            # A form may leave out %(num)s ("one flag"), but never name a parameter the English lacks.
            allowed = set(PLACEHOLDER_RE.findall(msgid)) | set(PLACEHOLDER_RE.findall(plurals[msgid]))
            if any(set(PLACEHOLDER_RE.findall(form)) - allowed for form in text.split("\n")):
                wrong.append(f"{msgid!r} -> {text!r}")
        elif set(PLACEHOLDER_RE.findall(msgid)) != set(PLACEHOLDER_RE.findall(text)):
            wrong.append(f"{msgid!r} -> {text!r}")
    assert not wrong, "translations whose %(name)s placeholders differ from the English:\n" + "\n".join(wrong)


@pytest.mark.parametrize("language", SHIPPED)
def test_catalogs_parse_and_declare_utf8(language):
    for po_path in (LOCALE_DIR / language / "LC_MESSAGES").glob("*.po"):
        assert 'charset=UTF-8' in po_path.read_text(encoding="utf-8").split("\n\n", 1)[0], po_path
        with po_path.open("rb") as handle:
            read_po(handle, locale=language)


def test_accept_language_picks_german(client):
    page = client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert '<html lang="de">' in page.text
    assert "Passwort vergessen?" in page.text
    assert "Forgot your password?" not in page.text


def test_accept_language_weights_decide(client):
    page = client.get("/login", headers={"Accept-Language": "fr;q=1.0, nl;q=0.8, de;q=0.3"})
    assert '<html lang="nl">' in page.text
    assert "Wachtwoord vergeten?" in page.text


def test_unknown_language_falls_back_to_english(client):
    page = client.get("/login", headers={"Accept-Language": "ja"})
    assert '<html lang="en">' in page.text
    assert "Forgot your password?" in page.text


def test_members_preference_beats_the_browser(client, db):
    member = make_user(db, username="anke", locale="nl")
    log_in(client, member)
    page = client.get("/", headers={"Accept-Language": "de"})
    assert '<html lang="nl">' in page.text
    assert "Uitloggen" in page.text


def test_changing_the_preference_changes_the_language(client, db):
    member = make_user(db, username="anke")
    log_in(client, member)
    post_form(client, "/u/anke/preferences", {"display_name": "Anke", "bio": "", "locale": "de"})
    assert db.scalar(select(User.locale).where(User.id == member.id)) == "de"
    assert "Abmelden" in client.get("/", headers={"Accept-Language": "nl"}).text


def test_field_messages_and_flashes_are_translated(client, db):
    make_user(db, username="taken")
    page = post_form(
        client,
        "/register",
        {"username": "taken", "email": "x@example.org", "password": "short"},
        headers={"Accept-Language": "de"},
    )
    assert page.status_code == 422
    assert "Dieser Benutzername ist schon vergeben." in page.text
    assert "Verwende mindestens 10 Zeichen." in page.text
    assert "Bitte korrigiere die markierten Felder." in page.text


def test_emails_are_written_in_the_members_language(client, db):
    from tests.factories import last_email

    make_user(db, username="anke", email="anke@example.org", locale="de")
    post_form(client, "/reset", {"email": "anke@example.org"})
    mail = last_email(db, "password_reset", "anke@example.org")
    assert mail.subject.endswith("Passwort zurücksetzen")
    assert "Hallo Anke," in mail.body_text


def test_registration_remembers_the_browser_language_for_emails(client, db):
    from tests.factories import last_email

    post_form(
        client,
        "/register",
        {"username": "joost", "email": "joost@example.org", "password": "copper-kettle-midnight-91"},
        headers={"Accept-Language": "nl"},
    )
    assert db.scalar(select(User.locale).where(User.username_key == "joost")) == "nl"
    assert "Bevestig je e-mailadres" in last_email(db, "verify_email", "joost@example.org").subject


def test_counted_messages_take_the_languages_plural_form():
    from app.i18n import nMsg, translate
    from app.web import translations_for

    german = translations_for("de")
    assert translate(german, nMsg("%(num)s reply", "%(num)s replies", 1)) == "1 Antwort"
    assert translate(german, nMsg("%(num)s reply", "%(num)s replies", 3)) == "3 Antworten"
    assert nMsg("%(num)s reply", "%(num)s replies", 1) == "1 reply"  # the API reads English


def test_topic_lists_count_replies_in_the_viewers_language(client, db):
    from tests.forum_factories import make_category, make_reply, make_topic

    category = make_category(db)
    one = make_topic(db, category=category, title="Display stays dark after the update")
    make_reply(db, topic=one)
    three = make_topic(db, category=category, title="Schedule skips the morning program")
    for _ in range(3):
        make_reply(db, topic=three)
    page = client.get("/latest", headers={"Accept-Language": "nl"}).text
    assert "1 reactie<" in page and "3 reacties<" in page
    assert "1 reacties" not in page


@pytest.mark.parametrize("language", SHIPPED)
def test_header_links_have_distinct_names_in_every_language(language):
    header = (ROOT / "templates" / "base.html").read_text()
    labels = sorted(set(re.findall(r'_\("([^"]+)"\)', header)))
    catalog = merged_catalog(language)
    translated = [catalog.get(label, label) for label in labels]
    duplicates = {text for text in translated if translated.count(text) > 1}
    assert not duplicates, f"{language}: several header links read {duplicates}"
