"""Photos: the media table and which entries use which photo.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 02:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'media',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('uploader_id', sa.Integer(), nullable=False),
        sa.Column('content_type', sa.String(length=32), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('bytes', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['uploader_id'], ['users.id'],
            name=op.f('fk_media_uploader_id_users'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_media')),
    )
    op.create_index(
        'ix_media_uploader_created', 'media', ['uploader_id', 'created_at'], unique=False
    )
    op.create_table(
        'entry_media',
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('media_id', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ['entry_id'], ['entries.id'],
            name=op.f('fk_entry_media_entry_id_entries'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['media_id'], ['media.id'],
            name=op.f('fk_entry_media_media_id_media'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('entry_id', 'media_id', name=op.f('pk_entry_media')),
    )
    op.create_index(
        'ix_entry_media_media_entry', 'entry_media', ['media_id', 'entry_id'], unique=False
    )


def downgrade():
    op.drop_index('ix_entry_media_media_entry', table_name='entry_media')
    op.drop_table('entry_media')
    op.drop_index('ix_media_uploader_created', table_name='media')
    op.drop_table('media')
