"""Views of the media blueprint: upload a photo, and serve one to whoever may see it."""

from __future__ import annotations

import re

from flask import Response, abort, request
from flask.typing import ResponseReturnValue
from flask_login import login_required
from werkzeug.exceptions import HTTPException

from journal.blueprints.media import bp
from journal.error_pages import render_error
from journal.exceptions import NotAnImage
from journal.extensions import csrf
from journal.identity import signed_in_user
from journal.problems import problem_response
from journal.services import media as media_service
from journal.services.storage import ObjectMissing
from journal.uploads import allows_uploads, chosen_files, store_files, upload_document

MEDIA_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,32}", re.ASCII)
# How long a shared cache may keep a photo of a public entry (the entry may turn private).
PUBLIC_MAX_AGE = 300


@bp.post("/media")
@csrf.exempt  # checked by allows_uploads, once the larger upload limit applies
@allows_uploads(1, check_csrf=True)
@login_required
def upload() -> ResponseReturnValue:
    """Upload one photo (multipart ``file``) → 201 with its addresses and Markdown line."""
    files = chosen_files(request.files.getlist("file"))
    if len(files) != 1:
        raise NotAnImage("Send one photo in the field named file.")
    stored = store_files(signed_in_user(required=True), files)
    return upload_document(stored[0]), 201


@bp.errorhandler(HTTPException)
def refused(error: HTTPException) -> ResponseReturnValue:
    """An upload's refusal as problem JSON (the editor shows it); a photo's as a page."""
    if request.endpoint == "media.upload":
        return problem_response(error)
    if isinstance(error.response, Response):
        return error.response
    return render_error(error)


def serve(media_id: str, variant: str) -> Response:
    """One stored variant of a photo, if the viewer may see it; else 404."""
    if MEDIA_ID_RE.fullmatch(media_id) is None:
        abort(404)
    media = media_service.get_visible_media(media_id, signed_in_user())
    try:
        data = media_service.read_variant(media, variant)
    except ObjectMissing:
        abort(404)
    response = Response(data, mimetype=media.content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    filename = f"{media.id}-{variant}.{media.extension}"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(f"{media.sha256[:40]}-{variant}")
    if media_service.is_public(media):
        response.cache_control.public = True
        response.cache_control.max_age = PUBLIC_MAX_AGE
    else:
        response.headers["Cache-Control"] = "private, no-store"
    response.make_conditional(request)
    return response


@bp.get("/media/<media_id>")
def display(media_id: str) -> ResponseReturnValue:
    """The photo at display size (at most 1600 px on its longest side)."""
    return serve(media_id, "display")


@bp.get("/media/<media_id>/thumb")
def thumb(media_id: str) -> ResponseReturnValue:
    """The photo's thumbnail (at most 400 px)."""
    return serve(media_id, "thumb")


@bp.get("/media/<media_id>/original")
def original(media_id: str) -> ResponseReturnValue:
    """The full-size photo, re-encoded without any metadata."""
    return serve(media_id, "original")
