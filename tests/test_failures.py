"""Failure behaviour against a real PostgreSQL server that is stopped and started again.

These tests own a server of their own: stopping the shared one would break other tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_login import current_user
from sqlalchemy import event, func, select

from journal import create_app
from journal.extensions import db
from journal.models import Entry
from journal.services import accounts
from tests.conftest import create_pg_database, migrate_database
from tests.helpers import PASSWORD, csrf_token, post_form, soup
from tests.servers import PROJECT_ROOT, PostgreSQLServer, postgresql_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def own_pg_server() -> Iterator[PostgreSQLServer]:
    """A PostgreSQL server only this module uses, so it may be stopped."""
    with postgresql_server() as server:
        yield server


@pytest.fixture(scope="module")
def own_pg_url(own_pg_server: PostgreSQLServer) -> str:
    """A migrated database on that server."""
    url = create_pg_database(own_pg_server)
    migrate_database(url)
    return url


@pytest.fixture
def server(own_pg_server: PostgreSQLServer) -> Iterator[PostgreSQLServer]:
    """The module's server, running again after the test whatever the test did to it."""
    yield own_pg_server
    if (
        subprocess.run(  # noqa: S603
            [
                str(own_pg_server.bindir / "pg_isready"),
                "-h",
                "127.0.0.1",
                "-p",
                str(own_pg_server.port),
            ],
            capture_output=True,
            check=False,
        ).returncode
        != 0
    ):
        own_pg_server.start()


@pytest.fixture
def pg_app(
    own_pg_url: str, server: PostgreSQLServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    """The app on the module's server, with one user (alice); 500s answered, not raised."""
    monkeypatch.setenv("DATABASE_URL", own_pg_url)
    app = create_app("testing")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with app.app_context():
        db.session.execute(db.text("TRUNCATE users, entries, tags RESTART IDENTITY CASCADE"))
        db.session.commit()
        accounts.register_user(
            accounts.Registration(username="alice", email="alice@example.org", password=PASSWORD)
        )
    yield app
    with app.app_context():
        db.engine.dispose()


def signed_in_client(app: Flask) -> FlaskClient:
    """A client signed in as alice through the form."""
    client = app.test_client()
    assert post_form(client, "/login", username="alice", password=PASSWORD).status_code == 302
    return client


def test_readyz_follows_the_database_without_a_restart(
    pg_app: Flask, server: PostgreSQLServer
) -> None:
    client = pg_app.test_client()
    assert client.get("/readyz").status_code == 200

    server.stop()
    down = client.get("/readyz")
    alive = client.get("/healthz")
    server.start()
    back = client.get("/readyz")

    assert (down.status_code, down.get_data(as_text=True)) == (503, "database unavailable\n")
    assert alive.status_code == 200
    assert back.status_code == 200


def test_page_while_the_database_is_down_is_the_503_page_then_works_again(
    pg_app: Flask, server: PostgreSQLServer, capfd: pytest.CaptureFixture[str]
) -> None:
    client = signed_in_client(pg_app)

    server.stop()
    capfd.readouterr()
    failed = client.get("/", headers={"X-Request-ID": "db-down-1"})
    err = capfd.readouterr().err
    server.start()
    again = client.get("/")

    # Not a bug of ours: 503, try again later, with the reason in the log.
    assert failed.status_code == 503
    assert int(failed.headers["Retry-After"]) > 0
    page = soup(failed)
    assert page.select_one("header.site-header") is not None  # the site's layout
    assert page.h1 is not None and page.h1.get_text(strip=True) == "Service Unavailable"
    assert "psycopg" not in failed.get_data(as_text=True)
    assert "request_id=db-down-1 database unavailable, answered 503: OperationalError" in err
    assert again.status_code == 200
    assert "alice" in again.get_data(as_text=True)  # still signed in


def test_database_lost_mid_request_rolls_back_and_keeps_the_layout(
    pg_app: Flask, server: PostgreSQLServer
) -> None:
    def write_then_lose_database() -> str:
        db.session.add(
            Entry(author=current_user, title="Half-written", body="x", body_html="<p>x</p>")
        )
        db.session.flush()
        server.stop()
        db.session.execute(select(func.count()).select_from(Entry)).scalar()
        return "unreachable"

    pg_app.add_url_rule("/lose-database", view_func=write_then_lose_database)
    client = signed_in_client(pg_app)

    failed = client.get("/lose-database")
    server.start()
    again = client.get("/")

    assert failed.status_code == 503
    page = soup(failed)
    assert page.select_one("header.site-header") is not None
    # The user was loaded before the database went: the page still shows who is signed in.
    assert page.select_one(".nav-user") is not None
    assert page.select_one(".nav-user").get_text(strip=True) == "alice"
    assert again.status_code == 200
    with pg_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


def test_writing_while_the_database_is_down_comes_back_with_503_and_the_text(
    pg_app: Flask, server: PostgreSQLServer
) -> None:
    client = signed_in_client(pg_app)
    typed = {"title": "Written offline", "body": "Every word kept. " * 5000, "tags": "kept"}
    token = csrf_token(client, "/entry")

    server.stop()
    failed = client.post("/entry", data={**typed, "visibility": "public", "csrf_token": token})
    server.start()

    assert failed.status_code == 503
    assert int(failed.headers["Retry-After"]) > 0
    page = soup(failed)
    assert page.select_one("input[name=title]")["value"] == typed["title"]
    assert page.select_one("textarea[name=body]").get_text().lstrip("\r\n") == typed["body"]
    assert page.select_one("input[name=tags]")["value"] == typed["tags"]
    assert "nothing was saved" in page.get_text()
    again = client.post("/entry", data={**typed, "visibility": "public", "csrf_token": token})
    assert again.status_code == 302
    with pg_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Entry)) == 1


def test_wait_db_waits_for_the_database_to_come_back(
    own_pg_url: str, server: PostgreSQLServer
) -> None:
    server.stop()
    waiting = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "flask",
            "journal",
            "wait-db",
            "--timeout",
            "60",
            "--interval",
            "0.2",
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": own_pg_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            waiting.wait(timeout=2)  # still waiting while the server is down
    finally:
        server.start()
    out, err = waiting.communicate(timeout=60)

    assert waiting.returncode == 0, err
    assert "The database is ready." in out


def test_500_after_a_commit_shows_the_page_without_asking_the_database(
    app: Flask, client: FlaskClient, user: object
) -> None:
    def commit_then_fail() -> str:
        assert current_user.is_authenticated
        db.session.commit()  # expires the loaded user: reading its name would need SQL
        raise RuntimeError("after the commit")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.add_url_rule("/commit-then-fail", view_func=commit_then_fail)
    assert post_form(client, "/login", username="alice", password=PASSWORD).status_code == 302
    queries: list[str] = []

    with app.app_context():
        engine = db.engine

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        queries.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        failed = client.get("/commit-then-fail")
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert failed.status_code == 500
    page = soup(failed)
    assert page.select_one("header.site-header") is not None
    assert page.select_one(".nav-user") is None  # shown signed out rather than risk a query
    # Only the sign-in lookup ran; the error page itself asked nothing.
    assert len(queries) == 1
    assert client.get("/").status_code == 200
