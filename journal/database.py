"""Per-connection settings that make SQLite a serious embedded database."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from journal.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 10_000


def init_app(app: Flask) -> None:
    """Configure every new connection of ``app``'s SQLite engines (other databases need nothing)."""
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", configure_sqlite_connection)


def configure_sqlite_connection(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL for readers beside a writer, a busy timeout instead of "locked", enforced keys."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# SQLite's primary result codes that mean "not now" rather than "wrong statement".
SQLITE_UNAVAILABLE = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PROTOCOL,
        sqlite3.SQLITE_NOMEM,
    }
)
# PostgreSQL's SQLSTATEs (and classes) that mean the same: connection lost, out of disk or
# memory, shutting down or statement cancelled, lock not granted, conflict, read-only.
POSTGRESQL_UNAVAILABLE_CLASSES = ("08", "53", "57", "58", "40")
POSTGRESQL_UNAVAILABLE_STATES = frozenset({"55P03", "25006"})


def is_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot take work now, not that the work is wrong.

    Locked, busy, disk full, read-only, unreachable: the same request may succeed later
    (503). A wrong statement (no such table, a broken constraint) stays a bug (500).
    """
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    orig = error.orig
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in SQLITE_UNAVAILABLE
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is None:
        # psycopg gives no SQLSTATE when it could not talk to the server at all.
        return isinstance(error, OperationalError)
    return sqlstate in POSTGRESQL_UNAVAILABLE_STATES or sqlstate[:2] in (
        POSTGRESQL_UNAVAILABLE_CLASSES
    )
