"""A readable reference of the JSON API at ``/api/v1/docs``, rendered from its OpenAPI document."""

from flask import Blueprint

bp = Blueprint("api_reference", __name__, template_folder="templates", url_prefix="/api/v1")

from journal.blueprints.api_reference import routes  # noqa: E402, F401
