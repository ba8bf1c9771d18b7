"""Liveness and readiness probes."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.helpers import text_of


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
