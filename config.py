"""Configuration classes, one per environment, chosen by ``JOURNAL_ENV``."""

from __future__ import annotations

import os
import secrets
from typing import Any, ClassVar

from flask import Flask


class ConfigError(RuntimeError):
    """A required setting is missing or unusable; the message names it."""


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None


def normalise_database_url(url: str) -> str:
    """Accept Heroku-style ``postgres://`` URLs, which SQLAlchemy 2 refuses."""
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


class Config:
    """Settings shared by every environment; read from the environment at app creation."""

    ENV_NAME: ClassVar[str] = "base"

    # hide_parameters: a failed statement's values (hashes, tokens) stay out of logged errors.
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, Any]] = {
        "pool_pre_ping": True,
        "hide_parameters": True,
    }
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    MAX_IMPORT_LENGTH = 16 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    ENTRIES_PER_PAGE = 20
    # Flask-Limiter writes Retry-After (and X-RateLimit-*) itself once headers are on.
    RATELIMIT_HEADERS_ENABLED = True
    # Every limit is a setting, so tests and operators can change it.
    RATELIMIT_LOGIN_PER_ACCOUNT = "5 per minute"
    RATELIMIT_LOGIN_PER_ADDRESS = "20 per minute"
    RATELIMIT_RESET_PER_ADDRESS = "5 per hour"
    RATELIMIT_REGISTER_PER_ADDRESS = "10 per hour"
    PASSWORD_RESET_MAX_AGE = 3600
    SESSION_PROTECTION = "strong"
    API_TOKEN_RATE_LIMIT = "10 per minute"  # noqa: S105  (a rate, not a secret)
    # Entries one account may write, through the pages and the API together.
    ENTRY_WRITE_LIMIT = "60 per minute"
    # Photo uploads per account (each file counts once).
    RATELIMIT_MEDIA_PER_ACCOUNT = "60 per hour"
    # At most this many photos in one request (the entry form's ``media`` field).
    MEDIA_MAX_FILES = 20
    MAIL_LOG_ONLY = False
    # The live socket (/live): heartbeat period, the largest message and the most messages a
    # second a browser may send, and how many sockets one process holds (each holds a
    # gunicorn thread: keep it below the threads per worker, so pages always get one).
    LIVE_HEARTBEAT_SECONDS = 25
    LIVE_MAX_MESSAGE_BYTES = 64 * 1024
    LIVE_MAX_MESSAGES_PER_SECOND = 20
    TESTING = False
    DEBUG = False

    @classmethod
    def load(cls, app: Flask) -> None:
        """Read environment-dependent settings into ``app.config``."""
        config = app.config
        default_db = "sqlite:///" + os.path.join(app.instance_path, "journal.sqlite3")
        config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
            os.environ.get("DATABASE_URL") or default_db
        )
        config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or cls.default_secret_key()
        config["PUBLIC_URL"] = (os.environ.get("PUBLIC_URL") or "").rstrip("/") or None
        config["TRUSTED_PROXIES"] = _env_int("TRUSTED_PROXIES", 0)
        # One import is one request: at most this many entries, so it ends in seconds.
        config["IMPORT_MAX_ENTRIES"] = _env_int("IMPORT_MAX_ENTRIES", 5000)
        # ... and at most this many seconds of rendering (well inside gunicorn's timeout).
        config["IMPORT_MAX_SECONDS"] = _env_int("IMPORT_MAX_SECONDS", 15)
        # Photos: where they are stored ("local" or "s3://bucket/prefix") and their limits.
        config["MEDIA_STORAGE"] = os.environ.get("MEDIA_STORAGE") or "local"
        config["MEDIA_ROOT"] = os.environ.get("MEDIA_ROOT") or os.path.join(
            app.instance_path, "media"
        )
        config["S3_ENDPOINT_URL"] = os.environ.get("S3_ENDPOINT_URL") or None
        config["MEDIA_MAX_BYTES"] = _env_int("MEDIA_MAX_BYTES", 20 * 1024 * 1024)
        config["MEDIA_MAX_PIXELS"] = _env_int("MEDIA_MAX_PIXELS", 50_000_000)
        config["MEDIA_QUOTA_BYTES"] = _env_int("MEDIA_QUOTA_BYTES", 1024 * 1024 * 1024)
        # An upload no entry uses is removed by ``flask journal media-gc`` after this long.
        config["MEDIA_GC_GRACE_HOURS"] = _env_int("MEDIA_GC_GRACE_HOURS", 24)
        config["LOG_LEVEL"] = os.environ.get("LOG_LEVEL", "INFO").upper()
        config["RATELIMIT_STORAGE_URI"] = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        # The broker of live events across processes and hosts; without it, the database.
        config["REDIS_URL"] = os.environ.get("REDIS_URL") or None
        config["LIVE_MAX_SOCKETS"] = _env_int("LIVE_MAX_SOCKETS", 80)
        config["MAIL_SERVER"] = os.environ.get("MAIL_SERVER")
        config["MAIL_PORT"] = _env_int("MAIL_PORT", 25)
        config["MAIL_USE_TLS"] = os.environ.get("MAIL_USE_TLS", "").lower() in {"1", "true", "yes"}
        config["MAIL_USE_SSL"] = os.environ.get("MAIL_USE_SSL", "").lower() in {"1", "true", "yes"}
        config["MAIL_USERNAME"] = os.environ.get("MAIL_USERNAME")
        config["MAIL_PASSWORD"] = os.environ.get("MAIL_PASSWORD")
        config["MAIL_DEFAULT_SENDER"] = os.environ.get(
            "MAIL_DEFAULT_SENDER", "Journal <journal@localhost>"
        )
        # Without a mail server, development writes messages to the log instead.
        config["MAIL_LOG_ONLY"] = not config["MAIL_SERVER"]
        # Flask-Mail stays silent while TESTING unless told otherwise: send whenever a
        # server is configured, in every environment.
        config["MAIL_SUPPRESS_SEND"] = not config["MAIL_SERVER"]

    @classmethod
    def default_secret_key(cls) -> str | None:
        """A key for environments that may run without one configured."""
        return secrets.token_urlsafe(48)

    @classmethod
    def validate(cls, app: Flask) -> None:
        """Refuse to start with settings this environment cannot run with."""


class DevelopmentConfig(Config):
    """Local development: debug pages, mail to the log, a random key per process."""

    ENV_NAME = "development"
    DEBUG = True


class TestingConfig(Config):
    """The test suite: CSRF stays on, fast password hashing is not used."""

    ENV_NAME = "testing"
    TESTING = True
    RATELIMIT_ENABLED = True


class ProductionConfig(Config):
    """Behind gunicorn and a TLS-terminating proxy."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    MIN_SECRET_KEY_LENGTH = 32

    @classmethod
    def default_secret_key(cls) -> str | None:
        return None

    @classmethod
    def validate(cls, app: Flask) -> None:
        key = app.config.get("SECRET_KEY")
        if not key:
            raise ConfigError(
                "SECRET_KEY is not set: production needs a random key of 32+ characters"
            )
        if len(key) < cls.MIN_SECRET_KEY_LENGTH:
            raise ConfigError(
                f"SECRET_KEY is too short ({len(key)} characters): production needs 32 or more"
            )
        if not app.config.get("PUBLIC_URL"):
            raise ConfigError(
                "PUBLIC_URL is not set: production needs the site's public address, "
                "e.g. https://journal.example"
            )


CONFIGS: dict[str, type[Config]] = {
    cls.ENV_NAME: cls for cls in (DevelopmentConfig, TestingConfig, ProductionConfig)
}


def config_for(name: str) -> type[Config]:
    """Return the config class for an environment name."""
    try:
        return CONFIGS[name]
    except KeyError:
        choices = ", ".join(sorted(CONFIGS))
        raise ConfigError(f"JOURNAL_ENV={name!r} is unknown; use one of: {choices}") from None
