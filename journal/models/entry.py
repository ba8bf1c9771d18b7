"""Journal entries and their tags."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from journal import text
from journal.extensions import Base
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


def _plain_text_of_row(context: DefaultExecutionContext) -> str:
    row: dict[str, Any] = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return text.plain_text(row.get("body") or "")


def body_text_of_row(context: DefaultExecutionContext) -> str:
    """``body_text`` for a row inserted without one (bulk inserts), from its source."""
    return _plain_text_of_row(context)


def excerpt_of_row(context: DefaultExecutionContext) -> str:
    """``excerpt`` for a row inserted without one (bulk inserts)."""
    return text.excerpt(_plain_text_of_row(context))


def word_count_of_row(context: DefaultExecutionContext) -> int:
    """``word_count`` for a row inserted without one (bulk inserts)."""
    return text.word_count(_plain_text_of_row(context))


class Tag(Model):
    """A normalised tag name (letters of any script, digits, ``-``, ``_``; 1-32 characters)."""

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
        # Listings go newest first by the entry's date: everything, one author's (your
        # journal, calendar, "on this day"), and the public ones. The first also carries
        # visibility and author, so a signed-in viewer's deep ``?page=N`` skips rows
        # inside the index.
        Index("ix_entries_dated", "dated_at", "id", "is_public", "author_id"),
        Index("ix_entries_author_dated", "author_id", "dated_at", "id"),
        Index("ix_entries_public_dated", "is_public", "dated_at", "id"),
        # A deleted entry's id is never handed out again (migration 0003).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    # The body's words without Markdown (``journal.text.plain_text``), kept in step with the
    # body by ``_keep_body_text``: search indexes it and shows extracts of it (migration
    # 0005), cards show its excerpt and count its words (migration 0006).
    body_text: Mapped[str] = mapped_column(Text, default=body_text_of_row)
    is_public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Counts saves; an UPDATE or DELETE names the version it read (SQLAlchemy's optimistic
    # locking), so a save over a newer version changes nothing (migration 0009).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}
    # When it happened, as the writer dated it (default: when it was written), and the
    # IANA zone it was written in; listings, the calendar and feeds go by this date.
    dated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # What a card shows of the body, kept on save so that listings never read bodies.
    excerpt: Mapped[str] = mapped_column(String(400), default=excerpt_of_row)
    word_count: Mapped[int] = mapped_column(default=word_count_of_row)

    author: Mapped[User] = relationship(back_populates="entries")
    tags: Mapped[list[Tag]] = relationship(secondary=entry_tags, order_by=Tag.name)

    @validates("body")
    def _keep_body_text(self, _key: str, body: str) -> str:
        self.body_text = text.plain_text(body)
        self.excerpt = text.excerpt(self.body_text)
        self.word_count = text.word_count(self.body_text)
        return body

    @property
    def visibility(self) -> str:
        """``public`` or ``private``, as forms, the API and exports spell it."""
        return "public" if self.is_public else "private"

    def __repr__(self) -> str:
        return f"<Entry {self.id} {self.title!r}>"
