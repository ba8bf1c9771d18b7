"""Forms of the journal blueprint: shape only; the entry rules live in ``services.entries``."""

from __future__ import annotations

from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Length

from journal.forms import ServiceForm
from journal.models import Entry
from journal.services.entries import BODY_MAX, TITLE_MAX, EntryInput, parse_tags


def strip(value: str | None) -> str | None:
    """The value without surrounding whitespace (the title's length counts after trimming)."""
    return value.strip() if value else value


class EntryForm(ServiceForm):
    """Write or edit an entry."""

    title = StringField(
        "Title", filters=[strip], validators=[DataRequired(), Length(max=TITLE_MAX)]
    )
    body = TextAreaField(
        "Entry",
        validators=[DataRequired(), Length(max=BODY_MAX)],
        description="Markdown: **bold**, _italic_, # headings, - lists, > quotes, `code`",
    )
    visibility = RadioField(
        "Who can read it",
        choices=[SelectChoice("private", "Only me"), SelectChoice("public", "Everyone")],
        default="private",
    )
    tags = StringField(
        "Tags",
        validators=[Length(max=400)],
        description="Separated by commas, e.g. travel, ideas",
        render_kw={"autocapitalize": "none"},
    )

    @classmethod
    def for_entry(cls, entry: Entry) -> EntryForm:
        """The form filled in with an existing entry (a POST's own data wins)."""
        # ``data``, not ``obj``: the entry's ``tags`` are rows, the field wants their names.
        return cls(
            data={
                "title": entry.title,
                "body": entry.body,
                "visibility": entry.visibility,
                "tags": ", ".join(tag.name for tag in entry.tags),
            }
        )

    def to_input(self) -> EntryInput:
        """The service's input built from the submitted fields."""
        return EntryInput(
            title=self.title.data or "",
            body=self.body.data or "",
            visibility=self.visibility.data or "private",
            tags=parse_tags(self.tags.data or ""),
        )
