"""Forms of the account blueprint: shape only; the rules live in the services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired

from journal.forms import ServiceForm, new_password_field, password_field, repeat_password_field


class ChangePasswordForm(ServiceForm):
    """Replace the password; the current one proves it is really the owner."""

    current_password = password_field("Current password")
    password = new_password_field("New password")
    password2 = repeat_password_field("Repeat new password")


class DeleteAccountForm(ServiceForm):
    """Delete the account for good; the password confirms it."""

    # The change-password form on the same page has a ``password`` too: ids must differ.
    password = password_field("Your password", field_id="delete-password")


class ImportForm(ServiceForm):
    """Upload a Journal export or a jrnl JSON export."""

    file = FileField(
        "Export file (JSON)",
        validators=[FileRequired("Choose a file to import.")],
        description="A Journal export, or jrnl's JSON export (jrnl --export json)",
        render_kw={"accept": "application/json,.json"},
    )


class TimezoneForm(ServiceForm):
    """The zone every date is shown in and days are counted in."""

    timezone = StringField(
        "Time zone",
        validators=[DataRequired("Choose a time zone.")],
        description="Type to search, e.g. Europe/Paris, America/New_York, Asia/Tokyo",
        render_kw={"list": "time-zones", "autocomplete": "off", "spellcheck": "false"},
    )


class ButtonForm(FlaskForm):
    """Only a CSRF token: the buttons that end sessions."""
