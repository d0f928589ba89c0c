"""Search variants: hyphenated words are indexed joined as well ("Wi-Fi" is found by "wifi").

SQLite: the view `post_search_source` gains `title_joined` and `body_joined`, the title and body with
their hyphens removed when they contain one (empty otherwise), and the FTS5 index gets those two
columns; the triggers are recreated for the four columns and the index is rebuilt. SQL cannot pick out
only the hyphenated words, so the joined columns repeat the other words of such a text; they weigh
half as much in bm25 so they mostly add the joined words.

PostgreSQL: every indexed document gains the joined forms of its title's (weight A) and body's
(weight B) hyphenated words, as `search.index_post` now writes them.

Revision ID: 0016_search_variants
Revises: 0011_vote_covering_indexes
Create Date: 2026-12-03
"""

from alembic import op


revision = '0016_search_variants'
down_revision = '0011_vote_covering_indexes'
branch_labels = None
depends_on = None

TOKENIZE = "tokenize = 'porter unicode61 remove_diacritics 2'"
CLEAN = "replace(replace({}, char(57344), ''), char(57345), '')"
TITLE = f"CASE WHEN p.post_number = 1 THEN {CLEAN.format('t.title')} ELSE '' END"
BODY = CLEAN.format("p.body_source")
JOINED = "CASE WHEN instr({0}, '-') > 0 THEN replace({0}, '-', '') ELSE '' END"


def _view(with_joined: bool) -> str:
    joined = f", {JOINED.format(TITLE)} AS title_joined, {JOINED.format(BODY)} AS body_joined" if with_joined else ""
    return f"""
CREATE VIEW post_search_source AS
SELECT p.id AS id, p.topic_id AS topic_id, {TITLE} AS title, {BODY} AS body{joined}
FROM post p JOIN topic t ON t.id = p.topic_id
WHERE p.hidden_at IS NULL AND p.deleted_at IS NULL AND t.hidden_at IS NULL
"""


def _triggers(columns: str) -> dict[str, str]:
    remove = (f"INSERT INTO post_search(post_search, rowid, {columns}) SELECT 'delete', id, {columns} "
              "FROM post_search_source WHERE {};")
    add = f"INSERT INTO post_search(rowid, {columns}) SELECT id, {columns} FROM post_search_source WHERE {{}};"
    post_changed = (
        "OLD.body_source IS NOT NEW.body_source OR OLD.hidden_at IS NOT NEW.hidden_at "
        "OR OLD.deleted_at IS NOT NEW.deleted_at OR OLD.topic_id IS NOT NEW.topic_id OR OLD.post_number IS NOT NEW.post_number"
    )
    post_columns = "body_source, hidden_at, deleted_at, topic_id, post_number"
    title_only = "OLD.title IS NOT NEW.title AND OLD.hidden_at IS NEW.hidden_at"
    first_post = "id = (SELECT id FROM post WHERE topic_id = {}.id AND post_number = 1)"
    return {
        "post_search_post_insert": f"AFTER INSERT ON post BEGIN {add.format('id = NEW.id')} END",
        "post_search_post_delete": f"BEFORE DELETE ON post BEGIN {remove.format('id = OLD.id')} END",
        "post_search_post_before": f"BEFORE UPDATE OF {post_columns} ON post WHEN {post_changed} "
                                   f"BEGIN {remove.format('id = OLD.id')} END",
        "post_search_post_after": f"AFTER UPDATE OF {post_columns} ON post WHEN {post_changed} "
                                  f"BEGIN {add.format('id = NEW.id')} END",
        "post_search_topic_before": "BEFORE UPDATE OF hidden_at ON topic WHEN OLD.hidden_at IS NOT NEW.hidden_at "
                                    f"BEGIN {remove.format('topic_id = OLD.id')} END",
        "post_search_topic_after": "AFTER UPDATE OF hidden_at ON topic WHEN OLD.hidden_at IS NOT NEW.hidden_at "
                                   f"BEGIN {add.format('topic_id = NEW.id')} END",
        "post_search_title_before": f"BEFORE UPDATE OF title ON topic WHEN {title_only} BEGIN "
                                    + remove.format(first_post.format("OLD")) + " END",
        "post_search_title_after": f"AFTER UPDATE OF title ON topic WHEN {title_only} BEGIN "
                                   + add.format(first_post.format("NEW")) + " END",
    }


def _rebuild_sqlite(with_joined: bool) -> None:
    columns = "title, body, title_joined, body_joined" if with_joined else "title, body"
    triggers = _triggers(columns)
    for name in triggers:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE post_search")
    op.execute("DROP VIEW post_search_source")
    op.execute(_view(with_joined))
    op.execute(
        f"CREATE VIRTUAL TABLE post_search USING fts5({columns}, content='post_search_source', "
        f"content_rowid='id', detail=column, {TOKENIZE})"
    )
    for name, body in triggers.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute("INSERT INTO post_search(post_search) VALUES('rebuild')")


# The joined forms of a text's hyphenated words, as app.forum.search_terms.joined_compounds makes them.
PG_JOINED = (
    "coalesce((SELECT string_agg(replace(m[1], '-', ''), ' ') "
    "FROM regexp_matches({}, '([[:alnum:]]+(?:-[[:alnum:]]+)+)', 'g') AS m), '')"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(with_joined=True)
        return
    body_text = "regexp_replace(p.body_html, '<[^>]+>', ' ', 'g')"
    op.execute(
        "UPDATE post_search AS s SET document = s.document"
        f" || setweight(to_tsvector('english', CASE WHEN p.post_number = 1 THEN {PG_JOINED.format('t.title')} ELSE '' END), 'A')"
        f" || setweight(to_tsvector('english', {PG_JOINED.format(body_text)}), 'B')"
        " FROM post AS p JOIN topic AS t ON t.id = p.topic_id WHERE p.id = s.post_id"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(with_joined=False)
    # PostgreSQL keeps the joined words in its documents: they only make more queries match.
