"""The JSON API under ``/api/v1``, documented by an OpenAPI 3.1 document built from its schemas."""

from __future__ import annotations

import http
from typing import Any

from flask import Flask, Request
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from marshmallow import Schema
from webargs.flaskparser import FlaskParser, abort

from journal.blueprints.api.schemas import ProblemSchema
from journal.problems import PROBLEM_MIMETYPE

SETTINGS: dict[str, Any] = {
    "API_TITLE": "Journal API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
}


class JsonBodyParser(FlaskParser):
    """webargs' parser, with every JSON body it cannot read answered 400 "Invalid JSON body".

    ``json.loads`` raises more than ``JSONDecodeError``: ``RecursionError`` for arrays nested
    a thousand deep and ``ValueError`` for an integer of more than 4,300 digits.
    """

    def load_json(self, req: Request, schema: Schema) -> Any:
        """The body's JSON; 400 problem for any body that is not JSON Python can hold."""
        try:
            return super().load_json(req, schema)
        except (RecursionError, ValueError) as error:
            abort(400, exc=error, messages={"json": ["Invalid JSON body."]})


class ApiBlueprint(Blueprint):
    """flask-smorest's Blueprint, reading JSON bodies with ``JsonBodyParser``."""

    ARGUMENTS_PARSER = JsonBodyParser()


bp = ApiBlueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="Entries, profiles and tokens. Errors are application/problem+json (RFC 9457).",
)


class JournalApi(Api):
    """flask-smorest's Api; errors are left to the errors blueprint and documented as problems."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        """Register nothing: the errors blueprint answers problem+json under /api/ only."""

    def _register_responses(self) -> None:
        """The stock error responses, as ``application/problem+json``."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MIMETYPE)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "An error", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_MIMETYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, default, lazy=True)


def openapi_for(app: Flask) -> JournalApi:
    """flask-smorest's Api bound to ``app``, ready to document and serve ``bp``."""
    for key, value in SETTINGS.items():
        app.config.setdefault(key, value)
    api = JournalApi(app)
    api.spec.components.security_scheme("basicAuth", {"type": "http", "scheme": "basic"})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    return api


from journal.blueprints.api import routes  # noqa: E402, F401
