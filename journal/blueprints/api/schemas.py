"""Marshmallow schemas: they validate requests, shape responses and generate the OpenAPI document.

Field limits (title, body, tags) are *documented* here from the service's constants but
enforced by ``entries.check_entry`` alone, so the pages and the API share one rule.
"""

from __future__ import annotations

from typing import Any

from flask_smorest.fields import Upload
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from journal.models import VISIBILITIES
from journal.services import zones
from journal.services.entries import BODY_MAX, TAG_MAX, TAGS_MAX, TITLE_MAX
from journal.services.entry_views import EntryView
from journal.services.storable import unstorable
from journal.urls import external_url

PER_PAGE_DEFAULT = 20
PER_PAGE_MAX = 100
# ``total`` counts this many entries at most, so a listing of millions costs a bounded count.
TOTAL_COUNTED = 10_000
# Far beyond any real journal, and small enough that the row offset never overflows a database.
PAGE_MAX = 10_000_000
PER_PAGE_HELP = f"default {PER_PAGE_DEFAULT}; more than {PER_PAGE_MAX} gives {PER_PAGE_MAX}"


class LookupText(fields.String):
    """Text a listing is filtered by: it must be storable text to name anything.

    The fields of an entry are plain strings: the services judge them (the same rule,
    ``journal.services.storable``), for the pages, the API and imports alike.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = unstorable(text)
        if problem is not None:
            raise ValidationError(problem)
        return text


class ProblemSchema(Schema):
    """An error, as RFC 9457 problem details."""

    type = fields.String(required=True, metadata={"description": "about:blank"})
    title = fields.String(required=True, metadata={"description": "the HTTP status phrase"})
    status = fields.Integer(required=True)
    detail = fields.String(required=True, metadata={"description": "what went wrong, for people"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "validation failures: field name to messages"},
    )


class TokenSchema(Schema):
    """A new bearer token; it is shown once and only its hash is stored."""

    token = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)


class EntrySchema(Schema):
    """An entry as the API shows it."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True, metadata={"description": "Markdown source"})
    body_html = fields.String(required=True, metadata={"description": "sanitised HTML"})
    visibility = fields.String(required=True, metadata={"enum": list(VISIBILITIES)})
    tags = fields.List(fields.String(), required=True)
    author = fields.String(required=True, metadata={"description": "username"})
    date = fields.Method(
        "entry_date",
        required=True,
        metadata={
            "type": "string",
            "format": "date-time",
            "description": "when it happened, with the offset of its time zone",
        },
    )
    timezone = fields.String(
        required=True, metadata={"description": "the IANA time zone it was written in"}
    )
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    url = fields.Method("entry_url", required=True, metadata={"type": "string", "format": "uri"})

    def entry_date(self, entry: EntryView) -> str:
        """The entry's date in its own zone, as ISO 8601 with the offset."""
        return zones.to_local(entry.dated_at, entry.timezone).isoformat()

    def entry_url(self, entry: EntryView) -> str:
        """The entry's absolute address in the API."""
        return external_url("api.show_entry", entry_id=entry.id)


class EntryPageSchema(Schema):
    """One page of entries and the link to the next."""

    items = fields.List(fields.Nested(EntrySchema), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(
        required=True,
        metadata={
            "description": f"entries on all pages, counted up to {TOTAL_COUNTED:,}: "
            f"when there are more, {TOTAL_COUNTED} and total_is_exact is false"
        },
    )
    total_is_exact = fields.Boolean(
        required=True,
        metadata={"description": f"false when there are more than {TOTAL_COUNTED:,} entries"},
    )
    next = fields.String(
        required=True,
        allow_none=True,
        metadata={"format": "uri", "description": "absolute URL of the next page, or null"},
    )


class UserSchema(Schema):
    """A person's public profile."""

    username = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    entry_count = fields.Integer(required=True, metadata={"description": "public entries"})
    url = fields.String(required=True, metadata={"format": "uri"})


class EntryListQuerySchema(Schema):
    """Query parameters of the entry listing (unknown ones are ignored, as is usual for URLs)."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=PAGE_MAX))
    per_page = fields.Integer(
        load_default=PER_PAGE_DEFAULT,
        validate=validate.Range(min=1),
        metadata={"description": PER_PAGE_HELP},
    )
    q = LookupText(metadata={"description": "search text"})
    tag = LookupText(metadata={"description": "only entries with this tag"})
    author = LookupText(metadata={"description": "only entries by this username"})


def tag_list_field(**options: Any) -> fields.List[str]:
    """An entry's ``tags`` field, described from the service's limits (it enforces them)."""
    tag = fields.String(
        metadata={
            "minLength": 1,
            "maxLength": TAG_MAX,
            "description": "letters of any script, digits, - and _",
        }
    )
    return fields.List(tag, metadata={"maxItems": TAGS_MAX}, **options)


class EntryFieldsSchema(Schema):
    """The writable fields of an entry; unknown fields are refused."""

    class Meta:
        unknown = RAISE

    title = fields.String(metadata={"minLength": 1, "maxLength": TITLE_MAX})
    body = fields.String(
        metadata={"minLength": 1, "maxLength": BODY_MAX, "description": "Markdown"}
    )
    visibility = fields.String(metadata={"enum": list(VISIBILITIES)})
    date = fields.AwareDateTime(
        metadata={"description": "when it happened (ISO 8601 with offset); default: now"}
    )
    timezone = fields.String(
        metadata={"description": "IANA time zone it is written in; default: your own"}
    )
    tags = tag_list_field()


class NewEntrySchema(EntryFieldsSchema):
    """A new entry: title and body required; private and untagged unless said otherwise."""

    title = fields.String(required=True, metadata={"minLength": 1, "maxLength": TITLE_MAX})
    body = fields.String(
        required=True, metadata={"minLength": 1, "maxLength": BODY_MAX, "description": "Markdown"}
    )
    visibility = fields.String(load_default="private", metadata={"enum": list(VISIBILITIES)})
    tags = tag_list_field(load_default=list)


class EntryChangesSchema(EntryFieldsSchema):
    """A partial update: only the fields given change."""


class MediaUploadSchema(Schema):
    """A photo upload: one file in the multipart field ``file``."""

    file = Upload(
        required=True,
        metadata={"description": "JPEG, PNG, WebP, GIF or HEIC/HEIF, judged by its content"},
    )


class MediaSchema(Schema):
    """A stored photo: its addresses, the Markdown line that shows it, and its size."""

    id = fields.String(required=True)
    url = fields.String(required=True, metadata={"description": "display size (≤ 1600 px)"})
    thumb_url = fields.String(required=True, metadata={"description": "thumbnail (≤ 400 px)"})
    markdown = fields.String(required=True, metadata={"description": "![alt](/media/<id>)"})
    content_type = fields.String(required=True)
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)
    bytes = fields.Integer(
        required=True, metadata={"description": "stored size of all its variants (quota use)"}
    )
