"""Journal: a self-hosted online journal. ``create_app`` is the only place an app is built."""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import load_dotenv
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import config_for
from journal import database
from journal.extensions import csrf, db, limiter, login_manager, mail
from journal.logging import init_app as init_logging

# The .env file next to wsgi.py; real environment variables win over what it says.
DOTENV_PATH = Path(__file__).resolve().parent.parent / ".env"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

# Every blueprint the app serves; adding one is one line here.
BLUEPRINTS = (
    "journal.blueprints.errors",
    "journal.blueprints.health",
    "journal.blueprints.auth",
    "journal.blueprints.journal",
    "journal.blueprints.calendar",
    "journal.blueprints.account",
    "journal.blueprints.api_reference",
    "journal.blueprints.media",
    "journal.blueprints.live",
)


def create_app(config_name: str | None = None) -> Flask:
    """Build the app for ``config_name`` (default: ``JOURNAL_ENV``, else development)."""
    load_dotenv(DOTENV_PATH)
    app = Flask(__name__, instance_relative_config=True)
    config_class = config_for(config_name or os.environ.get("JOURNAL_ENV", "development"))
    app.config.from_object(config_class)
    config_class.load(app)
    app.config.from_prefixed_env()
    config_class.validate(app)
    _init_logging(app)
    _init_proxies(app)
    _init_converters(app)
    _init_extensions(app)
    _init_request_hooks(app)
    _init_caching(app)
    _init_templates(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


def _init_logging(app: Flask) -> None:
    # First, so every later before_request hook already has the request id.
    init_logging(app)


def _init_proxies(app: Flask) -> None:
    # Forwarded headers are believed only when TRUSTED_PROXIES says proxies set them.
    trusted = int(app.config["TRUSTED_PROXIES"])
    if trusted > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=trusted, x_prefix=trusted
        )


def _init_converters(app: Flask) -> None:
    # Before any route is added: every ``<int:…>`` of a page or the API is a bounded row id.
    from journal.converters import init_app as init_converters

    init_converters(app)


def _init_extensions(app: Flask) -> None:
    from flask_talisman import Talisman

    from journal.security import talisman_options

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)
    db.init_app(app)
    database.init_app(app)  # SQLite's per-connection settings, on this app's engines
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    # One Talisman per app: it keeps its settings on itself, and they depend on the config.
    app.extensions["talisman"] = Talisman(app, **talisman_options(app.config))


def _init_request_hooks(app: Flask) -> None:
    from journal.security import add_hsts, refuse_nul_characters
    from journal.static_files import init_static_files

    app.before_request(refuse_nul_characters)
    app.after_request(add_hsts)
    init_static_files(app)


def _init_caching(app: Flask) -> None:
    # Private answers (signed in, a token, a write) are sent "Cache-Control: private, no-store".
    from journal.caching import init_app as init_caching

    init_caching(app)


def _init_templates(app: Flask) -> None:
    from journal import local_time

    local_time.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from importlib import import_module

    from journal.blueprints import api

    for name in BLUEPRINTS:
        app.register_blueprint(import_module(name).bp)
    # The JSON API is registered through flask-smorest, which builds its OpenAPI document.
    api.openapi_for(app).register_blueprint(api.bp)
    # No cookie authenticates an API call, so there is no cross-site request to forge.
    csrf.exempt(api.bp)


def _register_cli(app: Flask) -> None:
    from journal.cli import MigrationCommands, journal_cli

    app.cli.add_command(journal_cli)
    app.cli.add_command(MigrationCommands(app))


def init_migrations(app: Flask) -> None:
    """Bind Flask-Migrate (Alembic) to ``app``, for ``flask db`` and its Python functions.

    Left out of ``create_app``: Alembic and its templates weigh about 11 MiB in every
    gunicorn worker, which never migrates. ``flask db ...`` binds it when it runs.
    """
    from flask_migrate import Migrate

    Migrate(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
