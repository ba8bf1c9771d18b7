"""Writing and reading entries."""

from flask import Blueprint

bp = Blueprint("journal", __name__, template_folder="templates")

from journal.blueprints.journal import routes  # noqa: E402, F401
