"""Writing and reading entries."""

from flask import Blueprint

from journal.urls import PathTo

bp = Blueprint("journal", __name__, template_folder="templates")
# Links of the listing cards: ``{{ card.id|entry_url }}``, ``|user_url``, ``|tag_url``.
bp.add_app_template_filter(PathTo("journal.show_entry", "entry_id"), "entry_url")
bp.add_app_template_filter(PathTo("journal.user_page", "username"), "user_url")
bp.add_app_template_filter(PathTo("journal.tag_page", "tag"), "tag_url")

from journal.blueprints.journal import routes  # noqa: E402, F401
