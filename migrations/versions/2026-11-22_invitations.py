"""Invitations into roles and labs (one open per member and role, enforced by a partial unique
index) and managers' snooze/dismiss decisions about candidates.

Revision ID: 0008_invitations
Revises: 0007_mail
Create Date: 2026-11-22
"""

from alembic import op
import sqlalchemy as sa


revision = '0008_invitations'
down_revision = '0007_mail'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user_account.id'], name=op.f('fk_invitation_invited_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['scoring_run.id'], name=op.f('fk_invitation_run_id_scoring_run'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_invitation_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation'))
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index('ix_invitation_inviter', ['invited_by_id', 'created_at'], unique=False)
        batch_op.create_index('ix_invitation_user_role', ['user_id', 'role', 'status'], unique=False)
        batch_op.create_index('uq_invitation_open', ['user_id', 'role'], unique=True,
                              sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.create_table('candidate_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('profile', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_candidate_decision_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['scoring_run.id'], name=op.f('fk_candidate_decision_run_id_scoring_run'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_candidate_decision_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidate_decision'))
    )
    with op.batch_alter_table('candidate_decision', schema=None) as batch_op:
        batch_op.create_index('ix_candidate_decision_user', ['user_id', 'profile', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('candidate_decision', schema=None) as batch_op:
        batch_op.drop_index('ix_candidate_decision_user')
    op.drop_table('candidate_decision')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index('uq_invitation_open', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index('ix_invitation_user_role')
        batch_op.drop_index('ix_invitation_inviter')
    op.drop_table('invitation')
