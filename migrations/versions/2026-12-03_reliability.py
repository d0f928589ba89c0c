"""Reliability: the login back-off per account and network, rate-limited reset and login-link
e-mails, and one-time login links.

Revision ID: 0009_reliability
Revises: 0008_invitations
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = '0009_reliability'
down_revision = '0008_invitations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('net_hash', sa.String(length=32), nullable=True))
        batch_op.create_index('ix_login_attempt_key_net', ['login_key_hash', 'net_hash', 'created_at'], unique=False)

    op.create_table('mail_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('address_hash', sa.String(length=32), nullable=False),
    sa.Column('ip_hash', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_request'))
    )
    with op.batch_alter_table('mail_request', schema=None) as batch_op:
        batch_op.create_index('ix_mail_request_address', ['address_hash', 'created_at'], unique=False)
        batch_op.create_index('ix_mail_request_ip', ['ip_hash', 'created_at'], unique=False)

    op.create_table('login_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_login_link_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_login_link_token_hash'))
    )
    with op.batch_alter_table('login_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_link_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_link_user_id'))
    op.drop_table('login_link')
    with op.batch_alter_table('mail_request', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_request_ip')
        batch_op.drop_index('ix_mail_request_address')
    op.drop_table('mail_request')
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempt_key_net')
        batch_op.drop_column('net_hash')
