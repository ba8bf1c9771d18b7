"""The form base class that carries a service's validation errors back onto its fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from journal.exceptions import ValidationFailed
from journal.services.passwords import MAX_LENGTH, MIN_LENGTH


class ServiceForm(FlaskForm):
    """A Flask-WTF form that can show the errors a service raised beside their fields."""

    def attach(self, error: ValidationFailed) -> None:
        """Put each of the error's messages on its field (or on the form when it has none)."""
        for name, messages in error.errors.items():
            field = self._fields.get(name)
            if field is None:
                self.form_errors.extend(messages)
            else:
                field.errors = [*field.errors, *messages]
        self._errors = None  # WTForms caches ``errors``; let it be recomputed.


def password_field(
    label: str, autocomplete: str = "current-password", field_id: str | None = None
) -> PasswordField:
    """A password field; the policy itself is checked by the services.

    ``field_id`` sets the element's id when two forms of one page both have a ``password``.
    """
    return PasswordField(
        label,
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": autocomplete},
        id=field_id,
    )


def new_password_field(label: str = "Password") -> PasswordField:
    """A field for choosing a password, with the policy as its hint."""
    return PasswordField(
        label,
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        description=f"At least {MIN_LENGTH} characters; not a common password",
        render_kw={"autocomplete": "new-password"},
    )


def repeat_password_field(label: str = "Repeat password") -> PasswordField:
    """The second entry of a new password, which must match the first."""
    return PasswordField(
        label,
        validators=[DataRequired(), EqualTo("password", message="The passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )
