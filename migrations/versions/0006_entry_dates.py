"""Entries get the date they happened and their zone; people get a time zone; card text.

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-30 01:00:00

``dated_at`` starts as each entry's ``created_at`` and ``timezone`` as UTC. ``excerpt`` and
``word_count`` start empty: ``flask journal rerender`` fills them (and re-renders the HTML)
in batches, without holding a long lock. Listings move from ``created_at`` to ``dated_at``
indexes.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('timezone', sa.String(length=64), nullable=False, server_default='UTC')
        )
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('timezone', sa.String(length=64), nullable=False, server_default='UTC')
        )
        batch_op.add_column(
            sa.Column('excerpt', sa.String(length=400), nullable=False, server_default='')
        )
        batch_op.add_column(
            sa.Column('word_count', sa.Integer(), nullable=False, server_default='0')
        )
    op.execute("UPDATE entries SET dated_at = created_at")
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.alter_column('dated_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.drop_index('ix_entries_created')
        batch_op.drop_index('ix_entries_author_created')
        batch_op.drop_index('ix_entries_public_created')
        batch_op.create_index(
            'ix_entries_dated', ['dated_at', 'id', 'is_public', 'author_id'], unique=False
        )
        batch_op.create_index('ix_entries_author_dated', ['author_id', 'dated_at', 'id'], unique=False)
        batch_op.create_index('ix_entries_public_dated', ['is_public', 'dated_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_index('ix_entries_public_dated')
        batch_op.drop_index('ix_entries_author_dated')
        batch_op.drop_index('ix_entries_dated')
        batch_op.create_index(
            'ix_entries_created', ['created_at', 'id', 'is_public', 'author_id'], unique=False
        )
        batch_op.create_index('ix_entries_author_created', ['author_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_entries_public_created', ['is_public', 'created_at', 'id'], unique=False)
        batch_op.drop_column('word_count')
        batch_op.drop_column('excerpt')
        batch_op.drop_column('timezone')
        batch_op.drop_column('dated_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('timezone')
