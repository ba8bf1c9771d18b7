"""Errors under ``/api/`` as ``application/problem+json`` (RFC 9457)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from werkzeug.exceptions import HTTPException, UnprocessableEntity, default_exceptions
from werkzeug.wrappers import Response

PROBLEM_MIMETYPE = "application/problem+json"

# Shown instead of Werkzeug's generic wording, which speaks of pages and browsers.
DETAILS = {
    400: "The request could not be understood.",
    401: "Authenticate first.",
    404: "There is nothing at this address.",
    405: "This address does not accept that method; see the Allow header.",
    413: "The request body is too large.",
    422: "The request broke a rule: see errors.",
    429: "Too many requests: wait before trying again (see Retry-After).",
    500: "Something went wrong on our side; it has been logged.",
}


class InvalidFields(UnprocessableEntity):
    """422 carrying a service's ``{field: [messages]}``."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__()
        self.data = {"errors": errors}


def _messages(value: Any) -> list[str]:
    """Every message in a marshmallow error structure, with list positions named."""
    if isinstance(value, Mapping):
        return [
            f"item {key}: {message}" for key, sub in value.items() for message in _messages(sub)
        ]
    if isinstance(value, list | tuple):
        return [message for item in value for message in _messages(item)]
    return [str(value)]


def field_errors(error: HTTPException) -> dict[str, list[str]]:
    """``{field: [messages]}`` from a validation failure, whichever layer raised it."""
    data = getattr(error, "data", None)
    if not isinstance(data, Mapping):
        return {}
    if "errors" in data:  # raised by our views from a service's ValidationFailed
        return {str(field): _messages(messages) for field, messages in data["errors"].items()}
    errors: dict[str, list[str]] = {}
    # Raised by webargs: {location: {field: messages}}, or {location: [messages]}.
    for location, fields in data.get("messages", {}).items():
        items = fields.items() if isinstance(fields, Mapping) else [(location, fields)]
        for field, messages in items:
            errors.setdefault(str(field), []).extend(_messages(messages))
    return errors


def problem_response(error: HTTPException) -> Response:
    """The problem document for ``error``, keeping its status and headers (Allow, Retry-After…)."""
    status = error.code or 500
    description = error.description or ""
    stock = default_exceptions.get(status)
    if stock is None or description == stock.description:
        description = DETAILS.get(status, description)
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": error.name,
        "status": status,
        "detail": description,
    }
    errors = field_errors(error)
    if errors:
        body["errors"] = errors
    response = current_app.response_class(
        current_app.json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE
    )
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers.add(name, value)
    return response
