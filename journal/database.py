"""Per-connection settings that make SQLite a serious embedded database."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event

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
