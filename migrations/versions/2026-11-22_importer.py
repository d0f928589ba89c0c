"""Importers: the source-to-Hearth id map (idempotent re-runs), imported awards, moderator nominations.

Revision ID: 0004_importer
Revises: 0005_ideas
Create Date: 2026-11-22
"""

from alembic import op
import sqlalchemy as sa


revision = '0004_importer'
down_revision = '0005_ideas'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.BigInteger(), nullable=False),
    sa.Column('target_id', sa.BigInteger(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_source')),
    sa.UniqueConstraint('site', 'kind', 'source_id', name=op.f('uq_import_source_site_kind_source_id'))
    )
    with op.batch_alter_table('import_source', schema=None) as batch_op:
        batch_op.create_index('ix_import_source_target', ['kind', 'target_id'], unique=False)

    op.create_table('imported_award',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('site', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('award_class', sa.Integer(), nullable=False),
    sa.Column('tag_based', sa.Boolean(), nullable=False),
    sa.Column('awarded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_imported_award_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_award'))
    )
    with op.batch_alter_table('imported_award', schema=None) as batch_op:
        batch_op.create_index('ix_imported_award_user', ['user_id', 'awarded_at'], unique=False)

    op.create_table('moderator_nomination',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site', sa.String(length=60), nullable=False),
    sa.Column('source_post_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('nominee_name', sa.String(length=80), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source_url', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_moderator_nomination_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderator_nomination'))
    )
    with op.batch_alter_table('moderator_nomination', schema=None) as batch_op:
        batch_op.create_index('ix_moderator_nomination_user', ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('moderator_nomination', schema=None) as batch_op:
        batch_op.drop_index('ix_moderator_nomination_user')

    op.drop_table('moderator_nomination')
    with op.batch_alter_table('imported_award', schema=None) as batch_op:
        batch_op.drop_index('ix_imported_award_user')

    op.drop_table('imported_award')
    with op.batch_alter_table('import_source', schema=None) as batch_op:
        batch_op.drop_index('ix_import_source_target')

    op.drop_table('import_source')
