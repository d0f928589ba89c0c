"""Ideas: idea areas (each with a forum category), ideas (thread, status, cached vote count,
merges), idea votes with the active flag of the vote budget, status history and followers.

Revision ID: 0005_ideas
Revises: 0006_ambassadors
Create Date: 2026-11-22
"""

from alembic import op
import sqlalchemy as sa


revision = '0005_ideas'
down_revision = '0006_ambassadors'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('idea_area',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_idea_area_category_id_category')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idea_area')),
    sa.UniqueConstraint('slug', name=op.f('uq_idea_area_slug'))
    )
    with op.batch_alter_table('idea_area', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idea_area_category_id'), ['category_id'], unique=False)

    op.create_table('idea',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('vote_count', sa.Integer(), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('merged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['idea_area.id'], name=op.f('fk_idea_area_id_idea_area')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_idea_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['idea.id'], name=op.f('fk_idea_merged_into_id_idea'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], name=op.f('fk_idea_topic_id_topic')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idea')),
    sa.UniqueConstraint('topic_id', name=op.f('uq_idea_topic_id'))
    )
    with op.batch_alter_table('idea', schema=None) as batch_op:
        batch_op.create_index('ix_idea_area_status', ['area_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_idea_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_idea_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_idea_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_index('ix_idea_votes', ['vote_count', 'created_at'], unique=False)

    op.create_table('idea_follower',
    sa.Column('idea_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['idea_id'], ['idea.id'], name=op.f('fk_idea_follower_idea_id_idea'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_idea_follower_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('idea_id', 'user_id', name=op.f('pk_idea_follower'))
    )
    with op.batch_alter_table('idea_follower', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idea_follower_user_id'), ['user_id'], unique=False)

    op.create_table('idea_status_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idea_id', sa.Integer(), nullable=False),
    sa.Column('old_status', sa.String(length=20), nullable=True),
    sa.Column('new_status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_idea_status_change_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['idea_id'], ['idea.id'], name=op.f('fk_idea_status_change_idea_id_idea'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idea_status_change'))
    )
    with op.batch_alter_table('idea_status_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idea_status_change_idea_id'), ['idea_id'], unique=False)

    op.create_table('idea_vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idea_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['idea_id'], ['idea.id'], name=op.f('fk_idea_vote_idea_id_idea'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_idea_vote_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idea_vote')),
    sa.UniqueConstraint('idea_id', 'user_id', name=op.f('uq_idea_vote_idea_id_user_id'))
    )
    with op.batch_alter_table('idea_vote', schema=None) as batch_op:
        batch_op.create_index('ix_idea_vote_created', ['created_at'], unique=False)
        batch_op.create_index('ix_idea_vote_user_active', ['user_id', 'active'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('idea_vote', schema=None) as batch_op:
        batch_op.drop_index('ix_idea_vote_user_active')
        batch_op.drop_index('ix_idea_vote_created')

    op.drop_table('idea_vote')
    with op.batch_alter_table('idea_status_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idea_status_change_idea_id'))

    op.drop_table('idea_status_change')
    with op.batch_alter_table('idea_follower', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idea_follower_user_id'))

    op.drop_table('idea_follower')
    with op.batch_alter_table('idea', schema=None) as batch_op:
        batch_op.drop_index('ix_idea_votes')
        batch_op.drop_index(batch_op.f('ix_idea_merged_into_id'))
        batch_op.drop_index(batch_op.f('ix_idea_created_at'))
        batch_op.drop_index(batch_op.f('ix_idea_author_id'))
        batch_op.drop_index('ix_idea_area_status')

    op.drop_table('idea')
    with op.batch_alter_table('idea_area', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idea_area_category_id'))

    op.drop_table('idea_area')
