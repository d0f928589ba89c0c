"""Performance: indexes that match each topic list's ORDER BY and filters.

ix_topic_latest (last_posted_at, id) serves the front page and /latest and replaces ix_topic_activity;
ix_topic_category_latest (category_id, pinned, last_posted_at, id) serves category pages (pinned
first) and replaces ix_topic_category_activity; partial copies of ix_topic_latest hold only
unanswered questions and solved topics; topic_tag gets (tag_id, topic_id) instead of (tag_id);
idea_vote gets (idea_id, created_at) for the idea board's recent-vote counts.

Revision ID: 0013_performance
Revises: 0008_invitations
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = '0013_performance'
down_revision = '0008_invitations'
branch_labels = None
depends_on = None

UNANSWERED = "kind = 'question' AND first_response_post_id IS NULL"
SOLVED = "accepted_post_id IS NOT NULL"


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


def downgrade() -> None:
    op.drop_index('ix_idea_vote_idea_created', table_name='idea_vote')
    op.drop_index('ix_topic_tag_tag_topic', table_name='topic_tag')
    op.create_index('ix_topic_tag_tag_id', 'topic_tag', ['tag_id'], unique=False)
    for name in ('ix_topic_solved', 'ix_topic_unanswered', 'ix_topic_category_latest', 'ix_topic_latest'):
        op.drop_index(name, table_name='topic')
    op.create_index('ix_topic_category_activity', 'topic', ['category_id', 'last_posted_at'], unique=False)
    op.create_index('ix_topic_activity', 'topic', ['last_posted_at'], unique=False)
