"""Logging: one stderr line per event, each request with its id, and nothing secret."""

from __future__ import annotations

import logging
import re
import secrets
import sys
import time
from urllib.parse import quote

from flask import Flask, g, has_request_context, request
from sqlalchemy import inspect
from werkzeug.wrappers import Response

from config import ConfigError
from journal.identity import loaded_login_user

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only when it is short and cannot break a log line.
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# URL parts (view arguments) that are secrets: the log shows their place, not their value.
SECRET_VIEW_ARGS = frozenset({"token"})
REDACTED = "[redacted]"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s %(message)s"
# Each further line of a record (a traceback's) starts like this, so no line can pass for
# a record of its own.
CONTINUATION_FORMAT = "%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s | "
# Characters that could end or rewrite a line on a terminal or in a log viewer.
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# Characters a path keeps in the log; everything else (spaces, newlines) is percent-encoded.
PATH_SAFE = "/:@!$&'()*+,;=-._~"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

request_log = logging.getLogger("journal.requests")


class RequestIdFilter(logging.Filter):
    """Stamp every record with the id of the request it was logged in (``-`` outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add ``record.request_id``; never drops a record."""
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class DevServerRequestFilter(logging.Filter):
    """Drop the development server's own request lines: they repeat ours, query string and all."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep everything but werkzeug's ``<addr> - - [date] "GET …"`` lines."""
        return not (record.name == "werkzeug" and " - - [" in record.getMessage())


def escape_controls(text: str) -> str:
    """``text`` with every control character written as an escape (``\\n``, ``\\x1b``)."""
    return CONTROL_RE.sub(lambda match: repr(match.group())[1:-1], text)


class OneLineFormatter(logging.Formatter):
    """Format a record so that no input can start a line of the log.

    The message is escaped to one line whatever it holds (a path with ``%0a``, say); a
    traceback keeps its lines, each escaped and prefixed like the record itself.
    """

    def __init__(self) -> None:
        super().__init__(LOG_FORMAT, DATE_FORMAT)
        self.continuation = logging.PercentStyle(CONTINUATION_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802  (logging's name)
        """The record's first line, control characters escaped."""
        return escape_controls(super().formatMessage(record))

    def format(self, record: logging.LogRecord) -> str:
        """The first line, then every traceback line behind the continuation prefix."""
        first, _, details = super().format(record).partition("\n")
        if not details:
            return first
        prefix = escape_controls(self.continuation.format(record))
        return "\n".join([first, *(prefix + escape_controls(line) for line in details.split("\n"))])


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Write to the current ``sys.stderr`` (it may be replaced after start-up)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        """Emit on whatever ``sys.stderr`` is now."""
        self.stream = sys.stderr
        super().emit(record)


_handler: StderrHandler | None = None


def stderr_handler() -> StderrHandler:
    """The one handler the Journal installs on the root logger."""
    global _handler
    if _handler is None:
        formatter = OneLineFormatter()
        formatter.converter = time.gmtime
        _handler = StderrHandler()
        _handler.setFormatter(formatter)
        _handler.addFilter(RequestIdFilter())
        _handler.addFilter(DevServerRequestFilter())
    return _handler


def configure_logging(level: str) -> None:
    """Send every logger's records to stderr at ``level``; safe to call for each new app."""
    level = level.upper()
    if level not in LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LEVELS)}, not {level!r}")
    handler = stderr_handler()
    root = logging.getLogger()
    if handler not in root.handlers:
        root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("journal").setLevel(level)


def request_id_from(header: str | None) -> str:
    """The incoming id when it is safe to log and return, else a new random one."""
    if header and REQUEST_ID_RE.fullmatch(header):
        return header
    return secrets.token_hex(16)


def loggable_path() -> str:
    """The request path without its query string, secrets replaced, on one line."""
    path = quote(request.path, safe=PATH_SAFE)
    for name, value in (request.view_args or {}).items():
        if name in SECRET_VIEW_ARGS and value:
            path = path.replace(quote(str(value), safe=PATH_SAFE), REDACTED)
    return path


def signed_in_user_id() -> int | None:
    """The id of the user this request signed in as, without loading anyone from the database."""
    user = loaded_login_user()
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    state = inspect(user, raiseerr=False)
    if state is None or not state.identity:
        return None
    return int(state.identity[0])


def _start_request() -> None:
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    g.request_started = time.perf_counter()


def _finish_request(response: Response) -> Response:
    request_id = g.get("request_id") or request_id_from(None)
    response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("request_started")
    duration_ms = (time.perf_counter() - started) * 1000 if started is not None else 0.0
    user_id = signed_in_user_id()
    request_log.info(
        "method=%s path=%s status=%d duration_ms=%.1f user_id=%s client=%s",
        request.method,
        loggable_path(),
        response.status_code,
        duration_ms,
        user_id if user_id is not None else "-",
        # After ProxyFix: the address the trusted proxy saw. Encoded so it stays one field.
        quote(request.remote_addr or "-", safe=":."),
    )
    return response


def init_app(app: Flask) -> None:
    """Configure logging from ``LOG_LEVEL`` and log each request of ``app`` with its id."""
    configure_logging(app.config["LOG_LEVEL"])
    app.before_request(_start_request)
    app.after_request(_finish_request)
