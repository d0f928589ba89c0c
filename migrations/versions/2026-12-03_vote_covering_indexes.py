"""Covering indexes on post_vote for per-member vote aggregates (ambassador backtest rules).

Votes received per author, upvote days and distinct upvoters walk each author's posts
(ix_post_author_created) and read each post's votes from ix_post_vote_post_created alone; votes
given per voter read ix_post_vote_voter_created alone. Without them SQLite sorted a million joined
rows per statement. ix_post_vote_post (post_id) is a prefix of the new post index and goes.

Revision ID: 0011_vote_covering_indexes
Revises: 0016_insights_rollups
Create Date: 2026-12-03
"""

from alembic import op


revision = '0011_vote_covering_indexes'
down_revision = '0016_insights_rollups'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_post_vote_post_created", "post_vote", ["post_id", "created_at", "value", "voter_id"])
    op.create_index("ix_post_vote_voter_created", "post_vote", ["voter_id", "created_at", "value", "post_id"])
    op.drop_index("ix_post_vote_post", table_name="post_vote")


def downgrade() -> None:
    op.create_index("ix_post_vote_post", "post_vote", ["post_id"])
    op.drop_index("ix_post_vote_voter_created", table_name="post_vote")
    op.drop_index("ix_post_vote_post_created", table_name="post_vote")
