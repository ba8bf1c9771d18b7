"""Photos uploaded by people, and which entries use them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from journal.extensions import Base
from journal.models.base import Model, UTCDateTime, utcnow

if TYPE_CHECKING:
    from journal.models.user import User

# Which entries show which photo: kept in step with each entry's body on save, from the
# ``/media/<id>`` addresses in it. A photo may be seen by whoever may see one of them.
entry_media = Table(
    "entry_media",
    Base.metadata,
    Column("entry_id", ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True),
    Column("media_id", ForeignKey("media.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_entry_media_media_entry", "media_id", "entry_id"),
)


class Media(Model):
    """One uploaded photo, stored as three re-encoded, metadata-free files.

    ``id`` is random (22 URL-safe characters), so addresses cannot be guessed; ``bytes`` is
    what the three stored files take together, which counts against the uploader's quota.
    """

    __tablename__ = "media"
    __table_args__ = (Index("ix_media_uploader_created", "uploader_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    bytes: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    uploader: Mapped[User] = relationship()

    @property
    def extension(self) -> str:
        """The file name extension of every stored variant (``jpg``, ``png``, ``webp``)."""
        return EXTENSIONS[self.content_type]

    def key(self, variant: str) -> str:
        """The storage key of one variant: ``<id>/display.jpg``, ``<id>/thumb.jpg``, ..."""
        return media_key(self.id, self.content_type, variant)

    def __repr__(self) -> str:
        return f"<Media {self.id} {self.content_type} {self.width}x{self.height}>"


EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
VARIANTS = ("original", "display", "thumb")


def media_key(media_id: str, content_type: str, variant: str) -> str:
    """The storage key of one variant of a photo."""
    return f"{media_id}/{variant}.{EXTENSIONS[content_type]}"
