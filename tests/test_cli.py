"""The ``flask journal`` commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import inspect, select

import journal
from journal import create_app
from journal.extensions import db
from journal.models import User
from journal.services.passwords import check_password
from tests.helpers import count

ROOT = Path(journal.__file__).resolve().parent.parent

NEW_PASSWORD = "correct horse battery staple"


def create_user(
    runner: FlaskCliRunner, username: str = "bob", email: str = "bob@example.org", typed: str = ""
) -> object:
    """Run ``flask journal create-user`` answering the prompts with ``typed``."""
    return runner.invoke(
        args=["journal", "create-user", "--username", username, "--email", email],
        input=typed or f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
    )


def test_create_user_asks_for_the_password_twice_and_creates_the_account(
    app: Flask, runner: FlaskCliRunner
) -> None:
    result = create_user(runner, username="Bob", email="Bob@Example.ORG")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("Password") == 1
    assert "Repeat for confirmation" in result.stdout
    assert NEW_PASSWORD not in result.output  # the prompt hides what is typed
    assert "Created user Bob." in result.stdout
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert (user.username_key, user.email_key) == ("bob", "bob@example.org")
        assert check_password(user.password_hash, NEW_PASSWORD)


def test_create_user_takes_no_password_option(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["journal", "create-user", "--username", "bob", "--email", "bob@example.org",
              "--password", NEW_PASSWORD],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "No such option '--password'" in result.output
    assert count(app, User) == 0


def test_create_user_asks_again_when_the_two_passwords_differ(
    app: Flask, runner: FlaskCliRunner
) -> None:
    typed = f"{NEW_PASSWORD}\nsomething else\n{NEW_PASSWORD}\n{NEW_PASSWORD}\n"
    result = create_user(runner, typed=typed)
    assert result.exit_code == 0, result.output
    assert "The two entered values do not match." in result.output
    assert count(app, User) == 1


def test_create_user_gives_up_when_the_input_ends(app: Flask, runner: FlaskCliRunner) -> None:
    result = create_user(runner, typed=f"{NEW_PASSWORD}\nsomething else\n")
    assert result.exit_code == 1
    assert count(app, User) == 0


@pytest.mark.parametrize(
    ("username", "email", "password", "messages"),
    [
        pytest.param("b!", "bob@example.org", NEW_PASSWORD, ["username: Use 3-32"], id="username"),
        pytest.param("ALICE", "bob@example.org", NEW_PASSWORD, ["username: That"], id="taken"),
        pytest.param(
            "bob",
            "nope",
            NEW_PASSWORD,
            ["email: An email address must have an @-sign."],
            id="email",
        ),
        pytest.param(
            "bob", "Alice@Example.org", NEW_PASSWORD, ["email: An account"], id="email-taken"
        ),
        pytest.param("bob", "bob@example.org", "short", ["password: Use at least 8"], id="short"),
        pytest.param("bob", "bob@example.org", "p" * 257, ["password: Use at most 256"], id="long"),
        pytest.param(
            "bob", "bob@example.org", "iloveyou", ["password: This password"], id="common"
        ),
        pytest.param(
            "b!",
            "nope",
            "password",
            ["username: Use 3-32", "email: An email address", "password: This password"],
            id="all-at-once",
        ),
    ],
)
def test_create_user_prints_each_broken_rule_and_creates_nothing(
    app: Flask,
    runner: FlaskCliRunner,
    user: User,
    username: str,
    email: str,
    password: str,
    messages: list[str],
) -> None:
    result = create_user(runner, username, email, typed=f"{password}\n{password}\n")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == len(messages)
    for line, message in zip(lines, messages, strict=True):
        assert line.startswith(message)
    assert "Created" not in result.stdout
    assert count(app, User) == 1


def test_db_commands_bind_flask_migrate_when_asked_for(app: Flask, runner: FlaskCliRunner) -> None:
    assert "migrate" not in app.extensions  # a web worker never binds it
    result = runner.invoke(args=["db", "--help"])
    assert result.exit_code == 0, result.output
    assert "upgrade" in result.output
    assert "migrate" in app.extensions


def test_flask_db_upgrade_builds_the_schema(empty_database_url: str, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    app = create_app("testing")
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert {"users", "entries", "tags"} <= set(inspect(db.engine).get_table_names())
        db.engine.dispose()


def test_serving_the_app_does_not_import_alembic() -> None:
    """Alembic stays out of the web workers' memory: only ``flask db`` loads it."""
    code = (
        "import sys; from journal import create_app; "
        "client = create_app('testing').test_client(); client.get('/login'); "
        "print(sorted(m for m in ('alembic', 'flask_migrate', 'mako') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": "sqlite://"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
