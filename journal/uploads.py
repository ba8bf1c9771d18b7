"""What every upload route shares: the larger body limit, the rate limit, storing a batch."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app, request, url_for
from flask_login import current_user
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from journal.exceptions import JournalError, MediaTooLarge, NotAnImage
from journal.extensions import csrf, limiter
from journal.models import Media, User
from journal.services import media as media_service

# Room for the form's other fields next to the files.
FORM_OVERHEAD = 256 * 1024


@dataclass(frozen=True)
class Upload:
    """One stored upload: the row, its Markdown line, and whether frames were dropped."""

    media: Media
    markdown: str
    first_frame_only: bool


def request_limit(files: int) -> int:
    """The body limit of a request carrying up to ``files`` photos."""
    config = current_app.config
    return int(config["MEDIA_MAX_BYTES"]) * files + int(config["MAX_CONTENT_LENGTH"])


def too_large_request(files: int) -> MediaTooLarge:
    """413 for a body over ``request_limit``, naming the limits."""
    per_file = media_service.size_in_words(int(current_app.config["MEDIA_MAX_BYTES"]))
    if files == 1:
        return MediaTooLarge(
            f"This file is larger than {per_file}, the limit for one photo (MEDIA_MAX_BYTES)."
        )
    return MediaTooLarge(
        f"These files are too large together: at most {files} photos of up to {per_file} "
        "each (MEDIA_MAX_BYTES) can be sent at once."
    )


def signed_in() -> bool:
    """Whether a browser's session is signed in (only a writer may send photos)."""
    return bool(current_user.is_authenticated)


def allows_uploads(
    files: int, *, check_csrf: bool, authenticated: Callable[[], bool] = signed_in
) -> Callable[[Callable[..., Any]], Any]:
    """Let a view's request body hold ``files`` photos (MAX_CONTENT_LENGTH is for the rest).

    The larger limit applies only when ``authenticated()`` says who sends it: no one
    unknown makes the server read hundreds of megabytes. The body is read here, under
    that limit; ``check_csrf`` then checks the CSRF token (the view must be
    ``csrf.exempt``: the app-wide check would read the body first).
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if request.method == "POST":
                count = files if files > 0 else int(current_app.config["MEDIA_MAX_FILES"])
                if authenticated():
                    request.max_content_length = request_limit(count)
                try:
                    request.files  # noqa: B018  (parse the body now, under this limit)
                except RequestEntityTooLarge:
                    raise too_large_request(count) from None
                if check_csrf and current_app.config.get("WTF_CSRF_ENABLED", True):
                    csrf.protect()
            return view(*args, **kwargs)

        return wrapped

    return decorate


def chosen_files(files: Sequence[FileStorage]) -> list[FileStorage]:
    """The files actually chosen (a browser sends one empty part for an empty file field)."""
    return [file for file in files if file is not None and (file.filename or file.content_length)]


def count_uploads(user: User, number: int) -> None:
    """Count ``number`` uploads against the account's rate limit; 429 when over it."""
    if number <= 0:
        return
    with limiter.limit(
        lambda: current_app.config["RATELIMIT_MEDIA_PER_ACCOUNT"],
        key_func=lambda: f"user:{user.id}",
        scope="media-upload",
        cost=number,
    ):
        pass


def store_files(user: User, files: Sequence[FileStorage]) -> list[Upload]:
    """Store every file for ``user``, or none: a refused one removes those stored before it."""
    maximum = int(current_app.config["MEDIA_MAX_FILES"])
    if len(files) > maximum:
        raise MediaTooLarge(f"At most {maximum} photos can be sent at once; pick fewer.")
    count_uploads(user, len(files))
    stored: list[Upload] = []
    try:
        for file in files:
            limit = int(current_app.config["MEDIA_MAX_BYTES"])
            data = file.stream.read(limit + 1)
            alt = media_service.alt_text(file.filename or "")
            try:
                media, processed = media_service.store_upload(user, data)
            except (NotAnImage, MediaTooLarge) as error:
                # Say which file, by the name the form will show (escaped there).
                raise type(error)(f"{alt}: {error.description}") from None
            stored.append(
                Upload(media, media_service.markdown_for(media, alt), processed.first_frame_only)
            )
    except JournalError:
        media_service.discard(upload.media.id for upload in stored)
        raise
    return stored


def upload_document(upload: Upload) -> dict[str, Any]:
    """The JSON answer describing one stored upload (``POST /media`` and the API)."""
    media = upload.media
    return {
        "id": media.id,
        "url": url_for("media.display", media_id=media.id),
        "thumb_url": url_for("media.thumb", media_id=media.id),
        "markdown": upload.markdown,
        "content_type": media.content_type,
        "width": media.width,
        "height": media.height,
        "bytes": media.bytes,
    }
