"""The media blueprint: photo uploads and the photos themselves."""

from flask import Blueprint

bp = Blueprint("media", __name__)

from journal.blueprints.media import routes  # noqa: E402, F401
