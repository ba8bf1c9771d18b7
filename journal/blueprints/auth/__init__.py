"""Registration, sign-in and sign-out."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from journal.extensions import login_manager
from journal.models import User
from journal.services import accounts

bp = Blueprint("auth", __name__, template_folder="templates")


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The user whose live session carries this cookie token."""
    return accounts.load_session(token)


@login_manager.unauthorized_handler
def ask_to_sign_in() -> Response:
    """Send a signed-out visitor to the sign-in page, to come back here afterwards."""
    flash("Please sign in to see that page.", "info")
    target = request.full_path.rstrip("?")
    return redirect(url_for("auth.login") + "?next=" + quote(target, safe="/"))


from journal.blueprints.auth import routes  # noqa: E402, F401
