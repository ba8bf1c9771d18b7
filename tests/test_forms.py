"""The form base class that shows a service's errors beside the fields."""

from __future__ import annotations

from flask import Flask
from wtforms import StringField

from journal.exceptions import ValidationFailed
from journal.forms import ServiceForm


class NameForm(ServiceForm):
    """A form with one field."""

    name = StringField("Name")


def test_attach_puts_each_message_on_its_field_or_on_the_form(app: Flask) -> None:
    with app.test_request_context("/", method="POST", data={"name": "x"}):
        form = NameForm(meta={"csrf": False})
        assert form.validate()
        assert form.errors == {}
        form.attach(ValidationFailed({"name": ["Taken."], "elsewhere": ["The server said no."]}))
        assert form.name.errors == ["Taken."]
        assert form.form_errors == ["The server said no."]
        assert form.errors == {"name": ["Taken."], "": ["The server said no."]}


def test_validation_failed_on_names_one_field() -> None:
    error = ValidationFailed.on("title", "Too long.")
    assert error.errors == {"title": ["Too long."]}
    assert str(error) == "title: Too long."
