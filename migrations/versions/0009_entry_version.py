"""Entries count their saves (``version``); recent live events get a table.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 02:00:00

``version`` starts at 1 for every entry; each save adds one, and a save (page or API)
that started from an older version is refused instead of overwriting. ``live_events``
holds the last few minutes of live events: the processes of one host poll it for events
written by the others, and a socket that reconnects resumes from it.
"""
from alembic import op
import sqlalchemy as sa

from journal.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # No batch recreate on SQLite: rebuilding ``entries`` would drop its search triggers.
    op.add_column(
        'entries', sa.Column('version', sa.Integer(), nullable=False, server_default='1')
    )
    op.create_table(
        'live_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_live_events')),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f('ix_live_events_created_at'), 'live_events', ['created_at'])


def downgrade():
    op.drop_index(op.f('ix_live_events_created_at'), table_name='live_events')
    op.drop_table('live_events')
    op.drop_column('entries', 'version')
