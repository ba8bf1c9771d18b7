"""What a reader may see and in which order: the visibility rule, filters, pages, cursors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, exists, false, func, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from journal.exceptions import EntryNotFound, UserNotFound
from journal.extensions import db
from journal.models import Entry, Tag, User, entry_tags
from journal.models.base import ROW_ID_MAX
from journal.services import search
from journal.services.storable import is_storable

# Above this many entries a tag page walks the newest-first index instead of sorting.
LARGE_TAG = 2000


class Listed(Protocol):
    """Anything a newest-first listing pages through: an ``Entry`` or a card."""

    @property
    def id(self) -> int: ...

    @property
    def dated_at(self) -> datetime: ...


Item = TypeVar("Item")
ListedItem = TypeVar("ListedItem", bound=Listed)
Cursor = tuple[datetime, int]


@dataclass(frozen=True)
class Page(Generic[Item]):
    """One page of a listing; ``has_next`` comes from fetching one row more than shown."""

    items: list[Item]
    number: int
    has_next: bool
    # Keyset cursors (see ``entry_cursor``) for the pages after and before this one.
    older: str | None = None
    newer: str | None = None

    @property
    def has_prev(self) -> bool:
        """Whether there is a page before this one."""
        return self.number > 1


# --- who sees what -------------------------------------------------------------------------


def visible_to(viewer: User | None) -> ColumnElement[bool]:
    """The one rule of who sees what: public entries, plus the viewer's own private ones."""
    # ``= true`` rather than ``IS true``: PostgreSQL uses an index only for the former.
    if viewer is None:
        return Entry.is_public == true()
    return or_(Entry.is_public == true(), Entry.author_id == viewer.id)


def visible_entries(viewer: User | None) -> Select[Entry]:
    """Entries the viewer may see, newest first.

    Read them as cards or views with ``entry_views``, or whole with ``fetch_entries``.
    """
    return select(Entry).where(visible_to(viewer)).order_by(Entry.dated_at.desc(), Entry.id.desc())


def fetch_entries(query: Select[Entry]) -> list[Entry]:
    """The ORM entries ``query`` selects, with their author and tags loaded alongside."""
    loaded = query.options(joinedload(Entry.author), selectinload(Entry.tags))
    return list(db.session.scalars(loaded).unique())


def get_visible_entry(entry_id: int, viewer: User | None) -> Entry:
    """The whole entry (to change it) if the viewer may see it; raises ``EntryNotFound``."""
    entry = next(iter(fetch_entries(visible_entries(viewer).where(Entry.id == entry_id))), None)
    if entry is None:
        raise EntryNotFound()
    return entry


def get_user(username: str) -> User:
    """The account called ``username`` (any case); raises ``UserNotFound``."""
    if not is_storable(username):
        raise UserNotFound()
    user = db.session.scalar(select(User).where(User.username_key == username.lower()))
    if user is None:
        raise UserNotFound()
    return user


# --- filters -------------------------------------------------------------------------------


def written_by(author: User) -> ColumnElement[bool]:
    """Entries whose author is ``author``; add it to any listing with ``.where``."""
    return Entry.author_id == author.id


def fetch_tag_filter(tag: str) -> ColumnElement[bool]:
    """Look the tag up (one statement) and return the filter for entries carrying it.

    Two plans, chosen by how many entries carry the tag (counted up to a bound, through
    the (tag_id, entry_id) index): a small tag's entries are fetched by id and sorted; a
    large tag is found by walking the newest-first index and probing each entry's tags,
    which stops as soon as a page is full. Either way a page costs a bounded amount.
    """
    if not is_storable(tag):
        return false()
    # The count's inner query is correlated to the outer ``tags`` row explicitly: a query in
    # FROM is otherwise a table of its own, which would count every tag's links.
    tagged_links = (
        select(entry_tags.c.entry_id)
        .where(entry_tags.c.tag_id == Tag.id)
        .correlate(Tag)
        .limit(LARGE_TAG + 1)
        .subquery()
    )
    found = db.session.execute(
        select(Tag.id, select(func.count()).select_from(tagged_links).scalar_subquery()).where(
            Tag.name == tag.lower()
        )
    ).first()
    if found is None:
        return false()
    tag_id, size = found
    if size > LARGE_TAG:
        return exists().where(entry_tags.c.entry_id == Entry.id, entry_tags.c.tag_id == tag_id)
    return Entry.id.in_(select(entry_tags.c.entry_id).where(entry_tags.c.tag_id == tag_id))


def entries_by(viewer: User | None, author: User) -> Select[Entry]:
    """The entries of ``author`` that the viewer may see, newest first."""
    return visible_entries(viewer).where(written_by(author))


def entries_tagged(viewer: User | None, tag: str) -> Select[Entry]:
    """The entries tagged ``tag`` that the viewer may see, newest first (looks the tag up)."""
    return visible_entries(viewer).where(fetch_tag_filter(tag))


def tag_counts(viewer: User | None) -> list[tuple[str, int]]:
    """Tags with how many entries carry them, most used first, then by name (one statement).

    Signed in, the viewer's own entries' tags (private ones too); signed out, public
    entries' tags. Another person's private entry never counts.
    """
    whose = Entry.is_public == true() if viewer is None else written_by(viewer)
    used = func.count(entry_tags.c.entry_id)
    query = (
        select(Tag.name, used)
        .select_from(entry_tags)
        .join(Tag, Tag.id == entry_tags.c.tag_id)
        .join(Entry, Entry.id == entry_tags.c.entry_id)
        .where(whose)
        .group_by(Tag.name)
        .order_by(used.desc(), Tag.name)
    )
    return [(name, int(number)) for name, number in db.session.execute(query)]


def search_entries(viewer: User | None, query: str) -> tuple[Select[Entry], ...]:
    """Entries the viewer may see that match ``query`` as plain words, best match first.

    SQLite ranks with FTS5's bm25, PostgreSQL with ``ts_rank``; no query text is syntax.
    The listing comes in parts, to be read one after another (see ``search.matching``).
    """
    return search.matching(visible_entries(viewer), query)


def public_entries(author: User | None = None, limit: int = 20) -> Select[Entry]:
    """The newest public entries (of ``author`` if given): what feeds show, whoever asks."""
    query = visible_entries(None) if author is None else entries_by(None, author)
    return query.limit(limit)


# --- pages ---------------------------------------------------------------------------------


def count_rows(query: Select[Any]) -> int:
    """How many rows ``query`` selects, its order ignored (one COUNT query)."""
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return int(db.session.scalar(counted) or 0)


def paginate(
    parts: Sequence[Select[Entry]],
    number: int,
    per_page: int,
    fetch: Callable[[Select[Entry]], list[ListedItem]],
) -> Page[ListedItem]:
    """One page of the listing made of ``parts`` read one after another (usually one part).

    Fetches one row more than shown to know if another page follows. A part is counted
    only when the page starts beyond its end (search's ranked part: a few hundred rows).
    """
    offset = (max(number, 1) - 1) * per_page
    wanted = per_page + 1
    rows: list[ListedItem] = []
    for part in parts:
        found = fetch(part.limit(wanted - len(rows)).offset(offset))
        rows += found
        if len(rows) == wanted:
            break
        offset = 0 if found or not offset else max(offset - count_rows(part), 0)
    return Page(items=rows[:per_page], number=number, has_next=len(rows) > per_page)


def entry_cursor(entry: Listed) -> str:
    """The keyset cursor of an entry in newest-first order: ``<dated_at UTC>_<id>``."""
    return f"{entry.dated_at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}_{entry.id}"


def parse_cursor(cursor: str) -> Cursor | None:
    """``(dated_at, id)`` from a cursor, or ``None`` when it is not one.

    A moment that falls outside the calendar once turned to UTC (``0001-01-01`` east of
    Greenwich) and an id no database key can hold are not cursors either.
    """
    stamp, _, number = cursor.rpartition("_")
    if not (number.isascii() and number.isdigit()) or len(number) > len(str(ROW_ID_MAX)):
        return None
    try:
        moment = datetime.fromisoformat(stamp)
        in_utc = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    entry_id = int(number)
    if moment.tzinfo is None or entry_id > ROW_ID_MAX:
        return None
    return in_utc, entry_id


def paginate_newest(
    query: Select[Entry],
    number: int,
    per_page: int,
    fetch: Callable[[Select[Entry]], list[ListedItem]],
    before: Cursor | None = None,
    after: Cursor | None = None,
) -> Page[ListedItem]:
    """One page of a newest-first listing, by keyset when a cursor is given.

    ``before`` gives the entries older than that cursor and ``after`` the ones newer than it,
    each found by an index range instead of skipping rows; without either, page ``number``
    is found by offset (what a typed ``?page=N`` costs). The page carries both cursors.
    """
    if after is not None:
        stamp, entry_id = after
        newer_first = (
            query.where(Entry.dated_at >= stamp, or_(Entry.dated_at > stamp, Entry.id > entry_id))
            .order_by(None)
            .order_by(Entry.dated_at.asc(), Entry.id.asc())
            .limit(per_page + 1)
        )
        rows = fetch(newer_first)
        items = list(reversed(rows[:per_page]))
        at_start = len(rows) <= per_page
        page = Page(items=items, number=1 if at_start else max(number, 2), has_next=True)
    elif before is not None:
        stamp, entry_id = before
        older = query.where(
            Entry.dated_at <= stamp, or_(Entry.dated_at < stamp, Entry.id < entry_id)
        )
        page = paginate((older,), 1, per_page, fetch)
        page = Page(items=page.items, number=max(number, 2), has_next=page.has_next)
    elif number > 1:
        # A typed deep ``?page=N``: skip rows in an index-only scan of the ids, then load
        # just the page's rows, instead of reading every row before it.
        offset = (number - 1) * per_page
        ids = (
            select(Entry.id)
            .where(query.whereclause if query.whereclause is not None else true())
            .order_by(Entry.dated_at.desc(), Entry.id.desc())
            .limit(per_page + 1)
            .offset(offset)
        )
        page = paginate((query.where(Entry.id.in_(ids)),), 1, per_page, fetch)
        page = Page(items=page.items, number=number, has_next=page.has_next)
    else:
        page = paginate((query,), number, per_page, fetch)
    if not page.items:
        return page
    return Page(
        items=page.items,
        number=page.number,
        has_next=page.has_next,
        older=entry_cursor(page.items[-1]) if page.has_next else None,
        newer=entry_cursor(page.items[0]) if page.has_prev else None,
    )
