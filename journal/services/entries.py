"""Entries: who may see them, writing and changing them, and the listings."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, Select, or_, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, selectinload

from journal.exceptions import EntryNotFound, NotAllowed, UserNotFound, ValidationFailed
from journal.extensions import db
from journal.markdown import render_markdown
from journal.models import VISIBILITIES, Entry, Tag, User, utcnow

TITLE_MAX = 200
BODY_MAX = 100_000
TAGS_MAX = 10
TAG_MAX = 32
TAG_RE = re.compile(r"[a-z0-9-]{1,32}")

T = TypeVar("T")


@dataclass(frozen=True)
class EntryInput:
    """What an entry is written from: title, Markdown body, visibility, tag names."""

    title: str
    body: str
    visibility: str = "private"
    tags: Sequence[str] = ()


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing; ``has_next`` comes from fetching one row more than shown."""

    items: list[T]
    number: int
    has_next: bool

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
    entry = Entry(
        author=author,
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
    if viewer is None:
        return Entry.is_public.is_(true())
    return or_(Entry.is_public.is_(true()), Entry.author_id == viewer.id)


def visible_entries(viewer: User | None) -> Select[Entry]:
    """Entries the viewer may see, newest first, with author and tags loaded alongside."""
    return (
        select(Entry)
        .where(visible_to(viewer))
        .options(joinedload(Entry.author), selectinload(Entry.tags))
        .order_by(Entry.created_at.desc(), Entry.id.desc())
    )


def get_entry(entry_id: int, viewer: User | None) -> Entry:
    """The entry if the viewer may see it; raises ``EntryNotFound`` otherwise."""
    entry = db.session.scalar(visible_entries(viewer).where(Entry.id == entry_id))
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


def paginate(query: Select[T], number: int, per_page: int) -> Page[T]:
    """One page of ``query``, fetching one row more than shown to know if another follows."""
    offset = (max(number, 1) - 1) * per_page
    rows = list(db.session.scalars(query.limit(per_page + 1).offset(offset)).unique())
    return Page(items=rows[:per_page], number=number, has_next=len(rows) > per_page)


def entries_by(viewer: User | None, author: User) -> Select[Entry]:
    """The entries of ``author`` that the viewer may see, newest first."""
    return visible_entries(viewer).where(Entry.author_id == author.id)


def entries_tagged(viewer: User | None, tag: str) -> Select[Entry]:
    """The entries tagged ``tag`` that the viewer may see, newest first."""
    return visible_entries(viewer).where(Entry.tags.any(Tag.name == tag.lower()))


def search_entries(viewer: User | None, query: str) -> Select[Entry]:
    """Entries the viewer may see that match ``query``, best match first.

    A plain substring match for now; the full-text search replaces it.
    """
    pattern = f"%{query.strip()}%"
    return visible_entries(viewer).where(or_(Entry.title.ilike(pattern), Entry.body.ilike(pattern)))
