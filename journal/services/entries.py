"""The rules of an entry and its writes: validation, create, update, delete."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.exc import StaleDataError

from journal.exceptions import JournalError, NotAllowed, ValidationFailed
from journal.extensions import db
from journal.markdown import render_markdown
from journal.models import VISIBILITIES, Entry, Tag, User, utcnow
from journal.services import events, listings, media, tag_rules, zones
from journal.services.storable import unstorable


class EditConflict(JournalError):
    """A save or delete started from an older version than the entry has now: nothing changed.

    ``current`` is the entry as it is now (the newer version), reloaded.
    """

    def __init__(self, current: Entry | None) -> None:
        super().__init__("The entry was changed since this edit began.")
        self.current = current


TITLE_MAX = 200
BODY_MAX = 100_000
TAGS_MAX = tag_rules.TAGS_MAX
TAG_MAX = tag_rules.TAG_MAX_LENGTH
# How far ahead of now an entry may be dated: a writer a day ahead in another zone may
# date tonight's entry, but no entry sits on top of every listing forever.
FUTURE_LIMIT = timedelta(days=1)
FUTURE_MESSAGE = "Choose a date no more than a day from now."
OUT_OF_CALENDAR_MESSAGE = "Choose a date between the years 1 and 9999."


@dataclass(frozen=True)
class EntryInput:
    """What an entry is written from: title, Markdown body, visibility, tags, date and zone.

    ``date`` is when it happened: ``None`` for now (a new entry) or unchanged (an edit); a
    naive datetime is a wall-clock time in ``timezone``; an aware one is an instant.
    ``timezone`` is the IANA zone the entry is written in: empty means the writer's own
    (a new entry) or the one it has (an edit).
    """

    title: str
    body: str
    visibility: str = "private"
    tags: Sequence[str] = ()
    date: datetime | None = None
    timezone: str = ""


@dataclass(frozen=True)
class CheckedEntry:
    """An entry's fields once every rule holds: what the writes store."""

    title: str
    tags: list[str]
    dated_at: datetime | None
    timezone: str


def parse_tags(raw: str) -> list[str]:
    """Split a comma-separated tag field into its parts (not yet checked)."""
    return tag_rules.split_tags(raw)


def is_tag_name(name: str) -> bool:
    """Whether ``name`` is a tag exactly as it is stored (normalised)."""
    return tag_rules.normalise_tag(name) == name


def normalise_tags(names: Sequence[str]) -> list[str]:
    """Normalised, de-duplicated tag names; raises ``ValidationFailed`` naming every bad one."""
    if any(not name.strip() for name in names):
        raise ValidationFailed.on("tags", "A tag cannot be empty.")
    checked = tag_rules.check_tags(names)
    if checked.refused or checked.too_many:
        raise ValidationFailed({"tags": checked.messages()})
    return checked.tags


def _dated(data: EntryInput, zone_name: str, errors: dict[str, list[str]]) -> datetime | None:
    """The entry's date as an aware UTC instant (``None``: none given), or an error noted."""
    if data.date is None:
        return None
    moment = data.date
    if moment.tzinfo is None and "timezone" in errors:
        return None
    try:
        if moment.tzinfo is None:
            moment = zones.local_to_utc(moment, zone_name)
        moment = moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:30 east of Greenwich is before year 1 in UTC
        errors["date"] = [OUT_OF_CALENDAR_MESSAGE]
        return None
    if moment > utcnow() + FUTURE_LIMIT:
        errors["date"] = [FUTURE_MESSAGE]
        return None
    return moment


def check_entry(data: EntryInput, zone_name: str = "UTC") -> CheckedEntry:
    """Validate an entry's fields; ``zone_name`` is the zone it is written in if none is given."""
    errors: dict[str, list[str]] = {}
    texts = [("title", data.title), ("body", data.body), ("timezone", data.timezone)]
    for field, value in texts + [("tags", tag) for tag in data.tags]:
        problem = unstorable(value)
        if problem is not None:
            errors.setdefault(field, [problem])
    title = data.title.strip()
    if not 1 <= len(title) <= TITLE_MAX:
        errors.setdefault("title", [f"Give a title of 1-{TITLE_MAX} characters."])
    if not 1 <= len(data.body) <= BODY_MAX or not data.body.strip():
        errors.setdefault("body", [f"Write 1-{BODY_MAX:,} characters."])
    if data.visibility not in VISIBILITIES:
        errors["visibility"] = ["Choose private or public."]
    zone_name = data.timezone or zone_name
    if "timezone" not in errors and not zones.is_valid_zone(zone_name):
        errors["timezone"] = [zones.UNKNOWN_ZONE_MESSAGE]
    dated_at = _dated(data, zone_name, errors)
    tags: list[str] = []
    if "tags" not in errors:
        try:
            tags = normalise_tags(data.tags)
        except ValidationFailed as error:
            errors.update(error.errors)
    if errors:
        raise ValidationFailed(errors)
    return CheckedEntry(title, tags, dated_at, zone_name)


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
    """Write a new entry for ``author`` (dated now, in their zone, unless the input says)."""
    checked = check_entry(data, author.timezone)
    now = utcnow()  # one clock reading: a new entry is not "edited"
    entry = Entry(
        author=author,
        created_at=now,
        updated_at=now,
        dated_at=checked.dated_at or now,
        timezone=checked.timezone,
        title=checked.title,
        body=data.body,
        body_html=render_markdown(data.body),
        is_public=data.visibility == "public",
        tags=tags_named(checked.tags),
    )
    db.session.add(entry)
    media.link_entry_media(entry)
    db.session.flush()
    event = events.entry_event("created", entry)
    db.session.commit()
    events.publish(event)
    return entry


def _check_version(entry: Entry, started_from: int | None) -> None:
    if started_from is not None and started_from != entry.version:
        raise EditConflict(entry)


def _commit_versioned(
    entry: Entry, kind: str, after_flush: Callable[[], None] | None = None
) -> events.Event:
    """Commit a change of ``entry`` and return its event; ``EditConflict`` when another save
    came first.

    The UPDATE or DELETE names the version it read (the mapper's ``version_id_col``), so a
    concurrent save between our read and our write changes nothing here.
    """
    entry_id = entry.id
    # A deleted entry is described before it goes; a changed one once its version moved.
    event = events.entry_event(kind, entry) if kind == "deleted" else None
    try:
        db.session.flush()
        if after_flush is not None:
            after_flush()  # more writes of the same change, once the version held
        event = event or events.entry_event(kind, entry)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise EditConflict(db.session.get(Entry, entry_id)) from None
    return event


def update_entry(entry: Entry, data: EntryInput, started_from: int | None = None) -> Entry:
    """Change an entry's fields and re-render its body (no date given: the date stays).

    ``started_from`` is the version the writer began with: when the entry has moved on
    since, ``EditConflict`` is raised and nothing is written.
    """
    _check_version(entry, started_from)
    checked = check_entry(data, entry.timezone)
    entry.title = checked.title
    if entry.body != data.body:
        entry.body = data.body
        entry.body_html = render_markdown(data.body)
    if checked.dated_at is not None:
        entry.dated_at = checked.dated_at
    entry.timezone = checked.timezone
    entry.is_public = data.visibility == "public"
    entry.tags = tags_named(checked.tags)
    entry.updated_at = utcnow()
    events.publish(
        _commit_versioned(entry, "changed", after_flush=lambda: media.link_entry_media(entry))
    )
    return entry


def delete_entry(entry: Entry, started_from: int | None = None) -> None:
    """Remove an entry for good; its photos are released (``media-gc`` removes unused ones).

    ``started_from``: as in ``update_entry``.
    """
    _check_version(entry, started_from)
    db.session.delete(entry)
    events.publish(_commit_versioned(entry, "deleted"))


def entry_input_of(entry: Entry) -> EntryInput:
    """The fields ``entry`` holds now, as an ``EntryInput`` (for partial changes)."""
    return EntryInput(
        title=entry.title,
        body=entry.body,
        visibility=entry.visibility,
        tags=[tag.name for tag in entry.tags],
        date=entry.dated_at,
        timezone=entry.timezone,
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
