"""Re-running, importing beside other content, broken files, and the `hearth import` command."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from app import cli as cli_module
from app.accounts.models import User
from app.db import make_engine, make_session_factory
from app.forum.models import Category, Post, Tag, Topic
from app.importers.stackexchange import ImportProblem
from app.importers.stackexchange_reader import DumpError
from tests.conftest import make_settings
from tests.factories import make_user
from tests.forum_factories import make_category, make_reply, make_topic
from tests.importers.conftest import MINI, run_import, table_counts, target


def test_running_the_same_import_again_changes_nothing(db, settings, imported):
    before = table_counts(db)
    karma = dict(db.execute(select(User.id, User.karma)).all())
    counters = db.execute(select(Topic.id, Topic.reply_count, Topic.last_posted_at, Topic.accepted_post_id)).all()
    again = run_import(db, settings)
    assert table_counts(db) == before
    assert dict(db.execute(select(User.id, User.karma)).all()) == karma
    assert db.execute(select(Topic.id, Topic.reply_count, Topic.last_posted_at, Topic.accepted_post_id)).all() == counters
    assert all(stats.imported == 0 for stats in again.files.values())
    assert again.files["Tags"].already == 4
    assert again.files["Posts"].already == 6
    assert again.files["Votes"].already == 9


def test_content_already_in_hearth_stays_intact(db, settings):
    native_author = make_user(db, username="native", display_name="Native")
    category = make_category(db, slug="support")
    topic = make_topic(db, author=native_author, category=category, title="Our own hops question", tags=["hops"])
    make_reply(db, topic=topic)
    before = db.execute(select(Post.id, Post.body_html, Post.score, Post.topic_id, Post.post_number)).all()
    topic_row = db.execute(select(Topic.id, Topic.reply_count, Topic.last_posted_at, Topic.category_id)).all()
    run_import(db, settings)
    assert db.execute(select(Post.id, Post.body_html, Post.score, Post.topic_id, Post.post_number).where(
        Post.id.in_([row.id for row in before]))).all() == before
    assert db.execute(select(Topic.id, Topic.reply_count, Topic.last_posted_at, Topic.category_id).where(
        Topic.id == topic.id)).all() == topic_row
    assert db.get(Category, category.id).topic_count == 1
    assert db.get(User, native_author.id).karma == 0 and not db.get(User, native_author.id).is_imported
    # The tag is shared: it now counts the native topic and the imported one.
    assert db.scalar(select(Tag.topic_count).where(Tag.name == "hops")) == 2


def test_a_category_slug_taken_by_other_content_stops_the_import(db, settings):
    make_category(db, slug="mini-se")
    before = table_counts(db)
    with pytest.raises(ImportProblem, match="mini-se"):
        run_import(db, settings)
    assert table_counts(db) == before


def _break(directory, name: str, old: str, new: str) -> None:
    path = directory / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_malformed_row_names_the_file_and_row_and_writes_nothing(db, settings, mini_copy):
    _break(mini_copy, "Votes.xml", '<row Id="3" PostId="11"', '<row Id="3" PostId=11')
    before = table_counts(db)
    with pytest.raises(DumpError) as caught:
        run_import(db, settings, mini_copy)
    assert caught.value.file == "Votes.xml"
    assert caught.value.row == 3
    assert "malformed" in str(caught.value) and "line 5" in str(caught.value)
    assert table_counts(db) == before


def test_a_truncated_file_names_the_file_and_row_and_writes_nothing(db, settings, mini_copy):
    path = mini_copy / "Comments.xml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index('<row Id="102"') + 20], encoding="utf-8")
    before = table_counts(db)
    with pytest.raises(DumpError) as caught:
        run_import(db, settings, mini_copy)
    assert caught.value.file == "Comments.xml"
    assert caught.value.row == 3
    assert "ends early" in str(caught.value)
    assert table_counts(db) == before


def test_an_unreadable_value_names_the_file_row_and_field(db, settings, mini_copy):
    _break(mini_copy, "Posts.xml", 'CreationDate="2019-11-03T09:00:00.000"', 'CreationDate="yesterday"')
    with pytest.raises(DumpError, match=r"Posts\.xml, row 3: \(Id=12\) CreationDate 'yesterday' is not a date"):
        run_import(db, settings, mini_copy)


def test_a_missing_required_file_is_named(db, settings, mini_copy):
    (mini_copy / "Users.xml").unlink()
    with pytest.raises(DumpError, match=r"Users\.xml: not found"):
        run_import(db, settings, mini_copy)


def test_imported_topics_browse_like_forum_topics(db, client, imported):
    category_page = client.get("/c/mini-se")
    assert category_page.status_code == 200
    assert "Which hops smell like citrus fruit?" in category_page.text
    topic = db.get(Topic, target(db, "topic", 10))
    link = re.search(rf'href="(/t/{topic.id}[^"#?]*)"', category_page.text).group(1)
    page = client.get(link)
    assert page.status_code == 200
    assert "https://mini.stackexchange.com/q/10" in page.text
    assert "Citra and Mosaic, mostly." in page.text
    assert "Do you mean in the aroma or the taste?" in page.text


def _cli_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return table_counts(session)
    finally:
        engine.dispose()


def test_the_command_commits_once_prints_the_summary_and_can_run_twice(make_database, monkeypatch):
    url = make_database()
    monkeypatch.setattr(cli_module, "get_settings", lambda: make_settings(url))
    runner = CliRunner()
    first = runner.invoke(cli_module.cli, ["import", "stackexchange", str(MINI)], env={"COLUMNS": "200"})
    assert first.exit_code == 0, first.output
    assert "Stack Exchange import: mini" in first.output
    assert re.search(r"48 rows in [\d.]+ s \([\d,]+ rows/s\)", first.output)
    assert "Pearson correlation" in first.output
    after_first = _cli_counts(url)
    assert after_first["topic"] == 2 and after_first["import_source"] > 0
    second = runner.invoke(cli_module.cli, ["import", "stackexchange", str(MINI), "--site", "mini"], env={"COLUMNS": "200"})
    assert second.exit_code == 0, second.output
    assert _cli_counts(url) == after_first


def test_the_command_reports_a_broken_dump_and_leaves_the_database_empty(make_database, monkeypatch, mini_copy):
    url = make_database()
    monkeypatch.setattr(cli_module, "get_settings", lambda: make_settings(url))
    _break(mini_copy, "Badges.xml", 'Name="Student"', 'Name=Student')
    before = _cli_counts(url)
    result = CliRunner().invoke(cli_module.cli, ["import", "stackexchange", str(mini_copy)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "nothing was saved" in result.output and "Badges.xml, row 1" in result.output
    assert _cli_counts(url) == before
    assert before["user_account"] == 0
