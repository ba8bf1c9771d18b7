"""Views of the JSON API: tokens, entries and profiles, each one call into the services."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from sqlalchemy import Select, false
from werkzeug.exceptions import PreconditionFailed, TooManyRequests

from journal.blueprints.api import bp
from journal.blueprints.api.auth import api_token, basic_auth, token_auth
from journal.blueprints.api.schemas import (
    PER_PAGE_MAX,
    TOTAL_COUNTED,
    EntryChangesSchema,
    EntryListQuerySchema,
    EntryPageSchema,
    EntrySchema,
    MediaSchema,
    MediaUploadSchema,
    NewEntrySchema,
    ProblemSchema,
    TokenSchema,
    UserSchema,
)
from journal.exceptions import UserNotFound, ValidationFailed
from journal.extensions import limiter
from journal.models import Entry, User
from journal.problems import InvalidFields
from journal.rate_limits import count_entry_written, entry_write_wait, sign_in_limits
from journal.services import accounts, entries, entry_views, listings, search, tokens
from journal.services.entries import EntryInput
from journal.services.entry_views import EntryView
from journal.uploads import allows_uploads, store_files, upload_document
from journal.urls import external_url
from journal.wording import in_words

PROBLEM = "application/problem+json"
# OpenAPI security requirements: a bearer token, or either a token or nothing at all.
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
BEARER_OR_ANONYMOUS: list[dict[str, list[str]]] = [{}, {"bearerAuth": []}]

# An entry id; ``int`` is bounded app-wide to what a row id can be (journal/converters.py).
ENTRY_ID = "<int:entry_id>"


def problem(status: int, description: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Document an error answer of a view."""
    return bp.alt_response(  # type: ignore[no-any-return]
        status, schema=ProblemSchema, content_type=PROBLEM, description=description
    )


def token_rate_limited(view: Callable[..., Any]) -> Callable[..., Any]:
    """Count every attempt (``API_TOKEN_RATE_LIMIT``) before the password is checked."""

    @functools.wraps(view)
    def limited(*args: Any, **kwargs: Any) -> Any:
        with limiter.limit(lambda: current_app.config["API_TOKEN_RATE_LIMIT"]):
            return view(*args, **kwargs)

    return limited


class EntryChanged(PreconditionFailed):
    """412: ``If-Match`` names a version the entry no longer has; nothing was changed."""

    description = (
        "The entry changed since the version your If-Match names, so nothing was changed. "
        "Read it again (GET answers carry its ETag) and send your change with that ETag."
    )


def etag_of(entry_id: int, version: int) -> str:
    """The entry's ETag: it changes with every save."""
    return f'"{entry_id}-{version}"'


def version_to_match(entry_id: int, version: int) -> int | None:
    """The version an ``If-Match`` header requires (``None``: none sent, or ``*``).

    Raises ``EntryChanged`` when it names any other version than ``version``.
    """
    wanted = request.if_match
    if not wanted or wanted.star_tag:
        return None
    if not wanted.contains(etag_of(entry_id, version).strip('"')):
        raise EntryChanged()
    return version


# --- tokens ------------------------------------------------------------------------------


@bp.route("/tokens", methods=["POST"])
@sign_in_limits
@token_rate_limited
@basic_auth.login_required
@bp.doc(security=[{"basicAuth": []}])
@bp.response(201, TokenSchema)
@problem(401, "Wrong or missing username and password")
@problem(429, "Too many tokens asked for, or too many failed sign-ins; see Retry-After")
def new_token() -> dict[str, Any]:
    """Get a bearer token for your username (or email) and password.

    Send them with HTTP Basic authentication. The token is valid for 30 days.
    """
    client = request.headers.get("User-Agent", "")
    token, record = tokens.issue_token(basic_auth.current_user(), client)
    return {"token": token, "expires_at": record.expires_at}


@bp.route("/tokens", methods=["DELETE"])
@token_auth.login_required
@bp.doc(security=BEARER)
@bp.response(204)
@problem(401, "No valid bearer token")
def revoke_token() -> None:
    """Revoke the bearer token this request was sent with."""
    tokens.revoke_token(api_token())


# --- entries -----------------------------------------------------------------------------


def filtered_entries(viewer: User | None, q: str, tag: str, author: str) -> list[Select[Entry]]:
    """The listing for these filters, in parts read one after another (search has two).

    Every branch starts from the viewer's visible entries.
    """
    parts = list(
        listings.search_entries(viewer, q) if q.strip() else [listings.visible_entries(viewer)]
    )
    if tag:
        with_tag = listings.fetch_tag_filter(tag)
        parts = [part.where(with_tag) for part in parts]
    if author:
        try:
            by_author = listings.written_by(listings.get_user(author))
        except UserNotFound:
            by_author = false()
        parts = [part.where(by_author) for part in parts]
    return parts


@bp.route("/entries", methods=["GET"])
@token_auth.login_required(optional=True)
@bp.doc(security=BEARER_OR_ANONYMOUS)
@bp.arguments(EntryListQuerySchema, location="query", as_kwargs=True)
@bp.response(200, EntryPageSchema)
@problem(401, "The bearer token sent is not valid")
def list_entries(
    page: int, per_page: int, q: str = "", tag: str = "", author: str = ""
) -> dict[str, Any]:
    """List the entries you may see, newest first (search results: best match first).

    Anonymous callers see public entries; with a token, your private entries too.
    """
    per_page = min(per_page, PER_PAGE_MAX)
    parts = filtered_entries(token_auth.current_user(), q, tag, author)
    found = listings.paginate(parts, page, per_page, entry_views.fetch_views)
    next_url = None
    if found.has_next:
        filters = {
            key: value for key, value in (("q", q), ("tag", tag), ("author", author)) if value
        }
        next_url = external_url("api.list_entries", page=page + 1, per_page=per_page, **filters)
    total = search.count_up_to(parts, TOTAL_COUNTED)
    return {
        "items": found.items,
        "page": page,
        "per_page": per_page,
        "total": total.value,
        "total_is_exact": total.exact,
        "next": next_url,
    }


@bp.route("/entries", methods=["POST"])
@token_auth.login_required
@bp.doc(security=BEARER)
@bp.arguments(NewEntrySchema)
@bp.response(201, EntrySchema, headers={"Location": {"schema": {"type": "string"}}})
@problem(401, "No valid bearer token")
@problem(429, "Too many entries written in a short time; see Retry-After")
def new_entry(data: dict[str, Any]) -> tuple[EntryView, dict[str, str]]:
    """Write a new entry; it is private unless its visibility is public.

    Each account may write a limited number of entries a minute (60 unless the site sets
    another number), counted together with the writing form; beyond it, 429 with Retry-After.
    """
    user = token_auth.current_user()
    if wait := entry_write_wait(user):
        raise TooManyRequests(
            f"Too many entries written in a short time: wait {in_words(wait)}.",
            retry_after=wait,
        )
    try:
        entry = entries.create_entry(user, EntryInput(**data))
    except ValidationFailed as error:
        raise InvalidFields(error.errors) from None
    count_entry_written(user)
    location = external_url("api.show_entry", entry_id=entry.id)
    return entry_views.read_entry(entry.id, user), {"Location": location}


@bp.route(f"/entries/{ENTRY_ID}", methods=["GET"])
@token_auth.login_required(optional=True)
@bp.doc(security=BEARER_OR_ANONYMOUS)
@bp.response(200, EntrySchema)
@problem(401, "The bearer token sent is not valid")
@problem(404, "No entry here that you may see")
def show_entry(entry_id: int) -> tuple[EntryView, dict[str, str]]:
    """Read one entry. Another user's private entry is 404, as on the pages.

    The ``ETag`` answer header names this version: send it back as ``If-Match`` with a
    PATCH or DELETE, and a change made elsewhere meanwhile is not overwritten (412).
    """
    view = entry_views.read_entry(entry_id, token_auth.current_user())
    return view, {"ETag": etag_of(view.id, view.version)}


@bp.route(f"/entries/{ENTRY_ID}", methods=["PATCH"])
@token_auth.login_required
@bp.doc(security=BEARER)
@bp.arguments(EntryChangesSchema)
@bp.response(200, EntrySchema)
@problem(401, "No valid bearer token")
@problem(403, "Only its author may change an entry")
@problem(404, "No entry here that you may see")
@problem(412, "If-Match names another version than the entry has now")
def edit_entry(changes: dict[str, Any], entry_id: int) -> tuple[EntryView, dict[str, str]]:
    """Change some fields of your entry; the fields not sent stay as they are.

    With ``If-Match`` (the entry's ``ETag``), the change is made only to that version.
    """
    user = token_auth.current_user()
    entry = entries.get_entry_for_change(entry_id, user)
    started_from = version_to_match(entry.id, entry.version)
    changed = dataclasses.replace(entries.entry_input_of(entry), **changes)
    try:
        entries.update_entry(entry, changed, started_from=started_from)
    except ValidationFailed as error:
        raise InvalidFields(error.errors) from None
    except entries.EditConflict:
        raise EntryChanged() from None
    view = entry_views.read_entry(entry_id, user)
    return view, {"ETag": etag_of(view.id, view.version)}


@bp.route(f"/entries/{ENTRY_ID}", methods=["DELETE"])
@token_auth.login_required
@bp.doc(security=BEARER)
@bp.response(204)
@problem(401, "No valid bearer token")
@problem(403, "Only its author may delete an entry")
@problem(404, "No entry here that you may see")
@problem(412, "If-Match names another version than the entry has now")
def delete_entry(entry_id: int) -> None:
    """Delete your entry for good (with ``If-Match``: only the version it names)."""
    entry = entries.get_entry_for_change(entry_id, token_auth.current_user())
    try:
        entries.delete_entry(entry, started_from=version_to_match(entry.id, entry.version))
    except entries.EditConflict:
        raise EntryChanged() from None


# --- people ------------------------------------------------------------------------------


@bp.route("/users/<string(minlength=3, maxlength=32):username>", methods=["GET"])
@token_auth.login_required(optional=True)
@bp.doc(security=BEARER_OR_ANONYMOUS)
@bp.response(200, UserSchema)
@problem(401, "The bearer token sent is not valid")
@problem(404, "No one by that name")
def show_user(username: str) -> dict[str, Any]:
    """A person's public profile; entry_count counts their public entries."""
    if accounts.username_problems(username):
        raise UserNotFound()
    user = listings.get_user(username)
    return {
        "username": user.username,
        "created_at": user.created_at,
        "entry_count": listings.count_rows(listings.entries_by(None, user)),
        "url": external_url("api.show_user", username=user.username),
    }


# --- photos ------------------------------------------------------------------------------


@bp.route("/media", methods=["POST"])
@token_auth.login_required  # first: the larger body limit is for a known account only
@allows_uploads(1, check_csrf=False, authenticated=lambda: True)
@bp.doc(security=BEARER)
@bp.arguments(MediaUploadSchema, location="files")
@bp.response(201, MediaSchema)
@problem(401, "No valid bearer token")
@problem(413, "Over a limit: the file size, the pixel count or the account's quota (named)")
@problem(415, "Not a JPEG, PNG, WebP, GIF or HEIC/HEIF image (judged by its content)")
@problem(429, "Too many uploads; see Retry-After")
def upload_media(files: dict[str, Any]) -> dict[str, Any]:
    """Upload a photo; put its ``markdown`` in an entry's body to show it.

    It is stripped of metadata (EXIF with GPS, XMP, IPTC), turned upright and re-encoded;
    an animated GIF keeps its first frame. Until an entry uses it, only you can see it.
    """
    stored = store_files(token_auth.current_user(), [files["file"]])
    return upload_document(stored[0])
