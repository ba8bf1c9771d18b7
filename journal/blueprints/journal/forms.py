"""Forms of the journal blueprint: shape only; the entry rules live in ``services.entries``."""

from __future__ import annotations

from datetime import datetime

from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from journal.forms import ServiceForm
from journal.models import Entry
from journal.services import zones
from journal.services.entries import BODY_MAX, TITLE_MAX, EntryInput, parse_tags
from journal.services.tag_rules import TAG_RULE


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
        description=f"{TAG_RULE[0].upper()}{TAG_RULE[1:]}, e.g. travel, ideas",
        render_kw={"autocapitalize": "none"},
    )

    date = StringField(
        "Date",
        validators=[Optional()],
        description="When it happened, in your time zone; leave empty for now.",
        render_kw={"type": "datetime-local", "step": "60"},
    )
    # The entry's version the writer began from: a save over a newer one is refused (409).
    version = HiddenField()

    media = MultipleFileField(
        "Photos",
        description="JPEG, PNG, WebP, GIF or HEIC; each is added to the end of the entry. "
        "Location and camera details are removed.",
        render_kw={"accept": "image/jpeg,image/png,image/webp,image/gif,image/heic,image/heif"},
    )

    @classmethod
    def for_entry(cls, entry: Entry) -> EntryForm:
        """The form filled in with an existing entry (a POST's own data wins)."""
        # ``data``, not ``obj``: the entry's ``tags`` are rows, the field wants their names.
        local = zones.to_local(entry.dated_at, entry.timezone)
        return cls(
            data={
                "title": entry.title,
                "body": entry.body,
                "visibility": entry.visibility,
                "tags": ", ".join(tag.name for tag in entry.tags),
                "date": local.strftime("%Y-%m-%dT%H:%M"),
                "version": str(entry.version),
            }
        )

    def started_from(self) -> int | None:
        """The version the writer began from (``None``: not sent, no check)."""
        value = (self.version.data or "").strip()
        return int(value) if value.isdecimal() and len(value) < 10 else None

    def validate_date(self, field: StringField) -> None:
        """The date's shape: ``YYYY-MM-DDTHH:MM`` naming a real day (rules: the service's)."""
        if field.data and local_datetime(field.data) is None:
            raise ValidationError(
                "Use the form YYYY-MM-DDTHH:MM (for example 2024-02-29T21:30) for a real date."
            )

    def to_input(self) -> EntryInput:
        """The service's input built from the submitted fields."""
        return EntryInput(
            title=self.title.data or "",
            body=self.body.data or "",
            visibility=self.visibility.data or "private",
            tags=parse_tags(self.tags.data or ""),
            date=local_datetime(self.date.data or ""),
        )


def local_datetime(text: str) -> datetime | None:
    """A ``datetime-local`` value as a wall-clock time (no zone), or ``None`` if it is not one."""
    try:
        moment = datetime.strptime(text.strip(), "%Y-%m-%dT%H:%M")  # noqa: DTZ007  (local wall time)
    except ValueError:
        try:
            moment = datetime.strptime(text.strip(), "%Y-%m-%dT%H:%M:%S")  # noqa: DTZ007
        except ValueError:
            return None
    return moment
