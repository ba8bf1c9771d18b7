"""The reader's own journal by date: the calendar, one day's entries, "on this day"."""

from flask import Blueprint

bp = Blueprint("calendar", __name__, template_folder="templates")

from journal.blueprints.calendar import routes  # noqa: E402, F401
