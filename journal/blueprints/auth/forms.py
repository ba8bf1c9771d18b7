"""Forms of the auth blueprint: shape only; the account rules live in ``services.accounts``."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from journal.forms import ServiceForm
from journal.services.accounts import Registration
from journal.services.passwords import MAX_LENGTH


class RegistrationForm(ServiceForm):
    """A new account."""

    username = StringField(
        "Username",
        validators=[DataRequired(), Length(min=3, max=32)],
        description="3-32 letters, digits, '_', '-' or '.'",
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    email = EmailField(
        "Email", validators=[DataRequired(), Length(max=254)], render_kw={"autocomplete": "email"}
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        description="At least 8 characters; not a common password",
        render_kw={"autocomplete": "new-password"},
    )
    password2 = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )

    def to_input(self) -> Registration:
        """The service's input built from the submitted fields."""
        return Registration(
            username=self.username.data or "",
            email=self.email.data or "",
            password=self.password.data or "",
        )


class LoginForm(FlaskForm):
    """Sign in with a username or an email address."""

    username = StringField(
        "Username or email",
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    remember_me = BooleanField("Keep me signed in on this device")


class LogoutForm(FlaskForm):
    """Only a CSRF token: signing out changes state, so it is a POST."""


class ResetRequestForm(FlaskForm):
    """Ask for a password-reset link by mail."""

    email = EmailField(
        "Email", validators=[DataRequired(), Length(max=254)], render_kw={"autocomplete": "email"}
    )


class NewPasswordForm(ServiceForm):
    """Choose a new password (after a reset link, or when changing it)."""

    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        description="At least 8 characters; not a common password",
        render_kw={"autocomplete": "new-password"},
    )
    password2 = PasswordField(
        "Repeat new password",
        validators=[DataRequired(), EqualTo("password", message="The passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )
