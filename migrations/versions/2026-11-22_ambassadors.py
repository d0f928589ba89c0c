"""Ambassadors: scoring runs, per-member scores with explanations, per-member signal snapshots, and
the member's opt-out from role suggestions (user_account.ambassador_opt_out).

Revision ID: 0006_ambassadors
Revises: 0003_karma
Create Date: 2026-11-22
"""

from alembic import op
import sqlalchemy as sa


revision = '0006_ambassadors'
down_revision = '0003_karma'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ambassador_opt_out', sa.Boolean(), server_default='0', nullable=False))

    op.create_table('scoring_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.DateTime(timezone=True), nullable=False),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('model_version', sa.String(length=40), nullable=False),
    sa.Column('parameters', sa.Text(), nullable=False),
    sa.Column('windows', sa.Text(), nullable=False),
    sa.Column('member_count', sa.Integer(), nullable=False),
    sa.Column('training_rows', sa.Integer(), nullable=False),
    sa.Column('timings', sa.Text(), nullable=False),
    sa.Column('quality', sa.Text(), nullable=False),
    sa.Column('models', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scoring_run'))
    )
    with op.batch_alter_table('scoring_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scoring_run_as_of'), ['as_of'], unique=False)

    op.create_table('member_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('profile', sa.String(length=12), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['scoring_run.id'], name=op.f('fk_member_score_run_id_scoring_run'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_member_score_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_score')),
    sa.UniqueConstraint('run_id', 'user_id', 'profile', name=op.f('uq_member_score_run_id_user_id_profile'))
    )
    with op.batch_alter_table('member_score', schema=None) as batch_op:
        batch_op.create_index('ix_member_score_run_profile', ['run_id', 'profile', 'score'], unique=False)
        batch_op.create_index('ix_member_score_user', ['user_id', 'run_id'], unique=False)

    op.create_table('member_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=12), nullable=False),
    sa.Column('signals', sa.Text(), nullable=False),
    sa.Column('flags', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['scoring_run.id'], name=op.f('fk_member_snapshot_run_id_scoring_run'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_member_snapshot_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_snapshot')),
    sa.UniqueConstraint('run_id', 'user_id', name=op.f('uq_member_snapshot_run_id_user_id'))
    )
    with op.batch_alter_table('member_snapshot', schema=None) as batch_op:
        batch_op.create_index('ix_member_snapshot_user', ['user_id', 'run_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('member_snapshot', schema=None) as batch_op:
        batch_op.drop_index('ix_member_snapshot_user')
    op.drop_table('member_snapshot')
    with op.batch_alter_table('member_score', schema=None) as batch_op:
        batch_op.drop_index('ix_member_score_user')
        batch_op.drop_index('ix_member_score_run_profile')
    op.drop_table('member_score')
    with op.batch_alter_table('scoring_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scoring_run_as_of'))
    op.drop_table('scoring_run')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('ambassador_opt_out')
