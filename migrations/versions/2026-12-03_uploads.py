"""Uploaded images: the upload table, which posts show which image, and members' avatars.

Revision ID: 0014_uploads
Revises: 0015_webhooks
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = '0014_uploads'
down_revision = '0015_webhooks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('upload',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('extension', sa.String(length=8), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('has_thumbnail', sa.Boolean(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.String(length=10), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_upload_owner_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_upload'))
    )
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_upload_sha256'), ['sha256'], unique=False)
        batch_op.create_index('ix_upload_owner_created', ['owner_id', 'created_at'], unique=False)

    op.create_table('post_upload',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_post_upload_post_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'sha256', name=op.f('pk_post_upload'))
    )
    with op.batch_alter_table('post_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_upload_sha256'), ['sha256'], unique=False)

    op.create_table('user_avatar',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['upload_id'], ['upload.id'], name=op.f('fk_user_avatar_upload_id_upload'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_avatar_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_avatar'))
    )
    with op.batch_alter_table('user_avatar', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_avatar_upload_id'), ['upload_id'], unique=False)


def downgrade() -> None:
    op.drop_table('user_avatar')
    op.drop_table('post_upload')
    op.drop_table('upload')
