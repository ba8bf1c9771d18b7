"""Plain-text bodies for search (``entries.body_text``), indexed instead of the Markdown.

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-30 01:00:00

Search extracts come from the indexed text (FTS5's ``snippet()`` reads the indexed column),
so both databases now index ``body_text``: the body as a reader sees it, without Markdown.
The column is filled here from each entry's Markdown, then the index is rebuilt.
"""
import sqlalchemy as sa
from alembic import op

from journal.text import plain_text


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None

BATCH = 2000

SQLITE_FTS_DROP = [
    "DROP TRIGGER IF EXISTS entries_fts_update",
    "DROP TRIGGER IF EXISTS entries_fts_delete",
    "DROP TRIGGER IF EXISTS entries_fts_insert",
    "DROP TABLE IF EXISTS entries_fts",
]


def sqlite_fts(body):
    """The FTS5 table over ``title`` and the column ``body``, its triggers, and a rebuild."""
    return [
        "CREATE VIRTUAL TABLE entries_fts USING fts5("
        f"title, {body}, content='entries', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')",
        "CREATE TRIGGER entries_fts_insert AFTER INSERT ON entries BEGIN "
        f"INSERT INTO entries_fts(rowid, title, {body}) VALUES (new.id, new.title, new.{body}); END",
        "CREATE TRIGGER entries_fts_delete AFTER DELETE ON entries BEGIN "
        f"INSERT INTO entries_fts(entries_fts, rowid, title, {body}) "
        f"VALUES ('delete', old.id, old.title, old.{body}); END",
        f"CREATE TRIGGER entries_fts_update AFTER UPDATE OF title, {body} ON entries BEGIN "
        f"INSERT INTO entries_fts(entries_fts, rowid, title, {body}) "
        f"VALUES ('delete', old.id, old.title, old.{body}); "
        f"INSERT INTO entries_fts(rowid, title, {body}) VALUES (new.id, new.title, new.{body}); END",
        "INSERT INTO entries_fts(entries_fts) VALUES ('rebuild')",
    ]


def postgresql_vector(body):
    """The generated ``search_vector`` over ``title`` and the column ``body``, and its index."""
    return [
        "DROP INDEX IF EXISTS ix_entries_search_vector",
        "ALTER TABLE entries DROP COLUMN IF EXISTS search_vector",
        "ALTER TABLE entries ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('english', title), 'A') || "
        f"setweight(to_tsvector('english', {body}), 'B')) STORED",
        "CREATE INDEX ix_entries_search_vector ON entries USING gin (search_vector)",
    ]


def fill_body_text():
    """``body_text`` of every entry from its Markdown, a batch of rows at a time."""
    connection = op.get_bind()
    entries = sa.table(
        "entries", sa.column("id", sa.Integer), sa.column("body"), sa.column("body_text")
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(entries.c.id, entries.c.body)
            .where(entries.c.id > last)
            .order_by(entries.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            entries.update().where(entries.c.id == sa.bindparam("row_id")),
            [{"row_id": row_id, "body_text": plain_text(body or "")} for row_id, body in rows],
        )
        last = rows[-1][0]


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    dialect = op.get_bind().dialect.name
    # Drop the index first: it would be brought up to date for every row filled below.
    if dialect == "sqlite":
        _run(SQLITE_FTS_DROP)
    elif dialect == "postgresql":
        _run(postgresql_vector("body")[:2])
    op.add_column(
        'entries', sa.Column('body_text', sa.Text(), nullable=False, server_default='')
    )
    fill_body_text()
    if dialect == "sqlite":
        _run(sqlite_fts("body_text"))
    elif dialect == "postgresql":
        _run(postgresql_vector("body_text"))


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_FTS_DROP)
    elif dialect == "postgresql":
        _run(postgresql_vector("body"))
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_column('body_text')
    if dialect == "sqlite":
        _run(sqlite_fts("body"))
