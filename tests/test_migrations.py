"""Migrations on both databases: up from empty, down and up again, no drift, data kept.

Every test walks the revisions it finds, so a new migration is covered without a new test.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import check, downgrade, upgrade
from sqlalchemy import Engine, MetaData, Table, inspect, select, text

from journal import create_app, init_migrations
from journal.extensions import db
from journal.models import Entry, User
from journal.services.entries import EntryInput, create_entry
from journal.services.listings import fetch_entries, search_entries

# Tables a migration makes by hand that no model declares (SQLite full-text search).
UNMODELLED_MARKER = "_fts"


@pytest.fixture
def migration_app(empty_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The app on a database with no schema at all."""
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    app = create_app("testing")
    init_migrations(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def revisions(app: Flask) -> list[str]:
    """Every revision id, oldest first."""
    config = app.extensions["migrate"].migrate.get_config()
    script = ScriptDirectory.from_config(config)
    return [rev.revision for rev in reversed(list(script.walk_revisions("base", "heads")))]


def tables(engine: Engine) -> set[str]:
    """The tables the database has now, less unmodelled and bookkeeping ones."""
    names = set(inspect(engine).get_table_names())
    return {n for n in names if UNMODELLED_MARKER not in n and n != "alembic_version"}


def current_revision(engine: Engine) -> str | None:
    """What alembic_version says."""
    with engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def test_upgrade_from_empty_builds_every_table(migration_app: Flask) -> None:
    with migration_app.app_context():
        assert tables(db.engine) == set()
        upgrade()

        assert tables(db.engine) == set(db.metadata.tables)
        assert current_revision(db.engine) == revisions(migration_app)[-1]


def test_every_revision_goes_down_and_up_again(migration_app: Flask) -> None:
    with migration_app.app_context():
        for revision in revisions(migration_app):
            upgrade(revision=revision)
            with_it = tables(db.engine)
            downgrade(revision="-1")
            upgrade(revision=revision)
            assert tables(db.engine) == with_it
            assert current_revision(db.engine) == revision

        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert tables(db.engine) == set(db.metadata.tables)


def test_models_and_migrations_agree(migration_app: Flask) -> None:
    with migration_app.app_context():
        upgrade()
        check()  # `flask db check`: raises (exits) when autogenerate finds a difference


def test_drift_is_detected(migration_app: Flask) -> None:
    with migration_app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            connection.execute(text("DROP INDEX ix_entries_dated"))

        with pytest.raises(SystemExit):
            check()


def write_old_rows(
    user_id: int,
    name: str,
    titles: list[str],
    when: datetime,
    tag: tuple[int, str, int],
    all_public: bool = False,
) -> list[int]:
    """Write an account, its entries (every other one public, or all) and one tag link with the
    columns the current revision has (no model: the models may have more); returns the
    entries' ids. ``tag`` is (tag id, name, index of the entry that carries it)."""
    old = MetaData()
    with db.engine.begin() as connection:
        users, entries, tags, entry_tags = (
            Table(table, old, autoload_with=connection)
            for table in ("users", "entries", "tags", "entry_tags")
        )
        connection.execute(
            users.insert(),
            {
                "id": user_id,
                "username": name,
                "username_key": name.lower(),
                "email": f"{name.lower()}@example.org",
                "email_key": f"{name.lower()}@example.org",
                "password_hash": "scrypt:not-a-real-hash",
                "created_at": when,
            },
        )
        connection.execute(
            entries.insert(),
            [
                {
                    "author_id": user_id,
                    "title": title,
                    "body": f"Body {n}",
                    "body_html": f"<p>Body {n}</p>",
                    "is_public": all_public or n % 2 == 0,
                    "created_at": when,
                    "updated_at": when,
                }
                for n, title in enumerate(titles, start=1)
            ],
        )
        # Ids from the database itself, as every write makes them.
        ids = list(connection.scalars(select(entries.c.id).order_by(entries.c.id)))
        tag_id, tag_name, carrier = tag
        connection.execute(tags.insert(), {"id": tag_id, "name": tag_name})
        connection.execute(entry_tags.insert(), {"entry_id": ids[carrier], "tag_id": tag_id})
    return ids


def test_upgrade_keeps_rows_written_under_the_first_revision(migration_app: Flask) -> None:
    when = datetime(2024, 2, 29, 12, 30, tzinfo=UTC)
    with migration_app.app_context():
        upgrade(revision=revisions(migration_app)[0])
        titles = ["Before the upgrade 1", "Before the upgrade 2"]
        write_old_rows(1, "Pioneer", titles, when, tag=(1, "history", 0))

        upgrade()

        user = db.session.scalars(select(User)).one()
        stored = db.session.scalars(select(Entry).order_by(Entry.id)).all()
        assert (user.username, user.email, user.created_at) == (
            "Pioneer",
            "pioneer@example.org",
            when,
        )
        assert [(e.title, e.body, e.visibility, e.author_id) for e in stored] == [
            ("Before the upgrade 1", "Body 1", "private", 1),
            ("Before the upgrade 2", "Body 2", "public", 1),
        ]
        assert [t.name for t in stored[0].tags] == ["history"]
        assert stored[1].created_at == when


def test_upgrade_to_autoincrement_keeps_rows_and_never_reuses_an_id(migration_app: Flask) -> None:
    # Rows written under 0002 (before AUTOINCREMENT): every one survives the table rebuild,
    # links and search included, and after the upgrade a deleted newest id is not reused.
    when = datetime(2024, 2, 29, 12, 30, tzinfo=UTC)
    with migration_app.app_context():
        upgrade(revision="0002")
        first, newest = write_old_rows(
            7, "Keeper", ["Zeppelin 1", "Zeppelin 2"], when, tag=(2, "kept", 1), all_public=True
        )

        upgrade()

        stored = db.session.scalars(select(Entry).order_by(Entry.id)).all()
        assert [(e.id, e.title, e.author_id, [t.name for t in e.tags]) for e in stored] == [
            (first, "Zeppelin 1", 7, []),
            (newest, "Zeppelin 2", 7, ["kept"]),
        ]
        db.session.delete(stored[1])
        db.session.commit()
        author = db.session.get(User, 7)
        assert author is not None
        newer = create_entry(author, EntryInput("Airship", "Body", "public", []))
        assert newer.id > newest
        # The search index still follows writes (its triggers survived the rebuild).
        found = [e.title for e in fetch_entries(search_entries(None, "airship")[0])]
        assert found == ["Airship"]
        assert [e.title for e in fetch_entries(search_entries(None, "zeppelin")[0])] == [
            "Zeppelin 1"
        ]
