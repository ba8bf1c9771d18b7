"""The rules of an entry and its writes: validation, create, update, delete."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from journal.exceptions import NotAllowed, ValidationFailed
from journal.extensions import db
from journal.markdown import render_markdown
from journal.models import VISIBILITIES, Entry, Tag, User, utcnow
from journal.services import listings
from journal.services.storable import unstorable

TITLE_MAX = 200
BODY_MAX = 100_000
TAGS_MAX = 10
TAG_MAX = 32
TAG_RE = re.compile(r"[a-z0-9-]{1,32}")


@dataclass(frozen=True)
class EntryInput:
    """What an entry is written from: title, Markdown body, visibility, tag names."""

    title: str
    body: str
    visibility: str = "private"
    tags: Sequence[str] = ()


def parse_tags(raw: str) -> list[str]:
    """Split a comma-separated tag field into its parts (not yet checked)."""
    return [part for part in (piece.strip() for piece in raw.split(",")) if part]


def is_tag_name(name: str) -> bool:
    """Whether ``name`` (already lower-cased) can be a tag at all."""
    return TAG_RE.fullmatch(name) is not None


def normalise_tags(names: Sequence[str]) -> list[str]:
    """Lower-case, de-duplicated tag names; raises ``ValidationFailed`` on a broken rule."""
    result: list[str] = []
    for name in names:
        tag = name.strip().lower()
        if not is_tag_name(tag):
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
    texts = [("title", data.title), ("body", data.body)] + [("tags", tag) for tag in data.tags]
    for field, text in texts:
        problem = unstorable(text)
        if problem is not None:
            errors.setdefault(field, [problem])
    title = data.title.strip()
    if not 1 <= len(title) <= TITLE_MAX:
        errors.setdefault("title", [f"Give a title of 1-{TITLE_MAX} characters."])
    if not 1 <= len(data.body) <= BODY_MAX or not data.body.strip():
        errors.setdefault("body", [f"Write 1-{BODY_MAX:,} characters."])
    if data.visibility not in VISIBILITIES:
        errors["visibility"] = ["Choose private or public."]
    tags: list[str] = []
    if "tags" not in errors:
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


def entry_input_of(entry: Entry) -> EntryInput:
    """The fields ``entry`` holds now, as an ``EntryInput`` (for partial changes)."""
    return EntryInput(
        title=entry.title,
        body=entry.body,
        visibility=entry.visibility,
        tags=[tag.name for tag in entry.tags],
    )


def get_entry_for_change(entry_id: int, editor: User) -> Entry:
    """The entry to change, loaded whole, if ``editor`` wrote it.

    Raises ``EntryNotFound`` when the editor may not see it and ``NotAllowed`` when they
    may see it but did not write it.
    """
    entry = listings.get_visible_entry(entry_id, editor)
    if entry.author_id != editor.id:
        raise NotAllowed()
    return entry
