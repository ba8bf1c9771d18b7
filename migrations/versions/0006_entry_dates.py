"""Entries get the date they happened and their zone; people get a time zone; card text.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 01:00:00

``dated_at`` starts as each entry's ``created_at`` and ``timezone`` as UTC; ``excerpt`` and
``word_count`` are filled from the plain text (``body_text``, migration 0005) in batches.
Listings move from ``created_at`` to ``dated_at`` indexes.
"""
from alembic import op
import sqlalchemy as sa

from journal.text import excerpt, word_count


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


# SQLite adds a NOT NULL column only with a default; every row gets its real date at once.
# (No batch recreate: rebuilding ``entries`` would drop the search triggers on it.)
PLACEHOLDER = sa.text("'1970-01-01 00:00:00+00:00'")
BATCH = 1000


def fill_card_text():
    """``excerpt`` and ``word_count`` of every entry from its plain text, a batch at a time."""
    connection = op.get_bind()
    entries = sa.table(
        "entries",
        sa.column("id", sa.Integer),
        sa.column("body_text"),
        sa.column("excerpt"),
        sa.column("word_count", sa.Integer),
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(entries.c.id, entries.c.body_text)
            .where(entries.c.id > last)
            .order_by(entries.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            entries.update().where(entries.c.id == sa.bindparam("row_id")),
            [
                {"row_id": row_id, "excerpt": excerpt(text or ""), "word_count": word_count(text or "")}
                for row_id, text in rows
            ],
        )
        last = rows[-1][0]


def upgrade():
    op.add_column(
        'users',
        sa.Column('timezone', sa.String(length=64), nullable=False, server_default='UTC'),
    )
    op.add_column(
        'entries',
        sa.Column(
            'dated_at', sa.DateTime(timezone=True), nullable=False, server_default=PLACEHOLDER
        ),
    )
    op.add_column(
        'entries',
        sa.Column('timezone', sa.String(length=64), nullable=False, server_default='UTC'),
    )
    op.add_column(
        'entries',
        sa.Column('excerpt', sa.String(length=400), nullable=False, server_default=''),
    )
    op.add_column(
        'entries', sa.Column('word_count', sa.Integer(), nullable=False, server_default='0')
    )
    op.execute("UPDATE entries SET dated_at = created_at")
    fill_card_text()
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column('entries', 'dated_at', server_default=None)
    op.drop_index('ix_entries_created', table_name='entries')
    op.drop_index('ix_entries_author_created', table_name='entries')
    op.drop_index('ix_entries_public_created', table_name='entries')
    op.create_index(
        'ix_entries_dated', 'entries', ['dated_at', 'id', 'is_public', 'author_id'], unique=False
    )
    op.create_index(
        'ix_entries_author_dated', 'entries', ['author_id', 'dated_at', 'id'], unique=False
    )
    op.create_index(
        'ix_entries_public_dated', 'entries', ['is_public', 'dated_at', 'id'], unique=False
    )


def downgrade():
    op.drop_index('ix_entries_public_dated', table_name='entries')
    op.drop_index('ix_entries_author_dated', table_name='entries')
    op.drop_index('ix_entries_dated', table_name='entries')
    op.create_index(
        'ix_entries_created',
        'entries',
        ['created_at', 'id', 'is_public', 'author_id'],
        unique=False,
    )
    op.create_index(
        'ix_entries_author_created', 'entries', ['author_id', 'created_at', 'id'], unique=False
    )
    op.create_index(
        'ix_entries_public_created', 'entries', ['is_public', 'created_at', 'id'], unique=False
    )
    # SQLite 3.35+ drops a column in place (no rebuild), so the search triggers stay.
    for column in ('word_count', 'excerpt', 'timezone', 'dated_at'):
        op.drop_column('entries', column)
    op.drop_column('users', 'timezone')
