"""App-wide handlers: HTTP errors as pages, unexpected errors as a logged, rolled-back 500."""

from __future__ import annotations

import logging
import time

from flask import g, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import inspect
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from journal.blueprints.api.problems import problem_response
from journal.blueprints.errors import bp
from journal.extensions import db, limiter, login_manager
from journal.wording import in_words

log = logging.getLogger(__name__)

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


@bp.app_errorhandler(HTTPException)
def handle_http_error(error: HTTPException) -> Response:
    """400, 403, 404, 405, 413, 429 and the rest: a page in the site's layout."""
    return render_error(error)


@bp.app_errorhandler(InternalServerError)
def handle_internal_error(error: InternalServerError) -> Response:
    """Roll the session back, log the traceback, and show no internals."""
    if error.original_exception is None:
        # An explicit abort(500); Flask has already logged the traceback of a real exception
        # ("Exception on <path> [<method>]"), with the request id like every record.
        log.error("internal error", exc_info=(type(error), error, error.__traceback__))
    keep_signed_in_user_off_the_database()
    db.session.rollback()
    return render_error(InternalServerError())


def keep_signed_in_user_off_the_database() -> None:
    """Let the page show who is signed in without a query: the database may be what failed.

    A rollback expires every loaded object, and reading an expired attribute runs SQL; the
    user is detached first when its name is loaded, and shown as signed out otherwise.
    """
    user = g.get("_login_user")
    if user is None or not user.is_authenticated:
        g._login_user = login_manager.anonymous_user()
        return
    state = inspect(user)
    if "username" in state.dict:
        if state.session is not None:
            state.session.expunge(user)
    else:
        g._login_user = login_manager.anonymous_user()
