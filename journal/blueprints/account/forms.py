"""Forms of the account blueprint: shape only; the rules live in the services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from journal.forms import ServiceForm
from journal.services.passwords import MAX_LENGTH


class ChangePasswordForm(ServiceForm):
    """Replace the password; the current one proves it is really the owner."""

    current_password = PasswordField(
        "Current password",
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
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


class DeleteAccountForm(ServiceForm):
    """Delete the account for good; the password confirms it."""

    password = PasswordField(
        "Your password",
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class ImportForm(ServiceForm):
    """Upload a Journal export or a jrnl JSON export."""

    file = FileField(
        "Export file (JSON)",
        validators=[FileRequired("Choose a file to import.")],
        description="A Journal export, or jrnl's JSON export (jrnl --export json)",
        render_kw={"accept": "application/json,.json"},
    )


class ButtonForm(FlaskForm):
    """Only a CSRF token: the buttons that end sessions."""
