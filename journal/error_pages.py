"""An HTTP error as its answer: a page in the site's layout, or problem+json under ``/api/``."""

from __future__ import annotations

import time

from flask import render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from journal.extensions import limiter
from journal.problems import problem_response
from journal.wording import in_words

# Flask-WTF's own words ("The CSRF token is missing.") tell a person nothing they can act on.
FORM_EXPIRED = (
    "This form had expired (or you were signed out meanwhile), so nothing was changed. "
    "Go back, reload the page (sign in again if it asks), and send the form once more."
)


def render_error(error: HTTPException) -> Response:
    """The error page for ``error``, keeping its status and headers (``Allow``, ``Retry-After``)."""
    if request.path.startswith("/api/"):
        return problem_response(error)
    response = error.get_response()
    description = FORM_EXPIRED if isinstance(error, CSRFError) else error.description
    wait = seconds_to_wait(response) if response.status_code == 429 else None
    if wait is not None:
        response.headers["Retry-After"] = str(wait)
    response.set_data(
        render_template(
            "errors/error.html",
            error=error,
            description=description,
            wait=in_words(wait) if wait is not None else None,
        )
    )
    response.mimetype = "text/html"
    return response


def seconds_to_wait(response: Response) -> int | None:
    """How long a 429 asks the client to wait: its ``Retry-After``, or the limit that was hit.

    Flask-Limiter adds ``Retry-After`` only after this handler; the page computes the same
    number and sets the header itself, so what the page says and the header agree.
    """
    header = response.headers.get("Retry-After", "")
    if header.isdigit():
        return int(header)
    current = limiter.current_limit
    if current is None:
        return None
    # Flask-Limiter's own arithmetic, so the header it writes later says the same.
    return max(1, int(current.reset_at - time.time()))
