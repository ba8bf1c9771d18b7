"""App-wide handlers: HTTP errors as pages, unexpected errors as a logged, rolled-back 500."""

from __future__ import annotations

import logging

from flask import g, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from journal.blueprints.api.problems import problem_response
from journal.blueprints.errors import bp
from journal.extensions import db, login_manager

log = logging.getLogger(__name__)


def render_error(error: HTTPException) -> Response:
    """The error page for ``error``, keeping its status and headers (``Allow``, ``Retry-After``)."""
    if request.path.startswith("/api/"):
        return problem_response(error)
    response = error.get_response()
    response.set_data(render_template("errors/error.html", error=error))
    response.mimetype = "text/html"
    return response


@bp.app_errorhandler(HTTPException)
def handle_http_error(error: HTTPException) -> Response:
    """400, 403, 404, 405, 413, 429 and the rest: a page in the site's layout."""
    return render_error(error)


@bp.app_errorhandler(InternalServerError)
def handle_internal_error(error: InternalServerError) -> Response:
    """Roll the session back, log the traceback, and show no internals."""
    db.session.rollback()
    original = error.original_exception or error
    log.error("unhandled error", exc_info=(type(original), original, original.__traceback__))
    if "_login_user" not in g:
        # The database may be what failed: render the page without loading the user.
        g._login_user = login_manager.anonymous_user()
    return render_error(InternalServerError())
