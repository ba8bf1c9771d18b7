"""Forms of the auth blueprint: shape only; the account rules live in ``services.accounts``."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, StringField
from wtforms.validators import DataRequired, Length

from journal.forms import ServiceForm, new_password_field, password_field, repeat_password_field
from journal.services.accounts import Registration


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
    password = new_password_field()
    password2 = repeat_password_field()
    # Filled in from the browser's own zone by app.js; without JavaScript the account
    # starts in UTC and the zone is chosen on the account page.
    timezone = HiddenField(render_kw={"data-browser-timezone": ""})

    def to_input(self) -> Registration:
        """The service's input built from the submitted fields."""
        return Registration(
            username=self.username.data or "",
            email=self.email.data or "",
            password=self.password.data or "",
            timezone=self.timezone.data or "",
        )


class LoginForm(FlaskForm):
    """Sign in with a username or an email address."""

    username = StringField(
        "Username or email",
        validators=[DataRequired(), Length(max=254)],
        # Signing in is all this page is for: the cursor starts in its first field.
        render_kw={
            "autocomplete": "username",
            "autocapitalize": "none",
            "spellcheck": "false",
            "autofocus": True,
        },
    )
    password = password_field("Password")
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

    password = new_password_field("New password")
    password2 = repeat_password_field("Repeat new password")
