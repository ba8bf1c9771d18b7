"""The database under load: SQLite settings on every connection, keys, concurrent writers."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from journal import create_app
from journal.database import SQLITE_BUSY_TIMEOUT_MS
from journal.extensions import db
from journal.models import Entry, Tag, User
from journal.services import entries
from journal.services.entries import EntryInput
from tests.helpers import PASSWORD_HASH


@pytest.fixture
def sqlite_app(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    """The app on a migrated SQLite file (these settings are SQLite's alone)."""
    path = tmp_path / "journal.sqlite3"
    shutil.copyfile(sqlite_template, path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    app = create_app("testing")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    ("pragma", "expected"),
    [
        ("journal_mode", "wal"),
        ("busy_timeout", SQLITE_BUSY_TIMEOUT_MS),
        ("foreign_keys", 1),
        ("synchronous", 1),  # NORMAL: safe with WAL, one fsync per checkpoint
    ],
)
def test_every_connection_is_configured(sqlite_app: Flask, pragma: str, expected: object) -> None:
    with sqlite_app.app_context():
        connections = [db.engine.connect() for _ in range(3)]
        try:
            assert len({id(c.connection.dbapi_connection) for c in connections}) == 3
            values = [c.exec_driver_sql(f"PRAGMA {pragma}").scalar() for c in connections]
        finally:
            for connection in connections:
                connection.close()

    assert values == [expected] * 3
    assert SQLITE_BUSY_TIMEOUT_MS >= 5000


def add_user() -> int:
    """A user row, straight into the table."""
    db.session.execute(
        text(
            "INSERT INTO users (username, username_key, email, email_key, password_hash,"
            " created_at) VALUES ('kim', 'kim', 'kim@example.org', 'kim@example.org', :hash,"
            " '2025-01-01 00:00:00')"
        ),
        {"hash": PASSWORD_HASH},
    )
    db.session.commit()
    return int(db.session.scalar(text("SELECT id FROM users")))


def test_entry_of_a_missing_author_is_refused(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        db.session.add(Entry(author_id=999, title="Orphan", body="x", body_html="<p>x</p>"))
        with pytest.raises(IntegrityError, match="FOREIGN KEY"):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


def test_deleting_a_user_deletes_their_entries(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        author_id = add_user()
        db.session.add(Entry(author_id=author_id, title="Mine", body="x", body_html="<p>x</p>"))
        db.session.commit()

        db.session.execute(text("DELETE FROM users"))
        db.session.commit()

        assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


def test_two_writers_creating_the_same_tag_both_succeed(
    app: Flask, make_user: Callable[..., User]
) -> None:
    author_id = make_user("alice").id
    outcome: dict[str, object] = {}

    def write() -> None:
        with app.app_context():
            try:
                author = db.session.get(User, author_id)
                assert author is not None
                entry = entries.create_entry(author, EntryInput("Racing", "Body", tags=("race",)))
                outcome["tags"] = [tag.name for tag in entry.tags]
            except Exception as error:  # reported by the assertions below
                outcome["error"] = error

    with app.app_context():
        other = Session(db.engine)
        other.add(Tag(name="race"))
        other.flush()  # the other writer's tag exists, uncommitted (SQLite: it holds the lock)
        writer = threading.Thread(target=write)
        writer.start()
        writer.join(timeout=1)  # the writer is now waiting on the other transaction
        other.commit()
        other.close()
        writer.join(timeout=30)

        assert "error" not in outcome, outcome.get("error")
        assert outcome["tags"] == ["race"]
        assert db.session.scalars(select(Tag.name)).all() == ["race"]
