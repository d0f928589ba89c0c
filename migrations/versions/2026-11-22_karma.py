"""Karma: post votes, the append-only karma ledger, daily cap counters, anti-gaming flags and job
runs, badges, leaderboard settings, and the cached user_account.karma total.

Revision ID: 0003_karma
Revises: 0002_forum
Create Date: 2026-11-22
"""

from alembic import op
import sqlalchemy as sa


revision = '0003_karma'
down_revision = '0002_forum'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('badge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badge')),
    sa.UniqueConstraint('slug', name=op.f('uq_badge_slug'))
    )
    op.create_table('karma_job_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_karma_job_run'))
    )
    with op.batch_alter_table('karma_job_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_karma_job_run_started_at'), ['started_at'], unique=False)

    op.create_table('karma_cap_day',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('granted', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_karma_cap_day_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'day', name=op.f('pk_karma_cap_day'))
    )
    op.create_table('karma_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('fingerprint', sa.String(length=200), nullable=False),
    sa.Column('member_ids', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('karma_reversed', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('job_run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['job_run_id'], ['karma_job_run.id'], name=op.f('fk_karma_flag_job_run_id_karma_job_run'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_karma_flag'))
    )
    with op.batch_alter_table('karma_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_karma_flag_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_karma_flag_key', ['fingerprint', 'created_at'], unique=False)

    op.create_table('karma_setting',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_karma_setting_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_karma_setting'))
    )
    op.create_table('user_badge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('badge_id', sa.Integer(), nullable=False),
    sa.Column('awarded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['badge_id'], ['badge.id'], name=op.f('fk_user_badge_badge_id_badge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_badge_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_badge')),
    sa.UniqueConstraint('user_id', 'badge_id', name=op.f('uq_user_badge_user_id_badge_id'))
    )
    with op.batch_alter_table('user_badge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_badge_badge_id'), ['badge_id'], unique=False)

    op.create_table('karma_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('counts_toward_cap', sa.Boolean(), nullable=False),
    sa.Column('flag_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_karma_entry_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['flag_id'], ['karma_flag.id'], name=op.f('fk_karma_entry_flag_id_karma_flag'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_karma_entry_post_id_post'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reverses_id'], ['karma_entry.id'], name=op.f('fk_karma_entry_reverses_id_karma_entry')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_karma_entry_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_karma_entry')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_karma_entry_reverses_id'))
    )
    with op.batch_alter_table('karma_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_karma_entry_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index('ix_karma_entry_created', ['created_at'], unique=False)
        batch_op.create_index('ix_karma_entry_source', ['source', 'post_id', 'actor_id'], unique=False)
        batch_op.create_index('ix_karma_entry_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('post_vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_post_vote_post_id_post'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voter_id'], ['user_account.id'], name=op.f('fk_post_vote_voter_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_vote')),
    sa.UniqueConstraint('voter_id', 'post_id', name=op.f('uq_post_vote_voter_id_post_id'))
    )
    with op.batch_alter_table('post_vote', schema=None) as batch_op:
        batch_op.create_index('ix_post_vote_post', ['post_id'], unique=False)
        batch_op.create_index('ix_post_vote_voter_updated', ['voter_id', 'updated_at'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('karma', sa.Integer(), server_default='0', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('karma')

    with op.batch_alter_table('post_vote', schema=None) as batch_op:
        batch_op.drop_index('ix_post_vote_voter_updated')
        batch_op.drop_index('ix_post_vote_post')

    op.drop_table('post_vote')
    with op.batch_alter_table('karma_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_karma_entry_user_created')
        batch_op.drop_index('ix_karma_entry_source')
        batch_op.drop_index('ix_karma_entry_created')
        batch_op.drop_index(batch_op.f('ix_karma_entry_actor_id'))

    op.drop_table('karma_entry')
    with op.batch_alter_table('user_badge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_badge_badge_id'))

    op.drop_table('user_badge')
    op.drop_table('karma_setting')
    with op.batch_alter_table('karma_flag', schema=None) as batch_op:
        batch_op.drop_index('ix_karma_flag_key')
        batch_op.drop_index(batch_op.f('ix_karma_flag_created_at'))

    op.drop_table('karma_flag')
    op.drop_table('karma_cap_day')
    with op.batch_alter_table('karma_job_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_karma_job_run_started_at'))

    op.drop_table('karma_job_run')
    op.drop_table('badge')
