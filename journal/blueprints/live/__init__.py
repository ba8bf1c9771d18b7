"""``GET /live``: the WebSocket that tells open pages what changed (contract 7.3)."""

from flask import Blueprint

bp = Blueprint("live", __name__)

from journal.blueprints.live import routes  # noqa: E402, F401
