"""Daily roll-ups of the health dashboard (per day, per day and category, per contributor and day),
the narrow per-question response times, and the stale-day marks; filled by the upkeep job or
`hearth insights rebuild`.

Revision ID: 0016_insights_rollups
Revises: 0014_uploads
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = '0016_insights_rollups'
down_revision = '0014_uploads'
branch_labels = None
depends_on = None

CATEGORY_COUNTS = ("topics", "questions", "replies", "answered", "within_day", "solved", "staff_first", "community_first",
                   "staff_accepted", "community_accepted", "ideas_proposed", "idea_votes", "idea_changes", "ideas_shipped",
                   "first_timed", "accepted_timed", "staff_timed")


def upgrade() -> None:
    op.create_table('insight_site_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('signups', sa.Integer(), nullable=False),
    sa.Column('active', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_insight_site_day'))
    )
    op.create_table('insight_category_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('category_id', sa.Integer(), autoincrement=False, nullable=False),
    *[sa.Column(name, sa.Integer(), nullable=False) for name in CATEGORY_COUNTS],
    sa.PrimaryKeyConstraint('day', 'category_id', name=op.f('pk_insight_category_day'))
    )
    op.create_table('insight_contributor_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('category_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('replies', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'category_id', 'user_id', name=op.f('pk_insight_contributor_day'))
    )
    op.create_index('ix_insight_contributor_day_category', 'insight_contributor_day', ['category_id', 'day'], unique=False)
    op.create_index('ix_insight_contributor_day_accepted', 'insight_contributor_day', ['accepted', 'day', 'user_id'], unique=False)
    op.create_index('ix_insight_contributor_day_category_accepted', 'insight_contributor_day', ['category_id', 'accepted', 'day', 'user_id'], unique=False)
    op.create_index('ix_insight_contributor_day_user', 'insight_contributor_day', ['user_id', 'day', 'category_id', 'replies', 'accepted'], unique=False)
    op.create_table('insight_question',
    sa.Column('topic_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_response_seconds', sa.Integer(), nullable=True),
    sa.Column('accepted_seconds', sa.Integer(), nullable=True),
    sa.Column('staff_response_seconds', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('topic_id', name=op.f('pk_insight_question'))
    )
    op.create_index('ix_insight_question_asked', 'insight_question', ['asked_at'], unique=False)
    for metric in ("first", "accepted", "staff"):
        column = {"first": "first_response_seconds", "accepted": "accepted_seconds", "staff": "staff_response_seconds"}[metric]
        op.create_index(f'ix_insight_question_{metric}', 'insight_question', [column, 'asked_at'], unique=False)
        op.create_index(f'ix_insight_question_category_{metric}', 'insight_question', ['category_id', column, 'asked_at'], unique=False)
    op.create_table('insight_visit',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('previous_day', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('day', 'user_id', name=op.f('pk_insight_visit'))
    )
    op.create_index('ix_insight_visit_day_previous', 'insight_visit', ['day', 'previous_day'], unique=False)
    op.create_table('insight_stale_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_insight_stale_day'))
    )


def downgrade() -> None:
    op.drop_table('insight_stale_day')
    op.drop_index('ix_insight_visit_day_previous', table_name='insight_visit')
    op.drop_table('insight_visit')
    for metric in ("first", "accepted", "staff"):
        op.drop_index(f'ix_insight_question_category_{metric}', table_name='insight_question')
        op.drop_index(f'ix_insight_question_{metric}', table_name='insight_question')
    op.drop_index('ix_insight_question_asked', table_name='insight_question')
    op.drop_table('insight_question')
    op.drop_index('ix_insight_contributor_day_user', table_name='insight_contributor_day')
    op.drop_index('ix_insight_contributor_day_category_accepted', table_name='insight_contributor_day')
    op.drop_index('ix_insight_contributor_day_accepted', table_name='insight_contributor_day')
    op.drop_index('ix_insight_contributor_day_category', table_name='insight_contributor_day')
    op.drop_table('insight_contributor_day')
    op.drop_table('insight_site_day')
    op.drop_table('insight_category_day')
