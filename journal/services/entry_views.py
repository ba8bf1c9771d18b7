"""The read model of an entry: what pages, cards, feeds and the API show, read as plain rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select

from journal.exceptions import EntryNotFound
from journal.extensions import db
from journal.models import Entry, Tag, User, entry_tags
from journal.services.listings import visible_entries
from journal.text import reading_minutes

# A change sooner than this after writing (a typo fixed at once) does not count as an edit.
EDIT_GRACE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class EntryCard:
    """What a listing shows of an entry: read in one query, no body, no ORM object."""

    id: int
    title: str
    is_public: bool
    dated_at: datetime
    timezone: str
    author: str
    excerpt: str
    word_count: int
    tags: tuple[str, ...]

    @property
    def visibility(self) -> str:
        """``public`` or ``private``."""
        return "public" if self.is_public else "private"


@dataclass(frozen=True, slots=True)
class EntryView(EntryCard):
    """The whole entry as a reader sees it: a card plus its body, and when it changed."""

    body: str
    body_html: str
    created_at: datetime
    updated_at: datetime
    author_id: int
    # Counts saves; the API's ETag (a change sent with an older one is refused).
    version: int

    @property
    def reading_minutes(self) -> int:
        """About how long it takes to read."""
        return reading_minutes(self.word_count)

    @property
    def was_edited(self) -> bool:
        """Whether the entry changed at least a minute after it was first saved."""
        return self.updated_at - self.created_at >= EDIT_GRACE


# The columns each read model is built from, by name (``author`` is the author's username).
CARD_COLUMNS = (
    Entry.id,
    Entry.title,
    Entry.is_public,
    Entry.dated_at,
    Entry.timezone,
    User.username.label("author"),
    Entry.excerpt,
    Entry.word_count,
)
VIEW_COLUMNS = (
    *CARD_COLUMNS,
    Entry.body,
    Entry.body_html,
    Entry.created_at,
    Entry.updated_at,
    Entry.author_id,
    Entry.version,
)


def tag_names_of(entry_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """The tag names of each of these entries, in order: one statement for all of them."""
    tags: dict[int, list[str]] = {entry_id: [] for entry_id in entry_ids}
    if tags:
        names = (
            select(entry_tags.c.entry_id, Tag.name)
            .join_from(entry_tags, Tag, Tag.id == entry_tags.c.tag_id)
            .where(entry_tags.c.entry_id.in_(list(tags)))
            .order_by(Tag.name)
        )
        for entry_id, name in db.session.execute(names):
            tags[entry_id].append(name)
    return {entry_id: tuple(names) for entry_id, names in tags.items()}


def _read(query: Select[Entry], columns: Sequence[Any]) -> list[dict[str, Any]]:
    """The rows ``query`` selects, as dictionaries of ``columns`` plus their ``tags``."""
    rows = [
        dict(row._mapping)
        for row in db.session.execute(
            query.with_only_columns(*columns).join_from(Entry, User, User.id == Entry.author_id)
        )
    ]
    tags = tag_names_of([row["id"] for row in rows])
    for row in rows:
        row["tags"] = tags[row["id"]]
    return rows


def fetch_cards(query: Select[Entry]) -> list[EntryCard]:
    """The entries ``query`` selects as listing cards: the shown columns, no ORM objects.

    A listing page is read far more often than anything is written, so it skips the ORM:
    one statement for the page's rows (no bodies), one for the tags of just those rows.
    """
    return [EntryCard(**row) for row in _read(query, CARD_COLUMNS)]


def fetch_views(query: Select[Entry]) -> list[EntryView]:
    """The entries ``query`` selects, whole, as read models (feeds and the API)."""
    return [EntryView(**row) for row in _read(query, VIEW_COLUMNS)]


def read_entry(entry_id: int, viewer: User | None) -> EntryView:
    """One entry the viewer may see, in two plain statements; raises ``EntryNotFound``."""
    found = fetch_views(visible_entries(viewer).where(Entry.id == entry_id))
    if not found:
        raise EntryNotFound()
    return found[0]
