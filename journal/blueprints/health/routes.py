"""``/healthz`` (the process serves) and ``/readyz`` (the database answers)."""

from __future__ import annotations

import logging

from flask import Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from journal.blueprints.health import bp
from journal.extensions import db

log = logging.getLogger(__name__)


def _plain(body: str, status: int) -> Response:
    response = Response(body + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz() -> Response:
    """200 while the process serves; touches nothing else."""
    return _plain("ok", 200)


@bp.get("/readyz")
def readyz() -> Response:
    """200 when a trivial query succeeds, 503 when the database cannot be reached."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("readiness check failed: %s", type(error).__name__)
        return _plain("database unavailable", 503)
    return _plain("ok", 200)
