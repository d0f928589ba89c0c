"""Mail delivery state on the outbox (HTML body, unsubscribe link, status, retry time), the
worker's job claims, and re-engagement nudges with their comparison baseline.

Revision ID: 0007_mail
Revises: 0004_importer
Create Date: 2026-11-22
"""

from alembic import op
import sqlalchemy as sa


revision = '0007_mail'
down_revision = '0004_importer'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_html', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('unsubscribe_url', sa.String(length=600), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=10), server_default='queued', nullable=False))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_email_outbox_status', ['status', 'next_attempt_at'], unique=False)
    op.execute("UPDATE email_outbox SET status = 'sent' WHERE sent_at IS NOT NULL")

    op.create_table('job_run',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('locked_by', sa.String(length=120), nullable=False),
    sa.Column('next_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_ok', sa.Boolean(), nullable=True),
    sa.Column('last_summary', sa.Text(), nullable=False),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_run'))
    )

    op.create_table('reengagement_nudge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('window_end', sa.Date(), nullable=False),
    sa.Column('band', sa.String(length=10), nullable=False),
    sa.Column('quiet_days', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('email_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_reengagement_nudge_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['email_id'], ['email_outbox.id'], name=op.f('fk_reengagement_nudge_email_id_email_outbox'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_reengagement_nudge_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reengagement_nudge'))
    )
    with op.batch_alter_table('reengagement_nudge', schema=None) as batch_op:
        batch_op.create_index('ix_reengagement_nudge_member', ['user_id', 'sent_at'], unique=False)

    op.create_table('reengagement_baseline',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('band', sa.String(length=10), nullable=False),
    sa.Column('window_end', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_reengagement_baseline_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('day', 'user_id', name=op.f('pk_reengagement_baseline'))
    )

    op.create_table('reengagement_config',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('auto_nudges', sa.Boolean(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'], name=op.f('fk_reengagement_config_changed_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reengagement_config'))
    )


def downgrade() -> None:
    op.drop_table('reengagement_config')
    op.drop_table('reengagement_baseline')
    with op.batch_alter_table('reengagement_nudge', schema=None) as batch_op:
        batch_op.drop_index('ix_reengagement_nudge_member')
    op.drop_table('reengagement_nudge')
    op.drop_table('job_run')
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_email_outbox_status')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('status')
        batch_op.drop_column('unsubscribe_url')
        batch_op.drop_column('body_html')
