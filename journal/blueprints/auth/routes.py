"""Views of the auth blueprint."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Response as FlaskResponse
from flask import (
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_limiter import RequestLimit
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from journal.blueprints.auth import bp
from journal.blueprints.auth.forms import (
    LoginForm,
    LogoutForm,
    NewPasswordForm,
    RegistrationForm,
    ResetRequestForm,
)
from journal.exceptions import ValidationFailed
from journal.extensions import limiter
from journal.models import User
from journal.rate_limits import sign_in_limits
from journal.services import accounts, password_reset
from journal.wording import in_words

LOGIN_FAILED = "Unknown username or email, or wrong password."
RESET_SENT = (
    "If an account has that address, a link to choose a new password is on its way. "
    "It works once, within an hour."
)


def _setting(name: str) -> str:
    value: str = current_app.config[name]
    return value


def account_created(response: Response) -> bool:
    """Only accounts actually created count towards the registration limit."""
    return bool(g.get("account_created"))


def registration_limited(limit: RequestLimit) -> FlaskResponse:
    """The 429 answer to a registration: the form again, as typed (but for the passwords)."""
    form = RegistrationForm()
    wait = in_words(limit.window.reset_time - time.time())
    form.form_errors.append(
        f"Too many new accounts were made from your address. Try again in {wait}."
    )
    return make_response(render_template("auth/register.html", form=form), 429)


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else ``None`` (no open redirects).

    A control character (a carriage return, say) cannot go into a ``Location`` header.
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if not target.isprintable():
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
@limiter.limit(
    lambda: _setting("RATELIMIT_REGISTER_PER_ADDRESS"),
    methods=["POST"],
    deduct_when=account_created,
    on_breach=registration_limited,
    error_message="Too many new accounts from your address. Please try again later.",
)
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
            g.account_created = True
            sign_in(user)
            flash(f"Welcome, {user.username}! Your journal is ready.", "success")
            return redirect(url_for("journal.index"))
    status = 422 if form.errors else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limits
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
    # Clear first: logout_user then marks the remember-me cookie for deletion in the session,
    # and Flask-Login expires that cookie in the browser on the way out.
    session.clear()
    logout_user()
    flash("You are signed out.", "success")
    return redirect(url_for("journal.index"))


@bp.route("/reset-password", methods=["GET", "POST"])
@limiter.limit(
    lambda: _setting("RATELIMIT_RESET_PER_ADDRESS"),
    methods=["POST"],
    error_message="Too many reset requests from your address.",
)
def reset_password() -> ResponseReturnValue:
    """Mail a reset link; the answer is the same whether or not the address has an account."""
    if current_user.is_authenticated:
        return redirect(url_for("account.settings"))
    form = ResetRequestForm()
    if form.validate_on_submit():
        password_reset.request_reset(form.email.data or "")
        flash(RESET_SENT, "info")
        return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("auth/reset_request.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password_with_token(token: str) -> ResponseReturnValue:
    """Choose a new password through a mailed link; a dead link is 400 and offers a new one."""
    if current_user.is_authenticated:
        return redirect(url_for("account.settings"))
    user = password_reset.user_for_reset_token(token)
    if user is None:
        return render_template("auth/reset_invalid.html", form=ResetRequestForm()), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            password_reset.reset_password(user, form.password.data or "")
        except ValidationFailed as error:
            form.attach(error)
        else:
            session.clear()
            flash("Your password is changed. Sign in with it now.", "success")
            return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template(
        "auth/reset_password.html", form=form, token=token, username=user.username
    ), status
