"""Entries: who may see them, writing and changing them, and the listings."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

from markupsafe import Markup
from sqlalchemy import ColumnElement, Select, exists, false, func, or_, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, selectinload

from journal.exceptions import EntryNotFound, NotAllowed, UserNotFound, ValidationFailed
from journal.extensions import db
from journal.markdown import render_markdown
from journal.models import VISIBILITIES, Entry, Tag, User, entry_tags, utcnow
from journal.models.base import ROW_ID_MAX
from journal.services import search

TITLE_MAX = 200
BODY_MAX = 100_000
TAGS_MAX = 10
TAG_MAX = 32
TAG_RE = re.compile(r"[a-z0-9-]{1,32}")
# Above this many entries a tag page walks the newest-first index instead of sorting.
LARGE_TAG = 2000

T = TypeVar("T")


@dataclass(frozen=True)
class EntryInput:
    """What an entry is written from: title, Markdown body, visibility, tag names."""

    title: str
    body: str
    visibility: str = "private"
    tags: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class EntryCard:
    """What a listing shows of an entry: read in one query, no body, no ORM object."""

    id: int
    title: str
    is_public: bool
    created_at: datetime
    author: str
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EntryView(EntryCard):
    """What the entry page shows: a card plus the rendered body and who may change it."""

    body_html: str
    updated_at: datetime
    author_id: int

    @property
    def was_edited(self) -> bool:
        """Whether the entry changed after it was first saved."""
        return self.updated_at > self.created_at


class Listed(Protocol):
    """Anything a newest-first listing pages through: an ``Entry`` or an ``EntryCard``."""

    @property
    def id(self) -> int: ...

    @property
    def created_at(self) -> datetime: ...


L = TypeVar("L", bound=Listed)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing; ``has_next`` comes from fetching one row more than shown."""

    items: list[T]
    number: int
    has_next: bool
    # Keyset cursors (see ``entry_cursor``) for the pages after and before this one.
    older: str | None = None
    newer: str | None = None

    @property
    def has_prev(self) -> bool:
        """Whether there is a page before this one."""
        return self.number > 1


def parse_tags(raw: str) -> list[str]:
    """Split a comma-separated tag field into its parts (not yet checked)."""
    return [part for part in (piece.strip() for piece in raw.split(",")) if part]


def normalise_tags(names: Sequence[str]) -> list[str]:
    """Lower-case, de-duplicated tag names; raises ``ValidationFailed`` on a broken rule."""
    result: list[str] = []
    for name in names:
        tag = name.strip().lower()
        if not TAG_RE.fullmatch(tag):
            raise ValidationFailed.on(
                "tags", f"'{name[:40]}' is not a tag: use 1-32 of a-z, 0-9 and '-'."
            )
        if tag not in result:
            result.append(tag)
    if len(result) > TAGS_MAX:
        raise ValidationFailed.on("tags", f"Use at most {TAGS_MAX} tags.")
    return result


def check_entry(data: EntryInput) -> tuple[str, list[str]]:
    """Validate an entry's fields; returns the trimmed title and normalised tags."""
    errors: dict[str, list[str]] = {}
    title = data.title.strip()
    if not 1 <= len(title) <= TITLE_MAX:
        errors["title"] = [f"Give a title of 1-{TITLE_MAX} characters."]
    if not 1 <= len(data.body) <= BODY_MAX or not data.body.strip():
        errors["body"] = [f"Write 1-{BODY_MAX:,} characters."]
    if data.visibility not in VISIBILITIES:
        errors["visibility"] = ["Choose private or public."]
    tags: list[str] = []
    try:
        tags = normalise_tags(data.tags)
    except ValidationFailed as error:
        errors.update(error.errors)
    if errors:
        raise ValidationFailed(errors)
    return title, tags


def tags_named(names: Sequence[str]) -> list[Tag]:
    """The ``Tag`` rows for these names, creating the missing ones in the session."""
    if not names:
        return []
    # Another request may be creating the same tag right now: let the database settle it
    # (INSERT ... ON CONFLICT DO NOTHING) instead of failing on the unique name.
    rows = [{"name": name} for name in names]
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        db.session.execute(
            postgresql.insert(Tag).values(rows).on_conflict_do_nothing(index_elements=["name"])
        )
    elif dialect == "sqlite":
        db.session.execute(
            sqlite.insert(Tag).values(rows).on_conflict_do_nothing(index_elements=["name"])
        )
    existing = {tag.name: tag for tag in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    tags = []
    for name in names:
        tag = existing.get(name)
        if tag is None:
            tag = Tag(name=name)
            db.session.add(tag)
        tags.append(tag)
    return tags


def create_entry(author: User, data: EntryInput) -> Entry:
    """Write a new entry for ``author``."""
    title, tag_names = check_entry(data)
    now = utcnow()  # one clock reading: a new entry is not "edited"
    entry = Entry(
        author=author,
        created_at=now,
        updated_at=now,
        title=title,
        body=data.body,
        body_html=render_markdown(data.body),
        is_public=data.visibility == "public",
        tags=tags_named(tag_names),
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def update_entry(entry: Entry, data: EntryInput) -> Entry:
    """Change an entry's fields and re-render its body."""
    title, tag_names = check_entry(data)
    entry.title = title
    if entry.body != data.body:
        entry.body = data.body
        entry.body_html = render_markdown(data.body)
    entry.is_public = data.visibility == "public"
    entry.tags = tags_named(tag_names)
    entry.updated_at = utcnow()
    db.session.commit()
    return entry


def delete_entry(entry: Entry) -> None:
    """Remove an entry for good."""
    db.session.delete(entry)
    db.session.commit()


def visible_to(viewer: User | None) -> ColumnElement[bool]:
    """The one rule of who sees what: public entries, plus the viewer's own private ones."""
    # ``= true`` rather than ``IS true``: PostgreSQL uses an index only for the former.
    if viewer is None:
        return Entry.is_public == true()
    return or_(Entry.is_public == true(), Entry.author_id == viewer.id)


def visible_entries(viewer: User | None) -> Select[Entry]:
    """Entries the viewer may see, newest first.

    Read them as whole entries with ``fetch_entries`` or as listing cards with ``fetch_cards``.
    """
    return (
        select(Entry).where(visible_to(viewer)).order_by(Entry.created_at.desc(), Entry.id.desc())
    )


def fetch_entries(query: Select[Entry]) -> list[Entry]:
    """The entries ``query`` selects, with their author and tags loaded alongside."""
    loaded = query.options(joinedload(Entry.author), selectinload(Entry.tags))
    return list(db.session.scalars(loaded).unique())


def tag_names_of(entry_ids: Sequence[int]) -> dict[int, list[str]]:
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
    return tags


# What a card shows, from the entry and its author; ``EntryCard`` takes them in this order.
CARD_COLUMNS = (Entry.id, Entry.title, Entry.is_public, Entry.created_at, User.username)


def fetch_cards(query: Select[Entry]) -> list[EntryCard]:
    """The entries ``query`` selects as listing cards: only the shown columns, no ORM objects.

    A listing page is read far more often than anything is written, so it skips the ORM:
    one statement for the page's rows (no bodies), one for the tags of just those rows.
    """
    rows = db.session.execute(
        query.with_only_columns(*CARD_COLUMNS).join_from(Entry, User, User.id == Entry.author_id)
    ).all()
    tags = tag_names_of([row[0] for row in rows])
    return [EntryCard(*row, tags=tuple(tags[row[0]])) for row in rows]


def read_entry(entry_id: int, viewer: User | None) -> EntryView:
    """The entry page's view of an entry the viewer may see; raises ``EntryNotFound``.

    Two plain statements (the row, its tags) instead of loading ORM objects.
    """
    row = db.session.execute(
        visible_entries(viewer)
        .where(Entry.id == entry_id)
        .with_only_columns(*CARD_COLUMNS, Entry.body_html, Entry.updated_at, Entry.author_id)
        .join_from(Entry, User, User.id == Entry.author_id)
    ).first()
    if row is None:
        raise EntryNotFound()
    _, title, is_public, created_at, author, body_html, updated_at, author_id = row
    tags = tuple(tag_names_of([entry_id])[entry_id])
    return EntryView(
        entry_id, title, is_public, created_at, author, tags, body_html, updated_at, author_id
    )


def get_entry(entry_id: int, viewer: User | None) -> Entry:
    """The entry if the viewer may see it; raises ``EntryNotFound`` otherwise."""
    entry = next(iter(fetch_entries(visible_entries(viewer).where(Entry.id == entry_id))), None)
    if entry is None:
        raise EntryNotFound()
    return entry


def get_entry_for_change(entry_id: int, editor: User) -> Entry:
    """The entry if ``editor`` wrote it; ``NotAllowed`` if they may only see it."""
    entry = get_entry(entry_id, editor)
    if entry.author_id != editor.id:
        raise NotAllowed()
    return entry


def get_user(username: str) -> User:
    """The account called ``username`` (any case); raises ``UserNotFound``."""
    user = db.session.scalar(select(User).where(User.username_key == username.lower()))
    if user is None:
        raise UserNotFound()
    return user


def paginate(
    parts: Sequence[Select[Entry]],
    number: int,
    per_page: int,
    fetch: Callable[[Select[Entry]], list[L]],
) -> Page[L]:
    """One page of the listing made of ``parts`` read one after another (usually one part).

    Fetches one row more than shown to know if another page follows. A part is counted
    only when the page starts beyond its end (search's ranked part: a few hundred rows).
    """
    offset = (max(number, 1) - 1) * per_page
    wanted = per_page + 1
    rows: list[L] = []
    for part in parts:
        found = fetch(part.limit(wanted - len(rows)).offset(offset))
        rows += found
        if len(rows) == wanted:
            break
        offset = 0 if found or not offset else max(offset - count_rows(part), 0)
    return Page(items=rows[:per_page], number=number, has_next=len(rows) > per_page)


def entry_cursor(entry: Listed) -> str:
    """The keyset cursor of an entry in newest-first order: ``<created_at UTC>_<id>``."""
    return f"{entry.created_at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}_{entry.id}"


def parse_cursor(cursor: str) -> tuple[datetime, int] | None:
    """``(created_at, id)`` from a cursor, or ``None`` when it is not one."""
    stamp, _, number = cursor.rpartition("_")
    try:
        created_at = datetime.fromisoformat(stamp)
        entry_id = int(number)
        # At the calendar's edge the time in UTC is out of range (OverflowError); an id
        # beyond the keys' range would reach the database, which refuses it.
        if created_at.tzinfo is None or not 0 <= entry_id <= ROW_ID_MAX:
            return None
        return created_at.astimezone(UTC), entry_id
    except (ValueError, OverflowError):
        return None


def paginate_newest(
    query: Select[Entry],
    number: int,
    per_page: int,
    fetch: Callable[[Select[Entry]], list[L]],
    before: tuple[datetime, int] | None = None,
    after: tuple[datetime, int] | None = None,
) -> Page[L]:
    """One page of a newest-first listing, by keyset when a cursor is given.

    ``before`` gives the entries older than that cursor and ``after`` the ones newer than it,
    each found by an index range instead of skipping rows; without either, page ``number``
    is found by offset (what a typed ``?page=N`` costs). The page carries both cursors.
    """
    if after is not None:
        stamp, entry_id = after
        newer_first = (
            query.where(
                Entry.created_at >= stamp, or_(Entry.created_at > stamp, Entry.id > entry_id)
            )
            .order_by(None)
            .order_by(Entry.created_at.asc(), Entry.id.asc())
            .limit(per_page + 1)
        )
        rows = fetch(newer_first)
        items = list(reversed(rows[:per_page]))
        at_start = len(rows) <= per_page
        page = Page(items=items, number=1 if at_start else max(number, 2), has_next=True)
    elif before is not None:
        stamp, entry_id = before
        older = query.where(
            Entry.created_at <= stamp, or_(Entry.created_at < stamp, Entry.id < entry_id)
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
            .order_by(Entry.created_at.desc(), Entry.id.desc())
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


def count_rows(query: Select[Any]) -> int:
    """How many rows ``query`` selects, its order ignored (one COUNT query)."""
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return int(db.session.scalar(counted) or 0)


def written_by(author: User) -> ColumnElement[bool]:
    """Entries whose author is ``author``; add it to any listing with ``.where``."""
    return Entry.author_id == author.id


def tagged(tag: str) -> ColumnElement[bool]:
    """Entries carrying the tag ``tag`` (any case); add it to any listing with ``.where``.

    Two plans, chosen by how many entries carry the tag (counted up to a bound, through
    the (tag_id, entry_id) index): a small tag's entries are fetched by id and sorted; a
    large tag is found by walking the newest-first index and probing each entry's tags,
    which stops as soon as a page is full. Either way a page costs a bounded amount.
    """
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
    """The entries tagged ``tag`` that the viewer may see, newest first."""
    return visible_entries(viewer).where(tagged(tag))


def search_entries(viewer: User | None, query: str) -> tuple[Select[Entry], ...]:
    """Entries the viewer may see that match ``query`` as plain words, best match first.

    SQLite ranks with FTS5's bm25, PostgreSQL with ``ts_rank``; no query text is syntax.
    The listing comes in parts, to be read one after another (see ``search.matching``).
    """
    return search.matching(visible_entries(viewer), query)


def search_snippets(entries: Sequence[Listed], query: str) -> dict[int, Markup]:
    """Highlighted extracts (escaped text with ``<mark>``) of these entries for ``query``."""
    return search.snippets([entry.id for entry in entries], query)


def public_entries(author: User | None = None, limit: int = 20) -> Select[Entry]:
    """The newest public entries (of ``author`` if given): what feeds show, whoever asks."""
    query = visible_entries(None) if author is None else entries_by(None, author)
    return query.limit(limit)
