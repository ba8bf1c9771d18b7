"""Fixtures: an app on a real, migrated database (SQLite file and PostgreSQL), clients, users."""

from __future__ import annotations

import functools
import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade

from journal import create_app, init_migrations
from journal.extensions import db
from journal.models import User
from tests.helpers import PASSWORD, PASSWORD_HASH, post_form, write_entry
from tests.servers import (
    PostgreSQLServer,
    RedisServer,
    S3Server,
    SMTPServer,
    postgresql_server,
    redis_server,
    s3_server,
    smtp_server,
)

# Settings from a developer's shell or .env must not leak into the tests.
ENVIRONMENT_KEYS = (
    "JOURNAL_ENV", "SECRET_KEY", "DATABASE_URL", "PUBLIC_URL", "TRUSTED_PROXIES", "LOG_LEVEL",
    "RATELIMIT_STORAGE_URI", "MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL",
    "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_DEFAULT_SENDER", "REDIS_URL",
    "MEDIA_STORAGE", "MEDIA_ROOT", "S3_ENDPOINT_URL", "MEDIA_MAX_BYTES", "MEDIA_MAX_PIXELS",
    "MEDIA_QUOTA_BYTES", "MEDIA_GC_GRACE_HOURS", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL",
)  # fmt: skip

_database_names = itertools.count(1)


def migrate_database(url: str) -> None:
    """Build the schema at ``url`` by running every migration, as an operator would."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        app = create_app("testing")
    init_migrations(app)
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ENVIRONMENT_KEYS:
        monkeypatch.delenv(key, raising=False)
    for key in [key for key in os.environ if key.startswith("FLASK_")]:
        monkeypatch.delenv(key)


# --- databases -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (cheaper than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "journal.sqlite3"
    migrate_database(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgreSQLServer]:
    """One PostgreSQL server for the whole run, in a temporary folder, removed afterwards."""
    with postgresql_server() as server:
        yield server


def create_pg_database(server: PostgreSQLServer) -> str:
    """A new, empty database on ``server``; returns its SQLAlchemy URL."""
    name = f"journal_test_{os.getpid()}_{next(_database_names)}"
    with psycopg.connect(server.dsn(), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return server.url(name)


@pytest.fixture(scope="session")
def pg_migrated_url(pg_server: PostgreSQLServer) -> str:
    """A PostgreSQL database migrated to head once; each test empties its tables first."""
    url = create_pg_database(pg_server)
    migrate_database(url)
    return url


def empty_pg_tables(url: str) -> None:
    """Remove every row (keeping the schema and the migration version)."""
    tables = [t.name for t in db.metadata.sorted_tables]
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database with empty tables: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "journal.sqlite3"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_migrated_url")
    empty_pg_tables(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with no schema at all, for migration tests."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    server: PostgreSQLServer = request.getfixturevalue("pg_server")
    return create_pg_database(server)


# --- the app ---------------------------------------------------------------------------


@pytest.fixture
def app_factory(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Callable[..., Flask]]:
    """Build apps on the test database; keyword arguments override config values."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path / "media"))  # photos never land in instance/
    made: list[Flask] = []

    def make(config_name: str = "testing", **overrides: Any) -> Flask:
        app = create_app(config_name)
        app.config.update(overrides)
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(app_factory: Callable[..., Flask]) -> Flask:
    """The app in its testing configuration (CSRF on) on a fresh database."""
    return app_factory()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser without a session."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Runs ``flask`` commands against the app."""
    return app.test_cli_runner()


# --- people ----------------------------------------------------------------------------


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Create an account directly (with the shared pre-computed password hash)."""

    def make(username: str = "alice", email: str | None = None) -> User:
        with app.app_context():
            user = User(
                username=username,
                username_key=username.lower(),
                email=email or f"{username.lower()}@example.org",
                email_key=(email or f"{username.lower()}@example.org").lower(),
                password_hash=PASSWORD_HASH,
            )
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return make


@pytest.fixture
def user(make_user: Callable[..., User]) -> User:
    """A registered user called alice."""
    return make_user("alice")


class AuthActions:
    """Sign a test client in and out through the real forms."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, username: str = "alice", password: str = PASSWORD, **extra: Any) -> Any:
        """Sign in through the sign-in form."""
        return post_form(self.client, "/login", username=username, password=password, **extra)

    def logout(self) -> Any:
        """Sign out through the sign-out button."""
        return post_form(self.client, "/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """Sign-in actions on ``client``."""
    return AuthActions(client)


@pytest.fixture
def signed_in(client: FlaskClient, auth: AuthActions, user: User) -> FlaskClient:
    """A client signed in as alice."""
    response = auth.login()
    assert response.status_code == 302
    return client


# --- journal entries -------------------------------------------------------------------


@pytest.fixture
def make_entry(app: Flask) -> Callable[..., int]:
    """Write an entry through the service as ``author``; returns its id."""
    return functools.partial(write_entry, app)


# --- accounts: mail, shared rate-limit storage -------------------------------------------


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SMTPServer]:
    """A real SMTP server; apps made after this fixture send their mail to it."""
    with smtp_server() as server:
        monkeypatch.setenv("MAIL_SERVER", "127.0.0.1")
        monkeypatch.setenv("MAIL_PORT", str(server.port))
        yield server


@pytest.fixture(scope="session")
def redis_service() -> Iterator[RedisServer]:
    """One redis-server for the run (skipped, or failed under JOURNAL_REQUIRE_ALL, without)."""
    with redis_server() as server:
        yield server


@pytest.fixture
def redis_url(redis_service: RedisServer) -> str:
    """The URL of an emptied Redis database."""
    import redis

    client = redis.Redis.from_url(redis_service.url)
    client.flushall()
    client.close()
    return redis_service.url


# --- photo storage: a folder, or a bucket on a real S3-compatible server -----------------


@pytest.fixture(scope="session")
def s3_service() -> Iterator[S3Server]:
    """One moto_server for the run (skipped, or failed under JOURNAL_REQUIRE_ALL, without)."""
    with s3_server() as server:
        yield server


_bucket_names = itertools.count(1)


@pytest.fixture
def s3_bucket(s3_service: S3Server, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """A new, empty bucket on the S3 server; returns (endpoint URL, bucket name)."""
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    name = f"journal-{os.getpid()}-{next(_bucket_names)}"
    boto3.client("s3", endpoint_url=s3_service.endpoint).create_bucket(Bucket=name)
    return s3_service.endpoint, name


# --- the JSON API ----------------------------------------------------------------------


@pytest.fixture
def api_token_for(client: FlaskClient) -> Callable[..., str]:
    """Get a bearer token through ``POST /api/v1/tokens`` with HTTP Basic credentials."""
    import base64

    def get(username: str = "alice", password: str = PASSWORD) -> str:
        basic = base64.b64encode(f"{username}:{password}".encode()).decode()
        response = client.post("/api/v1/tokens", headers={"Authorization": f"Basic {basic}"})
        assert response.status_code == 201, response.get_data(as_text=True)
        token: str = response.get_json()["token"]
        return token

    return get


@pytest.fixture
def alice_bearer(api_token_for: Callable[..., str], user: User) -> dict[str, str]:
    """Authorization headers carrying a bearer token of alice's."""
    return {"Authorization": f"Bearer {api_token_for()}"}


@pytest.fixture
def live_api(app: Flask) -> Iterator[str]:
    """The app served over HTTP on a free loopback port by Werkzeug; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    from tests.servers import free_port

    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
