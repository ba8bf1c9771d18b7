"""Alembic environment: runs migrations against the app's engine (Flask-Migrate)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import text

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url",
    target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)

# Tables the search migration creates by hand (SQLite FTS5 and its shadow tables) are not
# in the models; autogenerate must not offer to drop them.
IGNORED_TABLE_MARKER = "_fts"
# PostgreSQL's generated search column and its GIN index (migration 0002) are not mapped
# either: the search service refers to them by name.
IGNORED_COLUMNS = {("entries", "search_vector")}
IGNORED_INDEXES = {"ix_entries_search_vector"}

# Serialises `flask db upgrade` started by several replicas at once on PostgreSQL.
PG_MIGRATION_LOCK = 7_240_311


def include_name(name, type_, parent_names):
    if type_ == "table" and name and IGNORED_TABLE_MARKER in name:
        return False
    if type_ == "column" and (parent_names.get("table_name"), name) in IGNORED_COLUMNS:
        return False
    if type_ == "index" and name in IGNORED_INDEXES:
        return False
    return True


def render_item(type_, obj, autogen_context):
    # Our UTCDateTime is a DateTime(timezone=True) in the database; say so in revisions.
    if type_ == "type" and type(obj).__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)

    with target_db.engine.connect() as connection:
        is_postgresql = connection.dialect.name == "postgresql"
        is_sqlite = connection.dialect.name == "sqlite"
        if is_postgresql:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PG_MIGRATION_LOCK})
            connection.commit()
        if is_sqlite:
            # Batch mode rebuilds a table by dropping it: with foreign keys on, that drop
            # would delete every row that refers to it (ON DELETE CASCADE). The pragma only
            # takes effect outside a transaction; the keys are checked once all is done.
            connection.execute(text("PRAGMA foreign_keys=OFF"))
            connection.commit()
        try:
            context.configure(
                connection=connection,
                target_metadata=target_db.metadata,
                include_name=include_name,
                render_item=render_item,
                **conf_args,
            )
            with context.begin_transaction():
                context.run_migrations()
                if is_sqlite:
                    broken = connection.execute(text("PRAGMA foreign_key_check")).first()
                    if broken is not None:
                        raise RuntimeError(f"a migration broke a foreign key: {tuple(broken)}")
        finally:
            if is_sqlite:
                connection.execute(text("PRAGMA foreign_keys=ON"))
                connection.commit()
            if is_postgresql:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": PG_MIGRATION_LOCK}
                )
                connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
