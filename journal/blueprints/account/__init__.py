"""The signed-in person's own account: sessions, password, export, import, deletion."""

from flask import Blueprint

bp = Blueprint("account", __name__, template_folder="templates")

from journal.blueprints.account import devices, routes  # noqa: E402, F401
