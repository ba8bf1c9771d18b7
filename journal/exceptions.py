"""Errors the services raise; the pages, the API and the CLI each present them their own way."""

from __future__ import annotations

from werkzeug.exceptions import (
    Forbidden,
    NotFound,
    RequestEntityTooLarge,
    ServiceUnavailable,
    UnsupportedMediaType,
)

# How long to wait before trying a write again when the database could not take it.
RETRY_AFTER_SECONDS = 30


class JournalError(Exception):
    """Base class of every error a service raises on purpose."""


class ValidationFailed(JournalError):
    """Input broke a rule; ``errors`` maps each field name to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items()))
        self.errors = errors

    @classmethod
    def on(cls, field: str, message: str) -> ValidationFailed:
        """A failure of one field."""
        return cls({field: [message]})


class EntryNotFound(JournalError, NotFound):
    """No entry with that id that the viewer may see (another's private entry included)."""

    description = "There is no entry at this address."


class NotAllowed(JournalError, Forbidden):
    """The viewer may see the entry but not change it."""

    description = "Only its author can change this entry."


class UserNotFound(JournalError, NotFound):
    """No account with that username."""

    description = "There is no one by that name here."


class DatabaseUnavailable(JournalError, ServiceUnavailable):
    """The database could not take the work just now (locked, full, read-only or down).

    Nothing of the request was stored; the same request may succeed in a moment.
    """

    description = "The database could not take this just now, so nothing was saved. Try again."

    def __init__(self) -> None:
        super().__init__(retry_after=RETRY_AFTER_SECONDS)


class MediaNotFound(JournalError, NotFound):
    """No photo with that id that the viewer may see (another's private photo included)."""

    description = "There is no photo at this address."


class NotAnImage(JournalError, UnsupportedMediaType):
    """An upload that is not a JPEG, PNG, WebP, GIF or HEIC/HEIF image (judged by content)."""

    def __init__(self, description: str) -> None:
        super().__init__(description)


class MediaTooLarge(JournalError, RequestEntityTooLarge):
    """An upload over one of the limits; the description names which."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
