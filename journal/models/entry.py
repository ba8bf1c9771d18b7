"""Journal entries and their tags."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from journal.extensions import Base
from journal.markdown import plain_text, render_markdown
from journal.models.base import Model, UTCDateTime, utcnow

if TYPE_CHECKING:
    from journal.models.user import User

VISIBILITIES = ("private", "public")

entry_tags = Table(
    "entry_tags",
    Base.metadata,
    Column("entry_id", ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_entry_tags_tag_entry", "tag_id", "entry_id"),
)


def body_text_of_row(context: DefaultExecutionContext) -> str:
    """``body_text`` for a row inserted without one (bulk inserts): from its HTML or source."""
    row: dict[str, Any] = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return plain_text(row.get("body_html") or render_markdown(row.get("body") or ""))


class Tag(Model):
    """A normalised tag name (``a-z 0-9 -``, 1-32 characters)."""

    __tablename__ = "tags"
    __table_args__ = {"sqlite_autoincrement": True}  # ids never reused (migration 0003)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)

    def __repr__(self) -> str:
        return f"<Tag {self.name!r}>"


class Entry(Model):
    """One journal entry: Markdown source plus the sanitised HTML rendered when it was saved."""

    __tablename__ = "entries"
    __table_args__ = (
        # Newest-first listings: everything, one author's, and the public ones.
        # Also carries visibility and author, so a signed-in viewer's deep ``?page=N`` skips
        # rows inside the index (migration 0002).
        Index("ix_entries_created", "created_at", "id", "is_public", "author_id"),
        Index("ix_entries_author_created", "author_id", "created_at", "id"),
        Index("ix_entries_public_created", "is_public", "created_at", "id"),
        # A deleted entry's id is never handed out again (migration 0003).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    # The body's words without Markdown (``plain_text`` of ``body_html``), kept in step by
    # ``_keep_body_text``: search indexes it and shows extracts of it (migration 0005).
    body_text: Mapped[str] = mapped_column(Text, default=body_text_of_row)
    is_public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User] = relationship(back_populates="entries")
    tags: Mapped[list[Tag]] = relationship(secondary=entry_tags, order_by=Tag.name)

    @validates("body_html")
    def _keep_body_text(self, _key: str, body_html: str) -> str:
        self.body_text = plain_text(body_html)
        return body_html

    @property
    def visibility(self) -> str:
        """``public`` or ``private``, as forms, the API and exports spell it."""
        return "public" if self.is_public else "private"

    def __repr__(self) -> str:
        return f"<Entry {self.id} {self.title!r}>"
