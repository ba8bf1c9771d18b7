"""Error pages: every HTTP error answers with the site's layout and its own status."""

from flask import Blueprint

bp = Blueprint("errors", __name__)

from journal.blueprints.errors import handlers  # noqa: E402, F401
