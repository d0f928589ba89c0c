"""Category posting permissions (who may start topics and reply; topics only through the idea form)
and the claimed keys of idempotent forms.

Revision ID: 0010_permissions
Revises: 0008_invitations
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = '0010_permissions'
down_revision = '0013_performance'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topic_access', sa.String(length=10), server_default='members', nullable=False))
        batch_op.add_column(sa.Column('reply_access', sa.String(length=10), server_default='members', nullable=False))
        batch_op.add_column(sa.Column('topic_form', sa.String(length=10), server_default='any', nullable=False))
    # The idea board's categories take new topics only through the idea form.
    op.execute("UPDATE category SET topic_form = 'ideas' WHERE id IN (SELECT category_id FROM idea_area)")

    op.create_table('category_posting_group',
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_category_posting_group_category_id_category'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['user_group.id'], name=op.f('fk_category_posting_group_group_id_user_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('category_id', 'action', 'group_id', name=op.f('pk_category_posting_group'))
    )

    op.create_table('form_submission',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('form_key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('result_url', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_form_submission_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'form_key', name=op.f('pk_form_submission'))
    )


def downgrade() -> None:
    op.drop_table('form_submission')
    op.drop_table('category_posting_group')
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.drop_column('topic_form')
        batch_op.drop_column('reply_access')
        batch_op.drop_column('topic_access')
