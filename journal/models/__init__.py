"""The model layer shared by the pages, the API and the command line."""

from journal.models.base import Model, UTCDateTime, utcnow
from journal.models.entry import VISIBILITIES, Entry, Tag, entry_tags
from journal.models.event import LiveEvent
from journal.models.media import Media, entry_media
from journal.models.user import ApiToken, User, UserSession

__all__ = [
    "VISIBILITIES",
    "ApiToken",
    "Entry",
    "Media",
    "LiveEvent",
    "Model",
    "Tag",
    "UTCDateTime",
    "User",
    "UserSession",
    "entry_media",
    "entry_tags",
    "utcnow",
]
