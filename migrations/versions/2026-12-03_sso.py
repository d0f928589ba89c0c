"""Single sign-on: identities at the OpenID Connect provider linked to accounts.

Revision ID: 0014_sso
Revises: 0010_permissions
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa



revision = '0014_sso'
down_revision = '0010_permissions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sso_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=300), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_sso_identity_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sso_identity')),
    sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_sso_identity_issuer_subject'))
    )
    with op.batch_alter_table('sso_identity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sso_identity_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sso_identity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sso_identity_user_id'))
    op.drop_table('sso_identity')
