"""The container's parts, run for real without a Docker engine: entrypoint, gunicorn settings,
the Dockerfile's health check, compose.yaml, and the wait-db command the entrypoint uses."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml
from flask.testing import FlaskCliRunner

from journal import create_app
from tests.servers import (
    NGINX_TEMPLATE,
    PRODUCTION_SECRET_KEY,
    PROJECT_ROOT,
    free_port,
    stop_process,
    wait_until_serving,
)

VENV_BIN = Path(sys.executable).parent
DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text()


def bare_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """A container-like environment: the venv and system binaries on PATH, nothing else."""
    return {
        "PATH": f"{VENV_BIN}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        **settings,
    }


def production_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """``bare_env`` with the settings production refuses to start without (and ``settings``)."""
    return bare_env(
        tmp_path,
        JOURNAL_ENV="production",
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        **{"PUBLIC_URL": "http://127.0.0.1", **settings},
    )


def healthcheck_command() -> list[str]:
    """The Dockerfile's HEALTHCHECK command (exec form)."""
    match = re.search(r"^HEALTHCHECK .*?CMD (\[[^\n]*\])$", DOCKERFILE, re.MULTILINE | re.DOTALL)
    assert match, "Dockerfile has no exec-form HEALTHCHECK"
    command: list[str] = json.loads(match.group(1))
    return command


def run_healthcheck(port: int) -> int:
    """Run the image's health check against loopback ``port``; its exit code."""
    command = healthcheck_command()
    assert command[0] == "python"
    result = subprocess.run(
        [sys.executable, *command[1:]],
        env={"PORT": str(port)},
        capture_output=True,
        timeout=30,
        check=False,
    )
    return result.returncode


@pytest.mark.slow
def test_entrypoint_migrates_then_serves_with_gunicorn(tmp_path: Path) -> None:
    database = tmp_path / "journal.sqlite3"
    port = free_port()
    log_path = tmp_path / "entrypoint.log"
    env = production_env(
        tmp_path,
        PUBLIC_URL=f"http://127.0.0.1:{port}",
        DATABASE_URL=f"sqlite:///{database}",
        PORT=str(port),
        WEB_CONCURRENCY="2",
    )
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["./docker-entrypoint.sh"], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log
        )
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/healthz", process, log_path)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as ready:  # noqa: S310
            assert ready.status == 200
        # exec: the entrypoint's own process is now the gunicorn master, receiving signals.
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
        assert any(part.endswith(b"gunicorn") for part in cmdline), cmdline
        assert run_healthcheck(port) == 0
    finally:
        code = stop_process(process)
    output = log_path.read_text()

    assert code == 0, output
    assert "The database is ready." in output
    assert "Running upgrade" in output
    assert "Booting worker" in output
    assert output.count("Booting worker") == 2  # WEB_CONCURRENCY
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"alembic_version", "users", "entries"} <= tables
    assert run_healthcheck(port) != 0  # nothing answers any more


def test_entrypoint_gives_up_when_the_database_never_answers(tmp_path: Path) -> None:
    port = free_port()  # nothing listens here
    result = subprocess.run(
        ["./docker-entrypoint.sh"],
        cwd=PROJECT_ROOT,
        env=production_env(
            tmp_path,
            DATABASE_URL=f"postgresql+psycopg://journal:hunter2-pw@127.0.0.1:{port}/journal",
            PORT=str(free_port()),
            DATABASE_WAIT_TIMEOUT="1",
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    assert "The database did not answer within 1s" in result.stderr
    assert "hunter2-pw" not in result.stderr + result.stdout
    assert "Running upgrade" not in result.stderr
    assert "gunicorn" not in result.stderr.lower()


def print_config(tmp_path: Path, **env: str) -> dict[str, str]:
    """gunicorn's resolved settings from gunicorn.conf.py (``--print-config``)."""
    result = subprocess.run(
        [str(VENV_BIN / "gunicorn"), "--print-config", "wsgi:app"],
        cwd=PROJECT_ROOT,
        env=bare_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}", **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    settings = {}
    for line in result.stdout.splitlines():
        name, sep, value = line.partition(" = ")
        if sep:
            settings[name.strip()] = value.strip()
    return settings


def test_gunicorn_settings_follow_port_and_web_concurrency(tmp_path: Path) -> None:
    settings = print_config(tmp_path, PORT="8123", WEB_CONCURRENCY="3")

    assert settings["bind"] == "['0.0.0.0:8123']"
    assert settings["workers"] == "3"
    assert settings["accesslog"] == "None"  # the app logs each request itself
    assert settings["control_socket_disable"] == "True"
    # Forwarded headers are left to the app's TRUSTED_PROXIES.
    assert settings["forwarded_allow_ips"] == "[]"
    assert settings["secure_scheme_headers"] == "{}"


def test_gunicorn_defaults_to_port_8000_and_cores_times_two_plus_one(tmp_path: Path) -> None:
    settings = print_config(tmp_path)

    assert settings["bind"] == "['0.0.0.0:8000']"
    assert settings["workers"] == str((os.cpu_count() or 1) * 2 + 1)


def test_dockerfile_runs_as_a_user_without_build_tools() -> None:
    instructions = [
        line.split(None, 1) for line in DOCKERFILE.splitlines() if line and line[0].isupper()
    ]
    users = [rest.strip() for word, rest in instructions if word == "USER"]

    assert users == ["journal"]
    assert "useradd" in DOCKERFILE
    for tool in ("build-essential", "gcc", "apt-get install", "curl"):
        assert tool not in DOCKERFILE
    assert re.search(r'^ENTRYPOINT \["\./docker-entrypoint\.sh"\]$', DOCKERFILE, re.MULTILINE)
    assert "urllib.request.urlopen" in " ".join(healthcheck_command())
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".env", "tests", "instance"} <= set(ignored)


def test_compose_runs_app_postgresql_and_redis_with_health_checks() -> None:
    compose = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())
    services = compose["services"]

    assert set(services) == {"nginx", "app", "postgres", "redis"}
    app = services["app"]
    env = app["environment"]
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://journal:")
    assert "@postgres:5432/journal" in env["DATABASE_URL"]
    assert env["RATELIMIT_STORAGE_URI"] == "redis://redis:6379/0"
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")  # no default key, ever
    assert app["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


def test_compose_puts_nginx_with_the_shipped_template_in_front_of_the_app() -> None:
    services = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())["services"]
    nginx, app = services["nginx"], services["app"]

    assert nginx["image"].startswith("nginx:")
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in nginx["volumes"]}
    # The image renders /etc/nginx/templates/*.template into conf.d/ when it starts.
    assert mounts["/etc/nginx/templates/default.conf.template"] == "./deploy/nginx/journal.conf"
    env = nginx["environment"]
    assert mounts[env["JOURNAL_STATIC_ROOT"]] == "./journal/static"
    assert mounts["/etc/nginx/tls"] == "./deploy/tls"
    for name in ("JOURNAL_TLS_CERTIFICATE", "JOURNAL_TLS_CERTIFICATE_KEY"):
        assert env[name].startswith("/etc/nginx/tls/")
    placeholders = set(re.findall(r"\$\{(JOURNAL_[A-Z_]+)\}", NGINX_TEMPLATE.read_text()))
    assert placeholders == {name for name in env if name.startswith("JOURNAL_")}
    assert env["JOURNAL_UPSTREAM"] == "app:8000"
    assert nginx["depends_on"] == {"app": {"condition": "service_healthy"}}
    # The app trusts one proxy and is reachable only through it.
    assert app["environment"]["TRUSTED_PROXIES"] == "1"
    assert "ports" not in app
    assert app["environment"]["PUBLIC_URL"] == env["JOURNAL_PUBLIC_URL"]


def test_wait_db_answers_at_once_when_the_database_is_up(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["journal", "wait-db", "--timeout", "5"])

    assert result.exit_code == 0
    assert "The database is ready." in result.output


def test_wait_db_gives_up_after_its_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "DATABASE_URL", f"postgresql+psycopg://journal:pw-4d2a@127.0.0.1:{free_port()}/journal"
    )
    app = create_app("testing")

    result = app.test_cli_runner().invoke(
        args=["journal", "wait-db", "--timeout", "0.5", "--interval", "0.1"]
    )

    assert result.exit_code == 1
    assert "The database did not answer within 0.5s" in result.output
    assert "pw-4d2a" not in result.output


@pytest.mark.parametrize(("skip", "migrated"), [("0", True), ("1", False)])
def test_entrypoint_migrates_unless_told_to_skip(tmp_path: Path, skip: str, migrated: bool) -> None:
    database = tmp_path / "journal.sqlite3"
    result = subprocess.run(
        # Arguments go to gunicorn: --version makes it answer and exit instead of serving.
        ["./docker-entrypoint.sh", "--version"],
        cwd=PROJECT_ROOT,
        env=production_env(
            tmp_path,
            DATABASE_URL=f"sqlite:///{database}",
            SKIP_MIGRATIONS=skip,
        ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "gunicorn (version" in result.stdout
    assert ("Running upgrade" in result.stderr) is migrated
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert ("entries" in tables) is migrated
