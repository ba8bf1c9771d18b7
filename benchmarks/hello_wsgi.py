"""Reference target: the smallest WSGI callable, served by the same gunicorn settings."""

from collections.abc import Callable, Iterable
from typing import Any

BODY = b"Hello"


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Answer every request with a fixed 200."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))])
    return [BODY]
