"""Views of the auth blueprint."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user

from journal.blueprints.auth import bp
from journal.blueprints.auth.forms import LoginForm, LogoutForm, RegistrationForm
from journal.exceptions import ValidationFailed
from journal.models import User
from journal.services import accounts

LOGIN_FAILED = "Unknown username or email, or wrong password."


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else ``None`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def sign_in(user: User, remember: bool = False) -> None:
    """Start a fresh session for ``user``: nothing from before signing in carries over."""
    session.clear()
    accounts.start_session(user, request.headers.get("User-Agent", ""))
    login_user(user, remember=remember)


@bp.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    """Create an account and sign it in."""
    if current_user.is_authenticated:
        return redirect(url_for("journal.index"))
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            user = accounts.register_user(form.to_input())
        except ValidationFailed as error:
            form.attach(error)
        else:
            sign_in(user)
            flash(f"Welcome, {user.username}! Your journal is ready.", "success")
            return redirect(url_for("journal.index"))
    status = 422 if form.errors else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Sign in with a username or email and a password."""
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("journal.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.username.data or "", form.password.data or "")
        if user is not None:
            sign_in(user, remember=bool(form.remember_me.data))
            flash(f"Signed in as {user.username}.", "success")
            return redirect(next_url or url_for("journal.index"))
        form.form_errors.append(LOGIN_FAILED)
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form, next_url=next_url), status


@bp.route("/logout", methods=["GET", "POST"])
@login_required
def logout() -> ResponseReturnValue:
    """GET shows a button; POST ends the session so no copy of its cookie works again."""
    if request.method == "GET":
        return render_template("auth/logout.html", form=LogoutForm())
    # CSRFProtect has already refused a POST without a valid token. A signed-in user
    # always carries a session token: the user loader and sign_in both set it.
    accounts.end_session(current_user.session_token)
    logout_user()
    session.clear()
    flash("You are signed out.", "success")
    return redirect(url_for("journal.index"))
