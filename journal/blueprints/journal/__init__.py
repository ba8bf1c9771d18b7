"""Writing and reading entries."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from journal.urls import PathTo

bp = Blueprint("journal", __name__, template_folder="templates")


@bp.record_once
def link_filters(state: BlueprintSetupState) -> None:
    """Links of the listing cards: ``{{ card.id|entry_url }}``, ``|user_url``, ``|tag_url``."""
    for name, endpoint, argument in (
        ("entry_url", "journal.show_entry", "entry_id"),
        ("user_url", "journal.user_page", "username"),
        ("tag_url", "journal.tag_page", "tag"),
    ):
        state.app.add_template_filter(PathTo(state.app, endpoint, argument), name)


from journal.blueprints.journal import routes  # noqa: E402, F401
