"""App-wide handlers: HTTP errors as pages, unexpected errors as a logged, rolled-back 500."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from journal.blueprints.errors import bp
from journal.database import is_unavailable
from journal.error_pages import render_error
from journal.exceptions import DatabaseUnavailable
from journal.extensions import db, login_manager
from journal.identity import loaded_login_user

log = logging.getLogger(__name__)


@bp.app_errorhandler(HTTPException)
def handle_http_error(error: HTTPException) -> Response:
    """400, 403, 404, 405, 413, 429 and the rest: a page in the site's layout."""
    if isinstance(error.response, Response):  # already a page (a rate-limited form shown again)
        return error.response
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


@bp.app_errorhandler(DBAPIError)
@bp.app_errorhandler(PoolTimeout)
def handle_database_error(error: Exception) -> Response:
    """A database that cannot take work now (locked, full, down) is a 503, not a bug.

    Rolled back, so nothing partial is stored, and answered as ``DatabaseUnavailable``
    (503 with ``Retry-After``), which a blueprint may answer in its own way: the journal
    shows the writing form again with everything typed. Any other database error is a bug
    and goes on to the 500 handler.
    """
    if not is_unavailable(error):
        raise error
    orig = getattr(error, "orig", None) or error
    log.error("database unavailable, answered 503: %s: %s", type(orig).__name__, orig)
    keep_signed_in_user_off_the_database()
    db.session.rollback()
    answer = current_app.handle_user_exception(DatabaseUnavailable())
    if isinstance(answer, HTTPException):  # no handler took it (there is always one)
        answer = render_error(answer)
    return current_app.make_response(answer)


def keep_signed_in_user_off_the_database() -> None:
    """Let the page show who is signed in without a query: the database may be what failed.

    A rollback expires every loaded object, and reading an expired attribute runs SQL; the
    user is detached first when its name is loaded, and shown as signed out otherwise.
    """
    user = loaded_login_user()
    if user is None or not user.is_authenticated:
        loaded_login_user(replace_with=login_manager.anonymous_user())
        return
    state = inspect(user)
    if "username" in state.dict:
        if state.session is not None:
            state.session.expunge(user)
    else:
        loaded_login_user(replace_with=login_manager.anonymous_user())
