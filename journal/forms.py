"""The form base class that carries a service's validation errors back onto its fields."""

from __future__ import annotations

from flask_wtf import FlaskForm

from journal.exceptions import ValidationFailed


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
