"""Liveness and readiness probes."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from journal import create_app
from journal.extensions import db
from tests.helpers import text_of
from tests.servers import free_port


def test_healthz_answers_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert text_of(response) == "ok\n"
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_answers_ok_when_the_database_answers(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert text_of(response) == "ok\n"


@pytest.mark.parametrize(
    "unreachable",
    [
        pytest.param("sqlite:///{tmp}/no/such/folder/journal.sqlite3", id="sqlite"),
        pytest.param(
            "postgresql://postgres@127.0.0.1:{port}/journal?connect_timeout=3", id="postgresql"
        ),
    ],
)
def test_readyz_is_503_while_the_database_cannot_be_reached(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    unreachable: str,
) -> None:
    monkeypatch.setenv("DATABASE_URL", unreachable.format(tmp=tmp_path, port=free_port()))
    app = create_app("testing")
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="journal.blueprints.health.routes"):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert text_of(response) == "database unavailable\n"
    assert response.headers["Cache-Control"] == "no-store"
    assert "readiness check failed: OperationalError" in caplog.text
    # The process itself still serves.
    assert client.get("/healthz").status_code == 200
    with app.app_context():
        db.engine.dispose()
