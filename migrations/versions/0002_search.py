"""Full-text search (SQLite FTS5 + triggers, PostgreSQL tsvector + GIN); covering listing index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 12:00:00

The search index lives in the database itself, so rows written by any path (the pages,
the API, bulk inserts of the seeder) are indexed in the same transaction.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE entries_fts USING fts5("
    "title, body, content='entries', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER entries_fts_insert AFTER INSERT ON entries BEGIN "
    "INSERT INTO entries_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER entries_fts_delete AFTER DELETE ON entries BEGIN "
    "INSERT INTO entries_fts(entries_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER entries_fts_update AFTER UPDATE OF title, body ON entries BEGIN "
    "INSERT INTO entries_fts(entries_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO entries_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    # Index whatever was written before this revision.
    "INSERT INTO entries_fts(entries_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS entries_fts_update",
    "DROP TRIGGER IF EXISTS entries_fts_delete",
    "DROP TRIGGER IF EXISTS entries_fts_insert",
    "DROP TABLE IF EXISTS entries_fts",
]
POSTGRESQL_UP = [
    # Title words weigh more than body words in ts_rank.
    "ALTER TABLE entries ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', title), 'A') || "
    "setweight(to_tsvector('english', body), 'B')) STORED",
    "CREATE INDEX ix_entries_search_vector ON entries USING gin (search_vector)",
]
POSTGRESQL_DOWN = [
    "DROP INDEX IF EXISTS ix_entries_search_vector",
    "ALTER TABLE entries DROP COLUMN IF EXISTS search_vector",
]


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    # The newest-first index also covers the visibility rule (is_public, author_id).
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_index('ix_entries_created')
        batch_op.create_index(
            'ix_entries_created', ['created_at', 'id', 'is_public', 'author_id'], unique=False
        )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_UP)
    elif dialect == "postgresql":
        _run(POSTGRESQL_UP)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_DOWN)
    elif dialect == "postgresql":
        _run(POSTGRESQL_DOWN)
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_index('ix_entries_created')
        batch_op.create_index('ix_entries_created', ['created_at', 'id'], unique=False)
