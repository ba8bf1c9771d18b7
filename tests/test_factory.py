"""``create_app`` binds every extension and registers every blueprint itself, visibly."""

from __future__ import annotations

from importlib import import_module

from flask import Flask
from sqlalchemy import create_engine

import journal


def test_every_blueprint_is_registered_by_the_factory(app: Flask) -> None:
    listed = {import_module(name).bp.name for name in journal.BLUEPRINTS}

    # The JSON API goes through flask-smorest, which adds "api-docs" (openapi.json).
    assert set(app.blueprints) == listed | {"api", "api-docs"}
    assert "api_reference" in listed


def test_every_extension_is_bound(app: Flask) -> None:
    for name in ("sqlalchemy", "csrf", "limiter", "mail", "talisman", "flask-smorest"):
        assert name in app.extensions, name
    assert app.login_manager is not None  # type: ignore[attr-defined]


def test_importing_the_journal_configures_no_other_engine() -> None:
    # The SQLite settings belong to the app's engines, not to every engine of the process.
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
    engine.dispose()
