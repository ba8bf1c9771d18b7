"""An HTTP error as its answer: a page in the site's layout, or problem+json under ``/api/``."""

from __future__ import annotations

from flask import render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from journal.problems import problem_response


def render_error(error: HTTPException) -> Response:
    """The error page for ``error``, keeping its status and headers (``Allow``, ``Retry-After``)."""
    if request.path.startswith("/api/"):
        return problem_response(error)
    response = error.get_response()
    response.set_data(render_template("errors/error.html", error=error))
    response.mimetype = "text/html"
    return response
