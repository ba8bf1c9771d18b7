"""Settings: the config classes, what production refuses, and where values come from."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import journal
from config import (
    ConfigError,
    DevelopmentConfig,
    ProductionConfig,
    TestingConfig,
    config_for,
    normalise_database_url,
)
from journal import create_app
from journal.urls import external_url
from tests.servers import free_port

ROOT = Path(journal.__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GOOD_KEY = "k" * 48
SHORT_KEY = "k" * 31


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database URL in the test's folder, so no app touches the project's instance/."""
    url = f"sqlite:///{tmp_path / 'journal.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture
def restore_environ() -> Iterator[None]:
    """Undo whatever a .env file put into the environment."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


# --- choosing a config class -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "config_class"),
    [
        ("development", DevelopmentConfig),
        ("testing", TestingConfig),
        ("production", ProductionConfig),
    ],
)
def test_config_for_names_each_environment(name: str, config_class: type) -> None:
    assert config_for(name) is config_class


@pytest.mark.parametrize("name", ["staging", "Production", "", "prod"])
def test_an_unknown_environment_is_refused_with_the_choices(name: str) -> None:
    with pytest.raises(ConfigError) as error:
        config_for(name)
    assert str(error.value) == (
        f"JOURNAL_ENV={name!r} is unknown; use one of: development, production, testing"
    )


def test_journal_env_picks_the_config(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert create_app().config["DEBUG"] is True  # development by default
    monkeypatch.setenv("JOURNAL_ENV", "testing")
    app = create_app()
    assert app.testing and not app.debug
    monkeypatch.setenv("JOURNAL_ENV", "staging")
    with pytest.raises(ConfigError, match="JOURNAL_ENV='staging' is unknown"):
        create_app()


def test_an_explicit_name_wins_over_journal_env(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOURNAL_ENV", "staging")
    assert create_app("testing").testing


def test_csrf_tokens_live_as_long_as_the_session(sqlite_url: str) -> None:
    app = create_app("testing")
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None
    assert app.config["WTF_CSRF_ENABLED"] is True


# --- secrets and the public address ----------------------------------------------------


def test_development_makes_up_a_key_per_app(sqlite_url: str) -> None:
    first, second = create_app("development"), create_app("development")
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] != second.config["SECRET_KEY"]


def test_secret_key_comes_from_the_environment(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_KEY", "from the environment")
    assert create_app("development").config["SECRET_KEY"] == "from the environment"


PRODUCTION_REFUSALS = [
    pytest.param({"PUBLIC_URL": "https://journal.example"}, "SECRET_KEY is not set", id="no-key"),
    pytest.param(
        {"SECRET_KEY": "", "PUBLIC_URL": "https://journal.example"},
        "SECRET_KEY is not set",
        id="empty-key",
    ),
    pytest.param(
        {"SECRET_KEY": SHORT_KEY, "PUBLIC_URL": "https://journal.example"},
        "SECRET_KEY is too short (31 characters)",
        id="short-key",
    ),
    pytest.param({"SECRET_KEY": GOOD_KEY}, "PUBLIC_URL is not set", id="no-public-url"),
    pytest.param(
        {"SECRET_KEY": GOOD_KEY, "PUBLIC_URL": "/"}, "PUBLIC_URL is not set", id="blank-public-url"
    ),
]


@pytest.mark.parametrize(("settings", "message"), PRODUCTION_REFUSALS)
def test_production_refuses_to_start_without_its_settings(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, settings: dict[str, str], message: str
) -> None:
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as error:
        create_app("production")
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_production_starts_with_a_32_character_key_and_a_public_url(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    monkeypatch.setenv("PUBLIC_URL", "https://journal.example/")
    app = create_app("production")
    assert app.config["PUBLIC_URL"] == "https://journal.example"
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["REMEMBER_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert not app.debug and not app.testing


def test_links_for_mail_and_feeds_use_public_url_not_the_host_header(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_URL", "https://journal.example/base/")
    app = create_app("testing")
    with app.test_request_context("/", base_url="http://evil.example"):
        assert external_url("journal.show_entry", entry_id=3) == (
            "https://journal.example/base/entries/3"
        )


def test_without_public_url_links_use_the_request_host(sqlite_url: str) -> None:
    app = create_app("development")
    with app.test_request_context("/", base_url="http://127.0.0.1:5000"):
        assert external_url("journal.index", page=2) == "http://127.0.0.1:5000/?page=2"


# --- other settings --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/journal", "postgresql+psycopg://u:p@db:5432/journal"),
        ("postgresql://u@db/journal", "postgresql+psycopg://u@db/journal"),
        ("postgresql+psycopg://u@db/journal", "postgresql+psycopg://u@db/journal"),
        ("sqlite:///journal.sqlite3", "sqlite:///journal.sqlite3"),
    ],
)
def test_database_urls_are_normalised_for_psycopg_3(
    monkeypatch: pytest.MonkeyPatch, given: str, expected: str
) -> None:
    assert normalise_database_url(given) == expected
    monkeypatch.setenv("DATABASE_URL", given)
    assert create_app("testing").config["SQLALCHEMY_DATABASE_URI"] == expected


def test_the_default_database_is_sqlite_in_the_instance_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app = create_app("testing")
    expected = "sqlite:///" + os.path.join(app.instance_path, "journal.sqlite3")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == expected


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, {"TRUSTED_PROXIES": 0, "MAIL_PORT": 25, "MAIL_USE_TLS": False, "MAIL_LOG_ONLY": True}),
        ({"TRUSTED_PROXIES": ""}, {"TRUSTED_PROXIES": 0}),
        ({"TRUSTED_PROXIES": "2"}, {"TRUSTED_PROXIES": 2}),
        ({"MAIL_PORT": "587", "MAIL_USE_TLS": "true"}, {"MAIL_PORT": 587, "MAIL_USE_TLS": True}),
        ({"MAIL_USE_SSL": "1"}, {"MAIL_USE_SSL": True}),
        ({"MAIL_USE_SSL": "no"}, {"MAIL_USE_SSL": False}),
        ({"MAIL_SERVER": "smtp.example"}, {"MAIL_SERVER": "smtp.example", "MAIL_LOG_ONLY": False}),
        ({"LOG_LEVEL": "debug"}, {"LOG_LEVEL": "DEBUG"}),
        ({}, {"RATELIMIT_STORAGE_URI": "memory://", "LOG_LEVEL": "INFO"}),
    ],
)
def test_settings_are_read_from_the_environment(
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    settings: dict[str, str],
    expected: dict[str, object],
) -> None:
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    config = create_app("testing").config
    assert {key: config[key] for key in expected} == expected


@pytest.mark.parametrize("key", ["TRUSTED_PROXIES", "MAIL_PORT"])
def test_a_number_setting_that_is_not_a_number_is_refused(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv(key, "two")
    with pytest.raises(ConfigError) as error:
        create_app("testing")
    assert str(error.value) == f"{key} must be a whole number, not 'two'"


def test_flask_prefixed_settings_override_config_values(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_ENTRIES_PER_PAGE", "5")
    monkeypatch.setenv("FLASK_SESSION_COOKIE_SAMESITE", "Strict")
    monkeypatch.setenv("FLASK_WTF_CSRF_ENABLED", "false")
    config = create_app("testing").config
    assert config["ENTRIES_PER_PAGE"] == 5
    assert config["SESSION_COOKIE_SAMESITE"] == "Strict"
    assert config["WTF_CSRF_ENABLED"] is False


def test_a_flask_prefixed_key_is_checked_like_any_other(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_URL", "https://journal.example")
    monkeypatch.setenv("FLASK_SECRET_KEY", '"too short"')
    with pytest.raises(ConfigError, match="SECRET_KEY is too short"):
        create_app("production")


def test_the_env_file_sits_next_to_wsgi_py() -> None:
    assert journal.DOTENV_PATH == ROOT / ".env"
    assert (ROOT / "wsgi.py").is_file()


def test_settings_are_read_from_the_env_file(
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    restore_environ: None,
) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# as an operator writes it\n"
        "JOURNAL_ENV=production\n"
        f"SECRET_KEY={GOOD_KEY}\n"
        "PUBLIC_URL=https://from-dotenv.example\n"
        "LOG_LEVEL=warning\n"
        "FLASK_ENTRIES_PER_PAGE=7\n"
    )
    monkeypatch.setattr(journal, "DOTENV_PATH", dotenv)
    monkeypatch.setenv("LOG_LEVEL", "error")  # the real environment wins over the file
    app = create_app()
    assert app.config["SECRET_KEY"] == GOOD_KEY
    assert app.config["PUBLIC_URL"] == "https://from-dotenv.example"
    assert app.config["SESSION_COOKIE_SECURE"] is True  # production was chosen by the file
    assert app.config["LOG_LEVEL"] == "ERROR"
    assert app.config["ENTRIES_PER_PAGE"] == 7


def test_a_missing_env_file_is_fine(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(journal, "DOTENV_PATH", tmp_path / "absent.env")
    assert create_app("testing").testing


# --- the operator's commands refuse too --------------------------------------------------


def operator_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment an operator's shell passes to ``flask`` or ``gunicorn``."""
    env = dict(os.environ)
    env.update(
        JOURNAL_ENV="production",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        # Set, even when empty, so a developer's .env cannot fill them in.
        SECRET_KEY="",
        PUBLIC_URL="",
        PORT=str(free_port()),
        WEB_CONCURRENCY="1",
    )
    env.update(settings)
    return env


@pytest.mark.slow
@pytest.mark.parametrize(
    ("settings", "message"),
    [
        pytest.param(
            {"PUBLIC_URL": "https://journal.example"}, "SECRET_KEY is not set", id="no-key"
        ),
        pytest.param({"SECRET_KEY": GOOD_KEY}, "PUBLIC_URL is not set", id="no-public-url"),
    ],
)
def test_flask_db_upgrade_refuses_without_production_settings(
    tmp_path: Path, settings: dict[str, str], message: str
) -> None:
    result = subprocess.run(
        [str(BIN / "flask"), "db", "upgrade"],
        cwd=ROOT,
        env=operator_env(tmp_path, **settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert f"Journal cannot start: {message}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "prod.sqlite3").exists()


@pytest.mark.slow
def test_gunicorn_check_config_refuses_a_short_key(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(BIN / "gunicorn"), "wsgi:app", "--check-config"],
        cwd=ROOT,
        env=operator_env(tmp_path, SECRET_KEY=SHORT_KEY, PUBLIC_URL="https://journal.example"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Journal cannot start: SECRET_KEY is too short (31 characters)" in result.stderr


@pytest.mark.slow
def test_gunicorn_stops_when_its_worker_cannot_build_the_app(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(BIN / "gunicorn"), "wsgi:app"],
        cwd=ROOT,
        env=operator_env(tmp_path, SECRET_KEY=GOOD_KEY),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Journal cannot start: PUBLIC_URL is not set" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_gunicorn_serves_with_production_settings(tmp_path: Path) -> None:
    env = operator_env(tmp_path, SECRET_KEY=GOOD_KEY, PUBLIC_URL="http://127.0.0.1:8000")
    check = subprocess.run(
        [str(BIN / "gunicorn"), "wsgi:app", "--check-config"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        body = None
        deadline = time.monotonic() + 60
        while body is None and time.monotonic() < deadline:
            assert server.poll() is None, "gunicorn stopped"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{env['PORT']}/healthz") as answer:
                    body = answer.read()
            except OSError:
                time.sleep(0.2)
        assert body == b"ok\n"
    finally:
        server.terminate()
        server.communicate(timeout=30)
