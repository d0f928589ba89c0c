"""The mini dump lands in Hearth the way a community manager would expect to see it."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import func, select

from app.accounts.models import User, UserVisit
from app.forum import search
from app.forum.models import Category, Post, PostRevision, PostVote, Tag, Topic, TopicTag
from app.forum.counters import counter_drift
from app.forum.votes import score_drift
from app.importers.models import ImportedAward, ModeratorNomination
from app.karma.models import KarmaCapDay, KarmaEntry
from app.security import verify_password
from app.web import Viewer
from tests.conftest import make_settings
from tests.importers.conftest import run_import, target


def _utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def _member(db, source_id: int) -> User:
    return db.get(User, target(db, "user", source_id))


def _post(db, source_id: int, kind: str = "post") -> Post:
    return db.get(Post, target(db, kind, source_id))


def test_members_keep_name_date_and_about_but_no_email_or_usable_password(db, settings, imported):
    alice = _member(db, 1)
    assert alice.display_name == "Alice Brewer"
    assert alice.created_at == _utc(2019, 10, 30, 9)
    assert alice.bio == "I brew & taste.\n\nMy blog"
    assert alice.email is None and alice.email_key is None
    assert alice.is_imported
    assert not verify_password(settings, "", alice.password_hash)
    assert not verify_password(settings, alice.password_hash, alice.password_hash)
    dave = _member(db, 4)
    assert dave.display_name == "Dåve Ünïcode"
    assert dave.username == "dave-unicode.mini4"
    usernames = db.scalars(select(User.username_key)).all()
    assert len(usernames) == len(set(usernames))


def test_questions_become_public_question_topics_with_tags_in_one_category(db, imported):
    category = db.scalar(select(Category).where(Category.slug == "mini-se"))
    assert category.visibility == "public"
    assert category.topic_count == 2
    topic = db.get(Topic, target(db, "topic", 10))
    assert topic.category_id == category.id
    assert topic.kind == "question"
    assert topic.title == "Which hops smell like citrus fruit?"
    assert topic.author_id == _member(db, 1).id
    tags = db.scalars(
        select(Tag.name).join(TopicTag, TopicTag.tag_id == Tag.id).where(TopicTag.topic_id == topic.id).order_by(Tag.name)
    ).all()
    assert tags == ["hops", "ipa"]
    assert db.scalar(select(Tag.topic_count).where(Tag.name == "hops")) == 1
    assert db.scalar(select(Tag.id).where(Tag.name == "unused-tag")) is None
    closed = db.get(Topic, target(db, "topic", 13))
    assert closed.locked


def test_every_post_links_its_original_and_names_its_author(db, imported):
    question = _post(db, 10)
    assert 'href="https://mini.stackexchange.com/q/10"' in question.body_html
    assert "Alice Brewer" in question.body_html
    assert "<strong>citrus</strong>" in question.body_html
    assert "<script" not in question.body_html and "alert(1)" not in question.body_html
    answer = _post(db, 14)
    assert answer.author_id is None
    assert "Originally posted by Ghost" in answer.body_html
    assert 'href="https://mini.stackexchange.com/a/14"' in answer.body_html
    comment = _post(db, 103, "comment")
    assert "Originally posted by Passer-by" in comment.body_html
    assert "https://mini.stackexchange.com/posts/comments/103" in comment.body_html
    # The attribution is part of the source too, so an edit in Hearth keeps it.
    assert "https://mini.stackexchange.com/q/10" in question.body_source


def test_answers_and_comments_become_replies_in_the_order_they_were_written(db, imported):
    topic_id = target(db, "topic", 10)
    thread = db.execute(
        select(Post.post_number, Post.id, Post.reply_to_post_id).where(Post.topic_id == topic_id).order_by(Post.post_number)
    ).all()
    expected = [
        (1, _post(db, 10).id, None),
        (2, _post(db, 11).id, None),
        (3, _post(db, 100, "comment").id, _post(db, 10).id),
        (4, _post(db, 101, "comment").id, _post(db, 11).id),
        (5, _post(db, 12).id, None),
    ]
    assert [tuple(row) for row in thread] == expected
    assert "<strong>exactly</strong>" in _post(db, 101, "comment").body_html


def test_accepted_answer_carries_the_date_of_the_accept_vote(db, imported):
    topic = db.get(Topic, target(db, "topic", 10))
    assert topic.accepted_post_id == _post(db, 11).id
    assert topic.accepted_at == _utc(2019, 11, 4)
    assert topic.accepted_by_id == _member(db, 1).id
    assert db.get(Topic, target(db, "topic", 13)).accepted_post_id is None


def test_edit_history_becomes_revisions_and_the_markdown_becomes_the_source(db, imported):
    question = _post(db, 10)
    [revision] = db.scalars(select(PostRevision).where(PostRevision.post_id == question.id)).all()
    assert revision.number == 1
    assert revision.editor_id == _member(db, 2).id
    assert revision.created_at == _utc(2019, 11, 5, 10)
    assert revision.old_source == "Which hops give a beer that citrus smell?"
    assert revision.new_source == "Which hops give a beer that **citrus** smell?"
    assert (revision.old_title, revision.new_title) == ("Which hops smell like citrus?", "Which hops smell like citrus fruit?")
    assert question.edit_count == 1 and question.edited_at == _utc(2019, 11, 5, 10)
    assert question.body_source.startswith("Which hops give a beer that **citrus** smell?")
    assert db.scalar(select(func.count()).select_from(PostRevision).where(PostRevision.post_id == _post(db, 11).id)) == 0
    # Post 13 has no history in the dump: its source is Markdown converted from the HTML.
    assert _post(db, 13).body_source.startswith("How cold should a stout be when served?\n")
    assert "<p>" not in _post(db, 13).body_source
    assert "- *Imperial* stout" in _post(db, 13).body_source


def test_votes_come_from_anonymous_voters_and_give_scores_and_karma(db, imported):
    assert _post(db, 10).score == 2
    assert _post(db, 11).score == 1
    assert _post(db, 12).score == -1
    assert _post(db, 14).score == 1
    voters = db.scalars(select(User).join(PostVote, PostVote.voter_id == User.id).distinct()).all()
    assert voters and all(v.is_imported and v.email is None and "Anonymous voter" in v.display_name for v in voters)
    members = {target(db, "user", n) for n in (-1, 1, 2, 3, 4)}
    assert not members & {v.id for v in voters}
    # Alice: 2 question upvotes before 2019-11-13 (+5 each) and +2 for accepting an answer.
    # Bob: 2 answer upvotes (+10), 1 downvote (-2), accepted (+15), a question upvote after 2019-11-13 (+10).
    assert (_member(db, 1).karma, _member(db, 2).karma, _member(db, 3).karma) == (12, 43, -2)
    assert all(v.karma == 0 for v in voters)
    rows = db.execute(
        select(KarmaEntry.reason, KarmaEntry.delta, KarmaEntry.created_at)
        .where(KarmaEntry.user_id == _member(db, 2).id)
        .order_by(KarmaEntry.created_at, KarmaEntry.reason)
    ).all()
    assert [tuple(r) for r in rows] == [
        ("upvote", 10, _utc(2019, 11, 2)),
        ("upvote", 10, _utc(2019, 11, 2)),
        ("downvote", -2, _utc(2019, 11, 3)),
        ("answer_accepted", 15, _utc(2019, 11, 4)),
        ("upvote", 10, _utc(2019, 11, 21)),
    ]
    assert score_drift(db) == []


def test_daily_vote_cap_limits_vote_karma_but_not_the_vote(db):
    settings = make_settings("sqlite://", karma_daily_vote_cap=15)
    run_import(db, settings)
    bob = _member(db, 2)
    grants = db.execute(
        select(KarmaEntry.delta, KarmaEntry.note)
        .where(KarmaEntry.user_id == bob.id, KarmaEntry.reason == "upvote", KarmaEntry.created_at == _utc(2019, 11, 2))
        .order_by(KarmaEntry.delta.desc())
    ).all()
    assert [r.delta for r in grants] == [10, 5]
    assert grants[1].note == "Daily vote cap reached"
    assert bob.karma == 38
    assert _post(db, 11).score == 1
    assert db.scalar(
        select(KarmaCapDay.granted).where(KarmaCapDay.user_id == bob.id, KarmaCapDay.day == date(2019, 11, 2))
    ) == 15


def test_badges_are_kept_as_imported_awards_and_nominations_as_ground_truth(db, imported):
    awards = db.execute(select(ImportedAward.user_id, ImportedAward.name, ImportedAward.tag_based).order_by(ImportedAward.id)).all()
    assert [tuple(a) for a in awards] == [
        (_member(db, 1).id, "Student", False),
        (_member(db, 4).id, "Autobiographer", False),
        (_member(db, 2).id, "hops", True),
    ]
    [nomination] = db.scalars(select(ModeratorNomination)).all()
    assert nomination.user_id == _member(db, 3).id
    assert nomination.score == 3
    assert "help moderate" in nomination.body_html
    assert not any("help moderate" in html for html in db.scalars(select(Post.body_html)))  # kept compressed on SQLite


def test_activity_days_become_derived_visits(db, imported):
    def days(source_id):
        return set(
            db.scalars(select(UserVisit.day).where(UserVisit.user_id == target(db, "user", source_id), UserVisit.derived.is_(True)))
        )

    # Carol: joined, commented, answered (once to a question that is gone: still a day she was there),
    # nominated herself and favourited a question (a vote whose voter is known).
    assert days(3) == {
        date(2019, 10, 31), date(2019, 11, 2), date(2019, 11, 3), date(2019, 11, 22), date(2019, 11, 28), date(2019, 12, 1)
    }
    # Alice: joined, asked, got a badge (same day), commented, accepted an answer.
    assert days(1) == {date(2019, 10, 30), date(2019, 11, 1), date(2019, 11, 3), date(2019, 11, 4)}
    assert days(-1) == set()
    assert db.scalar(select(func.count()).select_from(UserVisit).where(UserVisit.derived.is_(False))) == 0


def test_forum_counters_match_a_recount(db, imported):
    topic = db.get(Topic, target(db, "topic", 10))
    assert (topic.reply_count, topic.highest_post_number) == (4, 5)
    assert topic.last_posted_at == _utc(2019, 11, 3, 9)
    assert topic.last_poster_id == _member(db, 3).id
    assert topic.first_response_post_id == _post(db, 11).id
    assert topic.first_response_seconds == 24 * 3600
    assert counter_drift(db) == []


def test_the_summary_says_what_was_skipped_and_why(imported):
    files = imported.files
    assert (files["Users"].read, files["Users"].imported) == (5, 5)
    assert files["Posts"].imported == 6
    assert files["Posts"].skipped == {"answer whose question is not in the dump": 1, "tag wiki (no Hearth equivalent)": 1}
    assert files["Comments"].skipped["comment on a post that is not imported (tag wiki, deleted, nomination)"] == 1
    assert files["Votes"].skipped["vote type 99 (no Hearth equivalent)"] == 1
    assert files["Votes"].skipped["votes on posts that are not imported (tag wikis, deleted posts)"] == 1
    assert files["Badges"].skipped["badges of users not in Users.xml"] == 1
    assert imported.rows_read == 48
    assert imported.correlated_members == 3
    assert imported.correlation is not None


def test_imported_posts_are_found_by_search(db, imported):
    results = search.search_posts(db, Viewer(), "mosaic")
    assert [hit.post_id for hit in results.hits] == [_post(db, 11).id]
    assert search.search_posts(db, Viewer(), "stout").total >= 1
