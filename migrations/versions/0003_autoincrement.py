"""Ids are never reused: SQLite tables get AUTOINCREMENT, keeping every row.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 00:40:00

Without AUTOINCREMENT, SQLite gives a new row the largest id in use plus one, so deleting
the newest entry and writing another hands out the deleted entry's id again: a bookmark,
a feed reader or an API client would silently reach a different entry. PostgreSQL's
sequences never hand a number out twice, so nothing changes there.

SQLite cannot add AUTOINCREMENT to a table in place: batch mode rebuilds each table (copy
the rows into a new table, drop the old one, rename), which keeps every id. ``env.py``
turns foreign keys off for the rebuild, so dropping a table does not cascade to the rows
that refer to it, and checks them afterwards. Dropping ``entries`` drops the full-text
triggers of migration 0002 with it: they are created again on the new table.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

TABLES = ("users", "tags", "entries", "user_sessions", "api_tokens")
# The search triggers of migration 0002, word for word.
SEARCH_TRIGGERS = [
    "CREATE TRIGGER entries_fts_insert AFTER INSERT ON entries BEGIN "
    "INSERT INTO entries_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER entries_fts_delete AFTER DELETE ON entries BEGIN "
    "INSERT INTO entries_fts(entries_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER entries_fts_update AFTER UPDATE OF title, body ON entries BEGIN "
    "INSERT INTO entries_fts(entries_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO entries_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
]


def _rebuild(autoincrement):
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass
    for statement in SEARCH_TRIGGERS:
        op.execute(statement)


def upgrade():
    _rebuild(True)


def downgrade():
    _rebuild(False)
