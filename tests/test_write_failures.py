"""A write the database cannot take (locked, full, read-only) answers 503 and keeps the writing.

Each trouble is real: another connection holds the write lock, the file may not grow, the
database is read-only. The database going away entirely is in test_failures.py.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from journal import database
from journal.extensions import db
from journal.models import Entry, User
from tests.helpers import count, csrf_token, text_of

# About the 85 KB a person had typed when the disk filled up.
LONG_BODY = "A long day, written down with care. " * 2400
NOT_SAVED = "The journal could not save just now, so nothing was saved."

Trouble = Callable[[], contextlib.AbstractContextManager[None]]


def _sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def _pg_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _pg_admin(url: str) -> psycopg.Connection[Any]:
    """A connection that may write whatever the database's defaults say."""
    return psycopg.connect(
        _pg_dsn(url), autocommit=True, options="-c default_transaction_read_only=off"
    )


@contextlib.contextmanager
def _sqlite_locked(app: Flask, url: str) -> Iterator[None]:
    """Another connection holds SQLite's write lock (``BEGIN IMMEDIATE``) meanwhile."""
    holder = sqlite3.connect(_sqlite_path(url), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@contextlib.contextmanager
def _sqlite_full(app: Flask, url: str) -> Iterator[None]:
    """The database file may not grow by a page: what a full disk does to SQLite."""
    with app.app_context():
        engine = db.engine
        pages = db.session.execute(db.text("PRAGMA page_count")).scalar()
        db.session.remove()

    def cap(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(engine, "connect", cap)
    engine.dispose()
    try:
        yield
    finally:
        event.remove(engine, "connect", cap)
        engine.dispose()


@contextlib.contextmanager
def _pg_setting(app: Flask, url: str, setting: str) -> Iterator[None]:
    """``ALTER DATABASE … SET`` for the connections the app opens from now on."""
    name = url.rsplit("/", 1)[1]
    with _pg_admin(url) as admin:
        admin.execute(f'ALTER DATABASE "{name}" SET {setting}')
    with app.app_context():
        db.engine.dispose()
    try:
        yield
    finally:
        with _pg_admin(url) as admin:
            admin.execute(f'ALTER DATABASE "{name}" RESET {setting.split()[0]}')
        with app.app_context():
            db.engine.dispose()


@contextlib.contextmanager
def _pg_locked(app: Flask, url: str) -> Iterator[None]:
    """Another connection holds the entries table's write lock; the app waits 100 ms at most."""
    with (
        _pg_setting(app, url, "lock_timeout = '100ms'"),
        psycopg.connect(_pg_dsn(url)) as holder,
    ):
        holder.execute("LOCK TABLE entries IN EXCLUSIVE MODE")
        try:
            yield
        finally:
            holder.rollback()


@contextlib.contextmanager
def _pg_read_only(app: Flask, url: str) -> Iterator[None]:
    """Every new transaction is read-only (a standby, or a database set so to free disk)."""
    with _pg_setting(app, url, "default_transaction_read_only = on"):
        yield


TROUBLES = {
    "sqlite": {"locked": _sqlite_locked, "full": _sqlite_full},
    "postgresql": {"locked": _pg_locked, "read-only": _pg_read_only},
}


@pytest.fixture(params=["locked", "full or read-only"])
def trouble(
    request: pytest.FixtureRequest,
    app: Flask,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Trouble:
    """A way to make the database refuse writes for a while, real for each database."""
    kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    # SQLite waits this long for a lock before saying "database is locked".
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 50)
    with app.app_context():
        db.engine.dispose()  # connections made from now on wait 50 ms
    kinds = TROUBLES[kind]
    name = request.param if request.param in kinds else next(k for k in kinds if k != "locked")
    return lambda: kinds[name](app, database_url)


def form_fields(response: Any) -> dict[str, str]:
    """The writing form's values as the page shows them."""
    soup = BeautifulSoup(text_of(response), "html.parser")
    return {
        "title": soup.select_one("input[name=title]")["value"],
        "body": soup.select_one("textarea[name=body]").get_text().lstrip("\r\n"),
        "tags": soup.select_one("input[name=tags]")["value"],
        "visibility": soup.select_one("input[name=visibility][checked]")["value"],
        "message": soup.select_one(".form-errors, [role=alert]").get_text(" ", strip=True),
    }


def test_a_new_entry_the_database_cannot_take_comes_back_with_503(
    app: Flask, signed_in: FlaskClient, trouble: Trouble
) -> None:
    typed = {"title": "The zeppelin", "body": LONG_BODY, "tags": "sky, travel"}
    token = csrf_token(signed_in, "/entry")
    with trouble():
        response = signed_in.post(
            "/entry", data={**typed, "visibility": "private", "csrf_token": token}
        )

    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    shown = form_fields(response)
    assert {key: shown[key] for key in typed} == typed
    assert shown["visibility"] == "private"
    assert NOT_SAVED in shown["message"]
    assert count(app, Entry) == 0
    # The same form, sent again once the database is back, saves the entry.
    again = signed_in.post("/entry", data={**typed, "visibility": "private", "csrf_token": token})
    assert again.status_code == 302
    assert count(app, Entry) == 1


def test_an_edit_the_database_cannot_take_comes_back_with_503(
    app: Flask,
    signed_in: FlaskClient,
    make_entry: Callable[..., int],
    user: User,
    trouble: Trouble,
) -> None:
    entry_id = make_entry(user, title="Before", body="Old words.")
    changed = {"title": "After", "body": LONG_BODY, "tags": "edited"}
    token = csrf_token(signed_in, f"/entries/{entry_id}/edit")
    with trouble():
        response = signed_in.post(
            f"/entries/{entry_id}/edit",
            data={**changed, "visibility": "public", "csrf_token": token},
        )

    assert response.status_code == 503
    assert "Retry-After" in response.headers
    shown = form_fields(response)
    assert {key: shown[key] for key in changed} == changed
    assert NOT_SAVED in shown["message"]
    soup = BeautifulSoup(text_of(response), "html.parser")
    assert soup.select_one("form[method=post]")["action"] == f"/entries/{entry_id}/edit"
    with app.app_context():
        entry = db.session.scalar(select(Entry).where(Entry.id == entry_id))
        assert entry is not None
        assert (entry.title, entry.body, entry.tags) == ("Before", "Old words.", [])


def test_an_api_write_the_database_cannot_take_is_a_503_problem(
    app: Flask, client: FlaskClient, alice_bearer: dict[str, str], trouble: Trouble
) -> None:
    with trouble():
        response = client.post(
            "/api/v1/entries",
            json={"title": "From a script", "body": LONG_BODY, "visibility": "public"},
            headers=alice_bearer,
        )

    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    problem = response.get_json()
    assert problem["status"] == 503
    assert "nothing was saved" in problem["detail"]
    assert count(app, Entry) == 0


def test_a_wrong_statement_is_still_a_500_not_a_503(
    app_factory: Callable[..., Flask], user: User
) -> None:
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @app.get("/_test/bad-sql")
    def bad_sql() -> str:
        db.session.execute(db.text("INSERT INTO no_such_table VALUES (1)"))
        return "unreachable"

    # SQLite reports "no such table" as an OperationalError too: it is still a bug.
    response = app.test_client().get("/_test/bad-sql")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
