"""Performance: indexes that match each topic list's ORDER BY and filters.

ix_topic_latest (last_posted_at, id) serves the front page and /latest and replaces ix_topic_activity;
ix_topic_category_latest (category_id, pinned, last_posted_at, id) serves category pages (pinned
first) and replaces ix_topic_category_activity; partial copies of ix_topic_latest hold only
unanswered questions and solved topics; topic_tag gets (tag_id, topic_id) instead of (tag_id);
idea_vote gets (idea_id, created_at) for the idea board's recent-vote counts.

SQLite search: `post_search` was an FTS5 table holding its own copy of every post's text (20 % of
the database). It becomes an external-content FTS5 index over the view `post_search_source`
(visible posts: id, topic_id, title for first posts, the Markdown source as body), kept in step by
triggers on `post` and `topic` that remove a post's entry with the values indexed before a change
and add it back after. It keeps no token positions (detail=column: queries are words, never
phrases; snippets re-tokenize the page's rows), which halves the index. PostgreSQL keeps its tsvector table (it holds lexemes, not text).

Revision ID: 0013_performance
Revises: 0008_invitations
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = '0013_performance'
down_revision = '0009_reliability'
branch_labels = None
depends_on = None

UNANSWERED = "kind = 'question' AND first_response_post_id IS NULL"
SOLVED = "accepted_post_id IS NOT NULL"
TOKENIZE = "tokenize = 'porter unicode61 remove_diacritics 2'"
# U+E000/U+E001 mark highlights in snippets; indexed text never contains them.
CLEAN = "replace(replace({}, char(57344), ''), char(57345), '')"
SOURCE_VIEW = f"""
CREATE VIEW post_search_source AS
SELECT p.id AS id, p.topic_id AS topic_id,
       CASE WHEN p.post_number = 1 THEN {CLEAN.format('t.title')} ELSE '' END AS title,
       {CLEAN.format('p.body_source')} AS body
FROM post p JOIN topic t ON t.id = p.topic_id
WHERE p.hidden_at IS NULL AND p.deleted_at IS NULL AND t.hidden_at IS NULL
"""
REMOVE = "INSERT INTO post_search(post_search, rowid, title, body) SELECT 'delete', id, title, body FROM post_search_source WHERE {};"
ADD = "INSERT INTO post_search(rowid, title, body) SELECT id, title, body FROM post_search_source WHERE {};"
POST_CHANGED = (
    "OLD.body_source IS NOT NEW.body_source OR OLD.hidden_at IS NOT NEW.hidden_at "
    "OR OLD.deleted_at IS NOT NEW.deleted_at OR OLD.topic_id IS NOT NEW.topic_id OR OLD.post_number IS NOT NEW.post_number"
)
POST_COLUMNS = "body_source, hidden_at, deleted_at, topic_id, post_number"
TITLE_ONLY = "OLD.title IS NOT NEW.title AND OLD.hidden_at IS NEW.hidden_at"
TRIGGERS = {
    "post_search_post_insert": f"AFTER INSERT ON post BEGIN {ADD.format('id = NEW.id')} END",
    "post_search_post_delete": f"BEFORE DELETE ON post BEGIN {REMOVE.format('id = OLD.id')} END",
    "post_search_post_before": f"BEFORE UPDATE OF {POST_COLUMNS} ON post WHEN {POST_CHANGED} "
                               f"BEGIN {REMOVE.format('id = OLD.id')} END",
    "post_search_post_after": f"AFTER UPDATE OF {POST_COLUMNS} ON post WHEN {POST_CHANGED} "
                              f"BEGIN {ADD.format('id = NEW.id')} END",
    "post_search_topic_before": "BEFORE UPDATE OF hidden_at ON topic WHEN OLD.hidden_at IS NOT NEW.hidden_at "
                                f"BEGIN {REMOVE.format('topic_id = OLD.id')} END",
    "post_search_topic_after": "AFTER UPDATE OF hidden_at ON topic WHEN OLD.hidden_at IS NOT NEW.hidden_at "
                               f"BEGIN {ADD.format('topic_id = NEW.id')} END",
    "post_search_title_before": f"BEFORE UPDATE OF title ON topic WHEN {TITLE_ONLY} BEGIN "
                                + REMOVE.format("id = (SELECT id FROM post WHERE topic_id = OLD.id AND post_number = 1)")
                                + " END",
    "post_search_title_after": f"AFTER UPDATE OF title ON topic WHEN {TITLE_ONLY} BEGIN "
                               + ADD.format("id = (SELECT id FROM post WHERE topic_id = NEW.id AND post_number = 1)")
                               + " END",
}


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _external_content_search() -> None:
    op.execute("DROP TABLE post_search")
    op.execute(SOURCE_VIEW)
    op.execute(
        "CREATE VIRTUAL TABLE post_search USING fts5(title, body, content='post_search_source', "
        f"content_rowid='id', detail=column, {TOKENIZE})"
    )
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute("INSERT INTO post_search(post_search) VALUES('rebuild')")


def _own_copy_search() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE post_search")
    op.execute(f"CREATE VIRTUAL TABLE post_search USING fts5(title, body, {TOKENIZE})")
    op.execute("INSERT INTO post_search(rowid, title, body) SELECT id, title, body FROM post_search_source")
    op.execute("DROP VIEW post_search_source")


def _partial(name: str, where: str) -> None:
    op.create_index(
        name, 'topic', ['last_posted_at', 'id'], unique=False,
        sqlite_where=sa.text(where), postgresql_where=sa.text(where),
    )


def upgrade() -> None:
    op.drop_index('ix_topic_activity', table_name='topic')
    op.drop_index('ix_topic_category_activity', table_name='topic')
    op.create_index('ix_topic_latest', 'topic', ['last_posted_at', 'id'], unique=False)
    op.create_index(
        'ix_topic_category_latest', 'topic', ['category_id', 'pinned', 'last_posted_at', 'id'], unique=False
    )
    _partial('ix_topic_unanswered', UNANSWERED)
    _partial('ix_topic_solved', SOLVED)
    op.drop_index('ix_topic_tag_tag_id', table_name='topic_tag')
    op.create_index('ix_topic_tag_tag_topic', 'topic_tag', ['tag_id', 'topic_id'], unique=False)
    op.create_index('ix_idea_vote_idea_created', 'idea_vote', ['idea_id', 'created_at'], unique=False)
    if _sqlite():
        _external_content_search()


def downgrade() -> None:
    if _sqlite():
        _own_copy_search()  # filled from the Markdown source; the old search.reindex_all re-renders it
    op.drop_index('ix_idea_vote_idea_created', table_name='idea_vote')
    op.drop_index('ix_topic_tag_tag_topic', table_name='topic_tag')
    op.create_index('ix_topic_tag_tag_id', 'topic_tag', ['tag_id'], unique=False)
    for name in ('ix_topic_solved', 'ix_topic_unanswered', 'ix_topic_category_latest', 'ix_topic_latest'):
        op.drop_index(name, table_name='topic')
    op.create_index('ix_topic_category_activity', 'topic', ['category_id', 'last_posted_at'], unique=False)
    op.create_index('ix_topic_activity', 'topic', ['last_posted_at'], unique=False)
